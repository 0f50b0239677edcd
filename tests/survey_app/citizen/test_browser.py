"""The citizen's form in a real browser: headless Chromium at phone size, with and without JS.

A person scans the counter's QR code, answers on a 390 px wide phone, and sees the thank-you
page; the database then holds exactly what they chose. Also checked: validation keeps answers,
the page loads nothing from other hosts, touch targets are 44 px, axe-core finds no serious or
critical accessibility problem.

Set ``SIPAS_SCREENSHOTS=/some/dir`` to save full-page screenshots of the form, the form with
errors and the thank-you page.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser import (
    PHONE_WIDTH,
    blocking_violations,
    describe_violations,
)
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from questionnaires.registry import get_questionnaire
from survey_app.db import get_db
from survey_app.db.models import Counter, Response, Unit

pytestmark = pytest.mark.browser

COUNTER = "SNV-1"
THANKS = "Cảm ơn Ông/Bà!"
SUBMIT = "Gửi"
LEVELS: list[int | str] = [5, 4, "na", 3, 2, 1, 4, 5]
ANSWERS: dict[str, int | str] = {
    f"q{n}": LEVELS[i % len(LEVELS)] for i, n in enumerate(range(15, 34))
}
"""A varied answer to each of the 19 items of sipas-2023 v1, some of them "na"."""
SERVICE_FIELD = "ho_tich"
GENDER = "nu"
COMMENT = "Cán bộ hướng dẫn tận tình, thủ tục nhanh gọn. Đề nghị có thêm ghế chờ!"
TYPED_COMMENT = unicodedata.normalize("NFD", COMMENT)
"""The comment as a keyboard may send it: decomposed, so the server must normalise it."""


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot when SIPAS_SCREENSHOTS names a directory."""
    directory = os.environ.get("SIPAS_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def choose(page: Page, name: str, value: int | str) -> None:
    """Tap the label of the radio ``value`` of the question ``name``."""
    radio = page.locator(f"input[type=radio][name='{name}'][value='{value}']")
    page.locator("label.choice").filter(has=radio).click()
    expect(radio).to_be_checked()


def fill_form(page: Page, *, skip: tuple[str, ...] = ()) -> None:
    """Answer every item but ``skip``, choose a service field and gender, type the comment."""
    choose(page, "service_field", SERVICE_FIELD)
    for name, value in ANSWERS.items():
        if name not in skip:
            choose(page, name, value)
    choose(page, "gender", GENDER)
    page.get_by_role("textbox").press_sequentially(TYPED_COMMENT)


def submit(page: Page) -> None:
    page.get_by_role("button", name=SUBMIT).click()


def expect_thanks(page: Page, base: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    assert page.url == f"{base}/s/{COUNTER}/cam-on"


def stored(app: Flask) -> list[dict[str, Any]]:
    """Every stored response, with its unit and counter codes."""
    with app.app_context():
        session = get_db().factory()
        try:
            rows = session.execute(
                select(Response, Unit.code, Counter.code)
                .join(Unit, Response.unit_id == Unit.id)
                .join(Counter, Response.counter_id == Counter.id)
            ).all()
            return [
                {
                    "unit": unit_code,
                    "counter": counter_code,
                    "round_id": response.round_id,
                    "questionnaire": (response.questionnaire_id, response.questionnaire_version),
                    "answers": response.answers,
                    "service_field": response.service_field,
                    "profile": response.profile,
                    "comment": response.comment,
                }
                for response, unit_code, counter_code in rows
            ]
        finally:
            session.close()


def assert_stored_once(app: Flask, survey: dict[str, object]) -> None:
    rows = stored(app)
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["unit"] == "SNV"
    assert row["counter"] == COUNTER
    assert row["round_id"] == survey["round_id"]
    assert row["questionnaire"] == ("sipas-2023", 1)
    assert row["answers"] == ANSWERS
    assert row["service_field"] == SERVICE_FIELD
    assert row["profile"] == {"gender": GENDER}
    assert row["comment"] == COMMENT
    assert unicodedata.is_normalized("NFC", row["comment"])


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_citizen_answers_and_is_thanked(
    app: Flask,
    survey: dict[str, object],
    live: str,
    phone: Callable[..., Page],
    javascript: bool,
) -> None:
    page = phone(java_script_enabled=javascript)
    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page)
    if javascript:
        screenshot(page, "form")
    submit(page)
    expect_thanks(page, live)
    if javascript:
        screenshot(page, "thanks")
    assert_stored_once(app, survey)


def test_missing_answer_keeps_the_others(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    missing = "q20"
    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page, skip=(missing,))
    submit(page)

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # autofocus: read first, no JavaScript needed
    link = summary.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", f"#{missing}")
    question = get_questionnaire("sipas-2023", 1).item(missing).text.get("vi")
    expect(link).to_have_text(question)  # the summary says which question to answer
    message = page.locator(f"fieldset#{missing} #{missing}-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Vui lòng chọn một câu trả lời")
    expect(page.locator(f"fieldset#{missing}")).to_have_attribute(
        "aria-describedby", f"{missing}-error"
    )
    assert page.title().startswith("Lỗi:")
    for name, value in ANSWERS.items():
        if name != missing:
            expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
    expect(page.locator(f"input[name='{missing}']:checked")).to_have_count(0)
    expect(page.locator(f"input[name='service_field'][value='{SERVICE_FIELD}']")).to_be_checked()
    expect(page.locator(f"input[name='gender'][value='{GENDER}']")).to_be_checked()
    expect(page.get_by_role("textbox")).to_have_value(TYPED_COMMENT)
    screenshot(page, "form-errors")
    assert stored(app) == []

    choose(page, missing, ANSWERS[missing])
    submit(page)
    expect_thanks(page, live)
    assert_stored_once(app, survey)


def test_same_host_only_and_touch_targets(survey: dict[str, object], live: str, page: Page) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live}/s/{COUNTER}")

    labels = page.locator("label:has(input[type=radio])")
    heights = labels.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert len(heights) >= len(ANSWERS) * 6
    short = [h for h in heights if h < 44]
    assert not short, f"{len(short)} radio labels are shorter than 44 px: {short[:5]}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    submit(page)  # nothing answered: the form comes back with its errors
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    own = urlsplit(live).netloc
    assert any(urlsplit(url).path.endswith(".css") for url in requested), requested
    foreign = [url for url in requested if urlsplit(url).netloc != own]
    assert not foreign, f"requests to other hosts: {foreign}"


def assert_accessible(page: Page, where: str) -> None:
    """Fail on any serious or critical axe-core violation on the current page."""
    results = Axe().run(page)
    blocking = blocking_violations(results.response["violations"])
    assert not blocking, f"axe-core on {where}:\n{describe_violations(blocking)}"


def test_accessibility(survey: dict[str, object], live: str, page: Page) -> None:
    page.goto(f"{live}/s/{COUNTER}")
    assert_accessible(page, "the form")

    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "the form with errors")

    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page)
    submit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    assert_accessible(page, "the thank-you page")


def test_a_wrong_code_keeps_what_was_typed(
    survey: dict[str, object], live: str, page: Page
) -> None:
    typed = "7K3M-Q9XT-2B4D-H8RW-5N6Q"
    page.goto(f"{live}/r")
    page.get_by_role("textbox").fill(typed)
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã không hợp lệ")
    box = page.get_by_role("textbox", name="Nhập mã khảo sát")
    expect(box).to_have_value(typed)  # correct one character, not the whole code
    assert_accessible(page, "the wrong-code page")
