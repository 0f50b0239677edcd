"""The questionnaire reached by a receipt code (``/r/<code>``) or a public link (``/u/<unit>``).

A receipt code works once, and its answers cannot be tied to it (docs/decisions/0009): the first
opening of ``/r/<code>`` exchanges the code for a single anonymous form ticket, in a transaction of
its own (``receipts.claim_code``). The ticket (a signed random id bound to the unit, the round and
the channel, nothing of the code) is the form's submission id, and this browser keeps it in a
cookie scoped to the code's address, so that a citizen who lost the page reopens the code and
answers with the same ticket. Another browser then reads "this code has already been used". The
answers are stored later, in a transaction that writes nothing else; the ticket's id is unique
among the responses, so a code yields at most one answer. A used, expired, unknown or forged code
gets a plain page and nothing is stored. A public link (sent by SMS, Zalo or a website) leads to
the unit's questionnaire in its open round. Both reuse the counter form's rendering, checks and
rate limits.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from survey_app.citizen.pages import render_form, submit
from survey_app.citizen.submissions import FormTarget, issue_ticket, read_ticket
from survey_app.db import session as db_session
from survey_app.db import utcnow
from survey_app.db.models import ReceiptCode, Response, Unit
from survey_app.extensions import csrf, limited_submission
from survey_app.i18n import t
from survey_app.survey.rounds import open_round_for_unit
from survey_app.trust.receipts import (
    claim_code,
    find_code,
    is_expired,
    last_valid_day,
    normalise,
)

bp = Blueprint("receipts", __name__)
TICKET_COOKIE = "sipas_ticket"
"""The form ticket a code was exchanged for, kept by this browser under the code's address."""


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def _refused(
    kind: str, status: int, unit: Unit | None = None, typed: str = "", **values: str
) -> ResponseReturnValue:
    """A plain page saying why the code cannot be used (nothing is stored).

    An invalid code's page offers the code box again, holding what was ``typed``.
    """
    html = render_template(
        "citizen/code_refused.html",
        title=t(f"receipt.{kind}.title"),
        body=t(f"receipt.{kind}.body", **values),
        unit=unit,
        retype=kind == "invalid",
        typed=typed,
    )
    return html, status


def _expired(row: ReceiptCode) -> ResponseReturnValue:
    day = last_valid_day(row, _zone()).strftime("%d/%m/%Y")
    return _refused("expired", 410, row.unit, date=day)


def _closed(unit: Unit) -> ResponseReturnValue:
    status = 200 if request.method == "GET" else 409
    return render_template("citizen/closed.html", unit=unit, place=None), status


def _row(typed: str) -> ReceiptCode | None:
    code = normalise(typed)
    return find_code(db_session(), current_app.secret_key, code) if code else None


def code_target(row: ReceiptCode) -> FormTarget:
    """The questionnaire a code leads to: its unit in its round; the ticket names no code."""
    return FormTarget(row.unit, row.survey_round, "receipt", f"receipt:{row.unit_id}")


def _genuine(token: str | None, target: FormTarget) -> str | None:
    """``token`` when it is a genuine ticket for ``target``'s unit and round, else None."""
    if token and read_ticket(current_app.secret_key, token, target) is not None:
        return token
    return None


def _held_ticket(target: FormTarget) -> str | None:
    """The ticket this browser got when it opened the code, when it is still genuine."""
    return _genuine(request.cookies.get(TICKET_COOKIE), target)


def _answered(token: str, target: FormTarget) -> bool:
    ticket = read_ticket(current_app.secret_key, token, target)
    stored = select(Response.id).where(Response.submission_id == ticket.nonce) if ticket else None
    return stored is not None and db_session().scalar(stored) is not None


