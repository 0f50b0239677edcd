"""A whole PAR year in a real Chromium on a phone-sized screen: two departments self-assess with
evidence, one submits late and is locked out until Sở Nội vụ reopens its sheet, the appraisers
return two sub-criteria, the unit explains with a new file, final appraisal, the council locks
the year, and the public page's ranking equals ``sipas score`` on the same data."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from browser import launch_chromium, live_server
from click.testing import CliRunner
from flask import Flask
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select

from scoring_bridge import SipasFigure, load_catalog
from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import ParAssessment, ParPoints, Unit
from survey_app.par.scoring import store_sipas
from survey_app.par.self_assessment import self_assessed_leaves
from survey_app.staff.users import create_user

YEAR = 2023
CATALOG = load_catalog("department", YEAR).unwrap()
OWN = self_assessed_leaves(CATALOG)
PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}


def _arrange(app: Flask, tmp_path: Path) -> None:
    """Accounts, the Ministry survey's points and SIPAS figures (set by Sở Nội vụ)."""
    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"), PAR_TODAY=date(2023, 12, 10))
    with app.app_context(), get_db().begin() as session:
        units = {u.code: u for u in session.scalars(select(Unit))}
        create_user(session, "snv", PASSWORD, "unit_officer", units["SNV"])
        create_user(session, "bdt", PASSWORD, "unit_officer", units["BDT"])
        create_user(session, "hoidong", PASSWORD, "council")
        create_user(session, "snv.admin", PASSWORD, "admin")
        for code in ("SNV", "BDT"):
            for leaf in CATALOG.leaves:
                if leaf.source == "ministry_survey":
                    session.add(
                        ParPoints(
                            year=YEAR,
                            unit_id=units[code].id,
                            code=leaf.code,
                            final_points=leaf.max_points * 0.8,
                            note="",
                        )
                    )
        store_sipas(
            session,
            YEAR,
            {"SNV": SipasFigure(86.0, 81.0, 90.0), "BDT": SipasFigure(78.0, 70.0, 85.0)},
            "test",
        )


