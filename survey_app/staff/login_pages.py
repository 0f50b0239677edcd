"""Staff login and logout, and how long a staff session lasts (docs/decisions/0013).

A login starts a fresh session (everything the browser held before is dropped: no fixation, a new
CSRF token) that ends after ``SESSION_IDLE_MINUTES`` without a request or ``SESSION_MAX_HOURS``
after the login, whichever comes first. Failed logins are rate-limited by `extensions.init_limits`
(per account name and address, per account name, per address); a refused login looks the same
whether the account exists or not.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask import Response as FlaskResponse
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from survey_app.config import positive_number
from survey_app.db import session as db_session
from survey_app.db.models import User
from survey_app.extensions import limited_login
from survey_app.i18n import N_, bi_text
from survey_app.staff.users import authenticate, end_sessions

bp = Blueprint("auth", __name__, url_prefix="/admin")

LOGIN_AT = "staff_login_at"
SEEN_AT = "staff_seen_at"
VERSION = "staff_session_version"  # the account's session version at login
USER_ID = "_user_id"  # where Flask-Login keeps the logged-in account
PASSIVE_ENDPOINTS = frozenset({"plans.progress_json"})
"""Requests a page makes by itself (the progress page's refresh): checked, but not activity."""

WRONG = N_("Sai tên đăng nhập hoặc mật khẩu.")
TOO_MANY = N_("Quá nhiều lần đăng nhập không thành công. Vui lòng thử lại sau ít phút.")
EXPIRED = N_("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.")
"""The login page's messages (said with `bi_text` in the reader's languages)."""


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired()])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired()])


def clock() -> float:
    """Seconds since the epoch: when a session started and was last used (tests move it)."""
    return time.time()


MAX_NEXT = 2000
"""Longest ``next`` address kept after a login (longer ones go to the dashboard)."""


def same_site_path(target: str | None) -> str | None:
    """``target`` when it is a path of this site (``/admin/units?page=2``), else None.

    Refused: any control character or white space (browsers drop tabs and newlines, so
    ``/\t/evil.example`` would become ``//evil.example``; CR and LF would split the header), any
    backslash (read as ``/``), anything not starting with a single ``/`` and anything with a
    scheme or a host once parsed.
    """
    if not target or len(target) > MAX_NEXT:
        return None
    if any(ord(char) < 33 or 127 <= ord(char) < 160 or char.isspace() for char in target):
        return None
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target


def _safe_next(target: str | None) -> str:
    return same_site_path(target) or url_for("admin.dashboard")


def _login_page(
    form: LoginForm, error: str | None, notice: str | None, status: int
) -> FlaskResponse:
    html = render_template("admin/login.html", form=form, error=error, notice=notice)
    return make_response(html, status)


def refused_too_often(_limit: object) -> FlaskResponse:
    """A login refused by a rate limit: the login page again, saying to wait (429).

    The same page whatever the name typed, so it tells nothing about which accounts exist; the
    password is not even checked.
    """
    return _login_page(LoginForm(), bi_text(TOO_MANY), None, 429)


def _start_session(user: User) -> None:
    """Log ``user`` in on a fresh session (nothing kept from before the login)."""
    session.clear()
    login_user(user, remember=False)
    session[VERSION] = user.session_version
    now = clock()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.permanent = True


def _end_session() -> None:
    logout_user()
    session.clear()


def _account() -> User | None:
    """The account named in the session (None for a malformed id or a deleted account)."""
    try:
        return db_session().get(User, int(session[USER_ID]))
    except (TypeError, ValueError):
        return None


@bp.route("/login", methods=["GET", "POST"])
@limited_login(refused_too_often)
def login() -> ResponseReturnValue:
    """The login form; a wrong name or password gets one message for both."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(db_session(), form.username.data or "", form.password.data or "")
        if user is not None:
            target = _safe_next(request.args.get("next"))
            _start_session(user)
            return redirect(target)
        error = bi_text(WRONG)
    notice = bi_text(EXPIRED) if request.args.get("expired") and error is None else None
    return _login_page(form, error, notice, 401 if error else 200)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out: every session of the account ends, also copies of this cookie (0013)."""
    user = _account() if session.get(USER_ID) is not None else None
    if user is not None and not session_revoked(user):
        end_sessions(user)
        db_session().commit()
    _end_session()
    return redirect(url_for("auth.login"))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def session_expired(now: float) -> bool:
    """True when the staff session in the cookie is past its idle or absolute limit."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not (_is_number(login_at) and _is_number(seen_at)):
        return True  # a session from before these limits, or not made by `_start_session`
    config = current_app.config
    idle = positive_number(config, "SESSION_IDLE_MINUTES") * 60
    longest = positive_number(config, "SESSION_MAX_HOURS") * 3600
    return now - seen_at > idle or now - login_at > longest


def session_revoked(user: User | None) -> bool:
    """True when the account is gone, inactive, or its sessions were ended after this login.

    Logout, a password or role change and deactivation raise ``users.session_version``; the
    session keeps the number it began with.
    """
    if user is None or not user.active:
        return True
    version = session.get(VERSION)
    return not _is_number(version) or version != user.session_version


@bp.before_app_request
def _check_staff_session() -> ResponseReturnValue | None:
    """End an expired or revoked staff session; under /admin, send to the login page."""
    if session.get(USER_ID) is None:
        return None
    now = clock()
    if not session_expired(now) and not session_revoked(_account()):
        if request.endpoint not in PASSIVE_ENDPOINTS:
            session[SEEN_AT] = now
        return None
    _end_session()
    if request.blueprint == "auth" or not request.path.startswith("/admin"):
        return None
    target = request.full_path if request.method == "GET" and request.query_string else request.path
    return redirect(url_for("auth.login", expired=1, next=target))


@bp.record_once
def _session_settings(state: BlueprintSetupState) -> None:
    """Check the session settings at start; the cookie lives at most ``SESSION_MAX_HOURS``."""
    config = state.app.config
    positive_number(config, "SESSION_IDLE_MINUTES")
    hours = positive_number(config, "SESSION_MAX_HOURS")
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=hours)
