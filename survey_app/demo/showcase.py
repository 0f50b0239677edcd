"""What makes every page of the demo show something (issue 13, item 7): the demo round's
populations and saved plan (progress has targets), an earlier round of the same questionnaire
with answers (the change page), a burst of doubtful answers at one counter, flagged by the
signals (the review pages), and PAR assessments in every workflow status (the PAR pages).

Added by :func:`survey_app.demo.prepare` to a new demo database with simulated answers; the
reliability scripts and benchmarks seed without it. Made-up numbers, never used outside the demo.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db import utcnow
from survey_app.db.models import Counter, Response, SurveyRound, Unit

EARLIER_ROUND = "SIPAS 2022 (demo)"
BURST_COUNTER_UNIT = "SNV"
BURST_SIZE = 12
# a unit's completed dossiers in the reference period, by unit type (made up)
POPULATION_RANGE = {"department": (1500, 9000), "district": (2000, 12000), "commune": (300, 2500)}
# PAR assessments of the year moved along the workflow: how many departments, in code order
STATUS_COUNTS = {"submitted": 5, "appraised": 5, "published": 4}


@dataclass(frozen=True)
class Showcase:
    """What was added (the demo prints nothing of it; the tests check it)."""

    planned: int
    earlier_answers: int
    flagged: int
    statuses: dict[str, int]


def plan_demo_round(session: Session, survey_round: SurveyRound, seed: int = 2023) -> int:
    """Populations for every unit of the round and a per-unit plan (5 % margin), saved."""
    from sampling import SizeParams, Stratum, build_plan
    from survey_app.planning.plans import save_plan

    rng = random.Random(seed)
    strata = []
    for unit in sorted(survey_round.units, key=lambda u: u.code):
        low, high = POPULATION_RANGE.get(unit.unit_type.code, (500, 5000))
        strata.append(Stratum(code=unit.code, population=rng.randint(low, high)))
    plan = build_plan(strata, "per-unit", SizeParams(margin=0.05))
    save_plan(session, survey_round, strata, plan, created_by="demo")
    return plan.total


def earlier_round(session: Session, current: SurveyRound, per_unit: int) -> int:
    """A closed round of the same questionnaire a year earlier, answered a little less well."""
    from survey_app.demo import simulate_responses
    from survey_app.survey.rounds import create_round

    opens = current.opens_at - timedelta(days=365)
    create_round(
        session,
        name=EARLIER_ROUND,
        questionnaire_id=current.questionnaire_id,
        questionnaire_version=current.questionnaire_version,
        opens_at=opens,
        closes_at=opens + timedelta(days=270),
        units=list(current.units),
    )
    return simulate_responses(
        session, per_unit, seed=2022, round_name=EARLIER_ROUND, days=200, shift=-0.06
    )


def burst(session: Session, survey_round: SurveyRound, config: Mapping[str, Any]) -> int:
    """Twelve answers at one counter within three minutes, every item 5, in nine seconds each;
    then the round's signals are computed, as ``sipas review scan`` does. Returns the flagged."""
    from survey_app.trust import signals

    counter = session.scalar(
        select(Counter).join(Unit).where(Unit.code == BURST_COUNTER_UNIT).order_by(Counter.code)
    )
    if counter is None:
        return 0
    start = min(utcnow(), survey_round.closes_at) - timedelta(days=2)
    while start.weekday() >= 5:  # a weekday (03:00 UTC is the same day in Vietnam)
        start -= timedelta(days=1)
    start = start.replace(hour=3, minute=0, second=0, microsecond=0)  # 10:00 in Vietnam
    for number in range(BURST_SIZE):
        session.add(
            Response(
                submission_id=f"demo-burst-{number}",
                round_id=survey_round.id,
                unit_id=counter.unit_id,
                counter_id=counter.id,
                channel="simulated",
                submitted_at=start + timedelta(seconds=15 * number),
                questionnaire_id=survey_round.questionnaire_id,
                questionnaire_version=survey_round.questionnaire_version,
                answers=dict.fromkeys((f"q{n}" for n in range(15, 34)), 5),
                profile={},
                elapsed_seconds=9.0,
            )
        )
    session.flush()
    report = signals.scan(session, survey_round.id, config, "demo")
    return report.flagged


def assessments(session: Session, year: int) -> dict[str, int]:
    """Departments' assessments moved along draft → submitted → appraised → published (the rest
    stay drafts), submitted on time."""
    from survey_app.par.scoring import set_status, year_units

    units = year_units(session, year, {"department"})
    moved: dict[str, int] = {}
    paths = {
        "submitted": ("submitted",),
        "appraised": ("submitted", "appraised"),
        "published": ("submitted", "appraised", "published"),
    }
    start = 0
    for status, count in STATUS_COUNTS.items():
        for unit in units[start : start + count]:
            for step in paths[status]:
                set_status(session, year, unit, step, date(year, 11, 20))
        moved[status] = len(units[start : start + count])
        start += count
    moved["draft"] = max(len(units) - start, 0)
    return moved


def add_showcase(
    session: Session, survey_round: SurveyRound, config: Mapping[str, Any], per_unit: int
) -> Showcase:
    """Plan, earlier round, burst and flags for the demo round (module doc)."""
    planned = plan_demo_round(session, survey_round)
    earlier = earlier_round(session, survey_round, max(per_unit // 2, 5))
    flagged = burst(session, survey_round, config)
    return Showcase(planned, earlier, flagged, {})
