"""Staff logins: failed attempts are rate-limited, sessions expire, cookies are locked down.

docs/decisions/0013. The limits are set small per test (the limit is read from the app's config at
each request). Time is moved by hand: the sessions' clock is
``survey_app.staff.login_pages.clock``, the rate-limit counters' clock the ``time`` module of the
limiter's memory storage.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import limits.storage.memory
import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import form_tokens
from werkzeug.test import TestResponse

from survey_app import create_app
from survey_app.db import get_db
from survey_app.staff import login_pages as auth
from survey_app.staff.users import create_user

PASSWORD = "correct horse battery"
WRONG = "wrong password!!"
MINUTE = 60.0


class LimiterClock:
    """Stands for the ``time`` module inside the limiter's memory storage: real time + a shift."""

    def __init__(self) -> None:
        self.shift = 0.0

    def time(self) -> float:
        return time.time() + self.shift

    def advance(self, seconds: float) -> None:
        self.shift += seconds


@pytest.fixture
def limiter_clock(monkeypatch: pytest.MonkeyPatch) -> LimiterClock:
    """Move the clock of the rate-limit counters (``memory://``, the tests' storage)."""
    shim = LimiterClock()
    monkeypatch.setattr(limits.storage.memory, "time", shim)
    return shim


@pytest.fixture
def staff_account(app: Flask) -> str:
    with app.app_context(), get_db().begin() as session:
        create_user(session, "nv.admin", PASSWORD, "admin")
        create_user(session, "nv.other", PASSWORD, "admin")
    return "nv.admin"


def attempt(
    client: FlaskClient, username: str, password: str, address: str = "10.0.0.1"
) -> TestResponse:
    """One login POST from ``address`` with a valid CSRF token."""
    env = {"REMOTE_ADDR": address}
    page = client.get("/admin/login", environ_base=env).get_data(as_text=True)
    token = form_tokens(page)["csrf_token"]
    return client.post(
        "/admin/login",
        data={"csrf_token": token, "username": username, "password": password},
        environ_base=env,
    )


def logged_in(client: FlaskClient) -> bool:
    return client.get("/admin/").status_code == 200


def fail(
    client: FlaskClient, times: int, username: str = "nv.admin", address: str = "10.0.0.1"
) -> None:
    for _ in range(times):
        assert attempt(client, username, WRONG, address).status_code == 401


# --- throttling --------------------------------------------------------------------------------


def test_the_sixth_try_on_one_account_from_one_address_is_refused_even_with_the_password(
    app: Flask, staff_account: str
) -> None:
    client = app.test_client()
    fail(client, 3, "nv.admin")
    fail(client, 2, "  NV.Admin ")  # letter case and spaces do not make another account name
    refused = attempt(client, "nv.admin", PASSWORD)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Vui lòng thử lại sau" in html and "Too many failed sign-ins" in html
    assert "Wrong username" not in html
    assert refused.headers.get("Retry-After")
    assert not logged_in(client)
    # another address is not blocked by this one's failures, and another account is not either
    assert attempt(app.test_client(), "nv.admin", PASSWORD, "10.0.0.2").status_code == 302
    assert attempt(client, "nv.other", PASSWORD).status_code == 302


def test_the_refusal_is_the_same_whether_the_account_exists_or_not(
    app: Flask, staff_account: str
) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    pages = []
    for name in ("nv.admin", "no.such.person"):
        client = app.test_client()
        fail(client, 2, name)
        refused = attempt(client, name, PASSWORD)
        assert refused.status_code == 429
        html = refused.get_data(as_text=True)
        pages.append(html.replace(name, "NAME").replace(form_tokens(html)["csrf_token"], "T"))
    assert pages[0] == pages[1]


def test_successful_logins_do_not_count(app: Flask, staff_account: str) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per hour"
    client = app.test_client()
    for _ in range(3):
        assert attempt(client, "nv.admin", PASSWORD).status_code == 302
        client.post("/admin/logout", data=form_tokens(client.get("/admin/").get_data(as_text=True)))
    fail(client, 2)
    assert attempt(client, "nv.admin", PASSWORD).status_code == 429


def test_one_account_has_a_ceiling_across_addresses(app: Flask, staff_account: str) -> None:
    app.config["LOGIN_LIMIT_ACCOUNT_CEILING"] = "4 per hour"
    for n in range(4):
        fail(app.test_client(), 1, "nv.admin", f"10.0.1.{n}")
    assert attempt(app.test_client(), "nv.admin", PASSWORD, "10.0.2.1").status_code == 429
    assert attempt(app.test_client(), "nv.other", PASSWORD, "10.0.2.1").status_code == 302


