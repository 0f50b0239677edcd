"""The append-only log of staff actions (`AdminAuditLog`, docs/decisions/0012).

After every write (POST, PUT, PATCH, DELETE) a logged-in user sends to a staff blueprint — refused
ones (403, 400) included — and after every login, refused password and logout, one row is written:
who, their role, the endpoint, the address, the target read from the address ("round 3 · unit
SNV"), the status code, and a small detail: the NAMES of the form fields sent, the values of a few
fields that only choose among fixed options (`VALUE_FIELDS`), and what the view added with `note`.
Never a password, an answer, a comment or a file's content. Anonymous requests write nothing
(they never reach a view), nor do logins the rate limit refuses, so nobody without an account
can flood the log.

The row is written in its own transaction once the view has finished, so an action that failed
and was rolled back still leaves its attempt (with its 4xx/5xx status) in the log. A view may call
`note` on a GET too (an export of answers): that request is then logged as well. Outside a request
(the CLI) `record` adds a row to the caller's session. The app never updates or deletes a row; the
database refuses to (triggers of migration 0005), and each row is chained to the one before by a
keyed hash, so a row inserted with SQL is found by ``sipas audit verify`` (`audit_chain`).
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_app_context, request
from flask.wrappers import Response
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from survey_app.db import get_db
from survey_app.db.models import AdminAuditLog
from survey_app.spreadsheets import csv_writer
from survey_app.staff import audit_chain
from survey_app.staff.access import is_staff

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUTH_ENDPOINTS = frozenset({"auth.login", "auth.logout"})
HIDDEN_FIELDS = frozenset({"csrf_token", "sid"})
"""Form fields left out even by name (tokens, not choices)."""
VALUE_FIELDS = ("action", "status", "choice", "method", "all_matching")
"""Form fields whose value is kept (short choices among fixed options, never people's text)."""
TARGETS = (
    ("round_id", "round {}"),
    ("year", "year {}"),
    ("code", "unit {}"),
    ("unit_code", "unit {}"),
    ("form_number", "form {}"),
    ("fmt", "{}"),
)
"""Address parameters that name what an action was on, and how the target shows them."""
MAX_VALUE = 60
COLUMNS = (
    "id",
    "at",
    "who",
    "role",
    "action",
    "method",
    "path",
    "target",
    "detail",
    "status_code",
)


def note(target: str | None = None, **detail: Any) -> None:
    """Add to the current request's row (and log this request even when it is a GET)."""
    notes = g.setdefault("audit_notes", {})
    if target is not None:
        g.audit_target = target
    notes.update(detail)


def record(
    session: Session,
    *,
    who: str,
    action: str,
    role: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
    status_code: int | None = None,
) -> AdminAuditLog:
    """Add a row to ``session`` (CLI and services outside a request; the caller commits soon:
    appends are serialised until then, `audit_chain.append`)."""
    values = {
        "who": _clean(who)[:80],
        "role": role[:20],
        "action": action[:120],
        "method": "",
        "path": "",
        "target": _clean(target)[:200],
        "detail": _clean(detail or {}),
        "status_code": status_code,
    }
    return audit_chain.append(session, _key(), values)


def _key() -> bytes:
    """The chain's key: from the app's SECRET_KEY (the environment's outside an app)."""
    secret = current_app.config["SECRET_KEY"] if has_app_context() else os.environ["SECRET_KEY"]
    return audit_chain.chain_key(secret)


def target_of(args: dict[str, Any]) -> str:
    """What the address names: "round 3 · unit SNV" (empty when nothing)."""
    return " · ".join(form.format(args[name]) for name, form in TARGETS if name in args)


def form_detail() -> dict[str, Any]:
    """The names of the fields sent, and the values of `VALUE_FIELDS` only."""
    try:
        names = sorted((set(request.form) | set(request.files)) - HIDDEN_FIELDS)
    except HTTPException:  # a body too large (413) or malformed: its refusal is still logged
        return {"body": "unreadable"}
    detail: dict[str, Any] = {"fields": names} if names else {}
    for name in VALUE_FIELDS:
        if name in request.form:
            detail[name] = request.form.get(name, "")[:MAX_VALUE]
    return detail


def _clean(value: Any) -> Any:
    """``value`` without NUL characters in any of its texts (PostgreSQL refuses them)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _audited() -> bool:
    if request.endpoint in AUTH_ENDPOINTS:
        return request.method in WRITE_METHODS
    if not is_staff(current_app.blueprints.get(request.blueprint or "")):
        return False
    return request.method in WRITE_METHODS or "audit_notes" in g


def _user() -> tuple[str, str] | None:
    if current_user.is_authenticated:
        return current_user.username, current_user.role
    return None


def _remember_user() -> None:
    """Before a logout: who is leaving (the row is written once they are gone)."""
    if request.endpoint == "auth.logout":
        g.audit_user = _user()


def _write_row(response: Response) -> Response:
    """After the view: the request's row, in a transaction of its own."""
    if not _audited():
        return response
    user = g.get("audit_user") or _user()
    if user is None and request.endpoint == "auth.login" and response.status_code == 401:
        # a refused password: the name typed (attempts the rate limit stops are not written,
        # so the log cannot be flooded by someone who is not logged in)
        user = (request.form.get("username", "").strip(), "")
    if user is None:  # anonymous: sent to the login page, nothing was done
        return response
    detail = form_detail()
    detail.update(g.get("audit_notes", {}))
    row = {
        "who": _clean(user[0])[:80],
        "role": user[1][:20],
        "action": (request.endpoint or "")[:120],
        "method": request.method[:10],
        "path": _clean(request.full_path.rstrip("?"))[:500],
        "target": _clean(g.get("audit_target") or target_of(request.view_args or {}))[:200],
        "detail": _clean(detail),
        "status_code": response.status_code,
    }
    request_session = g.get("db_session")
    if request_session is not None and request.method in WRITE_METHODS:
        # What the view did not commit is lost at teardown anyway; ending its transaction now
        # frees the database (SQLite has one writer) for the row's own transaction. (A GET's
        # session is left alone: a streamed download still reads through it.)
        request_session.rollback()
    try:
        with get_db().begin() as session:
            audit_chain.append(session, _key(), row)
    except SQLAlchemyError:
        log.exception("audit row not written: %r", row)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_remember_user)
    app.after_request(_write_row)


