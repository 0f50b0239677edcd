"""Who appraises whom, as data per year (``data/workflow/appraisers.json``).

Decision 1877 §IV.2: in 2023 the province (Sở Nội vụ and its council) appraises departments and
districts, and each district appraises its own communes; from 2025 (two-tier local government,
no districts) the province appraises communes too. Each schedule holds from its
``effective_from`` year until the next one; a unit type maps to ``province`` or ``parent`` (the
unit's parent unit appraises it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from scoring_bridge._shipped import data_root

APPRAISERS = ("province", "parent")


@dataclass(frozen=True, slots=True)
class AppraiserSchedule:
    effective_from: int
    decision: str
    appraisers: MappingProxyType[str, str]
    text: str


def schedules_from_data(data: Any) -> tuple[AppraiserSchedule, ...]:
    """Build the schedules; ValueError listing every problem (where, what) otherwise."""
    problems: list[str] = []
    found: list[AppraiserSchedule] = []
    items = data.get("schedules") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValueError("appraisers: 'schedules' must be a non-empty list")
    for i, item in enumerate(items):
        where = f"schedules[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        year = item.get("effective_from")
        if not isinstance(year, int) or isinstance(year, bool):
            problems.append(f"{where}.effective_from: a year is required")
        mapping = item.get("appraisers")
        if not isinstance(mapping, dict) or not mapping:
            problems.append(f"{where}.appraisers: map each unit type to province or parent")
            continue
        for unit_type, who in mapping.items():
            if who not in APPRAISERS:
                problems.append(
                    f"{where}.appraisers.{unit_type}: {who!r} must be one of "
                    f"{', '.join(APPRAISERS)}"
                )
        if isinstance(year, int):
            found.append(
                AppraiserSchedule(
                    year,
                    str(item.get("decision", "")),
                    MappingProxyType(dict(mapping)),
                    str(item.get("text", "")),
                )
            )
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(sorted(found, key=lambda s: s.effective_from))


@cache
def shipped_appraisers() -> tuple[AppraiserSchedule, ...]:
    item = data_root() / "workflow" / "appraisers.json"
    return schedules_from_data(json.loads(item.read_text(encoding="utf-8")))


def appraiser_of(
    unit_type: str, year: int, schedules: tuple[AppraiserSchedule, ...] | None = None
) -> str:
    """``province`` or ``parent`` for a unit of ``unit_type`` in ``year`` (province by default)."""
    in_force = [s for s in (schedules or shipped_appraisers()) if s.effective_from <= year]
    if not in_force:
        return "province"
    return in_force[-1].appraisers.get(unit_type, "province")
