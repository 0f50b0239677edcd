"""Publishing a year (Decision 1877 §IV.2.d: the province announces the index).

When the council locks the year, every appraised unit becomes ``published``. The public report
scores the published units only; a unit not yet appraised, or without a SIPAS result, does not
stop the others: it is listed as pending and not ranked until resolved. With every unit published
the public ranking is exactly ``sipas score``'s.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring_bridge import ProblemsError
from scoring_bridge.workflow import Status
from survey_app.db.models import ParAssessment, Unit
from survey_app.par.scoring import ScoreReport, compute, inputs_from_database


@dataclass(frozen=True)
class PublicYear:
    """What the public page shows: the report of the published units and who is pending."""

    year: int
    report: ScoreReport | None
    pending: tuple[Unit, ...]
    problems: tuple[str, ...]


def published_codes(session: Session, year: int) -> set[str]:
    rows = session.scalars(
        select(ParAssessment).where(
            ParAssessment.year == year, ParAssessment.status == Status.PUBLISHED.value
        )
    )
    return {row.unit.code for row in rows}


def is_published(session: Session, year: int) -> bool:
    """True once the council has locked the year (at least one unit published)."""
    return bool(published_codes(session, year))


def publish_year(session: Session, year: int) -> tuple[int, int]:
    """Lock the year: appraised units → published. Returns (published now, still pending)."""
    rows = session.scalars(select(ParAssessment).where(ParAssessment.year == year)).all()
    moved = 0
    for row in rows:
        if row.status == Status.APPRAISED.value:
            row.status = Status.PUBLISHED.value
            moved += 1
    pending = sum(1 for row in rows if row.status != Status.PUBLISHED.value)
    session.flush()
    return moved, pending


def public_year(session: Session, year: int) -> PublicYear:
    """The published units' report (None before publication) and the pending units."""
    codes = published_codes(session, year)
    inputs = inputs_from_database(session, year)
    pending = tuple(
        session.scalars(select(Unit).where(Unit.code.in_({u.code for u in inputs.units} - codes)))
    )
    if not codes:
        return PublicYear(year, None, pending, ())
    published = replace(inputs, units=[u for u in inputs.units if u.code in codes])
    try:
        return PublicYear(year, compute(published), pending, ())
    except ProblemsError as exc:
        return PublicYear(year, None, pending, tuple(str(p) for p in exc.problems))


@dataclass(frozen=True)
class TypeSummary:
    """A unit type's distribution of indices: count, lowest, median, highest."""

    unit_type: str
    count: int
    low: float
    median: float
    high: float


def summaries(report: ScoreReport) -> list[TypeSummary]:
    """The distribution of the index per unit type (for the province's report of the year)."""
    by_type: dict[str, list[float]] = {}
    for score in report.scores.values():
        by_type.setdefault(score.unit_type, []).append(score.index)
    return [
        TypeSummary(t, len(v), min(v), statistics.median(v), max(v))
        for t, v in sorted(by_type.items())
    ]


def weakest_criteria(report: ScoreReport, limit: int = 5) -> list[tuple[str, str, str, float]]:
    """The criteria with the lowest average share of their maximum, per unit type.

    Share of a criterion = points ÷ maximum, averaged over the type's units; rows are
    (unit type, code, name, average share in %).
    """
    rows: list[tuple[str, str, str, float]] = []
    for unit_type, catalog in report.catalogs.items():
        scores = [s for s in report.scores.values() if s.unit_type == unit_type]
        if not scores:
            continue
        shares: dict[str, list[float]] = {}
        for score in scores:
            for code, component in score.criteria.items():
                if component.max > 0:
                    shares.setdefault(code, []).append(component.points / component.max)
        ranked = sorted((statistics.fmean(v) * 100, code) for code, v in shares.items() if v)[
            :limit
        ]
        rows += [(unit_type, code, catalog.get(code).name, share) for share, code in ranked]
    return rows
