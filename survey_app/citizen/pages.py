"""The citizen's pages: a counter's questionnaire (``/s/<code>``) and the thank-you page.

Server-rendered, no JavaScript needed, Vietnamese first. A response is acknowledged (redirect to
the thank-you page) only after it is committed. ``render_form`` and ``submit`` serve every way of
reaching a questionnaire (counter QR codes here, receipt codes in ``receipt_pages``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask import Response as FlaskResponse
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from questionnaires.answers import ErrorCode, ParsedSubmission, error_message, parse_submission
from questionnaires.estimate import intro_without_duration, minutes_to_answer, question_count
from questionnaires.model import Questionnaire
from survey_app import compression
from survey_app.citizen import form_page
from survey_app.citizen.submissions import (
    DEVICE_COOKIE,
    HONEYPOT,
    KEPT_QUESTIONNAIRES,
    FormTarget,
    FormTicket,
    device_cookie_options,
    device_hash,
    issue_ticket,
    read_ticket,
    store_response,
)
from survey_app.db import get_db
from survey_app.db import session as db_session
from survey_app.extensions import csrf
from survey_app.i18n import current_language
from survey_app.survey import cache
from survey_app.survey.cache import CounterView
from survey_app.survey.questionnaire_store import get_questionnaire as stored_questionnaire

bp = Blueprint("citizen", __name__)
SUMMARY_LINKS = 3
"""Questions linked from the error summary; the others are counted (each is marked in place)."""


def _counter_or_404(code: str) -> CounterView:
    counter = cache.current(db_session()).counter(db_session(), code)
    if counter is None or not counter.active:
        abort(404)
    return counter


def _questionnaire(survey_round: object) -> Questionnaire:
    """The round's questionnaire (shipped, or published): the round may be a cached copy."""
    key = (
        survey_round.questionnaire_id,  # type: ignore[attr-defined]
        survey_round.questionnaire_version,  # type: ignore[attr-defined]
    )
    kept = current_app.extensions.setdefault(KEPT_QUESTIONNAIRES, {})
    if key not in kept:
        kept[key] = stored_questionnaire(db_session(), *key)
    return kept[key]


def render_form(
    target: FormTarget,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
    ticket: str | None = None,
) -> FlaskResponse:
    """The questionnaire page for ``target`` (and a device cookie).

    It carries ``ticket`` when given (a receipt code's single ticket), else a fresh one. A plain
    form (no answers, errors or notice) is the saved page filled in (``form_page``), compressed
    already when the phone takes gzip; any other is rendered afresh.
    """
    session.setdefault("form_session", secrets.token_hex(16))
    ticket = ticket or issue_ticket(current_app.secret_key, target)
    if values or errors or notice:
        response = make_response(
            _render(
                target,
                _questionnaire(target.survey_round),
                ticket,
                values=values or {},
                errors=errors or {},
                notice=notice,
            ),
            status,
        )
    else:
        response = _plain_form(target, ticket, status)
    if not request.cookies.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE, secrets.token_hex(16), **device_cookie_options(current_app.config)
        )
    return response


def _render(
    target: object,
    questionnaire: Questionnaire,
    ticket: str,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    notice: str | None,
    **context: object,
) -> str:
    """``templates/citizen/form.html`` for ``target`` (a `FormTarget`, or the saved page's
    stand-in with a stand-in ``csrf_token`` in ``context``)."""
    lang = current_language()
    in_order = [name for name in questionnaire.field_names if name in errors]
    in_order += [name for name in errors if name not in in_order]
    required = error_message(ErrorCode.REQUIRED, lang, questionnaire=questionnaire)
    return render_template(
        "citizen/form.html",
        target=target,
        questionnaire=questionnaire,
        ticket=ticket,
        values=values,
        errors=errors,
        summary_links=in_order[:SUMMARY_LINKS],
        all_missing=all(message == required for message in errors.values()),
        duration=_(
            "Phiếu có %(questions)s câu hỏi, mất khoảng %(minutes)s phút.",
            questions=question_count(questionnaire),
            minutes=minutes_to_answer(questionnaire, lang),
        ),
        intro=intro_without_duration(questionnaire.intro.get(lang)),
        notice=notice,
        lang=lang,
        honeypot=HONEYPOT,
        **context,
    )


def _plain_form(target: FormTarget, ticket: str, status: int) -> FlaskResponse:
    """The saved plain form of ``target``'s questionnaire and language, filled in."""
    survey_round = target.survey_round
    key = form_page.page_key(
        survey_round.questionnaire_id,
        survey_round.questionnaire_version,
        current_language(),
        target.counter is not None,
    )
    page = form_page.saved_page(
        key,
        lambda marks, csrf_token, marked_ticket: _render(
            marks,
            _questionnaire(survey_round),
            marked_ticket,
            values={},
            errors={},
            notice=None,
            csrf_token=csrf_token,
        ),
    )
    raw, gz = page.fill(
        form_page.slot_values(
            ticket, target.unit.name, target.counter.name if target.counter else None
        )
    )
    if compression.accepts_gzip():
        return compression.precompressed(
            current_app.response_class(gz, status, mimetype="text/html")
        )
    return current_app.response_class(raw, status, mimetype="text/html")


