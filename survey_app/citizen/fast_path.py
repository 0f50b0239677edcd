"""A counter's form in its common case, answered without Flask's request machinery.

Nearly every request of a round is one of two: a phone opens ``/s/<code>`` (GET: the plain form)
or posts complete, valid answers to it (POST: stored, then 303 to the thank-you page). This WSGI
layer, in front of the Flask app, answers exactly those two with what the Flask views send —
the saved page (``form_page``) filled in, the session cookie signed by the app's own session
serializer, the CSRF token made and checked as Flask-WTF does, the same signed ticket, the same
rate-limit count, the same one ``INSERT … ON CONFLICT`` (``submissions``), the same headers — and
hands every other request to Flask untouched (docs/decisions/0033). It hands over, among others:
another path or method, a query string (``?lang=``), a cookie it does not know (a member of
staff's), a session holding more than a citizen's two values, a counter, round, questionnaire or
page this process has not read yet, a bad or expired token, a filled honeypot, answers with an
error, a refused rate limit (counted once: the view is told the verdict), any failure. Flask then
answers as before, so a hand-over can only cost time, never change what the citizen sees.

Why: a submission through Flask cost 4× a bare INSERT endpoint (issue 12, target 2×); the hooks,
the request and session objects and the ORM session were most of it.
``tests/survey_app/citizen/test_fast_path.py`` compares both ways request by request.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from flask import Flask
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.utils import redirect

from questionnaires.answers import parse_submission
from survey_app import security
from survey_app.citizen import fast_database, form_page
from survey_app.citizen.fast_database import Statements
from survey_app.citizen.submissions import (
    DEVICE_COOKIE,
    HONEYPOT,
    KEPT_QUESTIONNAIRES,
    FormTarget,
    device_cookie_options,
    device_hash,
    issue_ticket,
    read_ticket,
    response_values,
)
from survey_app.extensions import submission_allowed
from survey_app.i18n import COOKIE as LANGUAGE_COOKIE
from survey_app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from survey_app.survey import cache
from survey_app.survey.cache import Snapshot

log = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

PATH = re.compile(r"/s/([A-Za-z0-9_.-]{1,64})")
CSRF_FIELD = "csrf_token"
CSRF_SALT = "wtf-csrf-token"
SESSION_KEYS = frozenset({CSRF_FIELD, "form_session", "_fresh"})
"""All a citizen's session holds (Flask-Login marks a session without a login ``_fresh: False``
when a page reads who is logged in); a session with anything else is Flask's to answer."""
MAX_BODY = 64 * 1024
"""A longer POST (a form is ~2 KB; a comment is at most a few) is Flask's to read."""
HANDED_OVER = None


class _Visit(NamedTuple):
    """What one request brought and found: its environ, cookies, session, target, language."""

    environ: dict[str, Any]
    cookies: dict[str, str]
    session: dict[str, Any]
    target: FormTarget
    language: str


