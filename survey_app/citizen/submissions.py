"""Storing a citizen's answers durably and once.

Each rendered form carries a signed ticket: a random submission id, the form's target (a counter's
code or a receipt code's hash), its round and when it was rendered. The id is unique in the
responses table and stored with ``INSERT … ON CONFLICT (submission_id) DO NOTHING``, so a double
tap, a refresh or a resend stores one response; the second attempt finds the first and gets the
same thank-you.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from questionnaires.answers import ParsedSubmission
from survey_app.db import utcnow
from survey_app.db.models import Counter, Response, SurveyRound, Unit
from survey_app.survey.cache import CounterView, RoundView, UnitView
from survey_app.trust import signals

SALT = "sipas-submission-id"


@lru_cache(maxsize=8)
def _serializer(secret_key: str) -> URLSafeSerializer:
    """The tickets' serializer for this secret key (made once: it holds no per-call state)."""
    return URLSafeSerializer(secret_key, salt=SALT)


@dataclass(frozen=True)
class FormTarget:
    """Where a form's answers go: a unit in a round, by a channel, reached through ``key``.

    ``key`` is bound into the form's ticket: a counter's code for counter QR codes, a receipt
    code's keyed hash for receipts. ``counter`` is None when no counter was involved.
    """

    unit: Unit | UnitView
    survey_round: SurveyRound | RoundView
    channel: str
    key: str
    counter: Counter | CounterView | None = None


@dataclass(frozen=True)
class FormTicket:
    """What a rendered form vouches for: its random id, its target key, round and render time."""

    nonce: str
    key: str
    round_id: int
    issued: float


def issue_ticket(secret_key: str, target: FormTarget) -> str:
    """A signed, one-time submission id for a form about to be rendered."""
    payload = {
        "n": secrets.token_hex(16),
        "c": target.key,
        "r": target.survey_round.id,
        "t": round(time.time(), 1),
    }
    return _serializer(secret_key).dumps(payload)