def test_one_address_trying_many_accounts_is_refused(app: Flask, staff_account: str) -> None:
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per hour"
    client = app.test_client()
    for name in ("root", "admin", "administrator", "sysadmin"):
        fail(client, 1, name, "10.0.3.3")
    assert attempt(client, "nv.admin", PASSWORD, "10.0.3.3").status_code == 429
    assert attempt(app.test_client(), "nv.admin", PASSWORD, "10.0.3.4").status_code == 302


def test_the_right_password_is_refused_until_the_window_passes_then_works(
    app: Flask, staff_account: str, limiter_clock: LimiterClock
) -> None:
    client = app.test_client()
    fail(client, 5)  # the default: 5 per 15 minutes
    limiter_clock.advance(14 * MINUTE)
    assert attempt(client, "nv.admin", PASSWORD).status_code == 429
    assert not logged_in(client)
    limiter_clock.advance(1 * MINUTE + 1)
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_login_without_csrf_token_neither_logs_in_nor_counts(
    app: Flask, staff_account: str
) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per hour"
    client = app.test_client()
    for _ in range(3):
        reply = client.post("/admin/login", data={"username": "nv.admin", "password": PASSWORD})
        assert reply.status_code == 400
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("name", "value", "vietnamese"),
    [
        ("LOGIN_LIMIT_PER_ACCOUNT", "often", "phải là một giới hạn như '5 per 15 minutes'"),
        ("LOGIN_LIMIT_PER_ADDRESS", "", "phải là một giới hạn như '5 per 15 minutes'"),
        ("SESSION_IDLE_MINUTES", "0", "phải là một số lớn hơn 0"),
        ("SESSION_MAX_HOURS", "twelve", "phải là một số lớn hơn 0"),
    ],
)
def test_a_bad_setting_stops_the_start_and_names_itself(
    database_url: str, name: str, value: str, vietnamese: str
) -> None:
    with pytest.raises(ValueError, match=name) as caught:
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", name: value})
    assert str(caught.value).startswith(f"{name} ({value!r}) {vietnamese} / {name} ({value!r})")


# --- session lifetime --------------------------------------------------------------------------


