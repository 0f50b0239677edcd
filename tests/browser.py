"""Helpers of the browser tests: a live server in a thread, Chromium at phone size, axe reports.

No download ever happens: Chromium is Debian's (``/usr/bin/chromium``) and axe-core ships inside
the ``axe-playwright-python`` package.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from playwright.sync_api import Browser, Playwright
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PHONE_WIDTH = 390
PHONE: dict[str, Any] = {
    "viewport": {"width": PHONE_WIDTH, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}
"""Context options of a small phone (an iPhone 12-sized screen)."""

BLOCKING_IMPACTS = ("serious", "critical")


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Debian Chromium with background networking switched off."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def blocking_violations(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The axe violations whose impact is serious or critical."""
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """A readable report: rule, impact, help text and link, then each offending node."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"[{violation.get('impact')}] {violation['id']}: {violation.get('help')}"
            f" ({violation.get('helpUrl')})"
        )
        for node in violation.get("nodes", []):
            target = ", ".join(str(t) for t in node.get("target", []))
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    {target}: {summary}")
            lines.append(f"      {str(node.get('html', ''))[:160]}")
    return "\n".join(lines)


def assert_accessible(page: Any, where: str) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    blocking = blocking_violations(Axe().run(page).response["violations"])
    assert not blocking, f"axe-core on {where}:\n{describe_violations(blocking)}"
