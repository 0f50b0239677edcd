"""A province's rules (decision 0025) wherever they change a figure: the score files (CSV, JSON,
XLSX) with their rule columns and Vietnamese headers, read back; the catalog's JSON form; the
database with a criterion marked not applicable and bonus and penalty rows; the admin and public
pages; the self-assessment sheet, where a criterion marked not applicable is not required."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from support import form_tokens, login_as

from scoring_bridge import SipasFigure, catalog_to_data, load_catalog, load_catalog_data
from survey_app.db import get_db
from survey_app.db.models import ParAssessment, ParPoints, Unit
from survey_app.demo.par_year import DEMO_RULES
from survey_app.par.files import catalogs_json, read_catalogs_json, read_points_xlsx
from survey_app.par.imports import import_catalogs, import_points
from survey_app.par.outputs import inputs_with_files, report_csv, report_json, report_xlsx
from survey_app.par.report import ScoringInputs, compute
from survey_app.par.self_assessment import self_assessed_leaves

YEAR = 2023
SHIPPED = load_catalog("department", YEAR).unwrap()
RULED = load_catalog_data(catalog_to_data(SHIPPED) | {"version": 2, "rules": DEMO_RULES}).unwrap()
NA = ("3.4.1", "3.4.2", "3.4.3")  # criterion 3.4: 2.5 points
FIGURE = SipasFigure(80.0, 75.0, 85.0)  # 8.1: 10 × 0.8 = 8 points


def _points_csv(unit: str, share: float, *, na: bool, items: dict[str, float]) -> list[str]:
    rows = []
    for leaf in SHIPPED.leaves:
        if leaf.source == "sipas":
            continue
        if na and leaf.code in NA:
            rows.append(f"{unit},{leaf.code},Không áp dụng,KAD,")
        else:
            value = leaf.max_points * share
            rows.append(f"{unit},{leaf.code},{value!r},{value!r},")
    rows += [f"{unit},{code},{value},{value}," for code, value in items.items()]
    return rows


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "units.csv").write_text(
        "code,name,unit_type,ranked\n"
        "SNV,Sở Nội vụ,department,true\nSTP,Sở Tư pháp,department,true\n",
        encoding="utf-8",
    )
    lines = ["unit_code,code,self_points,final_points,note"]
    lines += _points_csv("SNV", 0.8, na=True, items={"T1": 1.5, "T2": 1, "D2": 0.5})
    lines += _points_csv("STP", 0.5, na=False, items={"D1": 2, "D2": 1})
    (folder / "points.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "catalog.json").write_text(catalogs_json([RULED]), encoding="utf-8")
    return {p.stem: p for p in folder.iterdir()}


@pytest.fixture(scope="module")
def report(files: dict[str, Path]):
    base = ScoringInputs(YEAR, [], {"department": SHIPPED}, {}, {})
    from scoring_bridge import load_rule81

    base.rules = {"department": load_rule81("department", YEAR).unwrap()}
    inputs, problems = inputs_with_files(
        base,
        units=files["units"],
        catalog=files["catalog"],
        points=files["points"],
        sipas=None,
        rule=None,
    )
    assert problems == []
    inputs.sipas = {"SNV": (FIGURE, "test"), "STP": (FIGURE, "test")}
    return compute(inputs)


def test_the_scores_follow_the_rules(report) -> None:
    snv, stp = report.scores["SNV"], report.scores["STP"]
    # SNV: 0.8 of every applicable leaf but 8.1, 8 points for 8.1; 3.4 (2.5) does not apply
    top = 100 - 2.5
    total = 0.8 * (top - 10) + 8
    assert (snv.max, snv.full_max) == (top, 100.0)
    assert snv.base_index == pytest.approx(100 * total / top)
    assert (snv.bonus_claimed, snv.bonus, snv.penalty) == (2.5, 2.0, 0.5)  # bonus cap 2
    assert snv.index == pytest.approx(100 * total / top + 2 - 0.5)
    assert snv.band.label == "Tốt" and snv.not_applicable_codes == ("3.4",)
    assert stp.base_index == pytest.approx(0.5 * 90 + 8)
    assert (
        stp.penalty == 3.0 and stp.index == pytest.approx(50.0) and stp.band.label == "Trung bình"
    )
    assert any("Xếp loại theo chỉ số" in note for note in report.notes)


def test_the_ranking_files_carry_the_rule_columns_and_read_back(report, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    first = rows[0]
    assert list(first)[:7] == [
        "unit_type",
        "rank",
        "unit_code",
        "unit_name",
        "total_points",
        "max_points",
        "index",
    ]  # the contract's columns first, as before
    assert first["unit_code"] == "SNV" and first["max_points"] == "97.5"
    assert (first["catalog_max_points"], first["not_applicable"], first["class"]) == (
        "100",
        "3.4",
        "Tốt",
    )
    assert (first["bonus_points"], first["penalty_points"]) == ("2", "0.5")
    records = json.loads(report_json(report))
    assert records[1]["class"] == "Trung bình" and records[1]["penalty_points"] == 3.0
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    ranking = book["Xếp hạng department"]
    header = next(r for r in ranking.iter_rows(values_only=True) if r[0] == "Hạng")
    assert "Xếp loại" in header and "Điểm thưởng" in header and "Điểm trừ" in header
    assert "Điểm tối đa (tiêu chí áp dụng)" in header
    line = next(r for r in ranking.iter_rows(values_only=True) if r[1] == "SNV")
    assert line[header.index("Xếp loại")] == "Tốt" and "không áp dụng: 3.4" in line[-1]
    # the unit sheets read back as points: the marks, the items and the points
    points, problems = read_points_xlsx(report_xlsx(report))
    assert problems == []
    assert all(points["SNV"][code].not_applicable for code in NA)
    assert points["SNV"]["T1"].final_points == 1.5 and points["STP"]["D1"].final_points == 2
    cells = [r for r in book["SNV"].iter_rows(values_only=True) if r[0] == "3.4.1"]
    assert cells[0][3:5] == ("Không áp dụng", "Không áp dụng")


def test_the_catalog_json_keeps_its_rules() -> None:
    found = read_catalogs_json(
        catalogs_json([RULED, load_catalog("district", YEAR).unwrap()]), year=YEAR
    )
    assert found["department"].value == RULED and found["district"].value.rules is None
    bad = json.loads(catalogs_json([RULED]))
    bad[0]["rules"]["bonus"]["cap"] = -1
    found = read_catalogs_json(json.dumps(bad), year=YEAR)
    problem = found[""].problems[0] if "" in found else found["[0]"].problems[0]
    assert problem.location == "[0]:rules.bonus.cap" and "mức trần" in problem.message
    other = read_catalogs_json(catalogs_json([RULED]), year=2024)
    assert "not 2024" in str(other["department"].problems[0])


def test_points_files_refuse_a_half_marked_row(files: dict[str, Path], tmp_path: Path) -> None:
    from survey_app.par.files import read_points_csv

    path = tmp_path / "half.csv"
    path.write_text("unit_code,code,self_points,final_points\nSNV,3.4.1,KAD,1\n", encoding="utf-8")
    _, problems = read_points_csv(path)
    assert problems and "Không áp dụng" in problems[0].message and problems[0].location == "row 2"


# --- the database, the pages -----------------------------------------------------------------


def _import(app: Flask) -> None:
    points = io.StringIO()
    points.write("unit_code,code,self_points,final_points,note\n")
    for unit, na, items in (("SNV", True, {"T1": 1.5}), ("BDT", False, {"D1": 2})):
        for line in _points_csv(unit, 0.8, na=na, items=items):
            points.write(line + "\n")
    with app.app_context(), get_db().begin() as session:
        outcome = import_catalogs(session, catalogs_json([RULED]).encode(), "catalog.json", YEAR)
        assert outcome.ok, outcome.problems
        outcome = import_points(session, points.getvalue().encode(), "points.csv", YEAR)
        assert outcome.ok, outcome.problems
        from survey_app.par.scoring import store_sipas

        store_sipas(session, YEAR, {"SNV": FIGURE, "BDT": FIGURE}, "file test")


def test_pages_show_what_the_rules_change(app: Flask, survey: dict) -> None:
    _import(app)
    with app.app_context():
        marked = get_db().session.scalars(select(ParPoints).where(ParPoints.not_applicable)).all()
        assert sorted(p.code for p in marked) == list(NA)
    admin = login_as(app, role="admin")
    page = admin.get(f"/admin/par/{YEAR}").get_data(as_text=True)
    assert "Xếp loại theo chỉ số" in page and "không áp dụng: 3.4" in page
    assert "tối đa áp dụng 97.50/100.00" in page and "thưởng" in page
    unit = admin.get(f"/admin/par/{YEAR}/units/SNV").get_data(as_text=True)
    assert "Tiêu chí không áp dụng với đơn vị: 3.4" in unit and "Không áp dụng" in unit
    assert "Điểm thưởng, điểm trừ" in unit and "Xếp loại: <strong>" in unit
    bdt = admin.get(f"/admin/par/{YEAR}/units/BDT").get_data(as_text=True)
    assert "Điểm trừ: 2.00" in bdt
    # public pages once published
    with app.app_context(), get_db().begin() as session:
        for row in session.scalars(select(ParAssessment)):
            session.delete(row)
        for unit_row in session.scalars(select(Unit).where(Unit.code.in_(["SNV", "BDT"]))):
            session.add(ParAssessment(year=YEAR, unit_id=unit_row.id, status="published"))
    public = app.test_client()
    year_page = public.get(f"/par/{YEAR}").get_data(as_text=True)
    assert "tối đa áp dụng 97.50/100.00" in year_page and 'class="tag">Tốt' in year_page
    unit_page = public.get(f"/par/{YEAR}/units/SNV").get_data(as_text=True)
    assert "Không áp dụng" in unit_page and "Sáng kiến, mô hình" in unit_page
    pdf = public.get(f"/par/{YEAR}/units/SNV.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_sheet_marks_a_criterion_not_applicable(app: Flask, survey: dict, tmp_path) -> None:
    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"), PAR_TODAY=date(2023, 12, 1))
    with app.app_context(), get_db().begin() as session:
        assert import_catalogs(session, catalogs_json([RULED]).encode(), "c.json", YEAR).ok
    officer = login_as(app, role="unit_officer", unit="SNV")
    url = f"/admin/par/{YEAR}/self/SNV"
    page = officer.get(url).get_data(as_text=True)
    assert 'name="na-3.4"' in page and "không có thủ tục hành chính" in page
    assert 'name="points-T1"' in page and "Điểm thưởng · không bắt buộc" in page
    leaves = [c for c in self_assessed_leaves(RULED)]
    data = {f"points-{c.code}": "0" for c in leaves if c.code not in NA}
    data |= {"na-3.4": "1", "csrf_token": form_tokens(page)["csrf_token"], "action": "submit"}
    reply = officer.post(url, data=data)
    assert reply.status_code == 303, reply.get_data(as_text=True)[-2000:]
    with app.app_context():
        rows = {
            p.code: p
            for p in get_db().session.scalars(select(ParPoints).where(ParPoints.code.in_(NA)))
        }
        assert all(rows[c].not_applicable and rows[c].self_points is None for c in NA)
    shown = officer.get(url).get_data(as_text=True)
    assert shown.count("Không áp dụng") >= len(NA)
    # without the mark, 3.4's rows are required again
    with app.app_context(), get_db().begin() as session:
        for row in session.scalars(select(ParPoints).where(ParPoints.code.in_(NA))):
            row.not_applicable = False
        state = session.scalars(select(ParAssessment)).first()
        state.status = "draft"
    page = officer.get(url).get_data(as_text=True)
    data["csrf_token"] = form_tokens(page)["csrf_token"]
    del data["na-3.4"]
    reply = officer.post(url, data=data)
    assert reply.status_code == 422 and "3.4.1: chưa chấm điểm" in reply.get_data(as_text=True)


def test_the_demo_shows_the_rules(app: Flask) -> None:
    from survey_app.demo import seed, seed_par, simulate_responses
    from survey_app.demo.par_year import seed_par_year, seed_rules

    with app.app_context(), get_db().begin() as session:
        seed(session)
        simulate_responses(session, 3)
        seed_par(session)
        from survey_app.par.scoring import store_sipas

        units = session.scalars(select(Unit)).all()  # too few answers for some: a figure each
        store_sipas(session, YEAR, {u.code: FIGURE for u in units}, "test")
        assert seed_rules(session, YEAR)
        seed_par_year(session, 2026)
    admin = login_as(app, role="admin")
    page = admin.get(f"/admin/par/{YEAR}").get_data(as_text=True)
    for words in ("không áp dụng: 3.4", "thưởng", "trừ", "Xuất sắc", 'class="tag">'):
        assert words in page, words
    with app.app_context():
        db = get_db().session
        draft = db.scalars(
            select(ParPoints).where(ParPoints.year == 2026, ParPoints.not_applicable)
        ).first()
        code = draft.unit.code
    sheet = admin.get(f"/admin/par/2026/self/{code}").get_data(as_text=True)
    assert "Không áp dụng" in sheet and "Điểm thưởng" in sheet


def test_sipas_score_writes_the_rules_and_every_file_reads_back(
    files: dict[str, Path], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from survey_app.cli.main import main

    results = tmp_path / "results.csv"
    results.write_text(
        "unit_code,level,key,group,estimate,ci_low,ci_high\n"
        "SNV,overall,SIPAS,,80,75,85\nSTP,overall,SIPAS,,80,75,85\n",
        encoding="utf-8",
    )
    common = ["score", "--year", str(YEAR), "--units", str(files["units"]), "--points"]
    common += [str(files["points"]), "--catalog", str(files["catalog"]), "--sipas", str(results)]
    runner = CliRunner()
    for suffix in ("csv", "json", "xlsx"):
        out = tmp_path / f"ranking.{suffix}"
        done = runner.invoke(main, [*common, "--out", str(out)], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        assert "Xếp loại theo chỉ số" in done.output  # the rules are said beside the figures
    rows = list(csv.DictReader(io.StringIO((tmp_path / "ranking.csv").read_text("utf-8"))))
    assert [(r["unit_code"], r["class"], r["not_applicable"]) for r in rows] == [
        ("SNV", "Tốt", "3.4"),
        ("STP", "Trung bình", ""),
    ]
    records = json.loads((tmp_path / "ranking.json").read_text("utf-8"))
    assert [r["index"] for r in records] == [float(r["index"]) for r in rows]
    points, problems = read_points_xlsx((tmp_path / "ranking.xlsx").read_bytes())
    assert problems == [] and points["SNV"]["3.4.2"].not_applicable
    # a bad rules section says where, in Vietnamese and English, and nothing is written
    bad = json.loads(files["catalog"].read_text("utf-8"))
    bad[0]["rules"]["classes"]["bands"][1]["min_index"] = 95
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    args = [*common, "--out", str(tmp_path / "no.csv")]
    args[args.index(str(files["catalog"]))] = str(wrong)
    done = runner.invoke(main, args)
    assert done.exit_code != 0 and "Traceback" not in done.output
    assert "rules.classes.bands[1].min_index" in done.output and "từ cao xuống thấp" in done.output
    assert not (tmp_path / "no.csv").exists()


def test_the_points_template_offers_the_items_and_reads_the_marks_back() -> None:
    from survey_app.par.files import points_xlsx_template

    book = load_workbook(io.BytesIO(points_xlsx_template(RULED, "SNV", "Sở Nội vụ")))
    sheet = book.worksheets[0]
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    assert {"T1", "T2", "D1", "D2"} <= set(rows)
    for code in NA:
        rows[code][3].value = "Không áp dụng"
    rows["3.1.1"][3].value = 1
    rows["T1"][3].value = 1.5
    buffer = io.BytesIO()
    book.save(buffer)
    points, problems = read_points_xlsx(buffer.getvalue())
    assert problems == []
    assert points["SNV"]["3.4.1"].not_applicable and points["SNV"]["T1"].self_points == 1.5
    assert points["SNV"]["3.1.1"] == (1.0, None, "", False)


def test_a_rules_problem_reads_vietnamese_first() -> None:
    from scoring_bridge import UnitPoints, check_unit_points
    from survey_app.par.labels import problem_label

    found = check_unit_points(
        RULED, UnitPoints("SNV", "department", True, {"T1": 9}, frozenset(), {"1.1"})
    )
    labels = [str(problem_label(p)) for p in found if p.code in ("T1", "1.1")]
    assert labels[0].startswith(
        "đơn vị &#39;SNV&#39;: tiêu chí &#39;1.1&#39; không thể đánh dấu không áp dụng"
    )
    assert '<span class="en">unit' in labels[0]
