"""Every page carries the security headers; the CSP allows no inline script."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    "path", ["/s/SNV-1", "/admin/login", "/healthz", "/qr/SNV-1.svg", "/no-such-page"]
)
def test_security_headers(client: FlaskClient, survey: dict, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_no_page_has_an_inline_script(client: FlaskClient, survey: dict) -> None:
    html = client.get("/s/SNV-1").get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert scripts == []
