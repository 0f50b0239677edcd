"""The yearly self-assessment → appraisal → publication workflow, its deadlines and audit trail.

Decision 1877/QĐ-UBND, mục III.1.c: units self-assess ("Điểm tự đánh giá"), the appraisal
council confirms or changes the points ("Điểm đạt được"); mục IV.2: the deadlines, kept as data in
``scoring_bridge/data/workflow/deadlines.json`` with the year they take effect, so a later
decision (or the two-tier structure of 2025) is a new schedule, not new code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from scoring_bridge._shipped import data_root
from scoring_bridge.problems import (
    UNIT_TYPE_RE,
    UNREADABLE,
    LoadResult,
    Problems,
    check_keys,
    did_you_mean,
    is_number,
    num,
    read_json,
    show,
)
from scoring_bridge.scores import UnitPoints


class Status(StrEnum):
    """Where a unit's scoring of one year stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    EXPLAINED = "explained"
    APPRAISED = "appraised"
    PUBLISHED = "published"


STATUS_LABELS: Mapping[Status, tuple[str, str]] = MappingProxyType(
    {
        Status.DRAFT: ("Đang tự đánh giá", "Self-assessment in progress"),
        Status.SUBMITTED: ("Đã gửi kết quả tự đánh giá", "Self-assessment submitted"),
        Status.RETURNED: ("Trả lại để giải trình", "Returned for explanation"),
        Status.EXPLAINED: (
            "Đã giải trình, chờ thẩm định lần 2",
            "Explained, awaiting 2nd appraisal",
        ),
        Status.APPRAISED: ("Đã thẩm định", "Appraised"),
        Status.PUBLISHED: ("Đã công bố", "Published"),
    }
)
"""(Vietnamese, English) label of each status."""

TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        Status.DRAFT: frozenset({Status.SUBMITTED}),
        # The appraisers may return a submission for completion (thiếu tài liệu kiểm chứng), or
        # return some sub-criteria for explanation (giải trình), then appraise a second time.
        Status.SUBMITTED: frozenset({Status.APPRAISED, Status.DRAFT, Status.RETURNED}),
        Status.RETURNED: frozenset({Status.EXPLAINED}),
        Status.EXPLAINED: frozenset({Status.APPRAISED, Status.RETURNED}),
        Status.APPRAISED: frozenset({Status.PUBLISHED}),
        Status.PUBLISHED: frozenset(),
    }
)
"""The allowed next statuses of each status; a published result is final."""


def as_status(value: Status | str) -> Status:
    """``"submitted"`` → Status.SUBMITTED; ValueError with a did-you-mean otherwise."""
    try:
        return Status(value)
    except ValueError:
        names = [s.value for s in Status]
        hint = did_you_mean(str(value), names)
        raise ValueError(
            f"unknown status {value!r}: one of {', '.join(names)}{f' ({hint})' if hint else ''}"
        ) from None


def transition(current: Status | str, new: Status | str) -> Status:
    """The new status, when the move from ``current`` is allowed; ValueError otherwise."""
    now, then = as_status(current), as_status(new)
    if then not in TRANSITIONS[now]:
        allowed = sorted(s.value for s in TRANSITIONS[now])
        after = f"the next status can only be {' or '.join(allowed)}" if allowed else "it is final"
        raise ValueError(f"cannot go from {now.value!r} to {then.value!r}: {after}")
    return then


# --- deadlines ----------------------------------------------------------------------------

