"""The ``sipas`` command: each operator task end to end on a real database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from support import DEMO_DATA

from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import Counter, Response, SurveyRound, Unit, User


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    """Run ``sipas ARGS`` against the test database; returns the click Result."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("BASE_URL", "http://sipas.test")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def test_units_import_then_counter_round_and_posters(app: Flask, sipas, tmp_path: Path) -> None:
    assert (
        sipas(
            "units",
            "import",
            str(DEMO_DATA / "vinh-long-province.csv"),
            "--valid-from",
            "2023-01-01",
        ).exit_code
        == 0
    )
    result = sipas(
        "units",
        "import",
        str(DEMO_DATA / "vinh-long-2023-departments.csv"),
        "--valid-from",
        "2023-01-01",
    )
    assert result.exit_code == 0, result.output
    assert "19 unit(s) imported" in result.output
    assert sipas("counters", "add", "SNV", "SNV-1", "--name", "Quầy 1").exit_code == 0
    assert sipas("counters", "add", "STP", "STP-1").exit_code == 0
    dup = sipas("counters", "add", "STP", "STP-1")
    assert dup.exit_code == 1 and "already exists" in dup.output
    result = sipas(
        "rounds",
        "create",
        "Đợt 1",
        "--opens",
        "2023-01-01",
        "--closes",
        "2099-12-31",
        "--unit-type",
        "department",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        survey_round = get_db().session.scalar(select(SurveyRound))
        assert len(survey_round.units) == 19
    out = tmp_path / "posters.pdf"
    result = sipas("qr", "--round", "Đợt 1", "--out", str(out))
    assert result.exit_code == 0, result.output
    pages = pypdfium2.PdfDocument(out.read_bytes())
    urls = set()
    for page in pages:
        image = page.render(scale=2).to_pil()
        urls |= {b.text for b in zxingcpp.read_barcodes(image)}
    assert urls == {"http://sipas.test/s/SNV-1", "http://sipas.test/s/STP-1"}
    zipped = tmp_path / "codes.zip"
    assert sipas("qr", "--round", "Đợt 1", "--out", str(zipped), "--format", "zip").exit_code == 0
    import zipfile

    assert sorted(zipfile.ZipFile(zipped).namelist()) == [
        "SNV-1.png",
        "SNV-1.svg",
        "STP-1.png",
        "STP-1.svg",
    ]


def test_bad_units_file_prints_every_error_and_imports_nothing(
    app: Flask, sipas, tmp_path: Path
) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text(
        "code,name,level,parent_code\nX1,,commune,86\nX2,Xã 2,comune,86\n", encoding="utf-8"
    )
    result = sipas("units", "import", str(bad))
    assert result.exit_code == 1
    assert "units.csv: dòng 2 · cột name (row 2, column 'name')" in result.output
    assert "units.csv: dòng 2 · cột parent_code (row 2, column 'parent_code')" in result.output
    assert (
        "dòng 3 · cột level (row 3, column 'level'): loại đơn vị lạ 'comune' (có phải 'commune'?)"
        in result.output
    )
    assert "/ unknown unit type 'comune' (did you mean 'commune'?)" in result.output
    assert "nothing imported" in result.output
    with app.app_context():
        assert get_db().session.scalar(select(Unit)) is None


def test_questionnaire_check_prints_problems_with_locations(sipas, tmp_path: Path) -> None:
    shipped = (
        Path(__file__).resolve().parents[3]
        / "questionnaires"
        / "definitions"
        / "sipas-2023"
        / "1.json"
    )
    ok = sipas("questionnaire", "check", str(shipped))
    assert ok.exit_code == 0 and "19 câu hỏi trong 5 nhóm) / " in ok.output
    assert "19 items in 5 elements" in ok.output
    definition = json.loads(shipped.read_text(encoding="utf-8"))
    definition["elements"][1]["items"][0]["id"] = "q15"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    result = sipas("questionnaire", "check", str(bad))
    assert result.exit_code == 1
    assert (
        "lỗi / error: elements[1].items[0].id: mã 'q15' bị trùng: đã dùng ở "
        "elements[0].items[0].id / duplicate id 'q15': already used at elements[0].items[0].id "
        "(gợi ý / hint: mỗi nhóm, mỗi câu hỏi cần một mã riêng / give every element, item and "
        "question its own id)"
    ) in result.output
    assert "1 lỗi trong " in result.output


def test_questionnaire_check_reads_an_xlsform_too(sipas, tmp_path: Path) -> None:
    from survey_app.survey.questionnaire_files import xlsform_xlsx

    shipped = Path(__file__).resolve().parents[3] / "questionnaires" / "definitions"
    definition = json.loads((shipped / "sipas-2023" / "1.json").read_text(encoding="utf-8"))
    good = tmp_path / "form.xlsx"
    good.write_bytes(xlsform_xlsx(definition))
    ok = sipas("questionnaire", "check", str(good))
    assert ok.exit_code == 0 and "19 items in 5 elements" in ok.output
    definition["version"] = 0
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsform_xlsx(definition))
    result = sipas("questionnaire", "check", str(bad))
    assert result.exit_code == 1
    assert (
        "settings · dòng 2 · cột version: phiên bản 0 phải là số nguyên dương / version 0 must "
        "be a positive whole number"
    ) in result.output


