"""The PAR year the staff pages open by default, and a round's SIPAS results brought into
criterion 8.1 (one service for ``sipas par sipas --round`` and the PAR year page's form)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring_bridge import shipped_catalogs
from survey_app.db.models import ParCatalog, SurveyRound, Unit
from survey_app.i18n import vi_en
from survey_app.par.scoring import catalogs_for, sipas_figures, store_sipas, year_units


def current_year(session: Session) -> int:
    """The current PAR year: the latest year with a catalog (imported or shipped)."""
    imported = session.scalar(select(func.max(ParCatalog.year)).where(ParCatalog.data.is_not(None)))
    shipped = max((y for y, _ in shipped_catalogs()), default=None)
    years = [y for y in (imported, shipped) if y is not None]
    return max(years) if years else date.today().year


class SipasError(ValueError):
    """A round that cannot give SIPAS results for 8.1 (the message is bilingual)."""


@dataclass(frozen=True)
class SipasOutcome:
    """What bringing a round into 8.1 did: units given a SIPAS figure, units still pending."""

    stored: tuple[str, ...]
    pending: tuple[Unit, ...]
    """Units scored in the year (a catalog of their type) without any SIPAS figure yet."""


def sipas_from_round(session: Session, year: int, survey_round: SurveyRound) -> SipasOutcome:
    """Analyse ``survey_round`` and keep each unit's overall SIPAS (estimate, interval) for 8.1.

    Units whose result is suppressed (too few answers) get no figure and are listed as pending,
    with every other unit of the year that has no figure from an earlier run either.
    """
    from survey_app.db.models import ParSipas, Response
    from survey_app.results.round_results import analyze_round

    answers = session.scalar(select(func.count()).where(Response.round_id == survey_round.id))
    if not answers:
        raise SipasError(
            vi_en(
                "Đợt “%(round)s” chưa có phiếu trả lời nào: chưa có kết quả SIPAS để đưa vào "
                "tiêu chí 8.1. Hãy chọn đợt đã có phiếu.",
                round=survey_round.name,
            )
        )
    figures = sipas_figures(analyze_round(session, survey_round).result)
    store_sipas(session, year, figures, f"round {survey_round.name}")
    valid = {u.code for u in session.scalars(select(Unit)) if u.valid_on(date(year, 12, 31))}
    stored = tuple(sorted(code for code in figures if code in valid))
    have = set(session.scalars(select(ParSipas.unit_id).where(ParSipas.year == year)))
    types = {u.unit_type.code for u in session.scalars(select(Unit))}
    units = year_units(session, year, set(catalogs_for(session, year, types)))
    return SipasOutcome(stored, tuple(u for u in units if u.id not in have))
