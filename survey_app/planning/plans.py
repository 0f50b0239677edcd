"""A round's sample plan in the database, and live progress against it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sampling import Plan, Stratum, margin_of_error
from survey_app.db.models import PlanTarget, RoundPopulation, SamplePlan, SurveyRound, Unit
from survey_app.survey.rounds import counts_by_unit


def round_unit_codes(survey_round: SurveyRound) -> dict[str, Unit]:
    """The round's units by code."""
    return {unit.code: unit for unit in survey_round.units}


def save_plan(
    session: Session,
    survey_round: SurveyRound,
    strata: Sequence[Stratum],
    plan: Plan,
    created_by: str = "",
) -> SamplePlan:
    """Replace the round's populations and plan with these (the caller commits)."""
    units = round_unit_codes(survey_round)
    session.execute(delete(RoundPopulation).where(RoundPopulation.round_id == survey_round.id))
    old = session.scalar(select(SamplePlan).where(SamplePlan.round_id == survey_round.id))
    if old is not None:
        session.delete(old)
        session.flush()
    session.add_all(
        RoundPopulation(
            round_id=survey_round.id,
            unit_id=units[s.code].id,
            population=s.population,
            expected_p=s.p,
            expected_sd=s.sd,
        )
        for s in strata
    )
    saved = SamplePlan(
        round_id=survey_round.id,
        method=plan.method,
        parameters=dict(plan.parameters),
        created_by=created_by,
    )
    saved.targets = [
        PlanTarget(
            unit_id=units[row.unit_code].id,
            population=row.population,
            sample_size=row.sample_size,
            expected_margin=row.expected_margin if row.expected_margin is not None else math.nan,
        )
        for row in plan.rows
    ]
    session.add(saved)
    session.flush()
    return saved


def saved_plan(session: Session, round_id: int) -> SamplePlan | None:
    return session.scalar(select(SamplePlan).where(SamplePlan.round_id == round_id))


@dataclass(frozen=True)
class ProgressRow:
    """One unit's answers so far against its target, and the margin they give now."""

    unit_code: str
    unit_name: str
    population: int
    target: int
    collected: int
    share: float | None
    margin: float | None


def progress(session: Session, survey_round: SurveyRound) -> list[ProgressRow]:
    """Every unit of the round: target (0 without a plan), answers so far, margin now.

    The target is the answers the plan expects: its size times the expected response rate.

    The margin is :func:`sampling.margin_of_error` at the answers so far with the plan's p,
    confidence and design effect, and the finite population correction when N is known.
    """
    plan = saved_plan(session, survey_round.id)
    params = plan.parameters if plan else {}
    targets = {t.unit_id: t for t in plan.targets} if plan else {}
    counts = counts_by_unit(session, survey_round.id)
    rows = []
    for unit in sorted(survey_round.units, key=lambda u: u.code):
        target = targets.get(unit.id)
        collected = counts.get(unit.id, 0)
        population = target.population if target else 0
        margin = None
        if collected > 0:
            n = min(collected, population) if population else collected
            margin = margin_of_error(
                n,
                population or None,
                p=float(params.get("p", 0.5)),
                confidence=float(params.get("confidence", 0.95)),
                deff=float(params.get("deff", 1.0)),
            )
        rate = float(params.get("response_rate", 1.0))
        goal = math.floor(target.sample_size * rate + 1e-9) if target else 0
        rows.append(
            ProgressRow(
                unit.code,
                unit.name,
                population,
                goal,
                collected,
                collected / goal if goal else None,
                margin,
            )
        )
    return rows
