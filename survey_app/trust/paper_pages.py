"""Staff pages for paper questionnaires: keying, the second-keying queue, the disagreement report.

Every page works without JavaScript. Keying is one small text box per field (see
docs/decisions/0011): type a digit, press Tab. After a saved form the page comes back empty with
the unit kept, ready for the next paper. The second keying page never shows entry 1's values.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from questionnaires.model import Questionnaire
from survey_app.db import session
from survey_app.db.models import PaperEntry, SurveyRound, Unit
from survey_app.i18n import vi_en
from survey_app.staff import audit
from survey_app.staff.access import round_or_404, staff_blueprint
from survey_app.trust.paper import (
    DOUBLE_ENTRY_SHARE,
    FIELD_FORM_NUMBER,
    FIELD_UNIT,
    FIRST_ENTRY,
    SECOND_ENTRY,
    AlreadyKeyed,
    InvalidEntry,
    PaperError,
    as_keyed,
    disagreements,
    disagreements_csv,
    double_entry_seed,
    double_entry_summary,
    entry_of,
    first_entries,
    key_form,
    key_second_entry,
    keying_hint,
    normalise_form_number,
    questionnaire_of,
    resolve,
    second_entry_queue,
)

bp = staff_blueprint("paper", __name__, "/admin/paper")


def _seed() -> bytes:
    return double_entry_seed(current_app.secret_key)


def _queue(survey_round: SurveyRound) -> list[PaperEntry]:
    return second_entry_queue(session(), survey_round, seed=_seed(), share=DOUBLE_ENTRY_SHARE)


def _hints(q: Questionnaire) -> dict[str, str]:
    """What each box takes: the keying codes, and each choice question's numbered options."""
    hints = {name: keying_hint(q, name) for name in q.field_names}
    for question in q.choice_questions:
        hints[question.id] = " · ".join(
            f"{n} {option.label.vi}" for n, option in enumerate(question.options, start=1)
        )
    return hints


def _typed(q: Questionnaire) -> dict[str, str]:
    return {name: request.form.get(name, "") for name in q.field_names}


@bp.get("/")
def index() -> ResponseReturnValue:
    """Rounds, with how many paper forms were keyed, double-keyed and wait for a second entry."""
    db = session()
    rows = []
    for survey_round in db.scalars(select(SurveyRound).order_by(SurveyRound.opens_at.desc())):
        keyed = len(first_entries(db, survey_round))
        double = db.scalar(
            select(PaperEntry.id)
            .where(PaperEntry.round_id == survey_round.id, PaperEntry.entry == SECOND_ENTRY)
            .limit(1)
        )
        rows.append((survey_round, keyed, len(_queue(survey_round)), double is not None))
    return render_template("admin/paper_index.html", rows=rows, share=DOUBLE_ENTRY_SHARE)


def _unit_of(survey_round: SurveyRound, raw: str | None) -> Unit | None:
    try:
        unit_id = int(raw or "")
    except ValueError:
        return None
    return next((u for u in survey_round.units if u.id == unit_id), None)


