"""Sở Nội vụ's minimal admin: units, counters, rounds, answers per unit, posters, exports.

Who may see which page is `survey_app.staff.access.ACCESS`; a unit officer's pages here show
their own unit only (`own_unit_code`).
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from werkzeug.wsgi import wrap_file

from survey_app.db import session, utcnow
from survey_app.db.models import Counter, SurveyRound, Unit
from survey_app.db.models import Response as SurveyResponse
from survey_app.staff import audit
from survey_app.staff.access import attachment, own_unit_code, round_or_404, staff_blueprint
from survey_app.staff.users import COUNCIL
from survey_app.survey.counters import base_url_unset, base_url_unset_words, short_url
from survey_app.survey.export import to_csv, xlsx_file
from survey_app.survey.poster_pages import base_url_refusal, pdf_or_refusal, poster_spec
from survey_app.survey.rounds import counts_by_unit, find_round, open_rounds

bp = staff_blueprint("admin", __name__, "/admin")


@bp.get("/")
def dashboard() -> ResponseReturnValue:
    """Open rounds and how many answers each of their units has (a unit officer: their unit's).

    The appraisal council's home is the PAR index.
    """
    if current_user.role == COUNCIL:
        return redirect(url_for("par.index"))
    db = session()
    own = own_unit_code()
    rounds = []
    for survey_round in open_rounds(db):
        counts = counts_by_unit(db, survey_round.id)
        units = sorted(survey_round.units, key=lambda u: (u.unit_type.code, u.code))
        if own is not None:
            units = [u for u in units if u.code == own]
            if not units:
                continue
        rows = [(u, counts.get(u.id, 0)) for u in units]
        rounds.append((survey_round, rows, sum(count for _, count in rows)))
    return render_template("admin/dashboard.html", rounds=rounds, own_unit=own)


@bp.get("/units")
def units() -> ResponseReturnValue:
    rows = (
        session()
        .scalars(
            select(Unit)
            .options(
                selectinload(Unit.counters), selectinload(Unit.unit_type), selectinload(Unit.parent)
            )
            .order_by(Unit.unit_type_id, Unit.code)
        )
        .all()
    )
    return render_template("admin/units.html", units=rows)


@bp.get("/counters")
def counters() -> ResponseReturnValue:
    """Every counter with its address, QR codes and poster (a unit officer: their unit's)."""
    own = own_unit_code()
    if own is not None:
        return redirect(url_for(".unit_counters", code=own))
    return _counters_page(select(Counter), None)


@bp.get("/units/<code>/counters")
def unit_counters(code: str) -> ResponseReturnValue:
    """One unit's counters (every version of the unit with this code)."""
    if session().scalar(select(Unit.id).where(Unit.code == code).limit(1)) is None:
        abort(404)
    return _counters_page(select(Counter).join(Counter.unit).where(Unit.code == code), code)


def _counters_page(query: Select[tuple[Counter]], unit_code: str | None) -> ResponseReturnValue:
    rows = session().scalars(query.options(selectinload(Counter.unit)).order_by(Counter.code))
    base = current_app.config["BASE_URL"]
    return render_template(
        "admin/counters.html",
        counters=[(c, short_url(base, c.code)) for c in rows],
        unit_code=unit_code,
        units=session().scalars(select(Unit).order_by(Unit.code)).all()
        if unit_code is None
        else [],
        base_url_unset=base_url_unset_words() if base_url_unset(current_app.config) else None,
    )


@bp.get("/units/<code>/posters.pdf")
def unit_posters(code: str) -> ResponseReturnValue:
    """The posters of one unit's active counters, one page each."""
    refused = base_url_refusal()
    if refused is not None:
        return refused
    found = (
        session()
        .scalars(
            select(Counter)
            .join(Counter.unit)
            .where(Unit.code == code, Counter.active)
            .options(selectinload(Counter.unit))
            .order_by(Counter.code)
        )
        .all()
    )
    if not found:
        abort(404)
    base = current_app.config["BASE_URL"]
    return pdf_or_refusal([poster_spec(c, base) for c in found], attachment(f"posters-{code}.pdf"))


@bp.get("/rounds")
def rounds() -> ResponseReturnValue:
    db = session()
    counts = dict(
        db.execute(
            select(SurveyResponse.round_id, func.count()).group_by(SurveyResponse.round_id)
        ).all()
    )
    rows = db.scalars(
        select(SurveyRound)
        .options(selectinload(SurveyRound.units))
        .order_by(SurveyRound.opens_at.desc())
    ).all()
    return render_template("admin/rounds.html", rounds=rows, counts=counts, now=utcnow())


@bp.get("/rounds/<int:round_id>/posters.pdf")
def round_posters(round_id: int) -> ResponseReturnValue:
    """Every counter's poster of a round's units, one page each."""
    refused = base_url_refusal()
    if refused is not None:
        return refused
    survey_round = round_or_404(round_id)
    unit_ids = [u.id for u in survey_round.units]
    counters_ = (
        session()
        .scalars(
            select(Counter)
            .where(Counter.unit_id.in_(unit_ids), Counter.active)
            .order_by(Counter.code)
        )
        .all()
    )
    if not counters_:
        abort(404)
    base = current_app.config["BASE_URL"]
    return pdf_or_refusal(
        [poster_spec(c, base) for c in counters_], attachment(f"posters-round-{round_id}.pdf")
    )


@bp.get("/export/responses.<fmt>")
def export_responses(fmt: str) -> Response:
    """The responses export, for one round (``?round=NAME``) or all; excluded answers only
    with ``?include_excluded=1``."""
    round_name = request.args.get("round") or None
    everything = request.args.get("include_excluded") == "1"
    if round_name and find_round(session(), round_name) is None:
        abort(404)
    audit.note(  # the answers themselves leave the platform: the log says who took them
        target=f"round {round_name}" if round_name else "all rounds", include_excluded=everything
    )
    stem = f"responses-{round_name}" if round_name else "responses"
    if fmt == "csv":
        return Response(
            stream_with_context(to_csv(session(), round_name, include_excluded=everything)),
            mimetype="text/csv",
            headers=attachment(f"{stem}.csv"),
        )
    if fmt == "xlsx":
        spool = xlsx_file(session(), round_name, include_excluded=everything)
        return Response(  # sent from the temporary file, which is closed (deleted) once sent
            wrap_file(request.environ, spool),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=attachment(f"{stem}.xlsx"),
            direct_passthrough=True,
        )
    abort(404)
