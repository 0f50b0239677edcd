"""Survey rounds: creating them and finding the one open for a unit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.db import utcnow
from survey_app.db.models import Response, SurveyRound, Unit, round_units
from survey_app.i18n import vi_en
from survey_app.survey.questionnaire_store import get_questionnaire


class RoundError(ValueError):
    """A round that cannot be created as asked; the message says why."""


def create_round(
    session: Session,
    *,
    name: str,
    questionnaire_id: str,
    questionnaire_version: int,
    opens_at: datetime,
    closes_at: datetime,
    units: Sequence[Unit],
) -> SurveyRound:
    """Add a round covering ``units``; the questionnaire version must be shipped or published."""
    name = name.strip()
    if not name:
        raise RoundError(vi_en("đợt khảo sát cần có tên"))
    if session.scalar(select(SurveyRound.id).where(SurveyRound.name == name)) is not None:
        raise RoundError(vi_en("đã có đợt tên %(name)r: hãy chọn tên khác", name=name))
    try:
        get_questionnaire(session, questionnaire_id, questionnaire_version)
    except KeyError as exc:
        raise RoundError(str(exc).strip("'\"")) from None
    if closes_at <= opens_at:
        raise RoundError(
            vi_en(
                "đợt đóng (%(closes)s) trước khi mở (%(opens)s)", closes=closes_at, opens=opens_at
            )
        )
    if not units:
        raise RoundError(vi_en("đợt khảo sát phải có ít nhất một đơn vị"))
    survey_round = SurveyRound(
        name=name,
        questionnaire_id=questionnaire_id,
        questionnaire_version=questionnaire_version,
        opens_at=opens_at,
        closes_at=closes_at,
        units=list(units),
    )
    session.add(survey_round)
    session.flush()
    return survey_round


def units_for_round(
    session: Session, unit_types: Sequence[str], unit_codes: Sequence[str], day: date
) -> tuple[list[Unit], list[str]]:
    """The units of the given types or codes valid on ``day``, and the codes that match none."""
    chosen = [
        u
        for u in session.scalars(select(Unit).order_by(Unit.code))
        if (u.unit_type.code in unit_types or u.code in unit_codes) and u.valid_on(day)
    ]
    missing = sorted(set(unit_codes) - {u.code for u in chosen})
    return chosen, missing


def open_now(survey_round: SurveyRound, closes_at: datetime | None = None) -> None:
    """Open the round from now on (until ``closes_at`` when given, else its closing time)."""
    now = utcnow()
    closes_at = closes_at or survey_round.closes_at
    if closes_at <= now:
        raise RoundError(vi_en("đợt sẽ đóng trước khi mở: hãy chọn ngày đóng muộn hơn"))
    survey_round.opens_at, survey_round.closes_at = now, closes_at


def close_now(survey_round: SurveyRound) -> None:
    """Close the round now (a round not yet open is closed without ever opening)."""
    now = utcnow()
    survey_round.opens_at = min(survey_round.opens_at, now)
    survey_round.closes_at = now


def open_round_for_unit(session: Session, unit_id: int, at: datetime | None = None):
    """The round covering ``unit_id`` that is open at ``at`` (latest opened first), or None."""
    at = at or utcnow()
    return session.scalar(
        select(SurveyRound)
        .join(round_units, round_units.c.round_id == SurveyRound.id)
        .where(round_units.c.unit_id == unit_id)
        .where(SurveyRound.opens_at <= at, SurveyRound.closes_at > at)
        .order_by(SurveyRound.opens_at.desc(), SurveyRound.id.desc())
        .limit(1)
    )


def open_rounds(session: Session, at: datetime | None = None) -> list[SurveyRound]:
    """Every round open at ``at``."""
    at = at or utcnow()
    return list(
        session.scalars(
            select(SurveyRound)
            .where(SurveyRound.opens_at <= at, SurveyRound.closes_at > at)
            .order_by(SurveyRound.opens_at.desc())
        )
    )


def counts_by_unit(session: Session, round_id: int) -> dict[int, int]:
    """Number of responses per unit id in a round."""
    rows = session.execute(
        select(Response.unit_id, func.count())
        .where(Response.round_id == round_id)
        .group_by(Response.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


def find_round(session: Session, name: str) -> SurveyRound | None:
    """The round called ``name``."""
    return session.scalar(select(SurveyRound).where(SurveyRound.name == name))
