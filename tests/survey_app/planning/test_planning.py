"""Sở Nội vụ plans a round's sample: populations file, plan, draws, progress (CLI and admin)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from support import form_tokens, full_answers, login_as

from sampling import margin_of_error
from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import RoundPopulation, SamplePlan
from survey_app.planning.populations import read_populations

POPULATIONS = "unit_code,population\nSNV,1000\nBDT,90\n"


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    return login_as(app, client, "admin", username="nv.admin")


@pytest.mark.parametrize(
    ("content", "where", "expected"),
    [
        ("unit_code,population\nSNV,1000\n", "unit_code", "unit 'BDT' of the round has no row"),
        ("unit_code,population\nSNV,1000\nBDT,90\nXYZ,5\n", "row 4", "unknown unit 'XYZ'"),
        ("unit_code,population\nSNV,-3\nBDT,90\n", "row 2", "population (-3) must not be negative"),
        ("unit_code,population\nSNV,12.5\nBDT,90\n", "row 2", "must be a whole number"),
        ("unit_code,population\nSNV,abc\nBDT,90\n", "row 2", "must be a whole number"),
        ("unit_code,population\nSNV,10\nSNV,90\nBDT,1\n", "row 3", "also on row 2"),
        ("unit_code,N\nSNV,10\n", "row 1", "required column 'population' is missing"),
        ("unit_code,population,p\nSNV,10,1.5\nBDT,1,\n", "row 2", "p ('1.5')"),
    ],
)
def test_bad_populations_files_name_the_row_or_value(
    content: str, where: str, expected: str
) -> None:
    result = read_populations(content.encode(), {"SNV", "BDT"}, {"SNV", "BDT"})
    assert not result.ok
    messages = [str(e) for e in result.errors]
    assert any(where in m and expected in m for m in messages), messages


def test_cli_plan_writes_csv_xlsx_json_with_reference_sizes(sipas, tmp_path: Path) -> None:
    populations = tmp_path / "populations.csv"
    populations.write_text("unit_code,population\nA,1000\nB,3000\nC,6000\n", encoding="utf-8")
    out = tmp_path / "plan.csv"
    result = sipas("plan", "--populations", str(populations), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["unit_code"] for r in rows] == ["A", "B", "C"]
    assert rows[0]["sample_size"] == "278"  # Cochran with FPC, N = 1000 (methodology §5)
    assert abs(float(rows[0]["expected_margin"]) - margin_of_error(278, 1000)) < 1e-6
    xlsx = tmp_path / "plan.xlsx"
    args = ("--method", "proportional", "--total", "500")
    assert (
        sipas("plan", "--populations", str(populations), *args, "--out", str(xlsx)).exit_code == 0
    )
    sheet = load_workbook(xlsx).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("unit_code", "population", "sample_size", "expected_answers")
    assert [v[2] for v in values[1:4]] == [50, 150, 300]  # 500 × N_h / 10 000
    assert values[-1][:3] == ("TOTAL", 10_000, 500)
    out_json = tmp_path / "plan.json"
    assert (
        sipas(
            "plan", "--populations", str(populations), "--method", "yamane", "--out", str(out_json)
        ).exit_code
        == 0
    )
    plan = json.loads(out_json.read_text(encoding="utf-8"))
    assert plan["method"] == "yamane" and plan["rows"][0]["sample_size"] == 286


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--margin", "0"), "margin (0"),
        (("--method", "proportional", "--total", "20000"), "exceeds"),
        (("--method", "proportional"), "give the total"),
    ],
)
def test_cli_plan_refuses_bad_parameters(sipas, tmp_path: Path, args: tuple, expected: str) -> None:
    populations = tmp_path / "populations.csv"
    populations.write_text("unit_code,population\nA,1000\nB,3000\n", encoding="utf-8")
    out = tmp_path / "plan.csv"
    result = sipas("plan", "--populations", str(populations), *args, "--out", str(out))
    assert result.exit_code == 1 and expected in result.output
    assert not out.exists()


def test_cli_plan_for_a_round_checks_its_units_and_saves(
    app: Flask, sipas, survey: dict, tmp_path: Path
) -> None:
    populations = tmp_path / "populations.csv"
    populations.write_text("unit_code,population\nSNV,1000\n", encoding="utf-8")
    out = tmp_path / "plan.csv"
    refused = sipas(
        "plan", "--populations", str(populations), "--round", "Đợt thử", "--out", str(out)
    )
    assert refused.exit_code == 1 and "'BDT' of the round has no row" in refused.output
    populations.write_text(POPULATIONS, encoding="utf-8")
    result = sipas(
        "plan", "--populations", str(populations), "--round", "Đợt thử", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        plan = get_db().session.scalar(select(SamplePlan))
        assert {t.unit.code: t.sample_size for t in plan.targets} == {"SNV": 278, "BDT": 74}
        assert get_db().session.query(RoundPopulation).count() == 2


def test_cli_draw_is_reproducible_with_reserves(sipas, tmp_path: Path) -> None:
    frame = tmp_path / "dossiers.csv"
    lines = ["dossier_code,unit_code,received"]
    lines += [f"SNV-{i:04d},SNV,2026-01-{1 + i % 28:02d}" for i in range(200)]
    lines += [f"BDT-{i:04d},BDT,2026-02-01" for i in range(40)]
    frame.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text("unit_code,sample_size\nSNV,20\nBDT,5\nTOTAL,25\n", encoding="utf-8")

    def run(seed: int) -> list[dict[str, str]]:
        out = tmp_path / f"sample-{seed}.csv"
        result = sipas(
            "draw",
            "--frame",
            str(frame),
            "--plan",
            str(plan),
            "--seed",
            str(seed),
            "--out",
            str(out),
        )
        assert result.exit_code == 0, result.output
        return list(csv.DictReader(out.open(encoding="utf-8")))

    first, again, other = run(7), run(7), run(8)
    assert first == again and first != other
    snv = [r for r in first if r["unit_code"] == "SNV"]
    chosen = [r for r in snv if r["reserve"] == "false"]
    reserves = [r for r in snv if r["reserve"] == "true"]
    assert len(chosen) == 20 and len(reserves) == 4  # reserve ratio 0.2
    assert [int(r["selection_order"]) for r in snv] == list(range(1, 25))
    assert set(first[0]) == {"dossier_code", "unit_code", "received", "selection_order", "reserve"}
    too_many = tmp_path / "big.csv"
    too_many.write_text("unit_code,sample_size\nBDT,41\n", encoding="utf-8")
    result = sipas(
        "draw",
        "--frame",
        str(frame),
        "--plan",
        str(too_many),
        "--seed",
        "1",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert result.exit_code == 1 and "BDT" in result.output


def _plan_form(staff: FlaskClient, round_id: int, **values: str) -> str:
    page = staff.get(f"/admin/rounds/{round_id}/plan").get_data(as_text=True)
    return form_tokens(page)["csrf_token"]


def test_admin_previews_then_saves_a_plan(app: Flask, staff: FlaskClient, survey: dict) -> None:
    url = f"/admin/rounds/{survey['round_id']}/plan"
    token = _plan_form(staff, survey["round_id"])
    data = {
        "csrf_token": token,
        "populations_text": POPULATIONS,
        "method": "per-unit",
        "margin": "0.05",
        "confidence": "0.95",
        "p": "0.5",
        "deff": "1",
        "response_rate": "1",
        "minimum": "0",
        "power": "0.5",
    }
    preview = staff.post(url, data={**data, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and '<td class="num">278</td>' in html
    with app.app_context():
        assert get_db().session.scalar(select(SamplePlan)) is None
    saved = staff.post(url, data={**data, "action": "save"})
    assert "Đã lưu" in saved.get_data(as_text=True)
    with app.app_context():
        assert get_db().session.scalar(select(SamplePlan)).method == "per-unit"
    again = staff.get(url).get_data(as_text=True)  # the saved populations fill the form again
    assert "SNV,1000,," in again and "BDT,90,," in again
    download = staff.get(f"/admin/rounds/{survey['round_id']}/plan.csv")
    assert "SNV,1000,278" in download.get_data(as_text=True)


def test_admin_plan_errors_save_nothing(app: Flask, staff: FlaskClient, survey: dict) -> None:
    url = f"/admin/rounds/{survey['round_id']}/plan"
    token = _plan_form(staff, survey["round_id"])
    reply = staff.post(
        url,
        data={
            "csrf_token": token,
            "populations_text": POPULATIONS,
            "method": "per-unit",
            "margin": "0",
            "action": "save",
        },
    )
    assert reply.status_code == 422
    assert "margin (0" in reply.get_data(as_text=True)
    reply = staff.post(
        url,
        data={
            "csrf_token": token,
            "action": "save",
            "method": "per-unit",
            "populations_text": "unit_code,population\nSNV,-1\nBDT,5\n",
        },
    )
    assert reply.status_code == 422 and "row 2" in reply.get_data(as_text=True)
    with app.app_context():
        assert get_db().session.scalar(select(SamplePlan)) is None


def test_progress_page_counts_answers_against_the_plan(
    app: Flask, staff: FlaskClient, survey: dict, sipas, tmp_path: Path
) -> None:
    populations = tmp_path / "populations.csv"
    populations.write_text(POPULATIONS, encoding="utf-8")
    assert (
        sipas(
            "plan",
            "--populations",
            str(populations),
            "--round",
            "Đợt thử",
            "--out",
            str(tmp_path / "p.csv"),
        ).exit_code
        == 0
    )
    phone = app.test_client()
    for _ in range(3):
        tokens = form_tokens(phone.get("/s/SNV-1").get_data(as_text=True))
        assert phone.post("/s/SNV-1", data={**tokens, **full_answers()}).status_code == 303
    page = staff.get(f"/admin/rounds/{survey['round_id']}/progress?sort=collected&order=desc")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    first, second = 'data-unit="SNV"><td>Sở Nội vụ', 'data-unit="BDT"><td>Ban Dân tộc'
    assert html.index(first) < html.index(second)
    expected = f"±{margin_of_error(3, 1000) * 100:.1f} %"
    assert expected in html and "1 %" in html  # 3 of 278
    assert 'id="chart-data"' in html and "plotly.min.js" in html
    body = staff.get(f"/admin/rounds/{survey['round_id']}/progress.json").json
    snv = next(r for r in body["rows"] if r["unit_code"] == "SNV")
    assert snv["collected"] == 3 and snv["target"] == 278
    assert json.loads(body["chart"])["data"][1]["type"] == "bar"
    export = staff.get(f"/admin/rounds/{survey['round_id']}/progress.csv").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(export)))[:5] == [
        "unit_code",
        "unit_name",
        "population",
        "target",
        "collected",
    ]
    assert staff.get("/admin/assets/plotly.min.js").status_code == 200


def test_progress_pages_need_a_login(client: FlaskClient, survey: dict) -> None:
    for path in ("plan", "progress", "progress.json", "plan.csv"):
        reply = client.get(f"/admin/rounds/{survey['round_id']}/{path}")
        assert reply.status_code == 302, path
