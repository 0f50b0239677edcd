"""The admin's page of the audit log (``/admin/audit``): filters, pages, and a CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from sqlalchemy import Select

from survey_app.db import session
from survey_app.db.models import AdminAuditLog
from survey_app.i18n import vi_en
from survey_app.staff import audit
from survey_app.staff.access import attachment, staff_blueprint
from survey_app.staff.audit_labels import (
    action_label,
    detail_lines,
    role_label,
    status_label,
    target_label,
)

bp = staff_blueprint("audit", __name__, "/admin")
bp.add_app_template_filter(action_label, "audit_action")
bp.add_app_template_filter(role_label, "audit_role")
bp.add_app_template_filter(target_label, "audit_target")
bp.add_app_template_filter(detail_lines, "audit_detail")
bp.add_app_template_filter(status_label, "audit_status")
PER_PAGE = 50
FILTERS = ("who", "action", "since", "until")


def _arg(name: str) -> str:
    """A filter as typed, without NUL characters (PostgreSQL text cannot hold them)."""
    return request.args.get(name, "").replace("\x00", "").strip()[:200]


def _day(name: str, errors: list[str]) -> date | None:
    raw = _arg(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{name} ({raw!r}): " + vi_en("ngày dạng YYYY-MM-DD"))
        return None


def _filtered(errors: list[str]) -> tuple[Select[tuple[AdminAuditLog]], ZoneInfo]:
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return audit.query(
        who=_arg("who"),
        action=_arg("action"),
        since=_day("since", errors),
        until=_day("until", errors),
        zone=zone,
    ), zone


@bp.get("/audit")
def index() -> ResponseReturnValue:
    """The log, newest first, filtered by who, action (endpoint prefix) and days."""
    errors: list[str] = []
    stmt, _zone = _filtered(errors)
    try:
        page = max(int(request.args.get("page", "1") or 1), 1)
    except ValueError:
        page = 1
    rows = session().scalars(stmt.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
    values = {k: _arg(k) for k in FILTERS}
    query = urlencode({k: v for k, v in values.items() if v})
    return render_template(
        "admin/audit.html",
        rows=rows[:PER_PAGE],
        more=len(rows) > PER_PAGE,
        page=page,
        values=values,
        query=query,
        errors=errors,
    ), 422 if errors else 200


@bp.get("/audit.csv")
def download() -> Response:
    """The filtered log as CSV (every matching row, newest first)."""
    errors: list[str] = []
    stmt, zone = _filtered(errors)
    audit.note(filters={k: v for k in FILTERS if (v := _arg(k))})
    db = session()

    def lines() -> Iterator[str]:
        # runs once the view has returned (and the request's session was closed): the session
        # opens again for the query, and is closed at the end
        try:
            yield from audit.csv_lines(db.scalars(stmt.execution_options(yield_per=500)), zone)
        finally:
            db.close()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers=attachment("admin-audit-log.csv"),
    )
