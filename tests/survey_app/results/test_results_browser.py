"""The results pages in a real Chromium: 19 departments ranked; the long chart draws with its
value axis at the top and the bottom, the ties open on demand, and axe-core finds no serious
problem on the ranking, the unit page, the heat map and the glossary."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser import blocking_violations, describe_violations, launch_chromium, live_server
from factories import ITEMS, add_response
from flask import Flask
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from support import DEMO_DATA

from survey_app.db import get_db, utcnow
from survey_app.db.models import Counter, Unit
from survey_app.staff.users import create_user
from survey_app.survey.counters import add_counter
from survey_app.survey.rounds import create_round
from survey_app.survey.units_import import import_units


@pytest.fixture
def departments(app: Flask) -> int:
    """The demo's 19 departments in an open round, 12 answers each at levels 5…12 of 12."""
    from datetime import date, timedelta

    with app.app_context(), get_db().begin() as session:
        for name in ("vinh-long-province.csv", "vinh-long-2023-departments.csv"):
            assert import_units(session, DEMO_DATA / name, valid_from=date(2023, 1, 1)).ok
        units = [u for u in session.scalars(select(Unit)) if u.unit_type.code == "department"]
        for unit in units:
            add_counter(session, unit, f"{unit.code}-1")
        now = utcnow()
        survey_round = create_round(
            session,
            name="Đợt thử",
            questionnaire_id="sipas-2023",
            questionnaire_version=1,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            units=units,
        )
        session.flush()
        counters = {c.unit_id: c.code for c in session.scalars(select(Counter))}
        for n, unit in enumerate(sorted(units, key=lambda u: u.code)):
            for k in range(12):
                answers = {i: 4 if k < 5 + n % 8 else 2 for i in ITEMS}
                add_response(
                    session,
                    survey_round.id,
                    unit=unit.code,
                    counter=counters[unit.id],
                    answers=answers,
                )
        create_user(session, "nv.analyst", "correct horse battery", "analyst")
        return survey_round.id


def _no_serious_problem(page, where: str) -> None:  # type: ignore[no-untyped-def]
    blocking = blocking_violations(Axe().run(page).response["violations"])
    assert not blocking, f"axe-core on {where}:\n{describe_violations(blocking)}"


@pytest.mark.browser
def test_results_pages_draw_readably_in_chromium(app: Flask, departments: int) -> None:
    with live_server(app) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/admin/login")
        page.fill("#username", "nv.analyst")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.goto(f"{base}/admin/results/{departments}")
        page.wait_for_selector("#chart-1 .plot-container")
        # a value axis at the top and one at the bottom of the long chart
        assert page.locator("#chart-1 .xaxislayer-above").count() == 1
        assert page.locator("#chart-1 .xtick").count() >= 2 * 3
        sides = page.evaluate(
            "() => { const g = document.querySelector('#chart-1')._fullLayout;"
            " return [g.xaxis.side, g.xaxis2.side]; }"
        )
        assert sides == ["bottom", "top"]
        assert page.locator("svg.rankbar").count() >= 17
        ties = page.locator("table.ranking details").first
        assert not ties.locator("li").first.is_visible()
        ties.locator("summary").click()
        assert ties.locator("li").first.is_visible()
        _no_serious_problem(page, "ranking")
        for path in ("units/SNV", "heatmap"):
            page.goto(f"{base}/admin/results/{departments}/{path}")
            page.wait_for_selector(".chart .plot-container")
            _no_serious_problem(page, path)
        page.goto(f"{base}/admin/results/glossary")
        _no_serious_problem(page, "glossary")
        browser.close()
