"""Every upload of the administration in Chromium, with good and bad files (issue 13).

A good file is accepted and the page shows what was saved. A bad file — wrong columns, bad
values, a wrong encoding, an empty file, a file of another kind — shows every problem with its
place, Vietnamese first and English second, and nothing is saved (the database is checked).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import assert_accessible
from factories import CATALOG, LEAVES
from flask import Flask
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select
from support import DEMO_DATA

from questionnaires.registry import definitions_root
from survey_app.db import get_db
from survey_app.db.models import (
    ParCatalog,
    ParPoints,
    QuestionnaireDefinition,
    ReceiptCode,
    RoundPopulation,
    SamplePlan,
    Unit,
)
from survey_app.par.files import catalog_csv
from survey_app.staff.upload_labels import GENERAL
from survey_app.survey.questionnaire_files import xlsform_xlsx

pytestmark = pytest.mark.browser

VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]")
ENGLISH_PLACE = re.compile(r"\b(row|column|line|file|sheet|unit|columns|criteria)\b")
NOTHING_SAVED = "không có gì được lưu"
PLAN_GENERAL = "Chưa lập được kế hoạch ("  # survey_app.planning.labels.plan_error, no words
ROWS_JS = """rows => rows.map(row => {
  const cells = row.tagName === 'LI' ? [row] : row.querySelectorAll('td');
  const what = cells[cells.length - 1];
  const vi = what.cloneNode(true);
  vi.querySelectorAll('.en, [lang=en]').forEach(e => e.remove());
  const en = [...what.querySelectorAll('.en, [lang=en]')].map(e => e.textContent).join(' ');
  let [said, gloss] = [vi.textContent.trim(), en.trim()];
  if (!gloss && said.includes(' / ')) {  // "Vietnamese / English", the pages' other gloss
    [said, gloss] = [said.slice(0, said.indexOf(' / ')), said.slice(said.indexOf(' / ') + 3)];
  }
  return [cells.length > 1 ? cells[0].innerText.trim() : '', said, gloss];
})"""


@dataclass(frozen=True)
class Bad:
    """A bad file, and the places its problems must name (each a part of one place shown)."""

    what: str
    name: str
    data: bytes
    places: tuple[str, ...]


def _file(name: str, data: bytes) -> dict[str, object]:
    kind = {"csv": "text/csv", "json": "application/json", "pdf": "application/pdf"}
    mime = kind.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return {"name": name, "mimeType": mime, "buffer": data}


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
WINDOWS_1258 = b"S\xf5\xd2 N\xf4\xf2i v\xf2u"  # "Sở Nội vụ" as Excel on Vietnamese Windows saves it


def _submit(page: Page, button: str | Locator) -> None:
    """Click a form's button and wait for the page it leads to (not the one before)."""
    with page.expect_navigation():
        (page.locator(button) if isinstance(button, str) else button).click()


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_db().session.scalar(select(func.count()).select_from(model))


def _problems(page: Page, rows: str = ".error-summary table.problems tbody tr") -> list[list[str]]:
    return page.eval_on_selector_all(rows, ROWS_JS)


def _refused(
    page: Page, bad: Bad, heading: str = NOTHING_SAVED, rows: str = "", general: str = GENERAL
) -> None:
    """The page lists every problem of ``bad``: its place, Vietnamese first, English second;
    ``general`` is what the page says before a message it has no Vietnamese words for."""
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(heading)
    found = _problems(page, rows) if rows else _problems(page)
    assert found, f"{bad.what}: no problem listed"
    for where, vietnamese, english in found:
        said = f"{bad.what}: {where!r} {vietnamese!r} / {english!r}"
        assert where or rows, f"no place given — {said}"
        assert not ENGLISH_PLACE.search(where), f"the place is in English — {said}"
        assert VIETNAMESE.search(vietnamese), f"not in Vietnamese — {said}"
        assert general not in vietnamese, f"no Vietnamese words for this message — {said}"
        assert english, f"no English second — {said}"
    places = " | ".join(f"{where} {vietnamese}" for where, vietnamese, _ in found)
    for place in bad.places:
        assert place in places, f"{bad.what}: {place!r} not among {places}"


