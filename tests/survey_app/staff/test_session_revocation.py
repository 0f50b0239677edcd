"""Logout, a password or role change and deactivation end every session of the account.

Issue 11, item 5: a copied session cookie used to keep working after logout. Each test copies
the logged-in browser's cookie into a second browser (what a thief of the cookie holds) and
checks that, after the change, that copy is sent to the login page and gets no data.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, login_as

from survey_app.db import get_db
from survey_app.db.models import User
from survey_app.staff import users

PROTECTED = ("/admin/rounds", "/admin/export/responses.csv")


def _copy(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _opens(client: FlaskClient) -> bool:
    return all(client.get(path).status_code == 200 for path in PROTECTED)


def _sent_to_login(client: FlaskClient) -> None:
    for path in PROTECTED:
        reply = client.get(path)
        assert reply.status_code == 302, (path, reply.status_code)
        assert "/admin/login" in reply.headers["Location"]


def _change(app: Flask, name: str, change: Callable[[User], None]) -> None:
    with app.app_context(), get_db().begin() as session:
        change(session.scalar(select(User).where(User.username == name)))


def test_a_copied_cookie_stops_working_at_logout(app: Flask, survey: dict) -> None:
    client = login_as(app)
    thief = _copy(app, client)
    assert _opens(thief)
    token = form_tokens(client.get("/admin/").get_data(as_text=True))["csrf_token"]
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    _sent_to_login(thief)
    _sent_to_login(client)
    again = login_as(app, username="nv.admin2")  # other accounts are not touched
    assert _opens(again)


@pytest.mark.parametrize(
    "change",
    [
        lambda user: users.set_password(user, "another long password"),
        lambda user: users.set_role(user, users.ANALYST),
        users.deactivate,
        users.end_sessions,
    ],
    ids=["password", "role", "deactivate", "end_sessions"],
)
def test_a_password_or_role_change_or_deactivation_ends_every_session(
    app: Flask, survey: dict, change: Callable[[User], None]
) -> None:
    client = login_as(app)
    thief = _copy(app, client)
    other = login_as(app, username="nv.other")
    assert _opens(thief) and _opens(client)
    _change(app, "nv.admin", change)
    _sent_to_login(thief)
    _sent_to_login(client)
    assert _opens(other)


def test_a_role_change_checks_the_unit_rule(app: Flask, survey: dict) -> None:
    login_as(app)
    with app.app_context(), get_db().begin() as session:
        user = session.scalar(select(User).where(User.username == "nv.admin"))
        with pytest.raises(users.UserError):
            users.set_role(user, users.UNIT_OFFICER)
        with pytest.raises(users.UserError):
            users.set_role(user, "owner")
        assert user.role == users.ADMIN and user.session_version == 1


def test_the_session_version_only_rises(app: Flask, survey: dict) -> None:
    login_as(app)
    _change(app, "nv.admin", users.end_sessions)
    _change(app, "nv.admin", lambda user: users.set_role(user, users.COUNCIL))
    with app.app_context():
        user = get_db().session.scalar(select(User).where(User.username == "nv.admin"))
        assert user.session_version == 3