STEPS = ("self_assessment", "appraisal")
_MONTH_DAY = re.compile(r"(\d\d)-(\d\d)")


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline: day ``month/day`` of the evaluation year + ``year_offset``.

    ``inclusive`` True means "by" (chậm nhất ngày: that day is still on time); False means
    "before" (trước ngày: the day before is the last one).
    """

    unit_type: str
    step: str
    month: int
    day: int
    year_offset: int
    inclusive: bool
    text: str

    def last_day(self, year: int) -> date:
        """The last day on time for the evaluation ``year``."""
        day = date(year + self.year_offset, self.month, self.day)
        return day if self.inclusive else day - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Schedule:
    """The deadlines in force from ``effective_from`` (an evaluation year) on."""

    effective_from: int
    decision: str
    deadlines: Mapping[tuple[str, str], Deadline]


def load_deadlines_text(text: str | bytes) -> LoadResult[tuple[Schedule, ...]]:
    """Load schedules from JSON text; every problem is collected."""
    out = Problems()
    data = read_json(text, out)
    if data is UNREADABLE:
        return out.result(None)
    return load_deadlines_data(data, out=out)


def load_deadlines_data(
    data: object, *, out: Problems | None = None
) -> LoadResult[tuple[Schedule, ...]]:
    """Check and build schedules: ``{"schedules": [{effective_from, decision, unit_types}]}``."""
    out = out if out is not None else Problems()
    if not isinstance(data, dict) or not isinstance(data.get("schedules"), list):
        out.add("", "deadlines must be an object {'schedules': [...]}")
        return out.result(None)
    schedules: list[Schedule] = []
    years: set[int] = set()
    for i, item in enumerate(data["schedules"]):
        where = f"schedules[{i}]"
        if not isinstance(item, dict):
            out.add(where, f"a schedule must be an object, got {show(item)}")
            continue
        check_keys(item, where, "schedule", ("effective_from", "decision", "unit_types"), (), out)
        year = item.get("effective_from")
        if not (isinstance(year, int) and not isinstance(year, bool) and year >= 1990):
            out.add(f"{where}.effective_from", f"effective_from {show(year)} must be a year")
        elif year in years:
            out.add(f"{where}.effective_from", f"two schedules take effect in {year}")
        else:
            years.add(year)
        types = item.get("unit_types")
        if not isinstance(types, dict) or not types:
            out.add(f"{where}.unit_types", "unit_types must map unit types to their deadlines")
            continue
        deadlines: dict[tuple[str, str], Deadline] = {}
        for unit_type, steps in types.items():
            here = f"{where}.unit_types.{unit_type}"
            if not UNIT_TYPE_RE.fullmatch(unit_type):
                out.add(here, f"unit type {unit_type!r} must be a code like 'department'")
            if not isinstance(steps, dict):
                out.add(here, f"the deadlines of {unit_type!r} must be an object")
                continue
            check_keys(steps, here, "unit type", STEPS, (), out)
            for step in STEPS:
                if isinstance(steps.get(step), dict):
                    found = _deadline(unit_type, step, steps[step], f"{here}.{step}", out)
                    if found is not None:
                        deadlines[(unit_type, step)] = found
        decision = item.get("decision")
        if not isinstance(decision, str):
            out.add(f"{where}.decision", f"decision {show(decision)} must be a string")
        if isinstance(year, int):
            schedules.append(Schedule(year, str(decision), MappingProxyType(deadlines)))
    return out.result(tuple(sorted(schedules, key=lambda s: s.effective_from)))


def _deadline(
    unit_type: str, step: str, item: Mapping[str, Any], where: str, out: Problems
) -> Deadline | None:
    check_keys(item, where, "deadline", ("year_offset", "text"), ("by", "before"), out)
    if ("by" in item) == ("before" in item):
        out.add(where, "give exactly one of 'by' (that day included) or 'before' (excluded)")
        return None
    key = "by" if "by" in item else "before"
    match = _MONTH_DAY.fullmatch(str(item[key]))
    month = day = 0
    if match:
        month, day = int(match[1]), int(match[2])
    try:
        date(2023, month, day)  # a common year: 02-29 is not a yearly deadline
    except ValueError:
        out.add(f"{where}.{key}", f"{key} {show(item[key])} must be a day of the year 'MM-DD'")
        return None
    offset = item.get("year_offset")
    if not (isinstance(offset, int) and not isinstance(offset, bool) and 0 <= offset <= 1):
        out.add(f"{where}.year_offset", f"year_offset {show(offset)} must be 0 or 1")
        return None
    text = item.get("text")
    if not (isinstance(text, str) and text.strip()):
        out.add(f"{where}.text", "text must say what the deadline is, and its article")
        return None
    return Deadline(unit_type, step, month, day, offset, key == "by", text)


@cache
def shipped_schedules() -> tuple[Schedule, ...]:
    """The shipped schedules (``data/workflow/deadlines.json``); ValueError if it is broken."""
    item = data_root() / "workflow" / "deadlines.json"
    return load_deadlines_text(item.read_bytes()).located_in("workflow/deadlines.json").unwrap()


def deadline(
    unit_type: str,
    year: int,
    step: str = "self_assessment",
    schedules: Sequence[Schedule] | None = None,
) -> Deadline:
    """The deadline of ``step`` for ``unit_type`` in evaluation ``year``.

    Uses the latest schedule with effective_from ≤ year (the shipped ones by default).
    """
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}: one of {', '.join(STEPS)}")
    schedules = shipped_schedules() if schedules is None else schedules
    in_force = [s for s in schedules if s.effective_from <= year]
    if not in_force:
        raise ValueError(f"no deadlines are in force for {year}")
    schedule = in_force[-1]
    found = schedule.deadlines.get((unit_type, step))
    if found is None:
        types = sorted({t for t, _ in schedule.deadlines})
        hint = did_you_mean(unit_type, types) or f"known: {', '.join(types)}"
        raise ValueError(
            f"no {step} deadline for unit type {unit_type!r} in {year} ({schedule.decision}); "
            f"{hint}"
        )
    return found


def is_late(
    unit_type: str,
    year: int,
    submitted_on: date | None,
    today: date,
    *,
    step: str = "self_assessment",
    schedules: Sequence[Schedule] | None = None,
) -> bool:
    """True when the step was done after its deadline, or is not done and the deadline passed.

    Communes by 30/11, departments by 15/12, districts by 20/12; appraisal of departments and
    districts before 15/01 of the next year (mục IV.2).
    """
    last = deadline(unit_type, year, step, schedules).last_day(year)
    return (submitted_on if submitted_on is not None else today) > last


# --- appraisal changes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppraisalChange:
    """The council's change of one leaf's points ("Điểm đạt được" ≠ "Điểm tự đánh giá").

    A reason and who made it are required; ``when`` must be timezone-aware (stored as UTC).
    """

    unit_code: str
    code: str
    old: float | None
    new: float
    reason: str
    who: str
    when: datetime

    def __post_init__(self) -> None:
        for key in ("unit_code", "code", "who"):
            value = getattr(self, key)
            if not (isinstance(value, str) and value.strip()):
                raise ValueError(f"{key} {value!r} must be a non-empty string")
        if not (isinstance(self.reason, str) and self.reason.strip()):
            raise ValueError(
                f"a reason is required to change {self.code!r} of unit {self.unit_code!r} "
                f"(got {self.reason!r})"
            )
        if not (is_number(self.new) and self.new >= 0):
            raise ValueError(f"new points {self.new!r} must be a number ≥ 0")
        if self.old is not None and not (is_number(self.old) and self.old >= 0):
            raise ValueError(f"old points {self.old!r} must be None or a number ≥ 0")
        if not isinstance(self.when, datetime) or self.when.utcoffset() is None:
            raise ValueError(f"when {self.when!r} must be a timezone-aware datetime")


def apply_changes(points: UnitPoints, changes: Sequence[AppraisalChange]) -> UnitPoints:
    """The unit's points after the council's changes, in order.

    Each change's ``old`` must be the current value (None when the leaf had none), so a change
    made on stale figures is refused; maxima are checked later by ``score_unit``.
    """
    current = dict(points.points)
    for change in changes:
        if change.unit_code != points.unit_code:
            raise ValueError(
                f"a change for unit {change.unit_code!r} cannot apply to unit {points.unit_code!r}"
            )
        now = current.get(change.code)
        same = (
            now is None
            if change.old is None
            else now is not None and math.isclose(float(now), change.old, rel_tol=0, abs_tol=1e-9)
        )
        if not same:
            shown = "none" if now is None else num(float(now))
            raise ValueError(
                f"unit {points.unit_code!r}, {change.code!r}: the change expects "
                f"{'none' if change.old is None else num(change.old)} but the points are {shown}"
            )
        current[change.code] = change.new
    return UnitPoints(
        points.unit_code, points.unit_type, points.ranked, current, points.from_previous_year
    )
