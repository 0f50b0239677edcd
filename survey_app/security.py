"""Security headers on every response: a Content-Security-Policy with no inline script, no
framing, no sniffing, no referrer (receipt codes travel in URLs)."""

from __future__ import annotations

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


def init_app(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")

    @app.before_request
    def _no_nul_in_the_address() -> None:
        """An address with a NUL names nothing: 404 (PostgreSQL text cannot hold NUL: a 500)."""
        if "\x00" in request.path:
            abort(404)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
