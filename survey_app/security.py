"""Security headers on every response: a Content-Security-Policy with no inline script, no
framing, no sniffing, no referrer (receipt codes travel in URLs); no receipt code in the app's
log."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from flask import Flask, abort, request
from flask.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # plotly sets style attributes; scripts stay strict
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STRICT_TRANSPORT = "max-age=31536000; includeSubDomains"
"""``Strict-Transport-Security`` when the app is served over HTTPS."""


@lru_cache(maxsize=8)
def response_headers(base_url: str) -> tuple[tuple[str, str], ...]:
    """The security headers of every response of an app served at ``base_url``."""
    https = (("Strict-Transport-Security", STRICT_TRANSPORT),)
    return (*HEADERS.items(), *(https if base_url.startswith("https://") else ()))


_CODE_IN_PATH = re.compile(r"(/r/)[^/?#\s\"']+", re.IGNORECASE)
_CODE_IN_QUERY = re.compile(r"(\bcode=)[^&#\s\"']*", re.IGNORECASE)


def redact_codes(text: str) -> str:
    """``text`` with receipt codes replaced (``/r/…``, ``code=…``), as gunicorn.conf.py does."""
    return _CODE_IN_QUERY.sub(r"\1…", _CODE_IN_PATH.sub(r"\1…", text))


class RedactCodes(logging.Filter):
    """Takes receipt codes out of the app's log lines (Flask logs "Exception on /r/<code>")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_codes(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def init_app(app: Flask) -> None:
    headers = response_headers(app.config["BASE_URL"])
    if not any(isinstance(f, RedactCodes) for f in app.logger.filters):
        app.logger.addFilter(RedactCodes())

    @app.before_request
    def _no_nul_in_the_address() -> None:
        """An address with a NUL names nothing: 404 (PostgreSQL text cannot hold NUL: a 500)."""
        if "\x00" in request.path:
            abort(404)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers:
            response.headers.setdefault(name, value)
        return response