def read_ticket(secret_key: str, token: str, target: FormTarget) -> FormTicket | None:
    """The ticket inside ``token`` when it is genuine and made for ``target``; else None."""
    try:
        payload = _serializer(secret_key).loads(token)
        ticket = FormTicket(
            str(payload["n"]), str(payload["c"]), int(payload["r"]), float(payload.get("t", 0))
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if ticket.key != target.key or ticket.round_id != target.survey_round.id:
        return None
    return ticket


def exchanged_ticket(secret_key: str, form_ticket: FormTicket, target: FormTarget) -> str:
    """The ticket a receipt code's form is exchanged for when its answers are first sent.

    Its id is ``HMAC(secret, "receipt-ticket|" + the form's random id)``: the same form sent
    twice gives the same ticket (a double tap stores one response), nothing of the code is in it,
    and it is bound to ``target`` (the unit and round). Its render time is the form's.
    """
    nonce = hmac.new(
        secret_key.encode(), f"receipt-ticket|{form_ticket.nonce}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    payload = {"n": nonce, "c": target.key, "r": target.survey_round.id, "t": form_ticket.issued}
    return _serializer(secret_key).dumps(payload)


HONEYPOT = "website"
"""The form's hidden field that only robots fill in (the answers are thanked, not stored)."""
KEPT_QUESTIONNAIRES = "sipas_citizen_questionnaires"
"""``app.extensions`` key: the questionnaires the citizen's pages read, by (id, version). A
shipped or published version never changes (the database refuses to change or delete a
published row), so each is read once per process; the fast path takes them from here."""

DEVICE_COOKIE = "sipas_device"
"""A random id kept on the phone for a year; only its per-round hash is stored (`device_hash`)."""


def device_cookie_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """How the device cookie is set (``Response.set_cookie`` / ``dump_cookie`` keywords)."""
    return {
        "max_age": 365 * 24 * 3600,
        "httponly": True,
        "samesite": "Lax",
        "secure": config["SESSION_COOKIE_SECURE"],
    }


def device_hash(secret_key: str, round_id: int, device_cookie: str, user_agent: str) -> str:
    """A per-round salted hash of a random cookie and the user agent (never the IP address).

    The salt is HMAC(secret, round): the same phone gives the same hash within a round only.
    """
    salt = hmac.new(secret_key.encode(), f"round:{round_id}".encode(), hashlib.sha256).digest()
    return hmac.new(salt, f"{device_cookie}|{user_agent}".encode(), hashlib.sha256).hexdigest()


_INSERTS: dict[str, Any] = {}


def _insert(dialect: str):  # type: ignore[no-untyped-def]
    """``INSERT … ON CONFLICT (submission_id) DO NOTHING RETURNING id`` for this database.

    Made once per dialect on the table (not the ORM class), its values passed as parameters:
    SQLAlchemy then reuses one compiled statement instead of keying a new one per answer.
    """
    statement = _INSERTS.get(dialect)
    if statement is None:
        module = postgresql if dialect == "postgresql" else sqlite
        table = Response.__table__
        statement = (
            module.insert(table)
            .on_conflict_do_nothing(index_elements=[table.c.submission_id])
            .returning(table.c.id)
        )
        _INSERTS[dialect] = statement
    return statement


def response_values(
    *,
    ticket: FormTicket,
    target: FormTarget,
    parsed: ParsedSubmission,
    language: str,
    device: str | None,
    config: Mapping[str, Any],
) -> dict[str, Any]:
    """The columns of one response, its own signals included (thresholds from ``config``: the
    app's settings; computed without a query)."""
    now = utcnow()
    values: dict[str, Any] = {
        "submission_id": ticket.nonce,
        "round_id": target.survey_round.id,
        "unit_id": target.unit.id,
        "counter_id": target.counter.id if target.counter else None,
        "channel": target.channel,
        "submitted_at": now,
        "questionnaire_id": target.survey_round.questionnaire_id,
        "questionnaire_version": target.survey_round.questionnaire_version,
        "language": language,
        "answers": dict(parsed.answers),
        "service_field": parsed.service_field,
        "profile": dict(parsed.profile),
        "comment": parsed.comment,
        "elapsed_seconds": round(now.timestamp() - ticket.issued, 1) if ticket.issued else None,
        "device_hash": device,
    }
    flags = signals.safely_own_flags(values, target.unit.code, config)
    return values | {"flags": flags, "state": signals.state_for("received", flags)}


def insert_response(connection: Session | Connection, values: Mapping[str, Any]) -> int | None:
    """``INSERT … ON CONFLICT (submission_id) DO NOTHING``: the new row's id, or None when a
    response with this submission id is stored already (not committed here)."""
    bind = connection if isinstance(connection, Connection) else connection.get_bind()
    statement = _insert(bind.dialect.name)
    return connection.execute(statement, dict(values)).scalar_one_or_none()


def store_response(
    session: Session,
    *,
    ticket: FormTicket,
    target: FormTarget,
    parsed: ParsedSubmission,
    language: str,
    device: str | None = None,
    config: Mapping[str, Any],
) -> tuple[Response, bool]:
    """Commit one response; returns it and whether it is new (False: a resend of a stored one).

    One ``INSERT … ON CONFLICT (submission_id) DO NOTHING``: a resend inserts nothing and is told
    so by the database, no error and no rollback. The signals that look at this answer alone
    are computed before, without a query (`response_values`); the ones that compare answers
    (burst, repeated device) are left to the periodic scan (``survey_app.trust.signals.scan_new``,
    docs/decisions/0015). Nothing else is written in this transaction: a receipt code is marked
    used beforehand, in a transaction of its own (``survey_app.trust.receipts.claim_code``,
    docs/decisions/0009).
    """
    values = response_values(
        ticket=ticket,
        target=target,
        parsed=parsed,
        language=language,
        device=device,
        config=config,
    )
    new_id = insert_response(session, values)
    if new_id is None:  # a resend: the first one is stored
        session.rollback()
        existing = session.scalar(select(Response).where(Response.submission_id == ticket.nonce))
        if existing is None:  # pragma: no cover - the unique index said it exists
            raise RuntimeError(f"submission {ticket.nonce} neither stored nor found")
        return existing, False
    response = Response(id=new_id, **values)
    session.commit()
    return response, True
