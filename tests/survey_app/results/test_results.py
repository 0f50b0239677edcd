"""Analysts' side: ``sipas analyze`` from the database or a file, results files, results pages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from support import form_tokens, full_answers, login_as

from survey_app.cli.main import main
from survey_app.db.models import RoundPopulation, Unit

RESULT_COLUMNS = [
    "unit_code",
    "level",
    "key",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_eff",
    "deff",
    "flag",
    "method",
]


def _answer(app: Flask, counter: str, value: str, **extra: str) -> None:
    phone = app.test_client()
    tokens = form_tokens(phone.get(f"/s/{counter}").get_data(as_text=True))
    assert (
        phone.post(f"/s/{counter}", data={**tokens, **full_answers(value), **extra}).status_code
        == 303
    )


@pytest.fixture
def answered(app: Flask, survey: dict) -> dict:
    """SNV: 6 answers (4 satisfied on every item, 2 not); BDT: 5 answers, all satisfied."""
    for value in ("5", "4", "4", "5", "2", "3"):
        _answer(
            app,
            "SNV-1",
            value,
            q31="na",
            gender="nam" if value in "45" else "nu",
            comment=f"Ý kiến <b>{value}</b>",
        )
    for _ in range(5):
        _answer(app, "BDT-1", "4", gender="nu")
    return survey


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_analyze_a_round_from_the_database(sipas, answered: dict, tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    result = sipas("analyze", "--round", "Đợt thử", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == RESULT_COLUMNS
    snv = {(r["level"], r["key"]): r for r in rows if r["unit_code"] == "SNV"}
    # 4 of 6 answers are 4 or 5 on q15: 66.67 %; q31 was answered "na" by everyone: no estimate
    assert float(snv[("item", "q15")]["estimate"]) == pytest.approx(400 / 6)
    assert snv[("item", "q31")]["estimate"] == ""
    assert float(snv[("overall", "SIPAS")]["estimate"]) == pytest.approx(400 / 6)
    assert snv[("overall", "SIPAS")]["flag"] == "unreliable"  # fewer than 30 answers
    assert "mean-of-items" in snv[("overall", "SIPAS")]["method"]
    codes = {r["unit_code"] for r in rows}
    assert {"SNV", "BDT", "department", "ALL"} <= codes


def test_analyze_an_exported_file_gives_the_same_numbers(
    sipas, answered: dict, tmp_path: Path
) -> None:
    export = tmp_path / "responses.csv"
    assert sipas("export", "responses", "--round", "Đợt thử", "--out", str(export)).exit_code == 0
    from_db, from_file = tmp_path / "a.csv", tmp_path / "b.csv"
    assert sipas("analyze", "--round", "Đợt thử", "--out", str(from_db)).exit_code == 0
    units = tmp_path / "units.csv"  # the file path opens no database: unit types come from here
    units.write_text("code,level\nSNV,department\nBDT,department\n", encoding="utf-8")
    result = sipas(
        "analyze",
        "--responses",
        str(export),
        "--units",
        str(units),
        "--questionnaire",
        "sipas-2023@1",
        "--out",
        str(from_file),
    )
    assert result.exit_code == 0, result.output
    assert _rows(from_db) == _rows(from_file)


def test_analyze_with_populations_by_group_and_every_format(
    sipas, answered: dict, tmp_path: Path
) -> None:
    populations = tmp_path / "populations.csv"
    populations.write_text("unit_code,population\nSNV,60\nBDT,10\n", encoding="utf-8")
    for suffix in ("csv", "xlsx", "json", "sav"):
        out = tmp_path / f"results.{suffix}"
        result = sipas(
            "analyze",
            "--round",
            "Đợt thử",
            "--populations",
            str(populations),
            "--by",
            "gender",
            "--out",
            str(out),
        )
        assert result.exit_code == 0, result.output
    records = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert records[0]["group"] is None or "group" in records[0]
    assert {r["group"] for r in records} >= {"nam", "nu"}
    assert all("fpc" in r["method"] and "no-fpc" not in r["method"] for r in records)
    sheet = load_workbook(tmp_path / "results.xlsx")["results"]
    assert [c.value for c in sheet[1]] == ["group", *RESULT_COLUMNS]
    frame, meta = pyreadstat.read_sav(str(tmp_path / "results.sav"))
    assert list(frame.columns) == ["group", *RESULT_COLUMNS]
    assert meta.column_names_to_labels["estimate"] == "Chỉ số (%)"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--round", "nope"), "no round named 'nope'"),
        (("--responses", "MISSING"), "--questionnaire"),
        ((), "either --round NAME or --responses FILE"),
    ],
)
def test_analyze_refuses_bad_requests(
    sipas, answered: dict, tmp_path: Path, args: tuple, expected: str
) -> None:
    if "MISSING" in args:
        bad = tmp_path / "r.csv"
        bad.write_text("x\n1\n", encoding="utf-8")
        args = ("--responses", str(bad))
    result = sipas("analyze", *args, "--out", str(tmp_path / "x.csv"))
    assert result.exit_code != 0 and expected in result.output


def test_analyze_names_bad_rows_of_a_responses_file(sipas, answered: dict, tmp_path: Path) -> None:
    export = tmp_path / "responses.csv"
    assert sipas("export", "responses", "--out", str(export)).exit_code == 0
    text = export.read_text(encoding="utf-8-sig").splitlines()
    header = text[0].split(",")
    cells = next(csv.reader([text[1]]))
    cells[header.index("q16")] = "9"
    text[1] = ",".join(cells)
    export.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = sipas(
        "analyze",
        "--responses",
        str(export),
        "--questionnaire",
        "sipas-2023@1",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert result.exit_code == 1
    assert (
        "dòng 2 · cột q16 (row 2, column 'q16'): '9' không phải câu trả lời 1–5 (hoặc để trống) / "
        "'9' is not an answer 1–5 (or empty)"
    ) in result.output


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    return login_as(app, client, "admin", username="nv.admin")


def test_results_pages_show_indices_rankings_and_charts(staff: FlaskClient, answered: dict) -> None:
    base = f"/admin/results/{answered['round_id']}"
    overview = staff.get(base).get_data(as_text=True)
    assert "Sở Nội vụ" in overview and "66.7" in overview
    assert "chấm điểm, không xếp hạng" in overview  # Ban Dân tộc listed, not ranked
    assert 'data-chart-for="chart-1"' in overview and "plotly.min.js" in overview
    unit = staff.get(f"{base}/units/SNV").get_data(as_text=True)
    assert "Tiếp cận dịch vụ" in unit and 'data-chart-for="elements"' in unit
    assert staff.get(f"{base}/heatmap").status_code == 200
    assert staff.get(f"{base}/change").status_code == 200
    for fmt in ("csv", "xlsx", "json", "sav"):
        assert staff.get(f"{base}/results.{fmt}").status_code == 200, fmt
    csv_text = staff.get(f"{base}/results.csv").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(csv_text))) == RESULT_COLUMNS


def test_comments_are_escaped_and_filtered(staff: FlaskClient, answered: dict) -> None:
    base = f"/admin/results/{answered['round_id']}/comments"
    html = staff.get(base).get_data(as_text=True)
    assert "Ý kiến &lt;b&gt;5&lt;/b&gt;" in html and "<b>5</b>" not in html
    only_two = staff.get(f"{base}?q=2").get_data(as_text=True)
    assert "&lt;b&gt;2&lt;/b&gt;" in only_two and "&lt;b&gt;5&lt;/b&gt;" not in only_two
    none_here = staff.get(f"{base}?unit=BDT").get_data(as_text=True)
    assert "Không có góp ý nào" in none_here
    for name in ("q", "unit", "field", "page"):  # a NUL (PostgreSQL refuses it), not a number
        assert staff.get(base, query_string={name: "\x00"}).status_code == 200, name


def test_results_pages_need_a_login(client: FlaskClient, answered: dict) -> None:
    for path in ("", "/units/SNV", "/heatmap", "/change", "/comments", "/results.csv"):
        assert client.get(f"/admin/results/{answered['round_id']}{path}").status_code == 302


@pytest.mark.parametrize(
    ("populations", "said"),
    [
        ({"SNV": 900}, "đơn vị &#39;BDT&#39; có câu trả lời nhưng chưa có số hồ sơ"),
        ({"SNV": 3, "BDT": 50}, "đơn vị &#39;SNV&#39;: số hồ sơ 3 ít hơn 6 câu trả lời"),
    ],
)
def test_saved_populations_that_do_not_fit_the_answers_are_said_on_every_results_page(
    staff: FlaskClient, answered: dict, db_session, populations: dict[str, int], said: str
) -> None:
    """A unit with answers but no population, or fewer dossiers than answers: which unit and
    where to mend it (422) on every page and download, never a 500."""
    base = f"/admin/results/{answered['round_id']}"
    assert staff.get(base).status_code == 200  # computed, kept until something changes: here
    units = {u.code: u.id for u in db_session.scalars(select(Unit))}
    for code, population in populations.items():
        db_session.add(
            RoundPopulation(
                round_id=answered["round_id"], unit_id=units[code], population=population
            )
        )
    db_session.commit()
    for path in ("", "/units/SNV", "/heatmap", "/change", "/results.csv", "/results.xlsx"):
        response = staff.get(base + path)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, path
        assert "Chưa tính được chỉ số của đợt này" in html, path
        assert said in html, html[html.find("notice") :]
        assert f"/admin/rounds/{answered['round_id']}/plan" in html  # where to mend it
