"""Admin pages of a round's sample plan: make and save a plan, watch progress, export both."""

from __future__ import annotations

import io
from dataclasses import dataclass

import plotly.graph_objects as go
from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from openpyxl import Workbook
from sqlalchemy import select

from sampling import PLAN_METHODS, Plan, SizeParams, build_plan
from sampling.said import say
from survey_app.csv_files import FileProblem, empty_file_message, text_of
from survey_app.db import session
from survey_app.db.models import RoundPopulation, SamplePlan, SurveyRound
from survey_app.i18n import vi_en
from survey_app.planning.files import plan_csv, plan_xlsx
from survey_app.planning.labels import METHODS, method_label, plan_error, plan_note
from survey_app.planning.plans import ProgressRow, progress, save_plan, saved_plan
from survey_app.planning.populations import read_populations
from survey_app.planning.sampling_words import vi_en_said
from survey_app.spreadsheets import append_row, csv_writer
from survey_app.staff.access import attachment, own_unit_code, round_or_404, staff_blueprint
from survey_app.staff.chart_layout import LONG_CHART, chart_height

bp = staff_blueprint("plans", __name__, "/admin/rounds")
bp.add_app_template_filter(method_label, "plan_method")
bp.add_app_template_filter(plan_note, "plan_note")
PROGRESS_COLUMNS = (
    "unit_code",
    "unit_name",
    "population",
    "target",
    "collected",
    "share",
    "margin",
)


PLAN_DEFAULTS = {
    "method": "per-unit",
    "margin": "0.05",
    "confidence": "0.95",
    "p": "0.5",
    "deff": "1",
    "response_rate": "1",
    "total": "",
    "minimum": "0",
    "maximum": "",
    "power": "0.5",
    "populations_text": "",
}


@dataclass
class PlanForm:
    """The plan form's values as typed, and the errors found in them."""

    values: dict[str, str]
    errors: list[str]

    @classmethod
    def from_request(cls) -> PlanForm:
        values = {k: request.form.get(k, v).strip() for k, v in PLAN_DEFAULTS.items()}
        upload = request.files.get("populations_file")
        errors: list[str] = []
        if upload is not None and upload.filename:
            values["populations_text"], problem = text_of(upload.read())
            if problem is None and not values["populations_text"].strip():
                problem = FileProblem(1, None, empty_file_message())
            if problem is not None:  # the page says what is wrong with the file
                errors.append(plan_error(problem))
        return cls(values, errors)

    def number(self, key: str, kind: type = float, optional: bool = False):  # type: ignore[no-untyped-def]
        text = self.values[key].replace(",", ".")
        if optional and not text:
            return None
        try:
            return kind(text)
        except ValueError:
            # sampling's own message, its Vietnamese naming the field as the form does
            wrong = say("%(name)s (%(value)r) must be a number", name=key, value=self.values[key])
            self.errors.append(vi_en_said(wrong))
            return None


def _build(form: PlanForm, survey_round: SurveyRound):  # type: ignore[no-untyped-def]
    """The strata and the plan from the form, or None with the form's errors filled in."""
    text = form.values["populations_text"]
    if form.errors:  # the file is not text
        return None, None
    if not text.strip():
        form.errors.append(vi_en("Chưa có tệp số hồ sơ (unit_code,population)."))
        return None, None
    known = {u.code for u in survey_round.units}
    parsed = read_populations(text.encode("utf-8"), known, known)
    form.errors.extend(plan_error(e) for e in parsed.errors)
    method = form.values["method"]
    if method not in PLAN_METHODS:
        form.errors.append(
            plan_error(
                vi_en(
                    "không có phương pháp %(method)r; hãy chọn một trong: %(methods)s",
                    method=method,
                    methods=", ".join(PLAN_METHODS),
                )
            )
        )
    numbers = {
        k: form.number(k) for k in ("margin", "confidence", "p", "deff", "response_rate", "power")
    }
    total = form.number("total", int, optional=True)
    minimum = form.number("minimum", int)
    maximum = form.number("maximum", int, optional=True)
    if form.errors:
        return None, None
    try:
        params = SizeParams(
            margin=numbers["margin"],
            confidence=numbers["confidence"],
            p=numbers["p"],
            deff=numbers["deff"],
            response_rate=numbers["response_rate"],
        )
        plan = build_plan(
            parsed.strata,
            method,
            params,
            total=total,
            minimum=minimum or 0,
            maximum=maximum,
            power=numbers["power"],
        )
    except ValueError as exc:
        form.errors.append(plan_error(exc))
        return None, None
    return parsed.strata, plan


