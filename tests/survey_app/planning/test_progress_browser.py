"""The progress page in a real Chromium: the plotly chart draws and refreshes from the server."""

from __future__ import annotations

import pytest
from browser import launch_chromium, live_server
from flask import Flask
from playwright.sync_api import sync_playwright
from support import form_tokens, full_answers

from sampling import Stratum, build_plan
from survey_app.db import get_db
from survey_app.db.models import SurveyRound
from survey_app.planning.plans import save_plan
from survey_app.staff.users import create_user


@pytest.mark.browser
def test_progress_chart_draws_and_follows_new_answers(app: Flask, survey: dict) -> None:
    strata = [Stratum("SNV", 1000), Stratum("BDT", 90)]
    with app.app_context(), get_db().begin() as session:
        create_user(session, "nv.admin", "correct horse battery", "admin")
        survey_round = session.get(SurveyRound, survey["round_id"])
        save_plan(session, survey_round, strata, build_plan(strata, "per-unit"))
    with live_server(app) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/admin/login")
        page.fill("#username", "nv.admin")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.clock.install()
        page.goto(f"{base}/admin/rounds/{survey['round_id']}/progress")
        page.wait_for_selector("#chart .plot-container")
        assert page.locator("#chart .point").count() == 4  # two bars (target, collected) × 2
        phone = app.test_client()
        tokens = form_tokens(phone.get("/s/SNV-1").get_data(as_text=True))
        assert phone.post("/s/SNV-1", data={**tokens, **full_answers()}).status_code == 303
        page.clock.run_for(31_000)  # the page asks the server again every 30 s
        snv_row = page.locator('#progress tbody tr[data-unit="SNV"]')
        snv_collected = snv_row.locator("td").nth(3)
        page.wait_for_function(
            "c => c.textContent.trim() === '1'", arg=snv_collected.element_handle()
        )
        browser.close()
