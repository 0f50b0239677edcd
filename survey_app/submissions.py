"""Storing a citizen's answers durably and once.

Each rendered form carries a signed, random submission id. The id is unique in the responses
table, so a double tap, a refresh or a resend stores one response; the second attempt finds the
first and gets the same thank-you.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from questionnaires.answers import ParsedSubmission
from survey_app.db import utcnow
from survey_app.models import Counter, Response, SurveyRound

SALT = "sipas-submission-id"


@dataclass(frozen=True)
class FormTicket:
    """What a rendered form vouches for: its random id, its counter and its round."""

    nonce: str
    counter_code: str
    round_id: int


def issue_ticket(secret_key: str, counter_code: str, round_id: int) -> str:
    """A signed, one-time submission id for a form about to be rendered."""
    payload = {"n": secrets.token_hex(16), "c": counter_code, "r": round_id}
    return URLSafeSerializer(secret_key, salt=SALT).dumps(payload)


def read_ticket(secret_key: str, token: str) -> FormTicket | None:
    """The ticket inside ``token``, or None when it is missing, forged or malformed."""
    try:
        payload = URLSafeSerializer(secret_key, salt=SALT).loads(token)
        return FormTicket(str(payload["n"]), str(payload["c"]), int(payload["r"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def store_response(
    session: Session,
    *,
    ticket: FormTicket,
    counter: Counter,
    survey_round: SurveyRound,
    parsed: ParsedSubmission,
    language: str,
    channel: str = "counter_qr",
) -> tuple[Response, bool]:
    """Commit one response; returns it and whether it is new (False: a resend of a stored one)."""
    response = Response(
        submission_id=ticket.nonce,
        round_id=survey_round.id,
        unit_id=counter.unit_id,
        counter_id=counter.id,
        channel=channel,
        submitted_at=utcnow(),
        questionnaire_id=survey_round.questionnaire_id,
        questionnaire_version=survey_round.questionnaire_version,
        language=language,
        answers=dict(parsed.answers),
        service_field=parsed.service_field,
        profile=dict(parsed.profile),
        comment=parsed.comment,
    )
    session.add(response)
    try:
        session.commit()
        return response, True
    except IntegrityError:
        session.rollback()
        existing = session.scalar(select(Response).where(Response.submission_id == ticket.nonce))
        if existing is None:
            raise
        return existing, False
