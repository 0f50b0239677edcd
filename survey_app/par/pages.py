"""Admin pages of the PAR index: rankings per unit type, each unit's score sheet, the council's
changes (with a reason, kept in an audit trail) and the workflow status."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select

from scoring_bridge import ProblemsError, change_since, shipped_catalogs
from scoring_bridge.workflow import STATUS_LABELS, TRANSITIONS, as_status
from survey_app.db import session, utcnow
from survey_app.db.models import ParAssessment, ParPoints, ParSipas, SurveyRound, Unit, UnitType
from survey_app.i18n import vi_en
from survey_app.par.labels import problem_label
from survey_app.par.scoring import (
    ChangeError,
    ScoreReport,
    assessment,
    change_points,
    changes_of,
    compute,
    inputs_from_database,
    lateness,
    set_status,
)
from survey_app.par.year import SipasError, sipas_from_round
from survey_app.staff import audit
from survey_app.staff.access import allowed, staff_blueprint

bp = staff_blueprint("par", __name__, "/admin/par")


def latest_year() -> int:
    """The latest year with points, else the latest year with a shipped catalog."""
    year = session().scalar(select(func.max(ParPoints.year)))
    return year or max(y for y, _ in shipped_catalogs())


def years_with_data() -> list[int]:
    """Years that have points or SIPAS figures stored, oldest first."""
    points = session().scalars(select(ParPoints.year).distinct())
    sipas = session().scalars(select(ParSipas.year).distinct())
    return sorted(set(points) | set(sipas))


@bp.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("par.ranking", year=latest_year()))


def _report(year: int) -> tuple[ScoreReport | None, list[str]]:
    """The year's scores, or None and its problems in words (Vietnamese, English gloss)."""
    try:
        return compute(inputs_from_database(session(), year)), []
    except ProblemsError as exc:
        return None, [problem_label(p) for p in exc.problems]


@bp.get("/<int:year>")
def ranking(year: int) -> ResponseReturnValue:
    """The ranking of each unit type, with component indices per area."""
    return _ranking_page(year)


@bp.post("/<int:year>/sipas")
def sipas(year: int) -> ResponseReturnValue:
    """Sở Nội vụ brings a round's SIPAS results into criterion 8.1 of ``year`` (audited).

    The same service as ``sipas par sipas --round``: each unit's overall estimate and interval.
    """
    raw = request.form.get("round_id", "").strip()
    survey_round = session().get(SurveyRound, int(raw)) if raw.isdigit() else None
    if survey_round is None:
        audit.note(year=year, round=raw[:40], problem="no such round")
        problem = vi_en(
            "Chưa chọn đợt khảo sát, hoặc đợt không tồn tại: hãy chọn một đợt trong danh sách."
        )
        return _ranking_page(year, sipas_problem=problem, status=422)
    audit.note(year=year, round=survey_round.name[:120])
    try:
        outcome = sipas_from_round(session(), year, survey_round)
    except SipasError as exc:
        session().rollback()
        return _ranking_page(year, sipas_problem=str(exc), status=422)
    session().commit()
    flash(
        vi_en(
            "Đã đưa kết quả SIPAS của đợt “%(round)s” vào tiêu chí 8.1 năm %(year)s: %(count)s "
            "đơn vị có điểm 8.1.",
            round=survey_round.name,
            year=year,
            count=len(outcome.stored),
        )
        + (
            " "
            + vi_en(
                "Chưa có kết quả SIPAS (chờ): %(units)s.",
                units=", ".join(u.name for u in outcome.pending),
            )
            if outcome.pending
            else ""
        ),
        "ok",
    )
    return redirect(url_for("par.ranking", year=year), code=303)


def _rounds() -> list[SurveyRound]:
    """Rounds that have begun (open or closed), newest first: the choices for 8.1."""
    now = utcnow()
    return list(
        session().scalars(
            select(SurveyRound)
            .where(SurveyRound.opens_at <= now)
            .order_by(SurveyRound.opens_at.desc())
        )
    )


def _ranking_page(year: int, sipas_problem: str = "", status: int = 200) -> ResponseReturnValue:
    report, problems = _report(year)
    previous, _ = _report(year - 1)
    change = (
        change_since({c: s.index for c, s in previous.scores.items()}, report.ranking)
        if report is not None and previous is not None
        else {}
    )
    statuses = {
        row.unit.code: row
        for row in session().scalars(select(ParAssessment).where(ParAssessment.year == year))
    }
    today = date.today()
    years = years_with_data()
    return render_template(
        "admin/par_ranking.html",
        years=years,
        has_points=year in years,
        earlier=max((y for y in years if y < year), default=None),
        later=min((y for y in years if y > year), default=None),
        change=change,
        statuses=statuses,
        late={code: lateness(row.unit, year, row, today) for code, row in statuses.items()},
        labels=STATUS_LABELS,
        year=year,
        report=report,
        problems=problems[:100],
        more=max(len(problems) - 100, 0),
        type_names={t.code: t.name_vi for t in session().scalars(select(UnitType))},
        type_names_en={t.code: t.name_en for t in session().scalars(select(UnitType))},
        type_order=_type_order(report),
        rounds=_rounds() if allowed("par.sipas", "POST") else [],
        now=utcnow(),
        sipas_problem=sipas_problem,
    ), status


