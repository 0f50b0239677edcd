"""JSON API for client systems (the one-stop software): ask for a dossier's receipt code.

``POST /api/v1/receipt-codes`` with ``Authorization: Bearer <key>`` and
``{"dossier_code": "...", "unit_code": "...", "round": "NAME"}`` (``round`` optional: the unit's
open round) answers 201 ``{"code", "url", "expires_at", "expires_on"}``, or 200 with the same code
when the dossier already has one. Errors are ``{"error": {"code", "message"}}`` with 400, 401, 404,
409 or 413. Keys are made by ``sipas api-clients create``; only their SHA-256 is stored.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request
from flask import Response as FlaskResponse
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from survey_app.db import session as db_session
from survey_app.db import utcnow
from survey_app.db.models import ApiClient, SurveyRound, Unit
from survey_app.survey.rounds import find_round, open_round_for_unit
from survey_app.trust.api_clients import KEY_PREFIX, key_hash, new_key  # noqa: F401
from survey_app.trust.frame_codes import receipt_url
from survey_app.trust.receipts import (
    ReceiptError,
    clean_dossier_code,
    display,
    issue_code,
    last_valid_day,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    """A refusal answered as JSON: HTTP status, a stable machine code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str) -> tuple[FlaskResponse, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[FlaskResponse, int]:
    return _error(exc.status, exc.code, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[FlaskResponse, int]:
    status = exc.code or 500
    names = {413: "too_large", 400: "bad_request", 405: "method_not_allowed"}
    return _error(status, names.get(status, "http_error"), exc.description or exc.name)


def _client() -> ApiClient:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "send the client key as 'Authorization: Bearer <key>'")
    client = db_session().scalar(
        select(ApiClient).where(ApiClient.key_hash == key_hash(key.strip()))
    )
    if client is None or not client.active:
        raise ApiError(401, "unauthorized", "this key is unknown or was revoked")
    return client


def _body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:  # nested deeper than the JSON parser goes (found by tests/test_fuzz)
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    return data


def _optional(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ApiError(400, "bad_field", f"the field {field!r} must be a string")
    if any(c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cs") for c in value):
        # NUL breaks PostgreSQL text, a lone surrogate (JSON "\ud800") UTF-8: never a 500
        raise ApiError(
            400, "bad_field", f"the field {field!r} has a control character or a lone surrogate"
        )
    return value.strip()


def _required(data: dict[str, Any], field: str) -> str:
    value = _optional(data, field)
    if value is None:
        raise ApiError(400, "missing_field", f"the field {field!r} is required")
    return value


def _unit(code: str, zone: ZoneInfo) -> Unit:
    today = utcnow().astimezone(zone).date()
    units = db_session().scalars(select(Unit).where(Unit.code == code))
    unit = next((u for u in units if u.valid_on(today)), None)
    if unit is None:
        raise ApiError(404, "unknown_unit", f"no unit {code!r} exists today")
    return unit


def _round(name: str | None, unit: Unit) -> SurveyRound:
    if name is None:
        survey_round = open_round_for_unit(db_session(), unit.id)
        if survey_round is None:
            raise ApiError(409, "round_not_open", f"no survey round is open for unit {unit.code!r}")
        return survey_round
    survey_round = find_round(db_session(), name)
    if survey_round is None:
        raise ApiError(404, "unknown_round", f"no round named {name!r}")
    if unit not in survey_round.units:
        raise ApiError(409, "round_not_open", f"round {name!r} does not cover unit {unit.code!r}")
    if not survey_round.is_open(utcnow()):
        raise ApiError(409, "round_not_open", f"round {name!r} is not open now")
    return survey_round


@bp.post("/receipt-codes")
def receipt_codes() -> tuple[FlaskResponse, int]:
    """Issue (or give again) the receipt code of a dossier."""
    _client()
    data = _body()
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    raw_dossier = _required(data, "dossier_code")
    unit_code = _required(data, "unit_code")
    round_name = _optional(data, "round")
    try:
        dossier_code = clean_dossier_code(raw_dossier)
    except ReceiptError as exc:
        raise ApiError(400, "bad_field", f"dossier_code: {exc}") from None
    unit = _unit(unit_code, zone)
    survey_round = _round(round_name, unit)
    try:
        issued = issue_code(
            db_session(),
            current_app.secret_key,
            survey_round,
            unit,
            dossier_code,
            days=int(current_app.config["RECEIPT_CODE_DAYS"]),
            zone=zone,
        )
    except ReceiptError as exc:
        db_session().rollback()
        raise ApiError(409, "dossier_conflict", str(exc)) from None
    body = {
        "code": display(issued.code),
        "url": receipt_url(current_app.config["BASE_URL"], issued.code),
        "expires_at": issued.row.expires_at.astimezone(zone).isoformat(),
        "expires_on": last_valid_day(issued.row, zone).isoformat(),
    }
    return jsonify(body), 201 if issued.new else 200
