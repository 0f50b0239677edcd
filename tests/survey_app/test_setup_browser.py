"""Issue 13's check: Sở Nội vụ sets up and runs a round from an empty database in the browser
alone (Chromium): log in, upload units, add counters, upload an XLSForm questionnaire and publish
it, create a round on it, print the posters, upload populations and save a plan, answer on a
phone, watch progress, analyse, export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser import PHONE, launch_chromium, live_server
from flask import Flask
from playwright.sync_api import Page, expect, sync_playwright
from support import DEMO_DATA, STAFF_PASSWORD

from questionnaires.registry import definitions_root
from survey_app.db import get_db
from survey_app.staff.users import create_user
from survey_app.survey.questionnaire_files import xlsform_xlsx

ROUND = "SIPAS 2026 thử"
COUNTERS = ("SNV-1", "STP-1")


def _xlsform(tmp_path: Path) -> Path:
    """sipas-2023 v1 written as an XLSForm, as a province would start from it: id sipas-vl."""
    raw = definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8")
    path = tmp_path / "sipas-vl.xlsx"
    path.write_bytes(xlsform_xlsx({**json.loads(raw), "id": "sipas-vl", "version": 1}))
    return path


def _populations(tmp_path: Path) -> Path:
    with (DEMO_DATA / "vinh-long-2023-departments.csv").open(encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    path = tmp_path / "populations.csv"
    path.write_text(
        "unit_code,population\n" + "".join(f"{c},{400 + 10 * i}\n" for i, c in enumerate(codes)),
        encoding="utf-8",
    )
    return path


def _pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _upload_units(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/admin/units/import")
    page.set_input_files("#file", str(DEMO_DATA / name))
    page.fill("#valid_from", "2023-01-01")
    page.click("button[type=submit] >> text=Nhập")
    expect(page.locator("p.ok")).to_contain_text("Đã nhập")


@pytest.mark.browser
def test_a_round_is_set_up_and_run_in_the_browser_alone(app: Flask, tmp_path: Path) -> None:
    with app.app_context(), get_db().begin() as session:
        create_user(session, "nv.admin", STAFF_PASSWORD, "admin")
    with live_server(app) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(f"{base}/admin/login")
        page.fill("#username", "nv.admin")
        page.fill("#password", STAFF_PASSWORD)
        page.click("button[type=submit]")

        # units: a bad file first (every error listed, nothing saved), then the real ones
        bad = tmp_path / "bad.csv"
        bad.write_text("code,name,level\nSNV,Sở Nội vụ,departmnt\n", encoding="utf-8")
        page.goto(f"{base}/admin/units/import")
        page.set_input_files("#file", str(bad))
        page.click("button[type=submit] >> text=Nhập")
        expect(page.locator(".error-summary")).to_contain_text("dòng 2 · cột level")
        _upload_units(page, base, "vinh-long-province.csv")
        _upload_units(page, base, "vinh-long-2023-departments.csv")
        expect(page.locator("h1")).to_contain_text("(20)")

        # counters
        for code in COUNTERS:
            page.goto(f"{base}/admin/counters")
            page.select_option("#unit_code", code.split("-")[0])
            page.fill("#code", code)
            page.fill("#name", "Bộ phận một cửa")
            page.click("text=Thêm quầy")
            expect(page.locator("p.ok")).to_contain_text(f"Đã thêm quầy {code}")

        # the questionnaire as XLSForm: checked, previewed on a phone-sized frame, published
        page.goto(f"{base}/admin/questionnaires/")
        page.set_input_files("#file", str(_xlsform(tmp_path)))
        page.click("text=Kiểm tra và lưu bản nháp")
        expect(page.locator("p.ok")).to_contain_text("sipas-vl phiên bản 1")
        frame = page.frame_locator("iframe.phone")
        expect(frame.locator("h1")).to_contain_text("Phiếu khảo sát")
        expect(frame.locator("button[type=submit]")).to_be_disabled()
        assert page.locator("iframe.phone").evaluate("f => f.clientWidth") == 390
        page.click("text=Đăng phiên bản này")
        expect(page.locator("p.ok")).to_contain_text("Đã đăng sipas-vl phiên bản 1")

        # a round on it over every department, open from today
        today = date.today()
        page.goto(f"{base}/admin/rounds/new")
        page.fill("#name", ROUND)
        page.select_option("#questionnaire", "sipas-vl@1")
        page.fill("#opens", today.isoformat())
        page.fill("#closes", (today + timedelta(days=60)).isoformat())
        page.check("input[name=unit_type][value=department]")
        page.click("text=Tạo đợt / Create round")
        expect(page.locator("p.ok")).to_contain_text("19 đơn vị")
        row = page.locator("tr", has_text=ROUND)
        expect(row).to_contain_text("đang mở")

        # posters: one page per active counter of the round's units
        with page.expect_download() as info:
            row.locator("text=Áp phích").click()
        pdf = Path(info.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF") and _pages_of(pdf) == len(COUNTERS)

        # populations and a saved plan
        row.locator("text=Kế hoạch mẫu").click()
        page.set_input_files("#populations_file", str(_populations(tmp_path)))
        page.click("button[value=save]")
        expect(page.locator("p.ok")).to_contain_text("Đã lưu kế hoạch")
        round_path = re.search(r"/admin/rounds/(\d+)/plan", page.url)
        assert round_path is not None
        round_id = round_path.group(1)

        # a citizen answers on a phone
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{base}/s/SNV-1")
        for item in range(15, 34):
            phone.locator(f"input[name=q{item}][value='4']").check()
        phone.click("button[type=submit]")
        expect(phone).to_have_url(re.compile(r"/s/SNV-1/cam-on$"))

        # progress, results, export
        page.goto(f"{base}/admin/rounds/{round_id}/progress")
        snv = page.locator("#progress tbody tr[data-unit=SNV]")
        expect(snv.locator("td").nth(3)).to_have_text("1")
        page.goto(f"{base}/admin/results/{round_id}")
        expect(page.locator("h1")).to_contain_text(ROUND)
        page.goto(f"{base}/admin/rounds")
        with page.expect_download() as info:
            page.locator("tr", has_text=ROUND).locator("text=CSV").click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 1
        assert (rows[0]["unit_code"], rows[0]["questionnaire"], rows[0]["q15"]) == (
            "SNV",
            "sipas-vl",
            "4",
        )
        browser.close()
