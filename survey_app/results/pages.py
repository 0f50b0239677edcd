"""Admin results pages: indices with intervals, rankings, heat map, change, comments, downloads.

Every figure comes from ``analysis.analyze_sipas`` on the round's answers, excluded ones left
out (cached until an answer arrives or a review state changes); the charts are plotly, served by
the app.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from tempfile import TemporaryDirectory

from flask import Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import case, func, select

from analysis.said import SaidError
from survey_app.db import session
from survey_app.db.models import Response as SurveyResponse
from survey_app.db.models import ReviewEvent, SurveyRound
from survey_app.i18n import current_language
from survey_app.results.analysis_input import InputError
from survey_app.results.analysis_words import error_lines
from survey_app.results.charts import (
    HeatRow,
    IntervalRow,
    change_chart,
    heatmap_chart,
    interval_chart,
)
from survey_app.results.files import results_csv, results_json, results_xlsx, write_sav
from survey_app.results.labels import CI_METHODS as CI_LABELS
from survey_app.results.labels import (
    aggregation_label,
    flag_label,
    level_label,
    method_label,
    note_label,
    short_item,
)
from survey_app.results.round_results import (
    AnalysisOptions,
    RoundAnalysis,
    analyze_round,
    round_populations,
)
from survey_app.results.tables import ranking_section, scope_names, unit_rows
from survey_app.staff.access import attachment, round_or_404, staff_blueprint
from survey_app.staff.upload_labels import problem_text

bp = staff_blueprint("results", __name__, "/admin/results")
CI_METHODS = ("logit", "wilson", "korn-graubard")
CACHE_SIZE = 8


def _cache() -> OrderedDict[tuple, RoundAnalysis]:
    """The app's last analyses (one cache per app: a process running two apps on two databases,
    as the tests do, never shows one's figures in the other)."""
    return current_app.extensions.setdefault("results.analyses", OrderedDict())


COMMENTS_PER_PAGE = 50


@bp.app_template_filter("flag_label")
def _flag_label(flag: str | None) -> str:
    return flag_label(flag)


@bp.app_template_filter("level_label")
def _level_label(level: str) -> str:
    return level_label(level)


@bp.app_template_filter("ci_label")
def _ci_label(method: str) -> str:
    return CI_LABELS.get(method, method)