class FastPath:
    """The WSGI layer (see the module's text); ``wrap`` puts it in front of ``app.wsgi_app``."""

    def __init__(self, app: Flask, flask_wsgi: WsgiApp) -> None:
        self.app = app
        self.flask_wsgi = flask_wsgi
        self.known_cookies = frozenset(
            {app.config["SESSION_COOKIE_NAME"], DEVICE_COOKIE, LANGUAGE_COOKIE}
        )
        self._session_keys: object = None
        self._session_signer: Any = None
        self._csrf_key: object = None
        self._csrf_signer: Any = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = HANDED_OVER
        code = self._code(environ)
        if code is not None:
            try:
                answer = self._answer(environ, code)
            except Exception:  # Flask answers it, with its own error handling
                log.exception("citizen's fast path failed: Flask answers this request")
        if answer is HANDED_OVER:
            return self.flask_wsgi(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _code(self, environ: dict[str, Any]) -> str | None:
        """The counter's code when this request may be the fast path's (else None)."""
        if (
            not self.app.config.get("CITIZEN_FAST_PATH", True)
            or environ.get("REQUEST_METHOD") not in ("GET", "POST")
            or environ.get("QUERY_STRING")
        ):
            return None
        match = PATH.fullmatch(environ.get("PATH_INFO", ""))
        return match.group(1) if match else None

    # --- the two requests ----------------------------------------------------------------
    def _answer(
        self, environ: dict[str, Any], code: str
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        cookies = parse_cookie(environ)
        if not self.known_cookies.issuperset(cookies):
            return HANDED_OVER
        session = self._session(cookies)
        if session is None:
            return HANDED_OVER
        language = cookies.get(LANGUAGE_COOKIE)
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        body = None
        if environ["REQUEST_METHOD"] == "POST" and (body := self._body(environ)) is None:
            return HANDED_OVER
        # each statement committed on its own, as the Flask view does (docs/decisions/0022)
        with fast_database.statements(self.app.extensions["sipas_db"].engine) as connection:
            found = self._target(connection, code, form=body is None)
            if found is None:
                return HANDED_OVER
            visit = _Visit(environ, cookies, session, found[0], language)
            if body is None:
                return self._form(visit)
            return self._submission(visit, body, connection, found[1])

    def _form(self, visit: _Visit) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """GET: the saved plain form filled in, with the cookies Flask would set."""
        environ, cookies, session, target, language = visit
        round_ = target.survey_round
        key = form_page.page_key(
            round_.questionnaire_id, round_.questionnaire_version, language, True, self.app
        )
        page = form_page.kept_page(self.app, key)
        if page is None:
            return HANDED_OVER
        modified = False
        if "form_session" not in session:
            session["form_session"] = secrets.token_hex(16)
            modified = True
        if CSRF_FIELD not in session:
            session[CSRF_FIELD] = hashlib.sha1(os.urandom(64)).hexdigest()
            modified = True
        ticket = issue_ticket(self.app.secret_key, target)  # type: ignore[arg-type]
        raw, gz = page.fill(
            {
                form_page.CSRF: self._csrf().dumps(session[CSRF_FIELD]),
                form_page.TICKET: ticket,
                form_page.UNIT: target.unit.name,
                form_page.COUNTER: target.counter.name,  # type: ignore[union-attr]
            }
        )
        gzip = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "").lower()
        body = gz if gzip else raw
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        if gzip:
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Vary", "Accept-Encoding, Cookie" if gzip else "Cookie"))
        if not cookies.get(DEVICE_COOKIE):
            headers.append(
                (
                    "Set-Cookie",
                    dump_cookie(
                        DEVICE_COOKIE,
                        secrets.token_hex(16),
                        **device_cookie_options(self.app.config),
                    ),
                )
            )
        if modified:
            headers.append(("Set-Cookie", self._session_cookie(session)))
        return "200 OK", [*headers, *security.response_headers(self.app.config["BASE_URL"])], body

    def _submission(
        self, visit: _Visit, body: bytes, connection: Statements, version: int
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """POST: complete, valid answers stored once (at cache ``version``), then 303 to the
        thank-you page."""
        environ, cookies, session, target, language = visit
        if not submission_allowed(self.app, environ, session.get("form_session")):
            return HANDED_OVER  # the view shows the answers again, with 429
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return HANDED_OVER
        # as werkzeug reads a URL-encoded form (``formparser.FormDataParser._parse_urlencoded``)
        form = MultiDict(parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote"))
        if not self._csrf_valid(session, form.get(CSRF_FIELD)):
            return HANDED_OVER
        ticket = read_ticket(self.app.secret_key, form.get("sid", ""), target)  # type: ignore[arg-type]
        if ticket is None or form.get(HONEYPOT):
            return HANDED_OVER
        round_ = target.survey_round
        kept = self.app.extensions.get(KEPT_QUESTIONNAIRES, {})
        questionnaire = kept.get((round_.questionnaire_id, round_.questionnaire_version))
        if questionnaire is None:  # not read by this process yet: Flask reads it
            return HANDED_OVER
        parsed = parse_submission(questionnaire, form)
        if parsed.errors:
            return HANDED_OVER
        device = None
        if cookies.get(DEVICE_COOKIE):
            device = device_hash(
                self.app.secret_key,  # type: ignore[arg-type]
                round_.id,
                cookies[DEVICE_COOKIE],
                environ.get("HTTP_USER_AGENT", ""),
            )
        values = response_values(
            ticket=ticket,
            target=target,
            parsed=parsed,
            language=language,
            device=device,
            config=self.app.config,
        )
        if not connection.insert(values, version):
            return HANDED_OVER  # a resend (Flask finds it and thanks), or rows changed since

        location = f"{environ.get('SCRIPT_NAME', '')}/s/{target.key}/cam-on"
        page = _redirect_page(location)
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(page))),
            ("Location", location),
            ("Vary", "Cookie"),
        ]
        return (
            "303 SEE OTHER",
            [*headers, *security.response_headers(self.app.config["BASE_URL"])],
            page,
        )

    # --- what both need ------------------------------------------------------------------
    def _target(
        self, connection: Statements, code: str, *, form: bool
    ) -> tuple[FormTarget, int] | None:
        """The counter's target from this process's rows, and the cache version they were read
        at: for the form (GET), rows whose version was read within a second
        (``cache.recent``); for answers, the version read now, or, when the INSERT checks it
        itself, the last one read. None when they are not all read yet, or the counter is
        inactive or its unit's round closed (Flask answers: it reads what is missing, or shows
        its page)."""
        snapshot: Snapshot | None
        if form:
            snapshot = cache.recent(self.app.extensions, connection.version)
        elif connection.guarded:
            snapshot = cache.latest(self.app.extensions)
        else:
            snapshot = cache.at_version(self.app.extensions, connection.version())
        if snapshot is None:
            return None
        counter = snapshot.counters.get(code)
        if counter is None or not counter.active or counter.unit_id not in snapshot.rounds:
            return None
        survey_round = cache.open_among(snapshot.rounds[counter.unit_id])
        if survey_round is None:
            return None
        target = FormTarget(counter.unit, survey_round, "counter_qr", counter.code, counter)
        return target, snapshot.version

    def _session(self, cookies: dict[str, str]) -> dict[str, Any] | None:
        """The citizen's session from its cookie ({} without one); None when it is not
        genuine, or holds more than a citizen's values."""
        value = cookies.get(self.app.config["SESSION_COOKIE_NAME"])
        if not value:
            return {}
        serializer = self._session_serializer()
        try:
            data = serializer.loads(
                value, max_age=int(self.app.permanent_session_lifetime.total_seconds())
            )
        except BadData:
            return None
        if (
            not isinstance(data, dict)
            or not SESSION_KEYS.issuperset(data)
            or data.get("_fresh", False) is not False
        ):
            return None
        return data

    def _session_cookie(self, session: dict[str, Any]) -> str:
        """The ``Set-Cookie`` value of ``session``, as Flask's session interface writes it."""
        interface = self.app.session_interface
        app = self.app
        return dump_cookie(
            interface.get_cookie_name(app),
            self._session_serializer().dumps(session),
            expires=None,
            httponly=interface.get_cookie_httponly(app),
            domain=interface.get_cookie_domain(app),
            path=interface.get_cookie_path(app),
            secure=interface.get_cookie_secure(app),
            partitioned=interface.get_cookie_partitioned(app),
            samesite=interface.get_cookie_samesite(app),
        )

    def _session_serializer(self) -> URLSafeTimedSerializer:
        """The app's session serializer (``SecureCookieSessionInterface``), made once per
        secret key and fallbacks: it holds no per-call state."""
        keys = (self.app.secret_key, tuple(self.app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._session_keys != keys:
            interface = self.app.session_interface
            self._session_signer = interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
            self._session_keys = keys
        return self._session_signer

    def _csrf(self) -> URLSafeTimedSerializer:
        """Flask-WTF's token serializer (``flask_wtf.csrf.generate_csrf``), made once per key."""
        secret = self.app.config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
        if self._csrf_key != secret:
            self._csrf_signer = URLSafeTimedSerializer(secret, salt=CSRF_SALT)
            self._csrf_key = secret
        return self._csrf_signer

    def _csrf_valid(self, session: dict[str, Any], token: str | None) -> bool:
        """As ``flask_wtf.csrf.validate_csrf`` (no time limit: ``WTF_CSRF_TIME_LIMIT`` None)."""
        if not token or CSRF_FIELD not in session:
            return False
        if self.app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
            return False  # Flask-WTF checks the token's age
        try:
            raw = self._csrf().loads(token)
        except BadData:
            return False
        return isinstance(raw, str) and hmac.compare_digest(session[CSRF_FIELD], raw)

    @staticmethod
    def _body(environ: dict[str, Any]) -> bytes | None:
        """The POST's form body (None: not a short URL-encoded form); Flask reads it again
        from a copy when it answers."""
        kind = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return None
        if kind != "application/x-www-form-urlencoded" or not 0 <= length <= MAX_BODY:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        return body if len(body) == length else None


@lru_cache(maxsize=4096)
def _redirect_page(location: str) -> bytes:
    """The body Flask's ``redirect`` sends for ``location`` (made once per counter)."""
    return redirect(location, 303).get_data()


def wrap(app: Flask) -> None:
    """Put the fast path in front of ``app.wsgi_app`` (before any proxy fix is added)."""
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