def _device(target: FormTarget) -> str | None:
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    return device_hash(
        current_app.secret_key,
        target.survey_round.id,
        cookie,
        request.headers.get("User-Agent", ""),
    )


Exchange = Callable[[FormTicket], "FormTicket | ResponseReturnValue"]
"""Called once the answers are checked, before they are stored: the ticket to store them under,
or the page to answer instead (a receipt code exchanged for its ticket, or already used)."""


def submit(
    target: FormTarget,
    thanks_url: str,
    sid: str | None = None,
    exchange: Exchange | None = None,
) -> ResponseReturnValue:
    """Check and store the posted answers for ``target``; redirect to ``thanks_url`` (303).

    ``sid`` is the form's ticket when the caller knows it (a receipt code's single ticket: the
    form is shown again with it, never with a new one); else the posted one. ``exchange`` (see
    `Exchange`) runs after every check, just before the answers are stored.
    """
    values = {key: request.form.get(key, "") for key in request.form}
    try:
        validate_csrf(request.form.get("csrf_token"))
        ticket = read_ticket(current_app.secret_key, sid or request.form.get("sid", ""), target)
    except (ValidationError, CSRFError):
        ticket = None
    if ticket is None:  # an expired CSRF token or form ticket: the answers come back, unsaved
        return render_form(
            target,
            values=values,
            notice=_(
                "Phiên trả lời đã hết hạn nên câu trả lời chưa được lưu. Các câu trả lời của "
                "Ông/Bà vẫn còn dưới đây: vui lòng bấm Gửi lại."
            ),
            status=400,
            ticket=sid,
        )
    if request.form.get(HONEYPOT):
        return redirect(thanks_url, code=303)
    survey_round = target.survey_round
    questionnaire = _questionnaire(survey_round)
    parsed: ParsedSubmission = parse_submission(questionnaire, request.form)
    if parsed.errors:
        lang = current_language()
        messages = {
            field: error_message(code, lang, questionnaire=questionnaire, field=field)
            for field, code in parsed.errors.items()
        }
        return render_form(target, values=values, errors=messages, status=422, ticket=sid)
    if exchange is not None:
        exchanged = exchange(ticket)
        if not isinstance(exchanged, FormTicket):
            return exchanged
        ticket = exchanged
    store_response(
        db_session(),
        ticket=ticket,
        target=target,
        parsed=parsed,
        language=current_language(),
        device=_device(target),
        config=current_app.config,
    )
    return redirect(thanks_url, code=303)


def statement_by_statement() -> None:
    """Run this request's statements each in its own transaction (autocommit).

    A citizen's form reads (the cache version; the counter, unit and round when not cached) and
    its POST adds one INSERT, which is atomic and durable on its own: the 303 still comes only
    after the database has committed it. Without ``BEGIN`` and ``COMMIT`` around them a GET is
    one round trip to the database instead of three, a POST two instead of four
    (docs/decisions/0022). Call it before the request's first query; not for a request that
    writes more than one statement.
    """
    get_db().open_autocommit()


def counter_target(counter: CounterView) -> FormTarget | None:
    """The counter's questionnaire in the round open now for its unit (None when closed)."""
    survey_round = cache.current(db_session()).open_round(db_session(), counter.unit_id)
    if survey_round is None:
        return None
    return FormTarget(counter.unit, survey_round, "counter_qr", counter.code, counter)


@bp.route("/s/<code>", methods=["GET", "POST"])
@csrf.exempt
def form(code: str) -> ResponseReturnValue:
    """Show the counter's questionnaire, or take its answers."""
    statement_by_statement()
    counter = _counter_or_404(code)
    target = counter_target(counter)
    if target is None:
        status = 200 if request.method == "GET" else 409
        return render_template("citizen/closed.html", unit=counter.unit, place=counter.name), status
    if request.method == "GET":
        return render_form(target)
    return submit(target, url_for("citizen.thanks", code=counter.code))


def refused_with_answers(_limit: object) -> FlaskResponse | None:
    """A rate-limited submission: the form again with every answer kept, and status 429."""
    if request.endpoint != "citizen.form":
        return None
    code = (request.view_args or {}).get("code", "")
    counter = cache.current(db_session()).counter(db_session(), code)
    target = counter_target(counter) if counter else None
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
    )


@bp.get("/s/<code>/cam-on")
def thanks(code: str) -> ResponseReturnValue:
    """The thank-you page shown after a stored (or already stored) response."""
    counter = _counter_or_404(code)
    return render_template("citizen/thanks.html", unit=counter.unit)
