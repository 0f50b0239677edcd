"""Who appraises whom is data per year: districts appraise their communes in 2023, the province
appraises communes from 2025 (no districts)."""

from __future__ import annotations

import pytest

from scoring_bridge.appraisers import appraiser_of, schedules_from_data


@pytest.mark.parametrize(
    ("unit_type", "year", "who"),
    [
        ("department", 2023, "province"),
        ("district", 2023, "province"),
        ("commune", 2023, "parent"),
        ("commune", 2024, "parent"),
        ("commune", 2025, "province"),
        ("department", 2026, "province"),
        ("commune", 2020, "province"),  # before any schedule: the province
    ],
)
def test_the_shipped_schedule(unit_type: str, year: int, who: str) -> None:
    assert appraiser_of(unit_type, year) == who


def test_a_bad_schedule_lists_every_problem() -> None:
    with pytest.raises(ValueError) as caught:
        schedules_from_data(
            {"schedules": [{"effective_from": "x", "appraisers": {"commune": "district"}}]}
        )
    message = str(caught.value)
    assert "effective_from: a year is required" in message
    assert "'district' must be one of province, parent" in message
