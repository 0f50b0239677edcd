"""Answers that survive the network: a draft kept on the phone, a failed submit sent again once.

Headless Chromium at phone size with JavaScript on (``survey_app/static/citizen.js``). The network
is cut with ``go_offline`` (the form's POSTs aborted as a lost connection; ``go_online`` then sends
the page its "online" event). Chromium's ``context.set_offline`` is not used: about one time in ten
its POST reached the server while the page was told it had failed. POSTs are also lost or answered
503 with ``page.route``, and the retry timer is driven with Playwright's clock, so no test waits
for real minutes. Each test checks the database: exactly one stored response, with exactly the
answers chosen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Page, Route, expect
from sqlalchemy import select
from test_browser import (
    ANSWERS,
    COUNTER,
    GENDER,
    SERVICE_FIELD,
    THANKS,
    TYPED_COMMENT,
    assert_accessible,
    assert_stored_once,
    choose,
    expect_thanks,
    fill_form,
    stored,
    submit,
)

from survey_app.db import get_db
from survey_app.db.models import ReceiptCode, Response, SurveyRound, Unit
from survey_app.trust.receipts import IssueRequest, issue_codes

pytestmark = pytest.mark.browser

SAVED = "đã được lưu trên điện thoại này"
RESTORED = "được giữ lại"


def drafts(page: Page) -> dict[str, dict]:
    """The form entries citizen.js keeps in the phone's localStorage."""
    raw = page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage)"
        ".filter(k => k.startsWith('sipas-form:')).map(k => [k, localStorage.getItem(k)]))"
    )
    return {key: json.loads(value) for key, value in raw.items()}


def posts_to_form(page: Page, live_url: str, handler: Callable[[Route], None]) -> None:
    """Send every POST of the counter's form through ``handler``; other requests go as usual."""

    def route(route: Route) -> None:
        if route.request.method == "POST":
            handler(route)
        else:
            route.continue_()

    page.route(f"{live_url}/s/{COUNTER}", route)


def go_offline(page: Page, live_url: str) -> None:
    """Cut the network: every POST of the form fails as a lost connection and reaches no server."""
    posts_to_form(page, live_url, lambda route: route.abort("internetdisconnected"))


def go_online(page: Page, live_url: str) -> None:
    """Bring the network back, and tell the page as the browser would (its "online" event)."""
    page.unroute(f"{live_url}/s/{COUNTER}")
    if page.url.startswith(live_url):
        page.evaluate("window.dispatchEvent(new Event('online'))")


def wait_for(page: Page, condition: Callable[[], bool], what: str) -> None:
    """Let the page run (route handlers are called meanwhile) until ``condition`` holds."""
    for _ in range(200):
        if condition():
            return
        page.wait_for_timeout(25)
    raise AssertionError(f"timed out waiting for {what}")


def status(page: Page):
    return page.locator("#form-status")


