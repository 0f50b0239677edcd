"""The PAR index from the database and from files: 8.1 from SIPAS, scores, ranking, changes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import CATALOG, LEAVES, YEAR
from factories import fill_par_points as _fill
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from support import form_tokens, login_as

from scoring_bridge import ProblemsError
from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import ParChange, ParPoints
from survey_app.par.scoring import compute, inputs_from_database


@pytest.fixture
def scored(app: Flask, survey: dict) -> dict:
    """SNV at 90 % of every maximum, BDT (scored, not ranked) at 95 %; SIPAS 80 % each."""
    _fill(app, {"SNV": 0.9, "BDT": 0.95})
    return survey


def _report(app: Flask):
    with app.app_context():
        return compute(inputs_from_database(get_db().session, YEAR))


def test_index_is_points_over_maximum_with_81_from_sipas(app: Flask, scored: dict) -> None:
    report = _report(app)
    rule_max = report.rules["department"].max_points  # proportional: 8.1 = max × 80 / 100
    other = CATALOG.total - rule_max
    snv = report.scores["SNV"]
    assert snv.total == pytest.approx(0.9 * other + rule_max * 0.8)
    assert snv.index == pytest.approx(snv.total / CATALOG.total * 100)
    assert report.points81["SNV"][0].points == pytest.approx(rule_max * 0.8)
    rows = {r.unit_code: r for r in report.ranking}
    assert rows["SNV"].rank == 1 and rows["BDT"].rank is None  # Ban Dân tộc: not ranked
    assert any("minh họa" in note for note in report.notes)  # illustrative catalog said


def test_last_years_ministry_points_are_used_and_said(app: Flask, survey: dict) -> None:
    ministry = {leaf.code for leaf in LEAVES if leaf.source == "ministry_survey"}
    assert ministry
    _fill(app, {"SNV": 0.9, "BDT": 0.9}, skip=ministry)
    with pytest.raises(ProblemsError):
        _report(app)  # neither this year's nor last year's Ministry results
    _fill(app, {"SNV": 0.5}, year=YEAR - 1)
    with pytest.raises(ProblemsError) as missing:
        _report(app)
    assert "BDT" in str(missing.value) and "SNV" not in str(missing.value)
    _fill(app, {"BDT": 0.5}, year=YEAR - 1)
    report = _report(app)
    assert set(report.scores["SNV"].from_previous_year) == ministry
    assert any("năm 2022" in note for note in report.notes)


def test_a_unit_without_sipas_cannot_be_scored(app: Flask, survey: dict) -> None:
    _fill(app, {"SNV": 0.9, "BDT": 0.9})
    with app.app_context(), get_db().begin() as session:
        from survey_app.db.models import ParSipas

        session.execute(ParSipas.__table__.delete())
    with pytest.raises(ProblemsError) as problems:
        _report(app)
    assert "no SIPAS result" in str(problems.value)


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_cli_points_import_checks_every_value_and_saves_all_or_nothing(
    app: Flask, survey: dict, sipas, tmp_path: Path
) -> None:
    leaf = LEAVES[0]
    bad = tmp_path / "points.csv"
    bad.write_text(
        "unit_code,code,self_points,final_points,note\n"
        f"SNV,{leaf.code},1,{leaf.max_points + 1},\n"
        f"SNV,{LEAVES[1].code},1,0.5,\n"
        f"XYZ,{leaf.code},1,1,\n",
        encoding="utf-8",
    )
    result = sipas("par", "points-import", str(bad), "--year", str(YEAR))
    assert result.exit_code == 1
    assert (
        f"final_points {leaf.max_points + 1:g} nằm ngoài khoảng 0–{leaf.max_points:g} "
        f"({leaf.name}) / final_points {leaf.max_points + 1:g} is outside 0–{leaf.max_points:g}"
    ) in result.output
    assert (
        "đơn vị XYZ (unit XYZ): "
        "không có đơn vị này trong năm, hoặc loại đơn vị của nó chưa có khung điểm / "
        "unknown unit, or its type has no catalog"
    ) in result.output
    assert "nothing written or saved" in result.output
    with app.app_context():
        assert get_db().session.scalar(select(ParPoints)) is None
    good = tmp_path / "good.csv"
    good.write_text(
        "unit_code,code,self_points,final_points,note\n"
        f"SNV,{leaf.code},{leaf.max_points},{leaf.max_points / 2},ok\n",
        encoding="utf-8",
    )
    imported = sipas("par", "points-import", str(good), "--year", str(YEAR))
    assert imported.exit_code == 0
    assert (
        f"đã nhập điểm của 1 đơn vị năm {YEAR} / points of 1 unit(s) imported for {YEAR}"
        in imported.output
    )
    with app.app_context():
        row = get_db().session.scalar(select(ParPoints))
        assert row.final_points == leaf.max_points / 2 and row.note == "ok"


def test_cli_score_writes_ranking_files(app: Flask, scored: dict, sipas, tmp_path: Path) -> None:
    out = tmp_path / "ranking.csv"
    result = sipas("score", "--year", str(YEAR), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {
        "unit_type",
        "rank",
        "unit_code",
        "unit_name",
        "total_points",
        "index",
        "area_1",
        "area_8",
    } <= set(rows[0])
    by_code = {r["unit_code"]: r for r in rows}
    assert by_code["SNV"]["rank"] == "1" and by_code["BDT"]["rank"] == ""
    records = json.loads(_write(sipas, tmp_path / "ranking.json").read_text(encoding="utf-8"))
    assert {r["unit_code"] for r in records} == {"SNV", "BDT"}
    book = load_workbook(_write(sipas, tmp_path / "ranking.xlsx"))
    assert "SNV" in book.sheetnames and len(book.sheetnames) >= 3


def _write(sipas, path: Path) -> Path:
    assert sipas("score", "--year", str(YEAR), "--out", str(path)).exit_code == 0
    return path


def test_cli_score_from_files_replaces_the_database_parts(
    app: Flask, scored: dict, sipas, tmp_path: Path
) -> None:
    results = tmp_path / "results.csv"
    results.write_text(
        "unit_code,level,key,estimate,se,ci_low,ci_high,n,n_eff,deff,flag,method\n"
        "SNV,overall,SIPAS,100,0,100,100,50,50,1,,x\n"
        "BDT,overall,SIPAS,50,1,48,52,50,50,1,,x\n",
        encoding="utf-8",
    )
    out = tmp_path / "ranking.json"
    result = sipas("score", "--year", str(YEAR), "--sipas", str(results), "--out", str(out))
    assert result.exit_code == 0, result.output
    records = {r["unit_code"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    base = _report(app).scores
    rule_max = _report(app).rules["department"].max_points
    assert records["SNV"]["total_points"] == pytest.approx(
        base["SNV"].total + rule_max * 0.2, abs=0.01
    )  # 8.1 at 100 % instead of 80 %


def test_cli_par_sipas_keeps_the_rounds_figures(app: Flask, survey: dict, sipas) -> None:
    phone = app.test_client()
    for _ in range(5):
        tokens = form_tokens(phone.get("/s/SNV-1").get_data(as_text=True))
        data = {**tokens, **{f"q{n}": "5" for n in range(15, 34)}}
        assert phone.post("/s/SNV-1", data=data).status_code == 303
    result = sipas("par", "sipas", "--year", str(YEAR), "--round", "Đợt thử")
    assert result.exit_code == 0, result.output
    with app.app_context():
        from survey_app.db.models import ParSipas

        row = get_db().session.scalar(select(ParSipas))
        assert row.unit.code == "SNV" and row.estimate == pytest.approx(100.0)


@pytest.fixture
def council(app: Flask, client: FlaskClient) -> FlaskClient:
    return login_as(app, client, "admin", username="hoidong")


def test_council_changes_points_with_a_reason_and_the_ranking_follows(
    app: Flask, scored: dict, council: FlaskClient
) -> None:
    page = council.get(f"/admin/par/{YEAR}").get_data(as_text=True)
    assert "Sở Nội vụ" in page and "chấm điểm, không xếp hạng" in page
    url = f"/admin/par/{YEAR}/units/SNV"
    token = form_tokens(council.get(url).get_data(as_text=True))["csrf_token"]
    leaf = LEAVES[0]
    change = {"csrf_token": token, "action": "points", "code": leaf.code, "points": "0"}
    draft = council.post(url, data={**change, "reason": "too early"})
    assert draft.status_code == 422 and "chưa gửi" in draft.get_data(as_text=True)
    submitted = council.post(
        url, data={"csrf_token": token, "action": "status", "status": "submitted"}
    )
    assert submitted.status_code == 200
    refused = council.post(
        url,
        data={
            "csrf_token": token,
            "action": "points",
            "code": leaf.code,
            "points": "0",
            "reason": " ",
        },
    )
    assert refused.status_code == 422 and "reason" in refused.get_data(as_text=True)
    too_many = council.post(
        url,
        data={
            "csrf_token": token,
            "action": "points",
            "code": leaf.code,
            "points": str(leaf.max_points + 5),
            "reason": "x",
        },
    )
    assert too_many.status_code == 422
    before = _report(app).scores["SNV"].index
    saved = council.post(
        url,
        data={
            "csrf_token": token,
            "action": "points",
            "code": leaf.code,
            "points": "0",
            "reason": "Thiếu minh chứng",
        },
    )
    assert saved.status_code == 200 and "Thiếu minh chứng" in saved.get_data(as_text=True)
    after = _report(app).scores["SNV"].index
    assert after == pytest.approx(before - leaf.max_points * 0.9)
    with app.app_context():
        change = get_db().session.scalar(select(ParChange))
        assert (change.code, change.old, change.new, change.who) == (
            leaf.code,
            pytest.approx(leaf.max_points * 0.9),
            0.0,
            "hoidong",
        )


def test_council_moves_the_status_along_the_workflow_only(
    app: Flask, scored: dict, council: FlaskClient
) -> None:
    url = f"/admin/par/{YEAR}/units/SNV"
    token = form_tokens(council.get(url).get_data(as_text=True))["csrf_token"]
    wrong = council.post(url, data={"csrf_token": token, "action": "status", "status": "published"})
    refusal = "Không thể chuyển từ „Đang tự đánh giá” sang „Đã công bố”"
    assert wrong.status_code == 422 and refusal in wrong.get_data(as_text=True)
    moved = council.post(url, data={"csrf_token": token, "action": "status", "status": "submitted"})
    assert moved.status_code == 200 and "Đã gửi kết quả tự đánh giá" in moved.get_data(as_text=True)
    for fmt in ("csv", "json", "xlsx"):
        assert council.get(f"/admin/par/{YEAR}/ranking.{fmt}").status_code == 200


def test_ranking_shows_the_change_since_last_year_and_statuses(
    app: Flask, scored: dict, council: FlaskClient
) -> None:
    _previous_year_catalog(app)
    _fill(app, {"SNV": 0.5, "BDT": 0.5}, year=YEAR - 1)
    before, now = _report_of(app, YEAR - 1), _report(app)
    delta = now.scores["SNV"].index - before.scores["SNV"].index
    html = council.get(f"/admin/par/{YEAR}").get_data(as_text=True)
    assert f"{delta:+.2f}" in html
    assert "Đang tự đánh giá" in html  # every unit starts as a draft


def _previous_year_catalog(app: Flask) -> None:
    """2022's catalog and 8.1 rule, imported (the same as 2023's, for the test)."""
    import json

    from scoring_bridge import catalog_to_data
    from scoring_bridge._shipped import shipped_file
    from survey_app.db.models import ParCatalog

    data = {**catalog_to_data(CATALOG), "year": YEAR - 1}
    rule = json.loads(shipped_file("rules81", YEAR, "department").read_text(encoding="utf-8"))
    with app.app_context(), get_db().begin() as session:
        session.add(
            ParCatalog(
                year=YEAR - 1, unit_type="department", data=data, rule81={**rule, "year": YEAR - 1}
            )
        )


def _report_of(app: Flask, year: int):
    with app.app_context():
        return compute(inputs_from_database(get_db().session, year))


def test_par_pages_need_a_login(client: FlaskClient, scored: dict) -> None:
    for path in (
        f"/admin/par/{YEAR}",
        f"/admin/par/{YEAR}/units/SNV",
        f"/admin/par/{YEAR}/ranking.csv",
    ):
        assert client.get(path).status_code == 302


def test_cli_rule_import_checks_the_rule_against_the_catalog(
    app: Flask, scored: dict, sipas, tmp_path: Path
) -> None:
    rule_max = CATALOG.get("8.1").max_points
    bands = tmp_path / "rule.json"
    rule = {
        "criterion": "8.1",
        "unit_type": "department",
        "year": YEAR,
        "method": "bands",
        "max_points": rule_max + 1,
        "bands": [{"min_index": 80, "points": 1}, {"min_index": 90, "points": rule_max}],
    }
    bands.write_text(json.dumps(rule), encoding="utf-8")
    refused = sipas("par", "rule-import", str(bands))
    assert refused.exit_code == 1 and "nothing written or saved" in refused.output
    rule["max_points"] = rule_max
    bands.write_text(json.dumps(rule), encoding="utf-8")
    assert sipas("par", "rule-import", str(bands)).exit_code == 0, "valid rule refused"
    report = _report(app)
    assert report.points81["SNV"][0].points == 1  # SIPAS 80 %: the 80 % band
