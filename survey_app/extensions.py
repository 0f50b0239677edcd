"""Flask extensions: CSRF protection, login and rate limits (one instance per app)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request, session
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def _load_user(user_id: str):  # type: ignore[no-untyped-def]
    from survey_app.db import session as db_session
    from survey_app.models import User

    user = db_session().get(User, int(user_id))
    return user if user is not None and user.active else None


def form_session_key() -> str:
    """Rate-limit key of one citizen's form session (a random id kept in the session cookie).

    Honest phones behind one public address (a centre's Wi-Fi, a carrier's NAT) each have their
    own form session, so this limit never blocks them; without a cookie the address is the key.
    """
    return "form:" + str(session.get("form_session") or request.remote_addr or "unknown")


SUBMIT_BREACH = "sipas_on_submit_breach"


def limited_submission(
    on_breach: Callable[[RequestLimit], Response | None],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark another citizen's submit view: `init_limits` gives it the same two limits."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, SUBMIT_BREACH, on_breach)
        return view

    return mark


def init_app(app: Flask) -> None:
    """CSRF and login now; rate limits by `init_limits` once the views exist."""
    csrf.init_app(app)
    login_manager.init_app(app)


def init_limits(
    app: Flask, submit_endpoint: str, on_breach: Callable[[RequestLimit], Response | None]
) -> Limiter:
    """A limiter for this app: per form session, plus a generous ceiling per address.

    The limits apply to ``submit_endpoint`` and to every view marked `limited_submission`
    (receipt codes, public links). ``on_breach`` answers a refused submission (the citizen's page
    shows the answers again).
    """
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
    )
    limited = {submit_endpoint: on_breach} | {
        endpoint: getattr(view, SUBMIT_BREACH)
        for endpoint, view in app.view_functions.items()
        if hasattr(view, SUBMIT_BREACH)
    }
    for endpoint, breach in limited.items():
        per_form = limiter.limit(
            lambda: app.config["SUBMIT_LIMIT_PER_FORM"],
            key_func=form_session_key,
            methods=["POST"],
            scope="submit-form",
            on_breach=breach,
        )
        per_address = limiter.limit(
            lambda: app.config["SUBMIT_LIMIT_PER_ADDRESS"],
            key_func=get_remote_address,
            methods=["POST"],
            scope="submit-address",
            override_defaults=False,
            on_breach=breach,
        )
        app.view_functions[endpoint] = per_address(per_form(app.view_functions[endpoint]))
    return limiter
