"""Where the shipped data files live (``scoring_bridge/data/``), via importlib.resources."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def data_root() -> Traversable:
    """The package's ``data/`` folder."""
    return resources.files("scoring_bridge") / "data"


def shipped_files(kind: str) -> tuple[tuple[int, str], ...]:
    """``(year, unit_type)`` of every ``data/<kind>/<year>/<unit_type>.json``, sorted."""
    root = data_root() / kind
    found: list[tuple[int, str]] = []
    if not root.is_dir():
        return ()
    for year_dir in root.iterdir():
        if not (year_dir.is_dir() and year_dir.name.isdigit()):
            continue
        for item in year_dir.iterdir():
            if item.is_file() and item.name.endswith(".json"):
                found.append((int(year_dir.name), item.name.removesuffix(".json")))
    return tuple(sorted(found))


def shipped_file(kind: str, year: int, unit_type: str) -> Traversable:
    """The file ``data/<kind>/<year>/<unit_type>.json`` (it may not exist)."""
    return data_root() / kind / str(year) / f"{unit_type}.json"
