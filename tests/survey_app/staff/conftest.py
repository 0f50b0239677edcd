"""Fixtures of the administration's browser tests: one Chromium and one live server per module.

The server stays up for the whole module; each test points it at its own app (the ``app``
fixture: empty tables on each database under test), so a test costs a browser context and a
login, not a browser and a server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from browser import launch_chromium, live_server
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from support import STAFF_PASSWORD

from survey_app.db import get_db
from survey_app.db.models import Unit
from survey_app.staff.users import create_user

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}


class SwitchedApp:
    """A WSGI app that hands each request to the app of the running test."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.app is None:
            raise RuntimeError("no test app is being served")
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole module."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SwitchedApp, str]]:
    """One live server for the whole module, and its base URL."""
    switch = SwitchedApp()
    with live_server(switch) as base:  # type: ignore[arg-type]
        yield switch, base


@pytest.fixture
def base(app: Flask, served: tuple[SwitchedApp, str]) -> Iterator[str]:
    """The module's server, serving this test's ``app``."""
    switch, url = served
    switch.app = app
    yield url
    switch.app = None


@pytest.fixture
def log_in(app: Flask, base: str, chromium: Browser) -> Iterator[Callable[..., Page]]:
    """Make an account of a role and log it in through the login page of a fresh context."""
    contexts: list[BrowserContext] = []

    def open_as(role: str = "admin", *, unit: str | None = None, username: str = "") -> Page:
        name = username or f"nv.{role}"
        with app.app_context(), get_db().begin() as session:
            own = session.query(Unit).filter_by(code=unit).first() if unit else None
            create_user(session, name, STAFF_PASSWORD, role, own)
        context = chromium.new_context(**DESKTOP, accept_downloads=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{base}/admin/login")
        page.fill("#username", name)
        page.fill("#password", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def admin(log_in: Callable[..., Page]) -> Page:
    """A page logged in as the admin (``nv.admin``)."""
    return log_in("admin")