# --- units -------------------------------------------------------------------------------------
UNITS_BAD = (
    Bad(
        "wrong columns",
        "don-vi.csv",
        "mã,tên,cấp\nSNV,Sở Nội vụ,department\n".encode(),
        ("dòng 1 · cột code", "dòng 1 · cột name", "dòng 1 · cột level"),
    ),
    Bad(
        "bad values",
        "don-vi.csv",
        "code,name,level,parent_code,ranked,valid_from\n"
        "SNV,Sở Nội vụ,departmnt,,maybe,2023-13-01\n"
        ",Không mã,department,,,\n"
        "BDT,Ban Dân tộc,department,99,,\n".encode(),
        (
            "dòng 2 · cột level",
            "dòng 2 · cột ranked",
            "dòng 2 · cột valid_from",
            "dòng 3 · cột code",
            "dòng 4 · cột parent_code",
        ),
    ),
    Bad(
        "UTF-16",
        "don-vi.csv",
        "code,name,level\nSNV,Sở Nội vụ,department\n".encode("utf-16"),
        ("tệp",),
    ),
    Bad(
        "Windows-1258", "don-vi.csv", b"code,name,level\nSNV," + WINDOWS_1258 + b",department\n", ()
    ),
    Bad("empty", "don-vi.csv", b"", ("dòng 1",)),
    Bad(
        "a workbook",
        "don-vi.xlsx",
        _xlsx([["code", "name", "level"], ["SNV", "Sở Nội vụ", "department"]]),
        ("tệp",),
    ),
)


def test_units_upload_takes_a_good_file_and_refuses_bad_ones(
    app: Flask, admin: Page, base: str
) -> None:
    page = admin
    page.goto(f"{base}/admin/units/import")
    for bad in UNITS_BAD:  # the page shows the form again after each refusal
        page.set_input_files("#file", _file(bad.name, bad.data))
        page.fill("#valid_from", "2023-01-01")
        _submit(page, "main button[type=submit]")
        _refused(page, bad)
        assert _count(app, Unit) == 0, bad.what
    assert_accessible(page, "a refused units file")
    for name, data in (
        ("tinh.csv", (DEMO_DATA / "vinh-long-province.csv").read_bytes()),
        ("so.csv", "code,name,level,parent_code\nSNV,Sở Nội vụ,department,86\n".encode()),
    ):
        page.goto(f"{base}/admin/units/import")
        page.set_input_files("#file", _file(name, data))
        page.fill("#valid_from", "2023-01-01")
        _submit(page, "main button[type=submit]")
        expect(page.locator("p.ok")).to_contain_text("Đã nhập 1 đơn vị")
    expect(page.locator("h1")).to_contain_text("(2)")
    expect(page.locator("tr", has_text="SNV")).to_contain_text("Sở Nội vụ")
    assert _count(app, Unit) == 2


# --- populations (the sample plan) -------------------------------------------------------------
POPULATIONS_BAD = (
    Bad(
        "wrong columns",
        "so-ho-so.csv",
        b"ma_don_vi,so_ho_so\nSNV,400\n",
        ("dòng 1 · cột unit_code", "dòng 1 · cột population"),
    ),
    Bad(
        "bad values",
        "so-ho-so.csv",
        b"unit_code,population\nSNV,-3\nBDT,nhieu\nXYZ,5\n",
        ("dòng 2 · cột population", "dòng 3 · cột population", "dòng 4 · cột unit_code"),
    ),
    Bad("UTF-16", "so-ho-so.csv", "unit_code,population\nSNV,400\n".encode("utf-16"), ("tệp",)),
    Bad("empty", "so-ho-so.csv", b"", ("dòng 1: tệp rỗng",)),
    Bad("a workbook", "so-ho-so.xlsx", _xlsx([["unit_code", "population"], ["SNV", 400]]), ()),
)


def test_populations_upload_saves_a_plan_or_nothing(
    app: Flask, survey: dict, admin: Page, base: str
) -> None:
    page = admin
    url = f"{base}/admin/rounds/{survey['round_id']}/plan"
    page.goto(url)
    for bad in POPULATIONS_BAD:
        page.set_input_files("#populations_file", _file(bad.name, bad.data))
        _submit(page, "button[value=save]")
        _refused(page, bad, rows=".error-summary li", general=PLAN_GENERAL)
        assert _count(app, RoundPopulation) == _count(app, SamplePlan) == 0, bad.what
    assert_accessible(page, "a refused populations file")
    page.goto(url)
    good = b"unit_code,population\nSNV,400\nBDT,90\n"
    page.set_input_files("#populations_file", _file("so-ho-so.csv", good))
    _submit(page, "button[value=save]")
    expect(page.locator("p.ok")).to_contain_text("Đã lưu kế hoạch")
    expect(page.locator("table")).to_contain_text("Sở Nội vụ")
    expect(page.locator("body")).to_contain_text("Kế hoạch đã lưu")
    assert _count(app, RoundPopulation) == 2 and _count(app, SamplePlan) == 1