def _saved_values(survey_round: SurveyRound, current: SamplePlan | None) -> dict[str, str]:
    """The form filled with the round's saved populations and plan parameters, if any."""
    values = dict(PLAN_DEFAULTS)
    populations = (
        session()
        .scalars(select(RoundPopulation).where(RoundPopulation.round_id == survey_round.id))
        .all()
    )
    if populations:
        lines = ["unit_code,population,p,sd"] + [
            f"{r.unit.code},{r.population},{'' if r.expected_p is None else r.expected_p},"
            f"{'' if r.expected_sd is None else r.expected_sd}"
            for r in sorted(populations, key=lambda r: r.unit.code)
        ]
        values["populations_text"] = "\n".join(lines) + "\n"
    if current is not None:
        values["method"] = current.method
        for key in (
            "margin",
            "confidence",
            "p",
            "deff",
            "response_rate",
            "total",
            "minimum",
            "maximum",
            "power",
        ):
            value = current.parameters.get(key)
            if value is not None:
                values[key] = str(value)
    return values


@bp.route("/<int:round_id>/plan", methods=["GET", "POST"])
def plan(round_id: int) -> ResponseReturnValue:
    """Preview a plan from the form; save it for the round when asked."""
    survey_round = round_or_404(round_id)
    current = saved_plan(session(), round_id)
    form = PlanForm(_saved_values(survey_round, current), [])
    preview: Plan | None = None
    saved_message = None
    if request.method == "POST":
        form = PlanForm.from_request()
        strata, preview = _build(form, survey_round)
        if preview is not None and request.form.get("action") == "save":
            save_plan(session(), survey_round, strata, preview, created_by=current_user.username)
            session().commit()
            current = saved_plan(session(), round_id)
            saved_message = vi_en("Đã lưu kế hoạch mẫu cho đợt này.")
    status = 422 if form.errors else 200
    return render_template(
        "admin/plan.html",
        survey_round=survey_round,
        form=form,
        preview=preview,
        current=current,
        methods=[(m, METHODS.get(m, (m, m))) for m in PLAN_METHODS],
        saved_message=saved_message,
        unit_names={u.code: u.name for u in survey_round.units},
    ), status


