"""Results an officer can read: rank intervals in words and drawn, ties as a count with the names
on demand, names not codes, sorted charts with the axis on top when long, the unit's SIPAS first,
and a glossary linked from every table of SE, intervals, deff and effective n."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from factories import ITEMS, add_response
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from support import login_as

from analysis import ResultRow
from survey_app.db import get_db
from survey_app.db.models import SurveyRound, Unit
from survey_app.results.charts import IntervalRow, interval_chart
from survey_app.results.labels import derived_short, method_label, note_label, short_item
from survey_app.results.tables import rank_bar
from survey_app.survey.rounds import create_round

RANK_WORDS = "với độ tin cậy 95 %, hạng thật của đơn vị nằm trong khoảng này"


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    return login_as(app, client, "analyst")


def _answers(satisfied: int, of: int = 10) -> list[dict[str, int]]:
    return [{i: 4 if n < satisfied else 2 for i in ITEMS} for n in range(of)]


@pytest.fixture
def ranked(app: Flask, survey: dict) -> dict:
    """Both units ranked; SNV 7 of 10 satisfied, BDT 8 of 10: they cannot be told apart."""
    with app.app_context(), get_db().begin() as session:
        session.execute(update(Unit).values(ranked=True))
        for unit, satisfied in (("SNV", 7), ("BDT", 8)):
            for answers in _answers(satisfied):
                add_response(
                    session, survey["round_id"], unit=unit, counter=f"{unit}-1", answers=answers
                )
    return survey


def _chart(html: str, chart_id: str) -> dict:
    found = re.search(rf'data-chart-for="{chart_id}">(.*?)</script>', html, flags=re.S)
    assert found, chart_id
    return json.loads(found.group(1))


def test_the_ranking_explains_and_draws_rank_intervals_and_lists_ties_by_name(
    staff: FlaskClient, ranked: dict
) -> None:
    html = staff.get(f"/admin/results/{ranked['round_id']}").get_data(as_text=True)
    assert RANK_WORDS in html
    assert html.count('<svg class="rankbar"') == 2 and "hạng 1–2" in html
    # the ties: a count, the names on demand, never the codes
    assert "<details><summary>1 đơn vị</summary>" in html
    assert "<li>Ban Dân tộc</li>" in html and "<li>Sở Nội vụ</li>" in html
    assert "<li>BDT</li>" not in html
    assert '/admin/results/glossary#rank"' in html and '/admin/results/glossary#ci"' in html
    chart = _chart(html, "chart-1")
    assert chart["data"][0]["y"] == ["Ban Dân tộc", "Sở Nội vụ"]  # by rank, names
    assert "khoảng hạng 1–2" in chart["data"][0]["customdata"][0][2]


def test_the_unit_page_puts_its_sipas_first_and_links_the_glossary(
    staff: FlaskClient, ranked: dict
) -> None:
    html = staff.get(f"/admin/results/{ranked['round_id']}/units/SNV").get_data(as_text=True)
    assert "SIPAS của đơn vị: 70.0 %" in html
    levels = re.findall(r'<tr class="level-(\w+)">', html)
    assert levels[0] == "overall" and levels[1:6] == ["element"] * 5
    assert levels[6:] == ["item"] * 19
    for anchor in ("se", "ci", "n-eff", "deff"):
        assert f'/admin/results/glossary#{anchor}"' in html, anchor
    assert _chart(html, "elements")["data"][0]["y"][0] == "SIPAS · chỉ số chung"


def test_the_heat_map_is_sorted_and_labelled_with_short_item_names(
    staff: FlaskClient, ranked: dict
) -> None:
    html = staff.get(f"/admin/results/{ranked['round_id']}/heatmap").get_data(as_text=True)
    figure = _chart(html, "heatmap")["data"][0]
    assert figure["y"] == ["Ban Dân tộc (80.0)", "Sở Nội vụ (70.0)"]  # by SIPAS, highest first
    assert figure["x"][0] == "Thông tin dễ tiếp cận" and figure["x"][8] == "Thái độ lịch sự"
    assert len(figure["x"]) == 19 and "q15" not in figure["x"]
    assert '<option value="department" selected>Sở, ban, ngành tỉnh</option>' in html


def test_the_change_page_names_units_and_sorts_them_by_change(
    app: Flask, staff: FlaskClient, ranked: dict
) -> None:
    with app.app_context(), get_db().begin() as session:
        now = session.get(SurveyRound, ranked["round_id"])
        units = list(session.scalars(select(Unit).where(Unit.code.in_(["SNV", "BDT"]))))
        before = create_round(
            session,
            name="Đợt trước",
            questionnaire_id="sipas-2023",
            questionnaire_version=1,
            opens_at=now.opens_at - timedelta(days=400),
            closes_at=now.opens_at - timedelta(days=300),
            units=units,
        )
        for unit, satisfied in (("SNV", 3), ("BDT", 9)):  # SNV rose by 40, BDT fell by 10
            for answers in _answers(satisfied):
                add_response(session, before.id, unit=unit, counter=f"{unit}-1", answers=answers)
    html = staff.get(f"/admin/results/{ranked['round_id']}/change").get_data(as_text=True)
    bars = _chart(html, "change")["data"]
    assert bars[0]["y"][:2] == ["Sở Nội vụ", "Ban Dân tộc"]
    assert html.index("<td>Sở Nội vụ</td>") < html.index("<td>Ban Dân tộc</td>")
    assert "+40.0" in html and "-10.0" in html


def test_the_glossary_explains_every_figure(staff: FlaskClient, survey: dict) -> None:
    html = staff.get("/admin/results/glossary").get_data(as_text=True)
    for words in ("Sai số chuẩn (SE)", "Khoảng tin cậy 95 %", "Hệ số thiết kế (deff)"):
        assert words in html, words
    assert "Cỡ mẫu hiệu dụng" in html and "Khoảng hạng" in html and 'id="rank"' in html


def _row(estimate: float) -> ResultRow:
    return ResultRow("X", "overall", "SIPAS", estimate, 1.0, estimate - 2, estimate + 2, 40,
                     40.0, 1.0, "", "mean-of-items; logit; fpc")  # fmt: skip


def test_long_charts_grow_with_their_rows_and_repeat_the_axis_on_top() -> None:
    short = json.loads(interval_chart([IntervalRow(f"u{n}", _row(80)) for n in range(3)], "%"))
    long = json.loads(interval_chart([IntervalRow(f"u{n}", _row(80)) for n in range(40)], "%"))
    assert "xaxis2" not in short["layout"]
    assert long["layout"]["xaxis2"]["side"] == "top" and long["layout"]["xaxis2"]["matches"] == "x"
    assert long["layout"]["height"] > 3 * short["layout"]["height"]
    assert long["layout"]["xaxis"]["range"] == [70, 100]  # from the lowest interval's decade
    assert long["layout"]["yaxis"]["automargin"] is True


def test_rank_bars_and_labels() -> None:
    assert rank_bar(3, 2, 5, 11) == {"x": 10.0, "width": 30.0, "at": 20.0}
    assert rank_bar(1, 1, 1, 1)["width"] == 100.0
    assert method_label("mean-of-items; logit; fpc").startswith("trung bình các tiêu chí")
    assert "không hiệu chỉnh" in method_label("pooled; wilson; no-fpc equal-weights")
    assert method_label("pooled; korn-graubard; poststratified(gender)", "en") == (
        "all the items' answers pooled; Korn–Graubard confidence interval; post-stratified by "
        "gender"
    )
    from analysis import SipasData, analyze_sipas

    data = SipasData(
        unit_codes=["A", "A", "B"],
        item_ids=("q1",),
        answers=[[4.0], [5.0], [3.0]],
        elements=(("e1", ("q1",)),),
        populations={"A": 10, "B": 5, "C": 7},
    )
    confidence, unanswered = analyze_sipas(data).notes[:2]
    assert note_label(confidence) == (
        "Độ tin cậy 95 %; kém tin cậy khi n < 30 hoặc SE/chỉ số > 20 %; không công bố khi n < 5.",
        "confidence 95%; unreliable: n < 30 or se/estimate > 20%; suppressed: n < 5",
    )
    assert note_label(unanswered) == (
        "Đơn vị có số hồ sơ nhưng chưa có phiếu (không ước lượng): ['C'].",
        "units with a population but no answers (not estimated): ['C']",
    )
    other = "a note no table knows"
    assert note_label(other) == ("Ghi chú của phân tích:", other)
    assert (
        derived_short("Cơ quan tiếp nhận, xử lý phản ánh đúng quy định.")
        == "Cơ quan tiếp nhận, xử lý…"
    )
    assert derived_short("Trụ sở sạch sẽ.") == "Trụ sở sạch sẽ"

    from types import SimpleNamespace

    item = SimpleNamespace(id="a1", text={"vi": "Nhân viên niềm nở, chu đáo, tận tình"})
    other = SimpleNamespace(id="other", items=[item])  # no short-name table: the text's start
    assert short_item(other, "a1") == "Nhân viên niềm nở, chu đáo…"  # type: ignore[arg-type]


def test_a_units_file_for_analysis_says_its_problems_vietnamese_first(tmp_path: Path) -> None:
    from survey_app.results.units_file import read_unit_types

    units = tmp_path / "units.csv"
    units.write_text("code,level\nSNV,department\nSNV,district\nBDT,\n,commune\n", "utf-8")
    types, problems = read_unit_types(units)
    assert types == {"SNV": "department"}
    assert [str(p) for p in problems] == [
        "dòng 3 · cột code (row 3, column 'code'): "
        "đơn vị 'SNV' có hai loại / unit 'SNV' has two types",
        "dòng 4 · cột level (row 4, column 'level'): "
        "thiếu loại đơn vị (level) / the unit type (level) is missing",
        "dòng 5 · cột code (row 5, column 'code'): thiếu mã đơn vị / the unit code is missing",
    ]
    units.write_text("code,name\nSNV,Sở Nội vụ\n", "utf-8")
    assert [str(p) for p in read_unit_types(units)[1]] == [
        "dòng 1 · cột unit_type (row 1, column 'unit_type'): "
        "thiếu cột bắt buộc 'unit_type' / required column 'unit_type' "
        "is missing"
    ]