# --- reading the log ------------------------------------------------------------------------
def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def query(
    *,
    who: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
    zone: ZoneInfo,
) -> Select[tuple[AdminAuditLog]]:
    """Rows matching the filters, newest first (days in the display time zone, both included)."""
    stmt = select(AdminAuditLog).order_by(AdminAuditLog.id.desc())
    if who:
        stmt = stmt.where(AdminAuditLog.who == who)
    if action:
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AdminAuditLog.action.like(f"{escaped}%", escape="\\"))
    if since is not None:
        stmt = stmt.where(AdminAuditLog.at >= _day_start(since, zone))
    if until is not None:
        stmt = stmt.where(AdminAuditLog.at < _day_start(until + timedelta(days=1), zone))
    return stmt


def as_record(row: AdminAuditLog, zone: ZoneInfo) -> dict[str, Any]:
    """One row as the CSV writes it (time in the display time zone, ISO 8601 with offset)."""
    return {
        "id": row.id,
        "at": row.at.astimezone(zone).isoformat(timespec="seconds"),
        "who": row.who,
        "role": row.role,
        "action": row.action,
        "method": row.method,
        "path": row.path,
        "target": row.target,
        "detail": row.detail,
        "status_code": row.status_code,
    }


def csv_lines(rows: Iterable[AdminAuditLog], zone: ZoneInfo) -> Iterator[str]:
    """The log as UTF-8 CSV lines (a byte-order mark first), ``detail`` as JSON."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # formula-like cells quoted (survey_app.spreadsheets)
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        values = as_record(row, zone)
        values["detail"] = json.dumps(values["detail"], ensure_ascii=False, sort_keys=True)
        writer.writerow([values[c] for c in COLUMNS])
        yield buffer.getvalue()
