"""The questionnaire reached by a receipt code (``/r/<code>``) or a public link (``/u/<unit>``).

A receipt code works once, and its answers cannot be tied to it (docs/decisions/0009). The form
shown at ``/r/<code>`` carries a ticket bound to the code's hash; opening it changes nothing. When
its answers are first sent and pass every check, the code is exchanged for an anonymous ticket in
a transaction of its own (``receipts.claim_code``: exactly one request wins it, two phones racing
included), and the answers are then stored under that ticket in another transaction, which
writes nothing of the code. The ticket's id is derived from the form's random id, so the same form
sent twice stores one response; it names the unit and round only. This browser keeps the ticket in
a cookie under the code's address: if the answers did not arrive after the exchange (the server
failed in between), reopening the code there shows the form again and answers once. Elsewhere a
used code reads "already used". Expired, unknown or forged codes get a plain page and nothing is
stored. A public link (sent by SMS, Zalo or a website) leads to the unit's questionnaire in its
open round. Both reuse the counter form's rendering, checks and rate limits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import Response as FlaskResponse
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from survey_app.citizen.pages import render_form, statement_by_statement, submit
from survey_app.citizen.submissions import FormTarget, FormTicket, exchanged_ticket, read_ticket
from survey_app.db import session as db_session
from survey_app.db import utcnow
from survey_app.db.models import ReceiptCode, Response, Unit
from survey_app.extensions import csrf, limited_submission
from survey_app.survey.rounds import open_round_for_unit
from survey_app.trust.receipts import (
    claim_code,
    find_code,
    is_expired,
    last_valid_day,
    normalise,
)

bp = Blueprint("receipts", __name__)
REFUSALS = {
    "invalid": (
        _l("Mã không hợp lệ"),
        _l(
            "Không tìm thấy mã khảo sát này. Vui lòng kiểm tra lại mã in trên phiếu (gồm 20 chữ "
            "và số) rồi nhập lại."
        ),
    ),
    "expired": (
        _l("Mã đã hết hạn"),
        _l(
            "Mã này chỉ dùng được đến hết ngày %(date)s, nay đã hết hạn nên không thể dùng để trả "
            "lời khảo sát. Cảm ơn Ông/Bà đã quan tâm."
        ),
    ),
    "used": (
        _l("Mã đã được sử dụng"),
        _l(
            "Mã này đã được dùng để trả lời khảo sát. Mỗi mã chỉ dùng được một lần nên không thể "
            "gửi thêm câu trả lời. Nếu Ông/Bà đã gửi câu trả lời nhưng gặp lỗi, xin mở lại mã "
            "trên chính điện thoại và trình duyệt đã dùng lần trước. Cảm ơn Ông/Bà!"
        ),
    ),
}
"""Why a code cannot be used: the page's title and text (``%(date)s``: the last day)."""

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
    title, body = REFUSALS[kind]
    html = render_template(
        "citizen/code_refused.html",
        title=str(title),
        body=str(body) % values if values else str(body),
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
    """Where a code's answers go once exchanged: its unit in its round; the ticket names no code."""
    return FormTarget(row.unit, row.survey_round, "receipt", f"receipt:{row.unit_id}")


def form_target(row: ReceiptCode) -> FormTarget:
    """The form shown for a code not used yet: its ticket is bound to the code's hash."""
    return FormTarget(row.unit, row.survey_round, "receipt", f"receipt-code:{row.code_hash}")


def _genuine(token: str | None, target: FormTarget) -> str | None:
    """``token`` when it is a genuine ticket for ``target``'s unit and round, else None."""
    if token and read_ticket(current_app.secret_key, token, target) is not None:
        return token
    return None


def _answered(token: str | None, target: FormTarget) -> bool:
    ticket = read_ticket(current_app.secret_key, token, target) if token else None
    if ticket is None:
        return False
    stored = select(Response.id).where(Response.submission_id == ticket.nonce)
    return db_session().scalar(stored) is not None


def _held_ticket(target: FormTarget) -> str | None:
    """The ticket this browser got when its answers first went out, while none is stored."""
    token = _genuine(request.cookies.get(TICKET_COOKIE), target)
    return token if token is not None and not _answered(token, target) else None


def _exchanged_for_posted_form(row: ReceiptCode) -> str | None:
    """The ticket the posted form was (or would be) exchanged for; None if it is not this code's."""
    secret = current_app.secret_key
    posted = read_ticket(secret, request.form.get("sid", ""), form_target(row))
    return exchanged_ticket(secret, posted, code_target(row)) if posted else None


def _keep_ticket(code: str, row: ReceiptCode, token: str) -> None:
    """Let this browser keep the code's ticket (only under ``/r/<code>``) until the round ends.

    Set on whatever this request answers, the error page included (the answers may not have
    been stored after the exchange: the citizen sends them again).
    """
    seconds = (row.survey_round.closes_at - utcnow()) / timedelta(seconds=1)
    path = url_for(".code_form", code=code)
    secure = current_app.config["SESSION_COOKIE_SECURE"]

    @after_this_request
    def _set(response: FlaskResponse) -> FlaskResponse:
        response.set_cookie(
            TICKET_COOKIE,
            token,
            max_age=max(60, int(seconds)),
            path=path,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
        return response


WAIT_FOR_TWIN = (0.1, 0.2, 0.3, 0.4, 0.5)
"""Pauses (s) before a lost exchange says "used": the same form sent twice at once, the first
one may still be storing the answers."""


def _lost_exchange(code: str, exchanged: str, target: FormTarget) -> ResponseReturnValue:
    """The code was used by another request: the thanks if that was this very form, else why."""
    for pause in (0.0, *WAIT_FOR_TWIN):
        time.sleep(pause)
        db_session().rollback()  # a fresh snapshot
        if _answered(exchanged, target):
            return redirect(url_for(".code_thanks", code=code), code=303)
    row = find_code(db_session(), current_app.secret_key, code)
    if row is not None and row.redeemed_on is None and is_expired(row):
        return _expired(row)
    return _refused("used", 409, row.unit if row is not None else None)


def _exchange(
    code: str, row: ReceiptCode
) -> Callable[[FormTicket], FormTicket | ResponseReturnValue]:
    """Exchange the code for the posted form's ticket once its answers passed every check."""
    target = code_target(row)
    digest = row.code_hash

    def exchange(form_ticket: FormTicket) -> FormTicket | ResponseReturnValue:
        secret = current_app.secret_key
        exchanged = exchanged_ticket(secret, form_ticket, target)
        if not claim_code(db_session(), digest, _zone()):
            return _lost_exchange(code, exchanged, target)
        _keep_ticket(code, row, exchanged)
        ticket = read_ticket(secret, exchanged, target)
        assert ticket is not None  # made just above with the same key and target
        return ticket

    return exchange


def refused_with_answers(_limit: object) -> FlaskResponse | None:
    """A rate-limited submission: the form again with every answer kept, and status 429."""
    args = request.view_args or {}
    target: FormTarget | None = None
    ticket: str | None = None
    if request.endpoint == "receipts.code_form":
        row = _row(args.get("code", ""))
        if row is not None and row.redeemed_on is None:
            target = form_target(row)
        elif row is not None:
            target = code_target(row)
            ticket = _genuine(request.form.get("sid"), target) or _held_ticket(target)
            target = target if ticket is not None else None
    elif request.endpoint == "receipts.public_form":
        unit = _unit_today(args.get("unit_code", ""))
        target = public_target(unit) if unit is not None else None
    if target is None:
        return None
    values = {key: request.form.get(key, "") for key in request.form}
    return render_form(
        target,
        values=values,
        notice=_(
            "Hệ thống nhận được quá nhiều lần gửi trong thời gian ngắn. Vui lòng đợi một phút rồi "
            "thử lại."
        ),
        status=429,
        ticket=ticket,
    )


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
    """A receipt code's questionnaire, or its answers taken once."""
    canonical = normalise(code)
    if canonical is None:
        return _refused("invalid", 404, typed=code)
    if request.method == "GET" and canonical != code:
        return redirect(url_for(".code_form", code=canonical, **request.args))
    row = find_code(db_session(), current_app.secret_key, canonical)
    if row is None:
        return _refused("invalid", 404, typed=canonical)
    thanks_url = url_for(".code_thanks", code=canonical)
    if row.redeemed_on is not None:
        target = code_target(row)
        if request.method == "POST" and _answered(_exchanged_for_posted_form(row), target):
            return redirect(thanks_url, code=303)  # the same form sent again
        ticket = _held_ticket(target)
        if request.method == "POST":
            ticket = _genuine(request.form.get("sid"), target) or ticket
        if ticket is None:
            return _refused("used", 409, row.unit)
        if not row.survey_round.is_open(utcnow()):
            return _closed(row.unit)
        if request.method == "GET":
            return render_form(target, ticket=ticket)
        return submit(target, thanks_url, sid=ticket)
    if is_expired(row):
        return _expired(row)
    if not row.survey_round.is_open(utcnow()):
        return _closed(row.unit)
    if request.method == "GET":
        return render_form(form_target(row))
    return submit(form_target(row), thanks_url, exchange=_exchange(canonical, row))


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
    statement_by_statement()
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
