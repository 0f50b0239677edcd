"""The citizen's pages: a counter's questionnaire (``/s/<code>``) and the thank-you page.

Server-rendered, no JavaScript needed, Vietnamese first. A response is acknowledged (redirect to
the thank-you page) only after it is committed.
"""

from __future__ import annotations

import secrets

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
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from wtforms.validators import ValidationError

from questionnaires.answers import ParsedSubmission, error_message, parse_submission
from questionnaires.registry import get_questionnaire
from survey_app.db import session as db_session
from survey_app.extensions import csrf
from survey_app.i18n import current_language, t
from survey_app.models import Counter, SurveyRound
from survey_app.rounds import open_round_for_unit
from survey_app.submissions import issue_ticket, read_ticket, store_response

bp = Blueprint("citizen", __name__)
HONEYPOT = "website"


def _counter_or_404(code: str) -> Counter:
    counter = db_session().scalar(select(Counter).where(Counter.code == code))
    if counter is None or not counter.active:
        abort(404)
    return counter


def _render_form(
    counter: Counter,
    survey_round: SurveyRound,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session.setdefault("form_session", secrets.token_hex(16))
    questionnaire = get_questionnaire(
        survey_round.questionnaire_id, survey_round.questionnaire_version
    )
    html = render_template(
        "citizen/form.html",
        counter=counter,
        questionnaire=questionnaire,
        ticket=issue_ticket(current_app.secret_key, counter.code, survey_round.id),
        values=values or {},
        errors=errors or {},
        notice=notice,
        lang=current_language(),
        honeypot=HONEYPOT,
    )
    return html, status


def _closed(counter: Counter, status: int) -> ResponseReturnValue:
    return render_template("citizen/closed.html", counter=counter), status


@bp.route("/s/<code>", methods=["GET", "POST"])
@csrf.exempt
def form(code: str) -> ResponseReturnValue:
    """Show the counter's questionnaire, or take its answers."""
    counter = _counter_or_404(code)
    survey_round = open_round_for_unit(db_session(), counter.unit_id)
    if survey_round is None:
        return _closed(counter, 200 if request.method == "GET" else 409)
    if request.method == "GET":
        return _render_form(counter, survey_round)
    return _submit(counter, survey_round)


def _submit(counter: Counter, survey_round: SurveyRound) -> ResponseReturnValue:
    values = {key: request.form.get(key, "") for key in request.form}
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return _render_form(
            counter, survey_round, values=values, notice=t("form.expired"), status=400
        )
    ticket = read_ticket(current_app.secret_key, request.form.get("sid", ""))
    if ticket is None or ticket.counter_code != counter.code or ticket.round_id != survey_round.id:
        return _render_form(
            counter, survey_round, values=values, notice=t("form.expired"), status=400
        )
    if request.form.get(HONEYPOT):
        return redirect(url_for("citizen.thanks", code=counter.code), code=303)
    questionnaire = get_questionnaire(
        survey_round.questionnaire_id, survey_round.questionnaire_version
    )
    parsed: ParsedSubmission = parse_submission(questionnaire, request.form)
    if parsed.errors:
        lang = current_language()
        messages = {
            field: error_message(code, lang, questionnaire=questionnaire, field=field)
            for field, code in parsed.errors.items()
        }
        return _render_form(counter, survey_round, values=values, errors=messages, status=422)
    store_response(
        db_session(),
        ticket=ticket,
        counter=counter,
        survey_round=survey_round,
        parsed=parsed,
        language=current_language(),
    )
    return redirect(url_for("citizen.thanks", code=counter.code), code=303)


def refused_with_answers(_limit: object) -> FlaskResponse | None:
    """A rate-limited submission: the form again with every answer kept, and status 429."""
    code = (request.view_args or {}).get("code", "")
    counter = db_session().scalar(select(Counter).where(Counter.code == code))
    survey_round = open_round_for_unit(db_session(), counter.unit_id) if counter else None
    if counter is None or survey_round is None:
        return None
    values = {key: request.form.get(key, "") for key in request.form}
    return make_response(
        _render_form(counter, survey_round, values=values, notice=t("error.429.body"), status=429)
    )


@bp.get("/s/<code>/cam-on")
def thanks(code: str) -> ResponseReturnValue:
    """The thank-you page shown after a stored (or already stored) response."""
    counter = _counter_or_404(code)
    return render_template("citizen/thanks.html", counter=counter)