@bp.get("/<int:round_id>/plan.<fmt>")
def plan_download(round_id: int, fmt: str) -> ResponseReturnValue:
    """The saved plan as CSV or XLSX."""
    survey_round = round_or_404(round_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    current = saved_plan(session(), round_id)
    if current is None:
        return render_template("admin/plan_missing.html", survey_round=survey_round), 404
    from sampling import PlanRow

    rows = tuple(
        PlanRow(
            t.unit.code,
            t.population,
            t.sample_size,
            int(t.sample_size * float(current.parameters.get("response_rate", 1))),
            None if t.expected_margin != t.expected_margin else t.expected_margin,
        )
        for t in sorted(current.targets, key=lambda t: t.unit.code)
    )
    plan_obj = Plan(current.method, dict(current.parameters), rows, ())
    name = f"plan-round-{survey_round.id}"
    if fmt == "csv":
        return Response(plan_csv(plan_obj), mimetype="text/csv", headers=attachment(f"{name}.csv"))
    if fmt == "xlsx":
        return Response(
            plan_xlsx(plan_obj),
            headers=attachment(f"{name}.xlsx"),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    abort(404)


SORT_KEYS = {
    "unit": lambda r: r.unit_name,
    "target": lambda r: r.target,
    "collected": lambda r: r.collected,
    "share": lambda r: (r.share is None, r.share or 0),
    "margin": lambda r: (r.margin is None, r.margin or 0),
}


def _chart_json(rows: list[ProgressRow]) -> str:
    """Target and answers collected per unit as horizontal bars, by name, in the table's order
    (the first row on top); long charts repeat the count axis at the top."""
    names = [r.unit_name for r in rows]
    figure = go.Figure(
        [
            go.Bar(
                name="Mục tiêu (target)",
                y=names,
                x=[r.target for r in rows],
                orientation="h",
                marker_color="#b1b4b6",
                hovertemplate="%{y}: mục tiêu %{x}<extra></extra>",
            ),
            go.Bar(
                name="Đã thu (collected)",
                y=names,
                x=[r.collected for r in rows],
                orientation="h",
                marker_color="#0b3d91",
                width=0.5,
                hovertemplate="%{y}: đã thu %{x} phiếu<extra></extra>",
            ),
        ]
    )
    long = len(rows) > LONG_CHART
    axis = {"title": {"text": "Số phiếu"}, "automargin": True, "rangemode": "tozero"}
    figure.update_layout(
        barmode="overlay",
        margin={"l": 10, "r": 20, "t": 40 if long else 10, "b": 40},
        height=chart_height(len(rows), 22),
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}
        if not long
        else {"orientation": "h"},
        xaxis={**axis, "side": "top"} if long else axis,
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
    )
    return figure.to_json()


def _progress(survey_round: SurveyRound) -> list[ProgressRow]:
    """Every unit's progress; a unit officer's own row only."""
    rows = progress(session(), survey_round)
    own = own_unit_code()
    return rows if own is None else [r for r in rows if r.unit_code == own]


@bp.get("/<int:round_id>/progress")
def progress_page(round_id: int) -> ResponseReturnValue:
    """Every unit's answers against its target, sortable; the chart refreshes itself."""
    survey_round = round_or_404(round_id)
    rows = _progress(survey_round)
    sort = request.args.get("sort", "unit")
    descending = request.args.get("order") == "desc"
    rows.sort(key=SORT_KEYS.get(sort, SORT_KEYS["unit"]), reverse=descending)
    return render_template(
        "admin/progress.html",
        survey_round=survey_round,
        rows=rows,
        sort=sort,
        descending=descending,
        chart=_chart_json(rows),
        has_plan=saved_plan(session(), round_id) is not None,
    )


@bp.get("/<int:round_id>/progress.json")
def progress_json(round_id: int) -> ResponseReturnValue:
    rows = _progress(round_or_404(round_id))
    return {
        "rows": [{k: getattr(r, k) for k in PROGRESS_COLUMNS} for r in rows],
        "chart": _chart_json(rows),
    }


@bp.get("/<int:round_id>/progress.<fmt>")
def progress_download(round_id: int, fmt: str) -> Response:
    """Progress as CSV or XLSX."""
    rows = _progress(round_or_404(round_id))
    table = [[getattr(r, k) for k in PROGRESS_COLUMNS] for r in rows]
    name = f"progress-round-{round_id}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv_writer(out)
        writer.writerow(PROGRESS_COLUMNS)
        writer.writerows([["" if v is None else v for v in row] for row in table])
        return Response(out.getvalue(), mimetype="text/csv", headers=attachment(f"{name}.csv"))
    if fmt == "xlsx":
        book = Workbook()
        append_row(book.active, PROGRESS_COLUMNS)
        for row in table:
            append_row(book.active, row)
        data = io.BytesIO()
        book.save(data)
        return Response(
            data.getvalue(),
            headers=attachment(f"{name}.xlsx"),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    abort(404)