@bp.app_template_filter("aggregation_label")
def _aggregation_label(aggregation: str) -> str:
    return aggregation_label(aggregation, current_language())


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
    (the key holds the last review event's id and the counts per state) or the populations
    saved with the round's plan change; None without answers.
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
    populations = round_populations(session(), survey_round)  # a plan saved again: new figures
    key = (
        survey_round.id,
        ci_method,
        exclude_flagged,
        count,
        last,
        flagged,
        excluded,
        last_event,
        tuple(sorted(populations.items())) if populations else None,
    )
    cache = _cache()
    if key not in cache:
        cache[key] = analyze_round(
            session(),
            survey_round,
            populations=populations,
            options=AnalysisOptions(ci_method=ci_method, exclude_flagged=exclude_flagged),
        )
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return cache[key]


@bp.get("/<int:round_id>")
def overview(round_id: int) -> ResponseReturnValue:
    """Every unit's SIPAS with its interval, by unit type, ranked, with rank intervals."""
    survey_round = round_or_404(round_id)
    analysis = round_analysis(survey_round, _ci_method())
    if analysis is None:
        return _no_answers(survey_round)
    overall = analysis.result.overall()
    by_type: dict[str, list[str]] = {}
    for code, unit in sorted(analysis.units.items(), key=lambda cu: (cu[1].unit_type_id, cu[0])):
        by_type.setdefault(unit.unit_type.code, []).append(code)
    sections = [
        {
            "type": analysis.units[codes[0]].unit_type,
            "aggregate": overall.get(type_code),
            **ranking_section(analysis, codes),
        }
        for type_code, codes in by_type.items()
    ]
    return render_template(
        "admin/results.html",
        survey_round=survey_round,
        analysis=analysis,
        sections=sections,
        province=overall.get("ALL"),
        ci=_ci_method(),
        ci_methods=CI_METHODS,
        notes=[note_label(n) for n in analysis.result.notes],
    )


@bp.errorhandler(SaidError)
@bp.errorhandler(InputError)
def cannot_analyse(error: ValueError) -> ResponseReturnValue:
    """A round the estimation refuses (its saved populations do not fit its answers: a unit with
    answers but no population, a population below its answers): what is wrong, where to mend it,
    on every results page and download (422), never a 500."""
    survey_round = round_or_404(int((request.view_args or {}).get("round_id", 0)))
    if isinstance(error, InputError):
        lines = [p.message if p.row is None and not p.column else str(p) for p in error.problems]
    else:
        lines = error_lines(error)
    return render_template(
        "admin/results_problem.html",
        survey_round=survey_round,
        lines=[problem_text(line) for line in lines],
    ), 422


def _no_answers(survey_round: SurveyRound, status: int = 200) -> ResponseReturnValue:
    """The page of a round without counted answers: what to do next."""
    return render_template("admin/results_empty.html", survey_round=survey_round), status


@bp.get("/<int:round_id>/units/<code>")
def unit(round_id: int, code: str) -> ResponseReturnValue:
    """One unit: its SIPAS, its five elements with interval bars, and every item."""
    survey_round = round_or_404(round_id)
    analysis = round_analysis(survey_round, _ci_method())
    if analysis is None:
        return _no_answers(survey_round)
    if code not in analysis.units:
        abort(404)

    rows = unit_rows(analysis, code)
    titles = {e.id: e.title.get("vi") for e in analysis.questionnaire.elements}
    items = {i.id: i.text.get("vi") for i in analysis.questionnaire.items}
    chart = interval_chart(
        [
            IntervalRow("SIPAS · chỉ số chung" if r.level == "overall" else titles[r.key], r)
            for r in rows
            if r.level in ("overall", "element")
        ],
        "Chỉ số (%) và khoảng tin cậy 95 %",
    )
    return render_template(
        "admin/results_unit.html",
        survey_round=survey_round,
        unit=analysis.units[code],
        rows=rows,
        titles=titles,
        items=items,
        chart=chart,
        ci=_ci_method(),
        method=method_label(rows[0].method, current_language()) if rows else "",
    )


@bp.get("/<int:round_id>/heatmap")
def heatmap(round_id: int) -> ResponseReturnValue:
    """Item × unit heat map of item indices (one unit type at a time): units by SIPAS, highest
    first; items in the questionnaire's order, by short names."""
    survey_round = round_or_404(round_id)
    analysis = round_analysis(survey_round)
    if analysis is None:
        return _no_answers(survey_round)
    types = {u.unit_type.code: u.unit_type for u in analysis.units.values()}
    chosen = request.args.get("type", "")
    if chosen not in types:
        chosen = min(types.values(), key=lambda t: t.id).code
    overall = analysis.result.overall()

    def sipas_of(code: str) -> float:
        row = overall.get(code)
        return row.estimate if row is not None and row.estimate is not None else -1.0

    codes = sorted(
        (c for c, u in analysis.units.items() if u.unit_type.code == chosen),
        key=lambda c: (-sipas_of(c), analysis.units[c].name),
    )
    questionnaire = analysis.questionnaire
    items = list(questionnaire.item_ids)
    lookup = {
        (r.unit_code, r.key): r.estimate
        for r in analysis.result.rows
        if r.level == "item" and r.group is None
    }
    shorts = [short_item(questionnaire, i) for i in items]
    rows = [
        HeatRow(
            f"{analysis.units[c].name} ({sipas_of(c):.1f})"
            if sipas_of(c) >= 0
            else analysis.units[c].name,
            [lookup.get((c, i)) for i in items],
        )
        for c in codes
    ]
    chart = heatmap_chart(rows, shorts, [f"{i} · {s}" for i, s in zip(items, shorts, strict=True)])
    return render_template(
        "admin/results_heatmap.html",
        survey_round=survey_round,
        types=sorted(types.values(), key=lambda t: t.id),
        chosen=chosen,
        chart=chart,
        legend=[
            (i, short, item.text.get("vi"))
            for i, short, item in zip(items, shorts, questionnaire.items, strict=True)
        ],
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
        names = scope_names(now)
        for code in set(current) & set(earlier):
            a, b = earlier[code], current[code]
            if a.estimate is None or b.estimate is None:
                continue
            se = (a.se**2 + b.se**2) ** 0.5 if a.se is not None and b.se is not None else None
            rows.append(
                {
                    "code": code,
                    "name": names.get(code, code),
                    "before": a,
                    "now": b,
                    "delta": b.estimate - a.estimate,
                    "se": se,
                }
            )
        rows.sort(key=lambda r: (r["code"] not in now.units, -r["delta"], r["name"]))
    chart = change_chart(
        [r["name"] for r in rows],
        [r["before"].estimate for r in rows],
        [r["now"].estimate for r in rows],
        (before.name if before else "", survey_round.name),
    )
    return render_template(
        "admin/results_change.html",
        survey_round=survey_round,
        before=before,
        rows=rows,
        chart=chart,
        counted=now is not None,
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
    field_names = {o.code: o.label.get("vi") for o in fields}
    return render_template(
        "admin/results_comments.html",
        survey_round=survey_round,
        comments=found[:COMMENTS_PER_PAGE],
        more=len(found) > COMMENTS_PER_PAGE,
        page=page,
        units=units,
        fields=fields,
        field_names=field_names,
        unit_code=unit_code,
        field=field,
        words=words,
    )


@bp.get("/<int:round_id>/results.<fmt>")
def download(round_id: int, fmt: str) -> Response:
    """The results file (CSV, XLSX, JSON or SPSS .sav)."""
    survey_round = round_or_404(round_id)
    if fmt not in ("csv", "json", "xlsx", "sav"):
        abort(404)

    analysis = round_analysis(survey_round, _ci_method())
    if analysis is None:
        return _no_answers(survey_round, 404)
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


@bp.get("/glossary")
def glossary() -> ResponseReturnValue:
    """What SE, the interval, deff, effective n and the rank interval mean, in a few words."""
    return render_template("admin/results_glossary.html")