# --- receipt codes for a frame ------------------------------------------------------------------
FRAMES_BAD = (
    Bad(
        "wrong columns",
        "ho-so.csv",
        b"so_ho_so,don_vi\nHS-1,SNV\n",
        ("dòng 1 · cột dossier_code", "dòng 1 · cột unit_code"),
    ),
    Bad(
        "bad values",
        "ho-so.csv",
        b"dossier_code,unit_code\nHS-1,SNV\n,BDT\nHS-3,XYZ\nHS-1,SNV\n",
        ("dòng 3 · cột dossier_code", "dòng 4 · cột unit_code", "dòng 5 · cột dossier_code"),
    ),
    Bad("Windows-1258", "ho-so.csv", b"dossier_code,unit_code,note\nHS-1,SNV," + WINDOWS_1258, ()),
    Bad("empty", "ho-so.csv", b"", ("dòng 1",)),
    Bad("a PDF", "phieu.pdf", PDF, ("tệp",)),
)


def test_a_frame_gets_its_receipt_codes_or_none(
    app: Flask, survey: dict, admin: Page, base: str
) -> None:
    page = admin
    page.goto(f"{base}/admin/receipt-codes/")
    for bad in FRAMES_BAD:
        page.set_input_files("#file", _file(bad.name, bad.data))
        _submit(page, "button[value=csv]")
        _refused(page, bad, "không cấp mã nào")
        assert _count(app, ReceiptCode) == 0, bad.what
    assert_accessible(page, "a refused frame")
    page.goto(f"{base}/admin/receipt-codes/")
    page.set_input_files(
        "#file", _file("ho-so.csv", b"dossier_code,unit_code\nHS-1,SNV\nHS-2,BDT\n")
    )
    with page.expect_download() as download:
        page.click("button[value=csv]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["dossier_code"] for r in rows] == ["HS-1", "HS-2"]
    assert all(r["code"] and r["url"].startswith("http://sipas.test/r/") for r in rows)
    assert _count(app, ReceiptCode) == 2


# --- questionnaires -----------------------------------------------------------------------------
def _definition(**changes: object) -> dict:
    raw = definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8")
    return {**json.loads(raw), "id": "sipas-tinh", "version": 2, **changes}


def _bad_xlsform() -> bytes:
    book = load_workbook(io.BytesIO(xlsform_xlsx(_definition())))
    book["settings"]["B2"] = "hai"  # the version
    for row in book["survey"].iter_rows(min_row=2):
        if row[1].value == "q16":
            row[0].value = "integer"
        if row[1].value == "q20":
            row[1].value = "q15"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


QUESTIONNAIRES_BAD = (
    Bad(
        "an XLSForm with wrong cells",
        "phieu.xlsx",
        _bad_xlsform(),
        ("settings · dòng 2 · cột version", "survey · dòng 7 · cột type", "cột name"),
    ),
    Bad(
        "a definition with bad values",
        "phieu.json",
        json.dumps(_definition(languages=["en"], scale=5)).encode(),
        ("languages", "scale"),
    ),
    Bad("UTF-16", "phieu.json", json.dumps(_definition()).encode("utf-16"), ("tệp",)),
    Bad("empty", "phieu.json", b"", ("dòng 1",)),
    Bad("a CSV", "phieu.csv", b"code,name\nq15,Thu tuc\n", ()),
    Bad("a workbook of another kind", "phieu.xlsx", _xlsx([["code", "name"]]), ("survey",)),
)


def test_a_questionnaire_upload_is_a_draft_to_preview_or_nothing(
    app: Flask, admin: Page, base: str
) -> None:
    page = admin
    page.goto(f"{base}/admin/questionnaires/")
    for bad in QUESTIONNAIRES_BAD:
        page.set_input_files("#file", _file(bad.name, bad.data))
        _submit(page, "main button[type=submit]")
        _refused(page, bad)
        assert _count(app, QuestionnaireDefinition) == 0, bad.what
    assert_accessible(page, "a refused questionnaire")
    page.goto(f"{base}/admin/questionnaires/")
    page.set_input_files("#file", _file("phieu.json", json.dumps(_definition()).encode()))
    _submit(page, "main button[type=submit]")
    expect(page.locator("p.ok")).to_contain_text("sipas-tinh phiên bản 2")
    expect(page.locator("main")).to_contain_text("19 câu hỏi trong 5 yếu tố")
    expect(page.frame_locator("iframe.phone").locator("h1")).to_contain_text("Phiếu khảo sát")
    assert _count(app, QuestionnaireDefinition) == 1
    assert_accessible(page, "a draft questionnaire")


# --- PAR files ----------------------------------------------------------------------------------
def _par_upload(page: Page, base: str, form: str, bad_or_good: Bad, year: str | None) -> None:
    if not page.url.startswith(f"{base}/admin/par-files/"):  # a refusal shows the forms again
        page.goto(f"{base}/admin/par-files/")
    if year is not None:
        page.fill(f"#{form}-year", year)
    page.set_input_files(f"#{form}-file", _file(bad_or_good.name, bad_or_good.data))
    _submit(page, page.locator(f"#{form}-file").locator("xpath=ancestor::form").locator("button"))


CATALOG_TEXT = catalog_csv(CATALOG)
CATALOGS_BAD = (
    Bad("wrong columns", "khung.csv", b"unit_type,code\ndepartment,1\n", ("thiếu cột 'level'",)),
    Bad(
        "bad values",
        "khung.csv",
        "\n".join(CATALOG_TEXT.splitlines()[:2] + CATALOG_TEXT.splitlines()[4:8]).encode(),
        ("dòng 3 · cột parent",),
    ),
    Bad("UTF-16", "khung.csv", CATALOG_TEXT.encode("utf-16"), ("tệp",)),
    Bad("empty", "khung.csv", b"", ("dòng 1",)),
    Bad("a PDF", "khung.xlsx", PDF, ("tệp",)),
)


def test_a_catalog_and_its_81_rule_upload_or_nothing(app: Flask, admin: Page, base: str) -> None:
    page, year = admin, "2024"
    for bad in CATALOGS_BAD:
        _par_upload(page, base, "catalog", bad, year)
        _refused(page, bad)
        assert _count(app, ParCatalog) == 0, bad.what
    assert_accessible(page, "a refused catalog")
    _par_upload(page, base, "catalog", Bad("good", "khung.csv", CATALOG_TEXT.encode(), ()), year)
    expect(page.locator("p.ok")).to_contain_text("Đã nhập danh mục tiêu chí")
    expect(page.locator("p.ok")).to_contain_text("2024")
    assert _count(app, ParCatalog) == 1

    maximum = CATALOG.get("8.1").max_points
    rule = {
        "criterion": "8.1",
        "unit_type": "department",
        "year": 2024,
        "method": "bands",
        "max_points": maximum,
        "bands": [{"min_index": 80, "points": maximum / 2}, {"min_index": 90, "points": maximum}],
    }
    rules_bad = (
        Bad("bad values", "quy-tac.json", json.dumps({**rule, "method": "bandz"}).encode(), ()),
        Bad("another year", "quy-tac.json", json.dumps({**rule, "year": 2031}).encode(), ()),
        Bad("not JSON", "quy-tac.json", b'{"criterion": "8.1",}', ("dòng 1",)),
        Bad("UTF-16", "quy-tac.json", json.dumps(rule).encode("utf-16"), ()),
        Bad("empty", "quy-tac.json", b"", ("dòng 1",)),
        Bad("a CSV", "quy-tac.csv", CATALOG_TEXT.encode(), ()),
    )
    for bad in rules_bad:
        _par_upload(page, base, "rule", bad, None)
        _refused(page, bad)
    with app.app_context():
        assert get_db().session.scalar(select(ParCatalog.rule81)) is None
    _par_upload(page, base, "rule", Bad("good", "r.json", json.dumps(rule).encode(), ()), None)
    expect(page.locator("p.ok")).to_contain_text("Đã nhập quy tắc tiêu chí 8.1")
    with app.app_context():
        assert get_db().session.scalar(select(ParCatalog.rule81))["max_points"] == maximum


def test_points_upload_all_or_nothing(app: Flask, survey: dict, admin: Page, base: str) -> None:
    page, first, second = admin, LEAVES[0], LEAVES[1]
    header = "unit_code,code,self_points,final_points,note\n"
    bad_values = (
        f"{header}SNV,{first.code},1,{first.max_points + 1},\nSNV,9.9.9,1,0.5,\n"
        f"XYZ,{second.code},0.5,0.5,\n"
    )
    points_bad = (
        Bad("wrong columns", "diem.csv", b"ma,diem\nSNV,1\n", ("dòng 1 · cột unit_code",)),
        Bad("bad numbers", "diem.csv", f"{header}SNV,{first.code},x,1,\n".encode(), ("dòng 2",)),
        Bad("bad values", "diem.csv", bad_values.encode(), ("XYZ", "9.9.9")),
        Bad("UTF-16", "diem.csv", f"{header}SNV,{first.code},0.5,0.5,Đạt\n".encode("utf-16"), ()),
        Bad("empty", "diem.csv", b"", ("dòng 1",)),
        Bad("a PDF", "diem.pdf", PDF, ("tệp",)),
    )
    for bad in points_bad:
        _par_upload(page, base, "points", bad, "2023")
        _refused(page, bad)
        assert _count(app, ParPoints) == 0, bad.what
    good = f"{header}SNV,{first.code},0.5,0.5,Đạt\nSNV,{second.code},0.25,0.25,\n"
    _par_upload(page, base, "points", Bad("good", "diem.csv", good.encode(), ()), "2023")
    expect(page.locator("p.ok")).to_contain_text("Đã nhập điểm")
    expect(page.locator("p.ok")).to_contain_text("1 đơn vị")
    assert _count(app, ParPoints) == 2
