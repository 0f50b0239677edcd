"""The published PAR index, for everyone (no login): each unit type's ranking with its component
indices, each unit's score sheet, the year's report, the appendix-shaped workbook and a printable
PDF per unit. Light like the citizen's page: no script, no chart library. Nothing before the
council locks the year (404 with a plain message)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from scoring_bridge.workflow import Status
from survey_app.db import session
from survey_app.db.models import ParAssessment, UnitType
from survey_app.par.publication import PublicYear, public_year, summaries, weakest_criteria
from survey_app.staff.access import attachment

bp = Blueprint("public_par", __name__, url_prefix="/par")


def _published_years() -> list[int]:
    rows = session().scalars(
        select(ParAssessment.year)
        .where(ParAssessment.status == Status.PUBLISHED.value)
        .group_by(ParAssessment.year)
        .order_by(func.max(ParAssessment.year).desc())
    )
    return sorted(set(rows), reverse=True)


def _year(year: int) -> PublicYear:
    found = public_year(session(), year)
    if found.report is None and not found.problems:
        abort(404)
    return found


def _type_names() -> dict[str, str]:
    return {t.code: t.name_vi for t in session().scalars(select(UnitType))}


@bp.get("/")
def index() -> ResponseReturnValue:
    """The years whose index is published."""
    return render_template("public/par_index.html", years=_published_years())


@bp.get("/<int:year>")
def year_page(year: int) -> ResponseReturnValue:
    """The year's rankings per unit type, the distribution, the weakest criteria, the pending."""
    found = _year(year)
    report = found.report
    return render_template(
        "public/par_year.html",
        year=year,
        found=found,
        report=report,
        summaries=summaries(report) if report else [],
        weakest=weakest_criteria(report) if report else [],
        type_names=_type_names(),
    )


@bp.get("/<int:year>/units/<code>")
def unit_page(year: int, code: str) -> ResponseReturnValue:
    """A published unit's score sheet: every criterion's maximum and points."""
    found = _year(year)
    report = found.report
    if report is None or code not in report.scores:
        abort(404)
    return render_template(
        "public/par_unit.html",
        year=year,
        report=report,
        score=report.scores[code],
        unit=report.units[code],
        rank=next((r for r in report.ranking if r.unit_code == code), None),
        type_names=_type_names(),
    )


@bp.get("/<int:year>/par-<int:same>.xlsx")
def workbook(year: int, same: int) -> ResponseReturnValue:
    """The appendix-shaped workbook of the published units (ranking and score sheets)."""
    from survey_app.par.outputs import report_xlsx

    found = _year(year)
    if same != year or found.report is None:
        abort(404)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"chi-so-cchc-{year}.xlsx"
    return report_xlsx(found.report), 200, {"Content-Type": media, **attachment(name)}


@bp.get("/<int:year>/units/<code>.pdf")
def unit_pdf(year: int, code: str) -> ResponseReturnValue:
    """A printable A4 score sheet of one published unit."""
    from survey_app.par.sheet_pdf import score_sheet_pdf

    found = _year(year)
    report = found.report
    if report is None or code not in report.scores:
        abort(404)
    pdf = score_sheet_pdf(report, code)
    return pdf, 200, {"Content-Type": "application/pdf", **attachment(f"cchc-{year}-{code}.pdf")}