def _log_in(page: Page, base: str, user: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def _self_assess(page: Page, base: str, code: str, share: float, evidence: Path) -> None:
    page.goto(f"{base}/admin/par/{YEAR}/self/{code}")
    first = OWN[0]
    page.set_input_files(f"[id='file-{first.code}']", str(evidence))
    page.click(f"[id='c-{first.code}'] button:has-text('Tải lên')")
    page.wait_for_selector("p.ok")
    for n, leaf in enumerate(OWN):
        value = leaf.max_points if n == 0 else round(leaf.max_points * share * 4) / 4
        page.fill(f"[id='points-{leaf.code}']", f"{value:g}".replace(".", ","))
        if n > 0 and value > 0:
            page.fill(f"[id='explanation-{leaf.code}']", "Văn bản lưu tại đơn vị.")
    page.click("button[value=save]")
    page.wait_for_selector("p.ok:has-text('Đã lưu bản nháp')")
    page.click("button[value=submit]")
    page.wait_for_selector("p.ok:has-text('Đã gửi kết quả tự đánh giá')")


def _status(app: Flask, code: str) -> str:
    with app.app_context():
        rows = get_db().session.scalars(select(ParAssessment)).all()
        return next(r.status for r in rows if r.unit.code == code)


def _appraise(page: Page, base: str, code: str, action: str, comments: dict[str, str]) -> None:
    page.goto(f"{base}/admin/par/{YEAR}/appraise/{code}")
    for leaf_code, comment in comments.items():
        page.fill(f"[id='comment-{leaf_code}']", comment)
        if action == "return":
            page.check(f"input[name=return][value='{leaf_code}']")
    page.click(f"button[value={action}]")
    page.wait_for_selector("p.ok")


@pytest.mark.browser
def test_a_whole_par_year_in_the_browser(app: Flask, survey: dict, tmp_path: Path) -> None:
    _arrange(app, tmp_path)
    evidence = tmp_path / "ke-hoach-cchc.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% ke hoach\n%%EOF\n")
    more = tmp_path / "bao-cao-bo-sung.pdf"
    more.write_bytes(b"%PDF-1.4\n% bo sung\n%%EOF\n")
    with live_server(app) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport=PHONE)
        # Sở Nội vụ's department self-assesses on time, with evidence
        _log_in(page, base, "snv")
        _self_assess(page, base, "SNV", 0.75, evidence)
        assert _status(app, "SNV") == "submitted"
        # Ban Dân tộc is late: locked out until Sở Nội vụ reopens its sheet
        app.config["PAR_TODAY"] = date(2023, 12, 16)
        _log_in(page, base, "bdt")
        page.goto(f"{base}/admin/par/{YEAR}/self/BDT")
        assert "Đã quá hạn tự đánh giá" in page.content()
        assert page.locator("input[name^=points-]").count() == 0
        _log_in(page, base, "snv.admin")
        page.goto(f"{base}/admin/par/{YEAR}/self/BDT")
        page.fill("#until", "2023-12-18")
        page.fill("#reason", "Hệ thống mạng của đơn vị bị sự cố")
        page.click("button:has-text('Mở lại')")
        page.wait_for_selector("p.ok")
        _log_in(page, base, "bdt")
        _self_assess(page, base, "BDT", 0.5, evidence)
        assert _status(app, "BDT") == "submitted"
        # the appraisers return two of SNV's sub-criteria for explanation
        returned = {OWN[0].code: "Kế hoạch chưa có dấu", OWN[1].code: "Thiếu báo cáo"}
        _log_in(page, base, "hoidong")
        _appraise(page, base, "SNV", "return", returned)
        assert _status(app, "SNV") == "returned"
        # the unit explains, with a new file
        _log_in(page, base, "snv")
        page.goto(f"{base}/admin/par/{YEAR}/self/SNV")
        page.set_input_files(f"[id='file-{OWN[1].code}']", str(more))
        page.click(f"[id='c-{OWN[1].code}'] button:has-text('Tải lên')")
        page.wait_for_selector("p.ok")
        for leaf_code in returned:
            page.fill(f"[id='reply-{leaf_code}']", "Đã bổ sung văn bản có dấu.")
        page.click("button[value=explain]")
        page.wait_for_selector("p.ok:has-text('Đã gửi giải trình')")
        assert _status(app, "SNV") == "explained"
        # second appraisal and final points; the council locks and publishes the year
        _log_in(page, base, "hoidong")
        _appraise(page, base, "SNV", "finalise", {})
        _appraise(page, base, "BDT", "finalise", {})
        assert (_status(app, "SNV"), _status(app, "BDT")) == ("appraised", "appraised")
        public = browser.new_page(viewport=PHONE)
        assert public.goto(f"{base}/par/{YEAR}").status == 404  # nothing before the lock
        page.goto(f"{base}/admin/par/{YEAR}/self")
        page.click("button:has-text('công bố')")
        page.wait_for_selector("p.ok")
        public.goto(f"{base}/par/{YEAR}")
        rows = public.locator("table").first.locator("tbody tr")
        cells = [rows.nth(i).locator("td") for i in range(rows.count())]
        shown = [(c.nth(0).inner_text(), c.nth(3).inner_text()) for c in cells]
        names = [c.nth(1).inner_text() for c in cells]
        browser.close()
    expected = _sipas_score(app, tmp_path)
    assert shown == [(r["rank"] or "–", f"{float(r['index']):.2f}") for r in expected]
    assert [n.split(" (")[0] for n in names] == [r["unit_name"] for r in expected]


def _sipas_score(app: Flask, tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "par.csv"
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x"}
    result = CliRunner().invoke(main, ["score", "--year", str(YEAR), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))