def test_users_create_hashes_the_password(app: Flask, sipas) -> None:
    result = sipas(
        "users", "create", "nv.admin", "--role", "admin", "--password", "a long password"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = get_db().session.scalar(select(User))
        assert user.role == "admin" and "a long password" not in user.password_hash
    short = sipas("users", "create", "other", "--password", "short")
    assert short.exit_code == 1 and "at least 10" in short.output


def test_export_responses_writes_csv_and_refuses_other_formats(
    app: Flask, sipas, survey: dict, tmp_path: Path
) -> None:
    out = tmp_path / "responses.csv"
    result = sipas("export", "responses", "--round", "Đợt thử", "--out", str(out))
    assert result.exit_code == 0, result.output
    header = next(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert header[:3] == ["response_id", "round", "unit_code"]
    assert sipas("export", "responses", "--out", str(tmp_path / "x.pdf")).exit_code == 1
    assert sipas("export", "responses", "--include-excluded", "--out", str(out)).exit_code == 0
    assert sipas("export", "responses", "--round", "nope", "--out", str(out)).exit_code == 1


def test_demo_prepare_fills_an_empty_database_once(tmp_path: Path) -> None:
    from survey_app.config import sqlite_url
    from survey_app.demo import DEMO_ROUND, prepare

    url = sqlite_url(tmp_path / "demo.sqlite")
    first = prepare(url, simulate=3, showcase=False)
    second = prepare(url, simulate=3, showcase=False)
    assert first.created and not second.created
    assert first.counter_code == "SNV-1" and first.admin_password != second.admin_password
    from survey_app import create_app

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        session = get_db().session
        units = session.scalars(select(Unit)).all()
        assert len(units) == 1 + 19 + 8 + 107
        survey_round = session.scalar(select(SurveyRound))
        assert survey_round.name == DEMO_ROUND and len(survey_round.units) == 134
        assert session.query(Counter).count() == 134
        simulated = session.query(Response).all()
        assert len(simulated) == 3 * 134  # added once, when the database was created
        assert {r.channel for r in simulated} == {"simulated"}
    client = app.test_client()
    assert client.get("/s/SNV-1").status_code == 200


def test_rounds_list_shows_each_round_with_its_counts(app: Flask, sipas, survey: dict) -> None:
    from factories import add_response

    with app.app_context(), get_db().begin() as session:
        add_response(session, survey["round_id"], answers={"q15": 5})
    result = sipas("rounds", "list")
    assert result.exit_code == 0, result.output
    header, line = result.output.strip().splitlines()
    assert header.startswith("tên / name\tbảng hỏi / questionnaire")
    name, questionnaire, opens, closes, units, answers = line.split("\t")
    assert (name, questionnaire, units, answers) == ("Đợt thử", "sipas-2023@1", "2", "1")
    assert len(opens) == len("2026-01-01 09:00") and closes > opens


def test_names_that_do_not_exist_get_the_closest_ones(
    app: Flask, sipas, survey: dict, tmp_path: Path
) -> None:
    out = str(tmp_path / "r.csv")
    result = sipas("analyze", "--round", "Đợt", "--out", out)
    assert result.exit_code == 1
    assert "no round named 'Đợt'" in result.output and "did you mean 'Đợt thử'?" in result.output
    assert "không có đợt khảo sát tên 'Đợt'" in result.output  # Vietnamese first
    result = sipas("counters", "add", "SNX", "SNX-1")
    assert result.exit_code == 1 and "did you mean 'SNV'?" in result.output
    result = sipas(
        "rounds", "create", "Đợt 2", "--questionnaire", "sipas-2032",
        "--opens", "2026-01-01", "--closes", "2026-12-31", "--unit", "SNV",
    )  # fmt: skip
    assert result.exit_code == 1 and "did you mean 'sipas-2023@1'?" in result.output
    result = sipas(
        "rounds", "create", "Đợt 2", "--opens", "2020-06-01", "--closes", "2026-12-31",
        "--unit", "SNX", "--unit", "BDX", "--unit-type", "departmnt",
    )  # fmt: skip
    assert result.exit_code == 1  # every unknown name at once, each with its hint
    assert "'SNX'" in result.output and "'BDX'" in result.output
    assert "did you mean 'department'?" in result.output and "3 error(s)" in result.output
    result = sipas("par", "status", "SNx", "--year", "2023", "--to", "submitted")
    assert result.exit_code == 1 and "did you mean" in result.output
    result = sipas("qr", "--round", "dot thu", "--out", str(tmp_path / "p.pdf"))
    assert result.exit_code == 1 and "no round named 'dot thu'" in result.output


def test_qr_refuses_the_default_base_url_unless_told(
    app: Flask, sipas, survey: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BASE_URL")
    out = tmp_path / "posters.pdf"
    refused = sipas("qr", "--round", "Đợt thử", "--out", str(out))
    assert refused.exit_code == 1 and not out.exists()
    assert "Chưa đặt BASE_URL" in refused.output and "BASE_URL is not set" in refused.output
    assert "--base-url" in refused.output
    told = sipas("qr", "--round", "Đợt thử", "--out", str(out), "--base-url", "https://hcc.vn")
    assert told.exit_code == 0, told.output
    urls = set()
    for page in pypdfium2.PdfDocument(out.read_bytes()):
        urls |= {b.text for b in zxingcpp.read_barcodes(page.render(scale=2).to_pil())}
    assert urls == {"https://hcc.vn/s/SNV-1", "https://hcc.vn/s/BDT-1"}
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:5000")  # set, even to the default: chosen
    assert sipas("qr", "--round", "Đợt thử", "--out", str(out)).exit_code == 0


def test_poster_pages_say_to_set_base_url_while_it_is_the_default(
    app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support import login_as

    from survey_app import create_app

    monkeypatch.delenv("BASE_URL", raising=False)
    settings = {k: v for k, v in app.config.items() if k in ("SECRET_KEY", "DATABASE_URL")}
    unset = create_app({**settings, "TESTING": True})
    assert unset.config["BASE_URL"] == "http://127.0.0.1:5000"
    client = unset.test_client()
    for url in ("/posters/SNV-1.pdf", "/qr/SNV-1.png", "/qr/SNV-1.svg"):
        page = client.get(url)
        assert page.status_code == 503 and page.mimetype == "text/html", url
        text = page.get_data(as_text=True)
        assert "Chưa đặt BASE_URL" in text and "BASE_URL is not set" in text
    staff = login_as(unset, client, "admin", username="nv.admin")
    for url in (f"/admin/rounds/{survey['round_id']}/posters.pdf", "/admin/units/SNV/posters.pdf"):
        page = staff.get(url)
        assert page.status_code == 503 and "BASE_URL" in page.get_data(as_text=True), url
    assert "Chưa đặt BASE_URL" in staff.get("/admin/counters").get_data(as_text=True)
    assert app.test_client().get("/posters/SNV-1.pdf").mimetype == "application/pdf"
    unset.extensions["sipas_db"].engine.dispose()


def test_a_base_url_too_long_for_a_poster_is_said_not_a_server_error(
    app: Flask, survey: dict
) -> None:
    from survey_app.survey.qr import MAX_POSTER_URL

    app.config["BASE_URL"] = "https://hcc.vn/" + "x" * MAX_POSTER_URL
    page = app.test_client().get("/posters/SNV-1.pdf")
    assert page.status_code == 422 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Không in được áp phích" in text and "địa chỉ quá dài để in trên áp phích" in text
    assert "URL too long for a poster" in text


def test_a_fresh_demo_shows_every_feature(tmp_path: Path) -> None:
    """Issue 13, item 7: progress has targets, the change page changes, the review pages flags,
    the PAR pages statuses other than draft."""
    from support import login_as

    from scoring_bridge.workflow import STATUS_LABELS
    from survey_app import create_app
    from survey_app.config import sqlite_url
    from survey_app.db.models import ParAssessment, RoundPopulation, SamplePlan
    from survey_app.demo import DEMO_ROUND, prepare
    from survey_app.demo.showcase import BURST_SIZE, EARLIER_ROUND, STATUS_COUNTS

    url = sqlite_url(tmp_path / "demo.sqlite")
    prepare(url, simulate=6)
    app = create_app({"DATABASE_URL": url, "BASE_URL": "http://sipas.test", "TESTING": True})
    with app.app_context():
        session = get_db().session
        rounds = {r.name: r for r in session.scalars(select(SurveyRound))}
        current, earlier = rounds[DEMO_ROUND], rounds[EARLIER_ROUND]
        assert earlier.closes_at < current.opens_at
        assert session.query(RoundPopulation).filter_by(round_id=current.id).count() == 134
        assert session.scalar(select(SamplePlan).where(SamplePlan.round_id == current.id))
        assert session.query(Response).filter_by(round_id=earlier.id).count() == 5 * 134
        flagged = session.scalars(select(Response).where(Response.state == "flagged")).all()
        assert len(flagged) == BURST_SIZE  # the burst, and nothing else of the made-up answers
        assert all({"burst", "straight_lining", "too_fast"} <= set(r.flags) for r in flagged)
        year_2023 = select(ParAssessment).where(ParAssessment.year == 2023)
        statuses = [a.status for a in session.scalars(year_2023)]
        assert {s: statuses.count(s) for s in set(statuses)} == STATUS_COUNTS
        current_id = current.id
    client = app.test_client()
    staff = login_as(app, client, "admin", username="nv.admin")
    progress = staff.get(f"/admin/rounds/{current_id}/progress.json").get_json()
    assert len(progress["rows"]) == 134 and all(r["target"] > 0 for r in progress["rows"])
    change = staff.get(f"/admin/results/{current_id}/change").get_data(as_text=True)
    assert "Không có đợt trước" not in change and "Sở Nội vụ" in change
    assert EARLIER_ROUND in change
    review = staff.get(f"/admin/review/{current_id}").get_data(as_text=True)
    assert "SNV-1" in review and str(BURST_SIZE) in review
    par = staff.get("/admin/par/2023").get_data(as_text=True)
    for status in STATUS_COUNTS:
        assert STATUS_LABELS[status][0] in par, status
    app.extensions["sipas_db"].engine.dispose()