def _render_key(
    survey_round: SurveyRound,
    *,
    unit: Unit | None,
    form_number: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    q = questionnaire_of(survey_round)
    mine = session().scalars(
        select(PaperEntry)
        .where(
            PaperEntry.round_id == survey_round.id,
            PaperEntry.entry == FIRST_ENTRY,
            PaperEntry.entered_by == current_user.username,
        )
        .order_by(PaperEntry.entered_at.desc(), PaperEntry.id.desc())
        .limit(10)
    )
    return render_template(
        "admin/paper_key.html",
        survey_round=survey_round,
        q=q,
        second=None,
        unit=unit,
        form_number=form_number,
        values=values or {},
        errors=errors or {},
        hints=_hints(q),
        saved=saved,
        recent=list(mine),
        blocked=False,
    ), status


@bp.route("/<int:round_id>/key", methods=["GET", "POST"])
def key(round_id: int) -> ResponseReturnValue:
    """Key a paper form (entry 1); after saving, an empty form for the next paper, same unit."""
    survey_round = round_or_404(round_id)
    if request.method == "GET":
        unit = _unit_of(survey_round, request.args.get("unit"))
        return _render_key(survey_round, unit=unit, saved=request.args.get("saved"))
    q = questionnaire_of(survey_round)
    unit = _unit_of(survey_round, request.form.get(FIELD_UNIT))
    form_number = request.form.get(FIELD_FORM_NUMBER, "")
    values = _typed(q)
    try:
        entry = key_form(
            session(),
            survey_round,
            unit,
            form_number,
            values,
            current_user.username,
            settings=current_app.config,
        )
        session().commit()
    except InvalidEntry as exc:
        session().rollback()
        return _render_key(
            survey_round,
            unit=unit,
            form_number=form_number,
            values=values,
            errors=exc.errors,
            status=422,
        )
    except PaperError as exc:
        session().rollback()
        return _render_key(
            survey_round,
            unit=unit,
            form_number=form_number,
            values=values,
            errors={FIELD_FORM_NUMBER: str(exc)},
            status=409,
        )
    target = url_for(".key", round_id=round_id, unit=entry.unit_id, saved=entry.form_number)
    return redirect(target, code=303)


@bp.get("/<int:round_id>/second")
def queue(round_id: int) -> ResponseReturnValue:
    """Forms picked for a second keying that still lack it (``?form=N`` opens one directly)."""
    survey_round = round_or_404(round_id)
    if request.args.get("form"):
        number = normalise_form_number(request.args["form"]) or request.args["form"].strip()
        return redirect(url_for(".second", round_id=round_id, form_number=number), code=303)
    return render_template(
        "admin/paper_queue.html",
        survey_round=survey_round,
        waiting=_queue(survey_round),
        share=DOUBLE_ENTRY_SHARE,
        saved=request.args.get("saved"),
    )


@bp.route("/<int:round_id>/second/<form_number>", methods=["GET", "POST"])
def second(round_id: int, form_number: str) -> ResponseReturnValue:
    """Key a form a second time, blind: entry 1's values are never sent to this page."""
    survey_round = round_or_404(round_id)
    q = questionnaire_of(survey_round)
    form_number = normalise_form_number(form_number) or form_number.strip()
    first = entry_of(session(), round_id, form_number, FIRST_ENTRY)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = _typed(q)
        try:
            key_second_entry(session(), survey_round, form_number, values, current_user.username)
            session().commit()
            return redirect(url_for(".queue", round_id=round_id, saved=form_number), code=303)
        except InvalidEntry as exc:
            session().rollback()
            errors, status = exc.errors, 422
        except PaperError as exc:
            session().rollback()
            errors, status = {FIELD_FORM_NUMBER: str(exc)}, 409
    elif first is None:
        missing = vi_en("phiếu số %(number)s chưa được nhập lần 1", number=form_number)
        errors, status = {FIELD_FORM_NUMBER: missing}, 404
    elif first.entered_by == current_user.username:
        errors = {
            FIELD_FORM_NUMBER: vi_en("bạn đã nhập lần 1 phiếu này: lần 2 phải do người khác nhập")
        }
        status = 409
    elif (done := entry_of(session(), round_id, form_number, SECOND_ENTRY)) is not None:
        errors, status = {FIELD_FORM_NUMBER: str(AlreadyKeyed(done))}, 409
    return render_template(
        "admin/paper_key.html",
        survey_round=survey_round,
        q=q,
        second=form_number,
        unit=first.unit if first else None,
        form_number=form_number,
        values=values,
        errors=errors,
        hints=_hints(q),
        saved=None,
        recent=[],
        blocked=status in (404, 409),
    ), status


def _render_report(
    survey_round: SurveyRound, *, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    found = disagreements(session(), survey_round)
    q = questionnaire_of(survey_round)
    labels = {item.id: item.text.vi for item in q.items}
    labels.update({question.id: question.label.vi for question in q.choice_questions})
    if q.comment is not None:
        labels[q.comment.id] = q.comment.label.vi
    return render_template(
        "admin/paper_disagreements.html",
        survey_round=survey_round,
        found=found,
        summary=double_entry_summary(session(), survey_round, found),
        labels=labels,
        error=error,
        resolved=request.args.get("resolved"),
    ), status


@bp.get("/<int:round_id>/disagreements")
def report(round_id: int) -> ResponseReturnValue:
    """Fields on which the two entries differ, the agreement rates, and a resolve action."""
    return _render_report(round_or_404(round_id))


@bp.get("/<int:round_id>/disagreements.csv")
def report_csv(round_id: int) -> ResponseReturnValue:
    from survey_app.staff.access import attachment

    survey_round = round_or_404(round_id)
    text = disagreements_csv(disagreements(session(), survey_round))
    return (
        "\ufeff" + text,
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            **attachment(f"paper-disagreements-round-{round_id}.csv"),
        },
    )


@bp.post("/<int:round_id>/resolve")
def resolve_field(round_id: int) -> ResponseReturnValue:
    """Set a disagreeing field to entry 1's, entry 2's or another value read from the paper."""
    survey_round = round_or_404(round_id)
    form_number = request.form.get("form_number", "")
    field = request.form.get("field", "")
    choice = request.form.get("choice", "")
    audit.note(target=f"round {round_id} · form {form_number[:40]}", field=field[:40])
    found = {(d.form_number, d.field): d for d in disagreements(session(), survey_round)}
    current = found.get((form_number, field))
    if choice in ("first", "second") and current is None:
        return _render_report(survey_round, error=vi_en("không có chênh lệch này"), status=404)
    if choice == "first":
        value = as_keyed(current.first)
    elif choice == "second":
        value = as_keyed(current.second)
    else:
        value = request.form.get("other", "")
    try:
        resolve(
            session(),
            survey_round,
            form_number,
            field,
            value,
            current_user.username,
            request.form.get("reason", ""),
        )
        session().commit()
    except (PaperError, IntegrityError) as exc:
        session().rollback()
        message = str(exc) if isinstance(exc, PaperError) else vi_en("vừa có người xử lý; thử lại")
        return _render_report(survey_round, error=f"{form_number} · {field}: {message}", status=422)
    target = url_for(".report", round_id=round_id, resolved=f"{form_number} · {field}")
    return redirect(target, code=303)