class Clock:
    """What ``survey_app.staff.login_pages.clock`` answers in a test: a time moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(auth, "clock", fake)
    return fake


def test_a_session_ends_after_30_idle_minutes(app: Flask, staff_account: str, clock: Clock) -> None:
    client = app.test_client()
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    for _ in range(3):  # each request starts the 30 minutes again
        clock.advance(29 * MINUTE)
        assert logged_in(client)
    clock.advance(30 * MINUTE + 1)
    reply = client.get("/admin/units?page=2")
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith("/admin/login?") and "expired=1" in location
    assert "next=/admin/units?page%3D2" in location
    page = client.get(location).get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn" in page and "Your session has expired" in page
    clock.advance(1)
    assert not logged_in(client)  # the session is gone, not only refused once


def test_a_session_ends_12_hours_after_the_login_however_busy(
    app: Flask, staff_account: str, clock: Clock
) -> None:
    client = app.test_client()
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    for _ in range(12 * 3):
        assert logged_in(client)
        clock.advance(20 * MINUTE)
    assert logged_in(client)  # 12 h to the second: still in
    clock.advance(1 * MINUTE)
    assert client.get("/admin/").status_code == 302
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_session_limits_follow_the_settings(
    app: Flask, staff_account: str, clock: Clock
) -> None:
    app.config.update(SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=0.5)
    client = app.test_client()
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    clock.advance(5 * MINUTE + 1)
    assert not logged_in(client)
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    for _ in range(7):
        clock.advance(4 * MINUTE)
        assert logged_in(client)
    clock.advance(4 * MINUTE)  # 32 minutes after the login
    assert not logged_in(client)


def test_the_progress_pages_own_refresh_does_not_keep_a_session_alive(
    app: Flask, survey: dict, staff_account: str, clock: Clock
) -> None:
    client = app.test_client()
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    for _ in range(3):
        clock.advance(10 * MINUTE)
        assert client.get(f"/admin/rounds/{survey['round_id']}/progress.json").status_code == 200
    clock.advance(1 * MINUTE)
    assert not logged_in(client)


def test_a_session_cookie_without_login_times_is_not_accepted(
    app: Flask, staff_account: str
) -> None:
    client = app.test_client()
    assert attempt(client, "nv.admin", PASSWORD).status_code == 302
    with client.session_transaction() as session:
        del session[auth.LOGIN_AT]
    assert not logged_in(client)


# --- cookies and the login itself ---------------------------------------------------------------


@pytest.fixture
def https_app(app: Flask, staff_account: str) -> Iterator[Flask]:
    """The app behind an https BASE_URL, on the same (emptied) database."""
    secure = create_app({**app.config, "BASE_URL": "https://sipas.example.vn"})
    yield secure
    secure.extensions["sipas_db"].engine.dispose()


def _session_cookie(reply: TestResponse) -> str:
    (cookie,) = [c for c in reply.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_the_session_cookie_is_secure_httponly_and_samesite_lax_on_https(
    https_app: Flask,
) -> None:
    client = https_app.test_client()
    reply = attempt(client, "nv.admin", PASSWORD)
    assert reply.status_code == 302
    flags = [part.strip().lower() for part in _session_cookie(reply).split(";")]
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    assert any(flag.startswith("expires=") for flag in flags)  # permanent: ends by itself
    assert not any(c.startswith("remember_token") for c in reply.headers.getlist("Set-Cookie"))
    assert "max-age=31536000" in reply.headers["Strict-Transport-Security"]


def test_the_session_cookie_is_not_secure_on_plain_http(app: Flask, staff_account: str) -> None:
    reply = attempt(app.test_client(), "nv.admin", PASSWORD)
    flags = [part.strip().lower() for part in _session_cookie(reply).split(";")]
    assert "secure" not in flags and "httponly" in flags and "samesite=lax" in flags


def test_a_login_starts_a_new_session(app: Flask, staff_account: str) -> None:
    """Nothing planted before the login survives it; the CSRF token before it stops working."""
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        before = dict(session)
    old_token = form_tokens(page)["csrf_token"]
    reply = client.post(
        "/admin/login",
        data={"csrf_token": old_token, "username": "nv.admin", "password": PASSWORD},
    )
    assert reply.status_code == 302
    with client.session_transaction() as session:
        after = dict(session)
    assert "planted" not in after
    assert after.get("csrf_token") != before["csrf_token"]
    assert client.post("/admin/logout", data={"csrf_token": old_token}).status_code == 400
    assert logged_in(client)
    new_token = form_tokens(client.get("/admin/").get_data(as_text=True))["csrf_token"]
    assert client.post("/admin/logout", data={"csrf_token": new_token}).status_code == 302
    assert not logged_in(client)
    with client.session_transaction() as session:
        assert auth.USER_ID not in session and auth.LOGIN_AT not in session


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/\t/evil.example/phish",  # browsers drop tabs and newlines: //evil.example/phish
        "/\n/evil.example",
        "/\r/evil.example",
        "/\r\nSet-Cookie: x=1",
        "/admin/\r\nLocation: https://evil.example",
        " //evil.example",
        "\x00/admin/",
        "/\x00/evil.example",
        "/\x7f/evil.example",
        "///evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "https:/evil.example",
        "evil.example",
        "admin/",
        "",
        "/" + "a" * 5000 + "\n",
    ],
)
def test_the_login_never_sends_elsewhere(app: Flask, staff_account: str, target: str) -> None:
    client = app.test_client()
    page = client.get("/admin/login", query_string={"next": target})
    assert page.status_code == 200
    token = form_tokens(page.get_data(as_text=True))["csrf_token"]
    reply = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"csrf_token": token, "username": "nv.admin", "password": PASSWORD},
    )
    assert reply.status_code == 302 and reply.headers["Location"] == "/admin/"


@pytest.mark.parametrize("target", ["/admin/units?page=2", "/admin/rounds", "/admin/export/x.csv"])
def test_the_login_goes_back_to_a_page_of_this_site(
    app: Flask, staff_account: str, target: str
) -> None:
    client = app.test_client()
    token = form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]
    reply = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"csrf_token": token, "username": "nv.admin", "password": PASSWORD},
    )
    assert reply.status_code == 302 and reply.headers["Location"] == target


def test_an_unknown_name_costs_a_password_check_too(app, monkeypatch) -> None:
    from survey_app.db import get_db
    from survey_app.staff import users

    checked: list[str] = []
    real = users.check_password_hash
    monkeypatch.setattr(
        users,
        "check_password_hash",
        lambda stored, password: checked.append(stored) or real(stored, password),
    )
    with app.app_context():
        assert users.authenticate(get_db().session, "nobody-here", "whatever") is None
    assert checked == [users._DUMMY_HASH]
