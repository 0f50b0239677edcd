"""``scoring_bridge`` re-exports its names and ships its data (imports: tests/test_project.py)."""

from __future__ import annotations

from pathlib import Path

import scoring_bridge

PACKAGE = Path(scoring_bridge.__file__).parent


def test_the_package_reexports_its_public_names() -> None:
    for name in scoring_bridge.__all__:
        assert hasattr(scoring_bridge, name), name


def test_the_data_is_json_beside_the_code() -> None:
    data = PACKAGE / "data"
    assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*.json")) == [
        "catalogs/2023/commune.json",
        "catalogs/2023/department.json",
        "catalogs/2023/district.json",
        "rules81/2023/commune.json",
        "rules81/2023/department.json",
        "rules81/2023/district.json",
        "workflow/appraisers.json",
        "workflow/deadlines.json",
    ]
