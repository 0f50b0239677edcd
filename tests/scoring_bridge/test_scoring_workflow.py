"""Workflow: allowed status moves only, the deadlines of mục IV.2, changes need a reason."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from scoring_bridge import (
    TRANSITIONS,
    AppraisalChange,
    Status,
    UnitPoints,
    apply_changes,
    deadline,
    is_late,
    load_deadlines_text,
    shipped_schedules,
    transition,
)

MOVES = [(a, b) for a in Status for b in Status]
ALLOWED = {
    (Status.DRAFT, Status.SUBMITTED),
    (Status.SUBMITTED, Status.APPRAISED),
    (Status.SUBMITTED, Status.DRAFT),  # returned for completion
    (Status.SUBMITTED, Status.RETURNED),  # some sub-criteria returned for explanation
    (Status.RETURNED, Status.EXPLAINED),
    (Status.EXPLAINED, Status.APPRAISED),  # second appraisal
    (Status.EXPLAINED, Status.RETURNED),
    (Status.APPRAISED, Status.PUBLISHED),
}


@pytest.mark.parametrize(("current", "new"), MOVES, ids=lambda s: s.value)
def test_only_the_allowed_moves(current: Status, new: Status) -> None:
    if (current, new) in ALLOWED:
        assert transition(current, new) is new
        assert transition(current.value, new.value) is new
    else:
        with pytest.raises(ValueError, match=f"cannot go from '{current}' to '{new}'"):
            transition(current, new)
    assert {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts} == ALLOWED


def test_a_status_message_says_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="the next status can only be appraised or draft"):
        transition("submitted", "published")
    with pytest.raises(ValueError, match="it is final"):
        transition("published", "draft")
    with pytest.raises(ValueError, match="did you mean 'submitted'"):
        transition("draft", "submited")


# (unit type, step, evaluation year, done on, today, late?)
LATE = [
    ("commune", "self_assessment", 2023, date(2023, 11, 30), date(2024, 2, 1), False),  # by 30/11
    ("commune", "self_assessment", 2023, date(2023, 12, 1), date(2024, 2, 1), True),
    ("department", "self_assessment", 2023, date(2023, 12, 15), date(2024, 2, 1), False),
    ("department", "self_assessment", 2023, date(2023, 12, 16), date(2024, 2, 1), True),
    ("district", "self_assessment", 2023, date(2023, 12, 20), date(2024, 2, 1), False),
    ("district", "self_assessment", 2023, date(2023, 12, 21), date(2024, 2, 1), True),
    # not submitted yet: late only once the deadline has passed
    ("district", "self_assessment", 2023, None, date(2023, 12, 20), False),
    ("district", "self_assessment", 2023, None, date(2023, 12, 21), True),
    # appraisal "before 15/01 of the next year": 14/01 is the last day
    ("department", "appraisal", 2023, date(2024, 1, 14), date(2024, 2, 1), False),
    ("department", "appraisal", 2023, date(2024, 1, 15), date(2024, 2, 1), True),
    ("district", "appraisal", 2024, None, date(2025, 1, 14), False),
    ("district", "appraisal", 2024, None, date(2025, 1, 15), True),
    # communes are appraised and ranked by their district before it reports (20/12)
    ("commune", "appraisal", 2023, date(2023, 12, 20), date(2024, 2, 1), False),
    ("commune", "appraisal", 2023, date(2023, 12, 21), date(2024, 2, 1), True),
]


@pytest.mark.parametrize(("unit_type", "step", "year", "done", "today", "late"), LATE)
def test_deadlines_of_the_decision(
    unit_type: str, step: str, year: int, done: date | None, today: date, late: bool
) -> None:
    assert is_late(unit_type, year, done, today, step=step) is late


def test_deadlines_are_data_with_their_article() -> None:
    (schedule,) = shipped_schedules()
    assert schedule.effective_from == 2023
    assert "1877/QĐ-UBND" in schedule.decision
    assert "mục IV.2.a" in deadline("commune", 2023).text
    assert deadline("department", 2026, "appraisal").last_day(2026) == date(2027, 1, 14)
    with pytest.raises(ValueError, match="did you mean 'district'"):
        deadline("distrct", 2023)
    with pytest.raises(ValueError, match="no deadlines are in force for 2020"):
        deadline("district", 2020)


def test_a_new_schedule_takes_effect_without_code() -> None:
    text = """{"schedules": [
      {"effective_from": 2023, "decision": "A", "unit_types": {"commune": {
        "self_assessment": {"by": "11-30", "year_offset": 0, "text": "30/11"},
        "appraisal": {"by": "12-20", "year_offset": 0, "text": "20/12"}}}},
      {"effective_from": 2026, "decision": "B", "unit_types": {"commune": {
        "self_assessment": {"by": "12-10", "year_offset": 0, "text": "10/12"},
        "appraisal": {"before": "01-15", "year_offset": 1, "text": "15/01"}}}}]}"""
    schedules = load_deadlines_text(text).unwrap()
    assert deadline("commune", 2025, schedules=schedules).last_day(2025) == date(2025, 11, 30)
    assert deadline("commune", 2026, schedules=schedules).last_day(2026) == date(2026, 12, 10)


def test_bad_deadlines_are_all_reported() -> None:
    text = """{"schedules": [{"effective_from": 2023, "decision": "A", "unit_types": {
        "commune": {"self_assessment": {"by": "02-30", "year_offset": 0, "text": "x"},
                    "appraisal": {"by": "12-20", "before": "12-21", "year_offset": 0,
                                  "text": "y"}}}}]}"""
    result = load_deadlines_text(text)
    assert [(p.location, p.message) for p in result.problems] == [
        (
            "schedules[0].unit_types.commune.self_assessment.by",
            "by '02-30' must be a day of the year 'MM-DD'",
        ),
        (
            "schedules[0].unit_types.commune.appraisal",
            "give exactly one of 'by' (that day included) or 'before' (excluded)",
        ),
    ]


WHEN = datetime(2024, 1, 5, 3, 0, tzinfo=UTC)


def test_an_appraisal_change_needs_a_reason() -> None:
    for reason in ("", "   "):
        with pytest.raises(
            ValueError, match=re.escape("a reason is required to change '1.2' of unit 'SNV'")
        ):
            AppraisalChange("SNV", "1.2", 10, 8, reason, "thamdinh01", WHEN)
    with pytest.raises(ValueError, match="must be a timezone-aware datetime"):
        AppraisalChange("SNV", "1.2", 10, 8, "thiếu tài liệu", "thamdinh01", datetime(2024, 1, 5))
    with pytest.raises(ValueError, match="new points -1 must be a number ≥ 0"):
        AppraisalChange("SNV", "1.2", 10, -1, "thiếu tài liệu", "thamdinh01", WHEN)


def test_changes_apply_in_order_and_refuse_stale_figures() -> None:
    self_assessed = UnitPoints("SNV", "department", True, {"1.2": 10, "8.1": 20})
    changes = [
        AppraisalChange("SNV", "1.2", 10, 8, "Thiếu tài liệu kiểm chứng", "thamdinh01", WHEN),
        AppraisalChange("SNV", "1.2", 8, 9, "Bổ sung tài liệu", "thamdinh02", WHEN),
        AppraisalChange("SNV", "8.2.1", None, 12, "Kết quả của Bộ Nội vụ", "thamdinh01", WHEN),
    ]
    appraised = apply_changes(self_assessed, changes)
    assert dict(appraised.points) == {"1.2": 9, "8.1": 20, "8.2.1": 12}
    assert dict(self_assessed.points) == {"1.2": 10, "8.1": 20}  # unchanged
    stale = AppraisalChange("SNV", "1.2", 7, 5, "x", "thamdinh01", WHEN)
    with pytest.raises(ValueError, match="the change expects 7 but the points are 10"):
        apply_changes(self_assessed, [stale])
    other = AppraisalChange("STP", "1.2", 10, 5, "x", "thamdinh01", WHEN)
    with pytest.raises(ValueError, match="a change for unit 'STP' cannot apply to unit 'SNV'"):
        apply_changes(self_assessed, [other])
