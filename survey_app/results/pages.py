"""Admin results pages: indices with intervals, rankings, heat map, change, comments, downloads.

Every figure comes from ``analysis.analyze_sipas`` on the round's answers, excluded ones left
out (cached until an answer arrives or a review state changes); the charts are plotly, served by
the app.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from tempfile import TemporaryDirectory

import plotly.graph_objects as go
from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import case, func, select

from analysis import ResultRow, rank_units
from survey_app.db import session
from survey_app.db.models import Response as SurveyResponse
from survey_app.db.models import ReviewEvent, SurveyRound
from survey_app.results.files import results_csv, results_json, results_xlsx, write_sav
from survey_app.results.round_results import AnalysisOptions, RoundAnalysis, analyze_round
from survey_app.staff.access import attachment, round_or_404, staff_blueprint

bp = staff_blueprint("results", __name__, "/admin/results")
CI_METHODS = ("logit", "wilson", "korn-graubard")
_CACHE: OrderedDict[tuple, RoundAnalysis] = OrderedDict()
CACHE_SIZE = 8
COMMENTS_PER_PAGE = 50


def _ci_method() -> str:
    method = request.args.get("ci", "logit")
    return method if method in CI_METHODS else "logit"


def _state_count(state: str):
    return func.coalesce(func.sum(case((SurveyResponse.state == state, 1), else_=0)), 0)


def round_analysis(
    survey_round: SurveyRound, ci_method: str = "logit", *, exclude_flagged: bool = False
) -> RoundAnalysis | None:
    """The round's analysis (excluded answers left out; flagged ones too with
    ``exclude_flagged``), recomputed only when an answer arrives or a review state changes
    (the key holds the last review event's id and the counts per state); None without answers.
    """
    count, last, flagged, excluded = (
        session()
        .execute(
            select(
                func.count(),
                func.max(SurveyResponse.id),
                _state_count("flagged"),
                _state_count("excluded"),
            ).where(SurveyResponse.round_id == survey_round.id)
        )
        .one()
    )
    if count - excluded - (flagged if exclude_flagged else 0) <= 0:
        return None
    last_event = session().scalar(select(func.max(ReviewEvent.id)))
    key = (
        survey_round.id,
        ci_method,
        exclude_flagged,
        count,
        last,
        flagged,
        excluded,
        last_event,
    )
    if key not in _CACHE:
        _CACHE[key] = analyze_round(
            session(),
            survey_round,
            options=AnalysisOptions(ci_method=ci_method, exclude_flagged=exclude_flagged),
        )
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return _CACHE[key]


def _interval_chart(rows: list[ResultRow], labels: list[str], height: int = 360) -> str:
    """Points with their confidence intervals as horizontal error bars."""
    shown = [(r, label) for r, label in zip(rows, labels, strict=True) if r.estimate is not None]
    figure = go.Figure(
        go.Scatter(
            x=[r.estimate for r, _ in shown],
            y=[label for _, label in shown],
            mode="markers",
            marker={"color": "#0b3d91", "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [r.ci_high - r.estimate for r, _ in shown],
                "arrayminus": [r.estimate - r.ci_low for r, _ in shown],
            },
            hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(height, 28 * len(shown) + 80),
        margin={"l": 220, "r": 20, "t": 10, "b": 40},
        xaxis={"title": "%", "range": [0, 100]},
        yaxis={"autorange": "reversed"},
    )
    return figure.to_json()


@bp.get("/<int:round_id>")
def overview(round_id: int) -> ResponseReturnValue:
    """Every unit's SIPAS with its interval, by unit type, ranked, with rank intervals."""
    survey_round = round_or_404(round_id)
    analysis = round_analysis(survey_round, _ci_method())
    if analysis is None:
        return render_template("admin/results_empty.html", survey_round=survey_round)
    overall = analysis.result.overall()
    by_type: dict[str, list[str]] = {}
    for code, unit in sorted(analysis.units.items()):
        by_type.setdefault(unit.unit_type.code, []).append(code)
    sections = []
    for type_code, codes in by_type.items():
        estimates = {
            c: (overall[c].estimate, overall[c].se)
            for c in codes
            if c in overall and overall[c].estimate is not None
        }
        not_ranked = {c for c in estimates if not analysis.units[c].ranked}
        ranking = rank_units(estimates, not_ranked=not_ranked) if estimates else []
        rows = [overall[r.unit_code] for r in ranking]
        labels = [analysis.units[r.unit_code].name for r in ranking]
        sections.append(
            {
                "type": analysis.units[codes[0]].unit_type,
                "ranking": ranking,
                "aggregate": overall.get(type_code),
                "chart": _interval_chart(rows, labels),
                "missing": [c for c in codes if c not in estimates],
            }
        )
    return render_template(
        "admin/results.html",
        survey_round=survey_round,
        analysis=analysis,
        sections=sections,
        province=overall.get("ALL"),
        ci=_ci_method(),
        ci_methods=CI_METHODS,
    )


@bp.get("/<int:round_id>/units/<code>")
def unit(round_id: int, code: str) -> ResponseReturnValue:
    """One unit: its five elements with interval bars, and every item."""
    survey_round = round_or_404(round_id)
    analysis = round_analysis(survey_round, _ci_method())
    if analysis is None or code not in analysis.units:
        abort(404)
    rows = [r for r in analysis.result.for_unit(code) if r.group is None]
    elements = [r for r in rows if r.level == "element"]
    titles = {e.id: e.title.get("vi") for e in analysis.questionnaire.elements}
    items = {i.id: i.text.get("vi") for i in analysis.questionnaire.items}
    chart = _interval_chart(elements, [f"{r.key} · {titles.get(r.key, '')}" for r in elements])
    return render_template(
        "admin/results_unit.html",
        survey_round=survey_round,
        unit=analysis.units[code],
        rows=rows,
        titles=titles,
        items=items,
        chart=chart,
        ci=_ci_method(),
    )


@bp.get("/<int:round_id>/heatmap")
def heatmap(round_id: int) -> ResponseReturnValue:
    """Item × unit heat map of item indices (one unit type at a time)."""
    survey_round = round_or_404(round_id)
    analysis = round_analysis(survey_round)
    if analysis is None:
        abort(404)
    types = sorted({u.unit_type.code for u in analysis.units.values()})
    chosen = request.args.get("type", types[0])
    codes = sorted(c for c, u in analysis.units.items() if u.unit_type.code == chosen)
    items = list(analysis.questionnaire.item_ids)
    lookup = {
        (r.unit_code, r.key): r.estimate
        for r in analysis.result.rows
        if r.level == "item" and r.group is None
    }
    figure = go.Figure(
        go.Heatmap(
            z=[[lookup.get((c, i)) for i in items] for c in codes],
            x=items,
            y=[analysis.units[c].name for c in codes],
            colorscale="RdYlGn",
            zmin=50,
            zmax=100,
            colorbar={"title": "%"},
            hovertemplate="%{y} · %{x}: %{z:.1f} %<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(360, 22 * len(codes) + 120), margin={"l": 220, "r": 20, "t": 10, "b": 40}
    )
    return render_template(
        "admin/results_heatmap.html",
        survey_round=survey_round,
        types=types,
        chosen=chosen,
        chart=figure.to_json(),
    )


def previousround_or_404(survey_round: SurveyRound) -> SurveyRound | None:
    """The latest round of the same questionnaire that opened before this one."""
    return session().scalar(
        select(SurveyRound)
        .where(
            SurveyRound.opens_at < survey_round.opens_at,
            SurveyRound.questionnaire_id == survey_round.questionnaire_id,
        )
        .order_by(SurveyRound.opens_at.desc())
        .limit(1)
    )


@bp.get("/<int:round_id>/change")
def change(round_id: int) -> ResponseReturnValue:
    """Each unit's SIPAS now and in the previous round, and the difference."""
    survey_round = round_or_404(round_id)
    before = previousround_or_404(survey_round)
    now = round_analysis(survey_round)
    then = round_analysis(before) if before is not None else None
    rows = []
    if now is not None and then is not None:
        current, earlier = now.result.overall(), then.result.overall()
        for code in sorted(set(current) & set(earlier)):
            a, b = earlier[code], current[code]
            if a.estimate is None or b.estimate is None:
                continue
            se = (a.se**2 + b.se**2) ** 0.5 if a.se is not None and b.se is not None else None
            rows.append(
                {"code": code, "before": a, "now": b, "delta": b.estimate - a.estimate, "se": se}
            )
    figure = go.Figure(
        [
            go.Bar(
                name=before.name if before else "",
                x=[r["code"] for r in rows],
                y=[r["before"].estimate for r in rows],
                marker_color="#b1b4b6",
            ),
            go.Bar(
                name=survey_round.name,
                x=[r["code"] for r in rows],
                y=[r["now"].estimate for r in rows],
                marker_color="#0b3d91",
            ),
        ]
    )
    figure.update_layout(
        barmode="group",
        height=380,
        yaxis={"range": [0, 100]},
        margin={"l": 40, "r": 10, "t": 10, "b": 80},
    )
    return render_template(
        "admin/results_change.html",
        survey_round=survey_round,
        before=before,
        rows=rows,
        chart=figure.to_json(),
    )


@bp.get("/<int:round_id>/comments")
def comments(round_id: int) -> ResponseReturnValue:
    """Citizens' comments (góp ý), newest first, filtered by unit, service field and words."""
    survey_round = round_or_404(round_id)
    # without NUL characters: PostgreSQL text cannot hold them (a 500 otherwise)
    unit_code = request.args.get("unit", "").replace("\x00", "")
    field = request.args.get("field", "").replace("\x00", "")
    words = request.args.get("q", "").replace("\x00", "").strip()
    try:
        page = max(int(request.args.get("page", "1") or 1), 1)
    except ValueError:
        page = 1
    query = (
        select(SurveyResponse)
        .where(SurveyResponse.round_id == round_id, SurveyResponse.comment.is_not(None))
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
    )
    units = {u.code: u for u in survey_round.units}
    if unit_code in units:
        query = query.where(SurveyResponse.unit_id == units[unit_code].id)
    if field:
        query = query.where(SurveyResponse.service_field == field)
    if words:
        escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(SurveyResponse.comment.ilike(f"%{escaped}%", escape="\\"))
    found = (
        session()
        .scalars(query.offset((page - 1) * COMMENTS_PER_PAGE).limit(COMMENTS_PER_PAGE + 1))
        .all()
    )
    from survey_app.survey.questionnaire_store import questionnaire_of

    questionnaire = questionnaire_of(survey_round)
    fields = questionnaire.service_field.options if questionnaire.service_field else ()
    return render_template(
        "admin/results_comments.html",
        survey_round=survey_round,
        comments=found[:COMMENTS_PER_PAGE],
        more=len(found) > COMMENTS_PER_PAGE,
        page=page,
        units=units,
        fields=fields,
        unit_code=unit_code,
        field=field,
        words=words,
    )


@bp.get("/<int:round_id>/results.<fmt>")
def download(round_id: int, fmt: str) -> Response:
    """The results file (CSV, XLSX, JSON or SPSS .sav)."""
    survey_round = round_or_404(round_id)
    analysis = round_analysis(survey_round, _ci_method()) or abort(404)
    name = f"sipas-results-round-{round_id}.{fmt}"
    result = analysis.result
    if fmt == "csv":
        return Response(results_csv(result), mimetype="text/csv", headers=attachment(name))
    if fmt == "json":
        return Response(results_json(result), mimetype="application/json", headers=attachment(name))
    if fmt == "xlsx":
        return Response(
            results_xlsx(result),
            headers=attachment(name),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if fmt == "sav":
        with TemporaryDirectory() as folder:
            path = Path(folder) / name
            write_sav(result, path)
            data = path.read_bytes()
        return Response(data, mimetype="application/x-spss-sav", headers=attachment(name))
    abort(404)