def _type_order(report: ScoreReport | None) -> list[str]:
    """Unit types as the registry lists them (department, district, commune…), others after."""
    known = list(session().scalars(select(UnitType.code).order_by(UnitType.id)))
    extra = sorted(set(report.catalogs) - set(known)) if report is not None else []
    return known + extra


def _profile_chart(report: ScoreReport, code: str) -> str:
    """The unit's index per area against the average of its unit type."""
    score = report.scores[code]
    same = [s for s in report.scores.values() if s.unit_type == score.unit_type]
    areas = list(score.areas)
    average = [sum(s.areas[a].index for s in same) / len(same) for a in areas]
    figure = go.Figure(
        [
            go.Bar(
                name=code,
                x=[f"Lĩnh vực {a}" for a in areas],
                y=[score.areas[a].index for a in areas],
                marker_color="#0b3d91",
            ),
            go.Scatter(
                name=vi_en("Trung bình cùng loại"),
                x=[f"Lĩnh vực {a}" for a in areas],
                y=average,
                mode="markers",
                marker={"color": "#d4351c", "size": 12, "symbol": "line-ew-open"},
            ),
        ]
    )
    figure.update_layout(
        height=360,
        yaxis={"range": [0, 100], "title": "%"},
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
    )
    return figure.to_json()


def _unit(code: str, year: int) -> Unit:
    day = date(year, 12, 31)
    unit = next(
        (u for u in session().scalars(select(Unit).where(Unit.code == code)) if u.valid_on(day)),
        None,
    )
    if unit is None:
        abort(404)
    return unit


@bp.route("/<int:year>/units/<code>", methods=["GET", "POST"])
def unit(year: int, code: str) -> ResponseReturnValue:
    """A unit's score sheet; the council changes points (with a reason) or the status here."""
    target = _unit(code, year)
    message, error = None, None
    if request.method == "POST":
        try:
            if request.form.get("action") == "status":
                set_status(session(), year, target, request.form.get("status", ""))
                message = vi_en("Đã cập nhật trạng thái.")
            else:
                audit.note(criterion=request.form.get("code", "")[:20])
                raw = request.form.get("points", "").replace(",", ".")
                try:
                    new = float(raw)
                except ValueError:
                    raise ChangeError(vi_en("điểm (%(raw)r) phải là một số", raw=raw)) from None
                change_points(
                    session(),
                    year=year,
                    unit=target,
                    code=request.form.get("code", ""),
                    new=new,
                    reason=request.form.get("reason", ""),
                    who=current_user.username,
                )
                message = vi_en("Đã lưu thay đổi; xếp hạng đã được tính lại.")
            session().commit()
        except ChangeError as exc:
            session().rollback()
            error = str(exc)
    report, problems = _report(year)
    state = assessment(session(), year, target)
    session().commit()
    status = as_status(state.status)
    return render_template(
        "admin/par_unit.html",
        year=year,
        unit=target,
        report=report,
        problems=problems,
        score=report.scores.get(code) if report else None,
        rank=next((r for r in report.ranking if r.unit_code == code), None) if report else None,
        chart=_profile_chart(report, code) if report and code in report.scores else None,
        changes=changes_of(session(), year, target),
        state=state,
        next_statuses=sorted(s.value for s in TRANSITIONS[status]),
        labels=STATUS_LABELS,
        late=lateness(target, year, state, date.today()),
        message=message,
        error=error,
        status_code=422 if error else 200,
    ), 422 if error else 200


@bp.get("/<int:year>/ranking.<fmt>")
def download(year: int, fmt: str) -> ResponseReturnValue:
    """The ranking (CSV, JSON) or the workbook of ranking and score sheets (XLSX)."""
    from survey_app.par.outputs import report_csv, report_json, report_xlsx
    from survey_app.staff.access import attachment

    if fmt not in ("csv", "json", "xlsx"):
        abort(404)
    report, problems = _report(year)
    if report is None or not report.ranking:
        years = years_with_data()
        page = render_template(
            "admin/par_nothing.html",
            year=year,
            problems=problems[:30] if year in years else [],
            years=years,
        )
        return page, 404
    name = f"par-index-{year}.{fmt}"
    if fmt == "csv":
        return (
            report_csv(report),
            200,
            {"Content-Type": "text/csv; charset=utf-8", **attachment(name)},
        )
    if fmt == "json":
        return report_json(report), 200, {"Content-Type": "application/json", **attachment(name)}
    if fmt == "xlsx":
        return (
            report_xlsx(report),
            200,
            {
                "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                **attachment(name),
            },
        )
    abort(404)
