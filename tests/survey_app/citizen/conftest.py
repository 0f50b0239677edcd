"""Fixtures of the citizen's browser tests: one headless Chromium, a live server, phone pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browser import PHONE, launch_chromium, live_server
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole module."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The base URL of ``app`` served over HTTP on 127.0.0.1."""
    with live_server(app) as url:
        yield url


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh phone-sized context (closed after the test)."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = chromium.new_context(**{**PHONE, **options})
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(phone: Callable[..., Page]) -> Page:
    """A page with JavaScript on, at phone size."""
    return phone()