def _keep_ticket(response: FlaskResponse, code: str, row: ReceiptCode, token: str) -> None:
    """Let this browser keep the code's ticket (only under ``/r/<code>``) until the round ends."""
    seconds = (row.survey_round.closes_at - utcnow()) / timedelta(seconds=1)
    response.set_cookie(
        TICKET_COOKIE,
        token,
        max_age=max(60, int(seconds)),
        path=url_for(".code_form", code=code),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def _exchange(code: str, row: ReceiptCode) -> tuple[str | None, ResponseReturnValue | None]:
    """Exchange an unused code for a ticket (its own transaction); else the page saying why."""
    if is_expired(row):
        return None, _expired(row)
    if not row.survey_round.is_open(utcnow()):
        return None, _closed(row.unit)
    digest, unit = row.code_hash, row.unit
    if not claim_code(db_session(), digest, _zone()):  # used (or expired) a moment ago
        again = find_code(db_session(), current_app.secret_key, code)
        if again is not None and again.redeemed_on is None and is_expired(again):
            return None, _expired(again)
        return None, _refused("used", 409, unit)
    return issue_ticket(current_app.secret_key, code_target(row)), None


def refused_with_answers(_limit: object) -> FlaskResponse | None:
    """A rate-limited submission: the form again with every answer kept, and status 429."""
    args = request.view_args or {}
    target: FormTarget | None = None
    ticket: str | None = None
    if request.endpoint == "receipts.code_form":
        row = _row(args.get("code", ""))
        if row is not None and row.redeemed_on is not None:
            target = code_target(row)
            ticket = _genuine(request.form.get("sid"), target) or _held_ticket(target)
            target = target if ticket is not None else None
    elif request.endpoint == "receipts.public_form":
        unit = _unit_today(args.get("unit_code", ""))
        target = public_target(unit) if unit is not None else None
    if target is None:
        return None
    values = {key: request.form.get(key, "") for key in request.form}
    return render_form(target, values=values, notice=t("error.429.body"), status=429, ticket=ticket)


@bp.get("/r")
def entry() -> ResponseReturnValue:
    """Type the code printed on the slip (``?code=`` leads to the code's questionnaire)."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("citizen/code_entry.html", value="")
    code = normalise(typed)
    if code is None:
        return _refused("invalid", 404, typed=typed)
    return redirect(url_for(".code_form", code=code), code=303)


@bp.route("/r/<code>", methods=["GET", "POST"])
@csrf.exempt
@limited_submission(refused_with_answers)
def code_form(code: str) -> ResponseReturnValue:
    """A receipt code's questionnaire (the code exchanged for a ticket), or its answers."""
    canonical = normalise(code)
    if canonical is None:
        return _refused("invalid", 404, typed=code)
    if request.method == "GET" and canonical != code:
        return redirect(url_for(".code_form", code=canonical, **request.args))
    row = find_code(db_session(), current_app.secret_key, canonical)
    if row is None:
        return _refused("invalid", 404, typed=canonical)
    target = code_target(row)
    thanks_url = url_for(".code_thanks", code=canonical)
    if row.redeemed_on is not None:
        # used: only the ticket it was exchanged for (posted, or kept by this browser) answers
        ticket = _held_ticket(target)
        if request.method == "POST":
            ticket = _genuine(request.form.get("sid"), target) or ticket
        if ticket is None or (request.method == "GET" and _answered(ticket, target)):
            return _refused("used", 409, row.unit)
        if not row.survey_round.is_open(utcnow()):
            return _closed(row.unit)
        if request.method == "GET":
            return render_form(target, ticket=ticket)
        return submit(target, thanks_url, sid=ticket)
    # unused: exchange it now (a POST comes from a form shown before the exchange existed)
    ticket, refusal = _exchange(canonical, row)
    if ticket is None:
        return refusal or _refused("used", 409, row.unit)
    page = render_form(target, ticket=ticket) if request.method == "GET" else None
    response = current_app.make_response(page or submit(target, thanks_url, sid=ticket))
    _keep_ticket(response, canonical, row, ticket)
    return response


@bp.get("/r/<code>/cam-on")
def code_thanks(code: str) -> ResponseReturnValue:
    """The thank-you page of a receipt code (also shown for a code already used)."""
    row = _row(code)
    if row is None:
        return _refused("invalid", 404)
    return render_template("citizen/thanks.html", unit=row.unit)


def _unit_today(code: str) -> Unit | None:
    """The unit of this code that exists today (codes are matched as typed, then upper-cased)."""
    today = utcnow().astimezone(_zone()).date()
    units = db_session().scalars(select(Unit).where(Unit.code.in_({code, code.upper()})))
    return next((u for u in units if u.valid_on(today)), None)


def public_target(unit: Unit) -> FormTarget | None:
    """The unit's questionnaire in its open round by the public link (None when closed)."""
    survey_round = open_round_for_unit(db_session(), unit.id)
    if survey_round is None:
        return None
    return FormTarget(unit, survey_round, "public_link", f"unit:{unit.code}")


@bp.route("/u/<unit_code>", methods=["GET", "POST"])
@csrf.exempt
@limited_submission(refused_with_answers)
def public_form(unit_code: str) -> ResponseReturnValue:
    """A unit's questionnaire by its public link (SMS, Zalo, website), or its answers."""
    unit = _unit_today(unit_code)
    if unit is None:
        abort(404)
    target = public_target(unit)
    if target is None:
        return _closed(unit)
    if request.method == "GET":
        return render_form(target)
    return submit(target, url_for(".public_thanks", unit_code=unit.code))


@bp.get("/u/<unit_code>/cam-on")
def public_thanks(unit_code: str) -> ResponseReturnValue:
    """The thank-you page of a public link."""
    unit = _unit_today(unit_code)
    if unit is None:
        abort(404)
    return render_template("citizen/thanks.html", unit=unit)
