"""Flask extensions: CSRF protection, login and rate limits (one instance per app)."""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, abort, request, session
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits import parse_many

from survey_app.i18n import vi_en
from survey_app.submission_limits import SubmissionLimits

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def _load_user(user_id: str):  # type: ignore[no-untyped-def]
    from survey_app.db import session as db_session
    from survey_app.db.models import User

    user = db_session().get(User, int(user_id))
    return user if user is not None and user.active else None


def form_session_key(form_session: object, address: str | None) -> str:
    """Rate-limit key of one citizen's form session (a random id kept in the session cookie).

    Honest phones behind one public address (a centre's Wi-Fi, a carrier's NAT) each have their
    own form session, so this limit never blocks them; without a cookie the address is the key.
    """
    return "form:" + str(form_session or address or "unknown")


SUBMIT_BREACH = "sipas_on_submit_breach"


def limited_submission(
    on_breach: Callable[[RequestLimit], Response | None],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark another citizen's submit view: `init_limits` gives it the same two limits."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, SUBMIT_BREACH, on_breach)
        return view

    return mark


LOGIN_BREACH = "sipas_on_login_breach"


def limited_login(
    on_breach: Callable[[RequestLimit], Response | None],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark the staff login view: `init_limits` counts its failed POSTs (docs/decisions/0013)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, LOGIN_BREACH, on_breach)
        return view

    return mark


def login_name_key() -> str:
    """Rate-limit key of the account name typed at the login, whether or not it exists.

    Letter case and Unicode look-alikes are folded (``Admin`` counts as ``admin``); the name is
    hashed so that the limiter's storage never holds account names.
    """
    typed = unicodedata.normalize("NFKC", request.form.get("username", "")).strip().casefold()
    return "login:" + hashlib.sha256(typed.encode("utf-8", "replace")).hexdigest()[:32]


def login_name_address_key() -> str:
    """Rate-limit key of one account name typed from one address."""
    return f"{login_name_key()}:{get_remote_address()}"


def failed_login(response: Response) -> bool:
    """A login POST counts against the limits only when it was refused (401)."""
    return response.status_code == 401


LOGIN_LIMITS: tuple[tuple[str, Callable[[], str], str], ...] = (
    ("LOGIN_LIMIT_PER_ACCOUNT", login_name_address_key, "login-account-address"),
    ("LOGIN_LIMIT_ACCOUNT_CEILING", login_name_key, "login-account"),
    ("LOGIN_LIMIT_PER_ADDRESS", get_remote_address, "login-address"),
)
"""Each login limit: its setting, what it counts by and its scope in the limiter's storage."""


def _limit_login(app: Flask, limiter: Limiter) -> None:
    """Give the view marked `limited_login` the three limits on failed logins."""
    for name, _key, _scope in LOGIN_LIMITS:
        try:
            if not parse_many(str(app.config[name])):
                raise ValueError(name)
        except ValueError:
            raise ValueError(
                vi_en(
                    "%(name)s (%(value)r) phải là một giới hạn như '5 per 15 minutes'",
                    name=name,
                    value=app.config[name],
                )
            ) from None
    for endpoint, view in list(app.view_functions.items()):
        breach = getattr(view, LOGIN_BREACH, None)
        if breach is None:
            continue
        for name, key, scope in LOGIN_LIMITS:
            view = limiter.limit(
                lambda name=name: app.config[name],
                key_func=key,
                methods=["POST"],
                scope=scope,
                override_defaults=False,
                deduct_when=failed_login,
                on_breach=breach,
            )(view)
        app.view_functions[endpoint] = view


def init_app(app: Flask) -> None:
    """CSRF and login now; rate limits by `init_limits` once the views exist."""
    csrf.init_app(app)
    login_manager.init_app(app)


SUBMISSION_COUNTS = "sipas_submission_counts"
COUNTED = "sipas.submission_counted"
"""WSGI environ key: this POST was counted already (``citizen.fast_path``), with this verdict."""


def submission_allowed(app: Flask, environ: dict[str, Any], form_session: object) -> bool:
    """Count one citizen's POST (``environ``: its WSGI environ; ``form_session``: its session's
    id, if any) against both submission limits, once per request: the verdict is kept in
    ``environ`` for the view that answers it. False when one limit is over."""
    verdict = environ.get(COUNTED)
    if verdict is None:
        address = environ.get("REMOTE_ADDR")
        verdict = not app.config.get("RATELIMIT_ENABLED", True) or app.extensions[
            SUBMISSION_COUNTS
        ].hit(
            (str(app.config["SUBMIT_LIMIT_PER_FORM"]), form_session_key(form_session, address)),
            # as Flask-Limiter's get_remote_address
            (str(app.config["SUBMIT_LIMIT_PER_ADDRESS"]), address or "127.0.0.1"),
        )
        environ[COUNTED] = verdict
    return bool(verdict)


def _limit_submissions(
    app: Flask,
    on_breach: Callable[[RequestLimit], Response | None],
    view: Callable[..., Any],
) -> Callable[..., Any]:
    """``view`` with both submission limits on its POSTs, in one check (``submission_limits``)."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and not submission_allowed(
            app, request.environ, session.get("form_session")
        ):
            refused = on_breach(None)  # type: ignore[arg-type]
            if refused is None:
                abort(429)
            return refused
        return view(*args, **kwargs)

    return limited


def init_limits(
    app: Flask, submit_endpoint: str, on_breach: Callable[[RequestLimit], Response | None]
) -> Limiter:
    """A limiter for this app: per form session, plus a generous ceiling per address.

    The limits apply to ``submit_endpoint`` and to every view marked `limited_submission`
    (receipt codes, public links), both in one check (``survey_app.submission_limits``).
    ``on_breach`` answers a refused submission (the citizen's page shows the answers again). The
    view marked `limited_login` gets the login limits.
    """
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        # Redis down must not refuse citizens' answers: count in memory until it is back
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limited = {submit_endpoint: on_breach} | {
        endpoint: getattr(view, SUBMIT_BREACH)
        for endpoint, view in app.view_functions.items()
        if hasattr(view, SUBMIT_BREACH)
    }
    counts = SubmissionLimits(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[SUBMISSION_COUNTS] = counts
    for endpoint, breach in limited.items():
        app.view_functions[endpoint] = _limit_submissions(app, breach, app.view_functions[endpoint])
    own_limits = frozenset(limited)

    @limiter.request_filter
    def _counted_here() -> bool:
        """The submission views are counted by ``counts`` alone: Flask-Limiter has no limit on
        them and need not look for one at each request."""
        return request.endpoint in own_limits

    _limit_login(app, limiter)
    return limiter