def test_half_answered_form_comes_back_after_a_reload(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    page.goto(f"{live}/s/{COUNTER}")
    first_sid = page.locator("input[name=sid]").input_value()
    half = dict(list(ANSWERS.items())[:9])
    choose(page, "service_field", SERVICE_FIELD)
    for name, value in half.items():
        choose(page, name, value)
    page.get_by_role("textbox").press_sequentially(TYPED_COMMENT[:20])
    [(key, entry)] = drafts(page).items()
    assert key == f"sipas-form:/s/{COUNTER}|{first_sid}"  # keyed by address and submission id
    assert not entry["p"]

    page.reload()
    expect(status(page)).to_contain_text(RESTORED)
    for name, value in half.items():
        expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
    expect(page.locator(f"input[name='service_field'][value='{SERVICE_FIELD}']")).to_be_checked()
    expect(page.locator("input[name=q24]:checked")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_value(TYPED_COMMENT[:20])
    assert len(drafts(page)) == 1  # the old entry gave way to the new form's

    for name, value in list(ANSWERS.items())[9:]:
        choose(page, name, value)
    choose(page, "gender", GENDER)
    page.get_by_role("textbox").press_sequentially(TYPED_COMMENT[20:])
    submit(page)
    expect_thanks(page, live)
    assert_stored_once(app, survey)
    assert drafts(page) == {}


def test_offline_submit_is_kept_and_sent_once_back_online(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    bodies: list[dict[str, list[str]]] = []
    page.on(
        "request",
        lambda r: bodies.append(parse_qs(r.post_data or "")) if r.method == "POST" else None,
    )
    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page)
    go_offline(page, live)
    submit(page)
    expect(status(page)).to_contain_text(SAVED)
    [entry] = drafts(page).values()
    assert entry["p"] == 1
    assert stored(app) == []
    assert_accessible(page, "the form with its answers saved on the phone")

    go_online(page, live)  # the "online" event sends it
    expect_thanks(page, live)
    assert_stored_once(app, survey)
    assert drafts(page) == {}
    sent = bodies[-1]  # the whole form, never an empty body
    assert sent["sid"] and sent["csrf_token"]
    assert {name: sent[name] for name in ANSWERS} == {n: [str(v)] for n, v in ANSWERS.items()}


def test_lost_acknowledgements_and_three_resends_store_one_row(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    """The first POST never reaches the server; the next three are stored (once) but their
    answers are lost on the way back; the fifth gets its 303 through."""
    sids: list[str] = []
    handled: list[int] = []

    def flaky(route: Route) -> None:
        sids.append(parse_qs(route.request.post_data or "")["sid"][0])
        if len(sids) == 1:
            route.abort()
        elif len(sids) <= 4:
            reply = route.fetch(max_redirects=0)  # reaches the app: stored, or found stored
            assert reply.status == 303, reply.status
            route.abort()
        else:
            route.continue_()
        handled.append(len(sids))  # handlers run beside the test: count only finished ones

    page.clock.install()
    posts_to_form(page, live, flaky)
    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page)
    submit(page)
    expect(status(page)).to_contain_text(SAVED)
    for attempt in range(2, 6):
        page.clock.fast_forward(121_000)  # past the longest back-off
        wait_for(page, lambda n=attempt: len(handled) >= n, f"attempt {attempt}")
        if attempt == 2:
            assert len(stored(app)) == 1  # stored now, but the phone has not heard
    expect_thanks(page, live)
    assert len(set(sids)) == 1, sids  # every resend carried the same submission id
    assert len(sids) == 5
    assert_stored_once(app, survey)
    assert drafts(page) == {}


def test_server_down_for_a_minute_then_sent_once(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    attempts: list[int] = []
    down = [True]

    def maybe_down(route: Route) -> None:
        if down[0]:
            attempts.append(1)
            route.fulfill(status=503, content_type="text/plain", body="Service Unavailable")
        else:
            route.continue_()

    page.clock.install()
    posts_to_form(page, live, maybe_down)
    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page)
    submit(page)
    expect(status(page)).to_contain_text(SAVED)
    for second in range(10, 70, 10):  # a minute of 503s: retried after 5, 15 and 35 s
        page.clock.fast_forward(10_000)
        page.wait_for_timeout(100)
        assert stored(app) == [], second
    assert len(attempts) >= 4, attempts
    expect(status(page)).to_contain_text(SAVED)

    down[0] = False
    page.clock.fast_forward(120_000)
    expect_thanks(page, live)
    assert_stored_once(app, survey)


def test_expired_session_at_the_resend_keeps_the_answers(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page)
    go_offline(page, live)
    submit(page)
    expect(status(page)).to_contain_text(SAVED)
    page.context.clear_cookies()  # the session (and its CSRF token) is gone meanwhile
    go_online(page, live)

    expect(page.locator(".notice[role=alert]")).to_contain_text("hết hạn")  # the server's 400
    for name, value in ANSWERS.items():
        expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
    assert stored(app) == []
    [entry] = drafts(page).values()
    assert not entry["p"]

    page.reload()  # even a reload keeps them now
    expect(status(page)).to_contain_text(RESTORED)
    for name, value in ANSWERS.items():
        expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
    submit(page)
    expect_thanks(page, live)
    assert_stored_once(app, survey)


def test_a_saved_submission_is_sent_on_the_next_visit(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    page.goto(f"{live}/s/{COUNTER}")
    fill_form(page)
    go_offline(page, live)
    submit(page)
    expect(status(page)).to_contain_text(SAVED)
    page.goto("about:blank")  # the citizen leaves while offline
    go_online(page, live)
    assert stored(app) == []

    page.goto(f"{live}/s/{COUNTER}")  # and comes back later
    expect_thanks(page, live)
    assert_stored_once(app, survey)


def test_a_receipt_code_answer_resent_three_times_is_stored_once(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    """A receipt code works once: resends of its stored answer get the thank-you, not "used"."""
    with app.app_context(), get_db().begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        survey_round = session.scalar(select(SurveyRound))
        [issued] = issue_codes(
            session,
            app.secret_key,
            survey_round,
            [IssueRequest("HS-0001", unit)],
            days=30,
            zone=ZoneInfo("Asia/Ho_Chi_Minh"),
        )
    handled: list[str] = []

    def lose_three(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        if len(handled) < 3:
            route.fetch(max_redirects=0)  # stored (and the code used) the first time
            route.abort()
            handled.append("lost")
        else:
            route.continue_()
            handled.append("through")

    page.clock.install()
    page.route(f"{live}/r/**", lose_three)
    page.goto(f"{live}/r/{issued.code}")
    fill_form(page)
    submit(page)
    expect(status(page)).to_contain_text(SAVED)
    for attempt in range(2, 5):
        page.clock.fast_forward(121_000)
        wait_for(page, lambda n=attempt: len(handled) >= n, f"attempt {attempt}")
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    assert handled == ["lost", "lost", "lost", "through"]
    with app.app_context():
        session = get_db().factory()
        try:
            assert session.query(Response).count() == 1
            assert session.scalar(select(ReceiptCode.redeemed_on)) is not None
        finally:
            session.close()
    assert drafts(page) == {}


def test_a_submission_id_refused_twice_gives_way_to_a_new_one(
    app: Flask, survey: dict[str, object], live: str, page: Page
) -> None:
    """A kept id the server no longer accepts (say, from a round since closed) cannot lock the
    form: kept after one refusal (it may be a lost session), replaced after a second."""
    page.goto(f"{live}/s/{COUNTER}")
    page.locator("input[name=sid]").evaluate("el => { el.value = 'not-a-valid-ticket'; }")
    fill_form(page)
    expired = page.locator(".notice[role=alert]")
    submit(page)
    expect(expired).to_contain_text("hết hạn")
    expect(page.locator("input[name=sid]")).to_have_value("not-a-valid-ticket")
    submit(page)
    expect(expired).to_contain_text("hết hạn")
    expect(page.locator("input[name=sid]")).not_to_have_value("not-a-valid-ticket")
    for name, value in ANSWERS.items():
        expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
    submit(page)
    expect_thanks(page, live)
    assert_stored_once(app, survey)
