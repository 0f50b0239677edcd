"""The accounts page: create (a password made and shown once), change role and unit, reset the
password, deactivate; an admin cannot lock themselves out; no password reaches the audit log."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, login_as

from survey_app.db import get_db
from survey_app.db.models import AdminAuditLog, User


def _token(client: FlaskClient) -> str:
    return form_tokens(client.get("/admin/users/").get_data(as_text=True))["csrf_token"]


def _log_in(app: Flask, username: str, password: str) -> int:
    client = app.test_client()
    token = form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]
    data = {"csrf_token": token, "username": username, "password": password}
    return client.post("/admin/login", data=data).status_code


def _user(app: Flask, name: str) -> User:
    with app.app_context():
        return get_db().session.scalar(select(User).where(User.username == name))


def test_an_account_is_made_changed_reset_and_deactivated(app: Flask, survey: dict) -> None:
    admin = login_as(app)
    token = _token(admin)
    reply = admin.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "username": "snv.cb",
            "role": "unit_officer",
            "unit_code": "SNV",
        },
    )
    shown = re.search(r'id="shown-password">([^<]+)<', reply.get_data(as_text=True))
    assert reply.status_code == 200 and shown
    first = shown.group(1)
    assert _log_in(app, "snv.cb", first) == 302
    user_id = _user(app, "snv.cb").id
    admin.post(f"/admin/users/{user_id}/role", data={"csrf_token": token, "role": "analyst"})
    assert (_user(app, "snv.cb").role, _user(app, "snv.cb").unit_id) == ("analyst", None)
    refused = admin.post(
        f"/admin/users/{user_id}/role",
        data={"csrf_token": token, "role": "unit_officer", "unit_code": ""},
        follow_redirects=True,
    )
    assert "needs a unit" in refused.get_data(as_text=True)
    reset = admin.post(f"/admin/users/{user_id}/password", data={"csrf_token": token})
    second = re.search(r'id="shown-password">([^<]+)<', reset.get_data(as_text=True)).group(1)
    assert second != first and _log_in(app, "snv.cb", first) == 401
    assert _log_in(app, "snv.cb", second) == 302
    admin.post(f"/admin/users/{user_id}/active", data={"csrf_token": token, "action": "deactivate"})
    assert _log_in(app, "snv.cb", second) == 401
    with app.app_context():
        rows = (
            get_db()
            .session.scalars(select(AdminAuditLog).where(AdminAuditLog.action.like("user_admin.%")))
            .all()
        )
    assert len(rows) == 5 and all(r.target == "user snv.cb" for r in rows)
    assert not any(first in str(r.detail) or second in str(r.detail) for r in rows)


def test_an_admin_cannot_demote_or_deactivate_themselves(app: Flask) -> None:
    admin = login_as(app)
    token = _token(admin)
    me = _user(app, "nv.admin").id
    admin.post(f"/admin/users/{me}/role", data={"csrf_token": token, "role": "analyst"})
    admin.post(f"/admin/users/{me}/active", data={"csrf_token": token, "action": "deactivate"})
    user = _user(app, "nv.admin")
    assert (user.role, user.active) == ("admin", True)


def test_a_bad_account_is_refused_with_its_reason(app: Flask) -> None:
    admin = login_as(app)
    reply = admin.post(
        "/admin/users/new",
        data={"csrf_token": _token(admin), "username": "x", "role": "admin", "password": "short"},
        follow_redirects=True,
    )
    assert "Chưa tạo tài khoản" in reply.get_data(as_text=True)
    assert _user(app, "x") is None
