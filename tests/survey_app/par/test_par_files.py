"""Scoring files: catalog CSV/XLSX round trips, a hand-typed appendix, points and units files,
every bad file named exactly, rankings and the score workbook (file I/O only, no database)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from support import english_of, xlsx

from scoring_bridge import (
    Catalog,
    Problem,
    Split,
    load_catalog,
    rank_units,
    score_units,
)
from survey_app.par.files import (
    APPENDIX_HEADER,
    PREVIOUS_YEAR_CELL,
    WARNING_MARK,
    LeafPoints,
    catalog_csv,
    catalog_xlsx,
    check_points,
    points_xlsx_template,
    ranking_csv,
    ranking_json,
    ranking_rows,
    read_catalog_csv,
    read_catalog_xlsx,
    read_catalogs_csv,
    read_points_csv,
    read_points_xlsx,
    read_scoring_units_csv,
    score_workbook,
    sheet_title,
)

TYPES = ("department", "district", "commune")
HEADER = list(APPENDIX_HEADER.values())
NUMBER_HINT = "write the points as a number from 0 to the criterion's maximum, e.g. 2.5 or 2,5"
STT_HINT = "format the STT column as Text and type the code again, e.g. 1.10"

# tiny: 1 (40) = 1.1 (1.1.1 ≤ 10, 1.1.2 ≤ 20) + 1.2 ≤ 10; 8 (60) = 8.1 ≤ 25 + 8.2 (8.2.1 ≤ 15,
# 8.2.2 ≤ 20); appraisal 60, survey 40.
TINY_CSV = """\
unit_type,code,parent,level,name,max_points,source
department,1,,area,Công tác chỉ đạo,40,
department,1.1,1,criterion,Kế hoạch CCHC,30,
department,1.1.1,1.1,sub,Ban hành kịp thời,10,appraisal
department,1.1.2,1.1,sub,Mức độ thực hiện,20,appraisal
department,1.2,1,criterion,Báo cáo CCHC,10,appraisal
department,8,,area,Tác động của CCHC,60,
department,8.1,8,criterion,Kết quả chỉ số hài lòng (SIPAS),25,sipas
department,8.2,8,criterion,Tác động đến phát triển KT-XH,35,
department,8.2.1,8.2,sub,Theo điều tra của Bộ Nội vụ,15,ministry_survey
department,8.2.2,8.2,sub,Theo báo cáo của đơn vị,20,appraisal
"""
TINY_POINTS = {"1.1.1": 8, "1.1.2": 15, "1.2": 10, "8.1": 20, "8.2.1": 12, "8.2.2": 10}


@pytest.fixture(scope="module")
def shipped() -> dict[str, Catalog]:
    return {t: load_catalog(t, 2023).unwrap() for t in TYPES}


@pytest.fixture(scope="module")
def tiny() -> Catalog:
    return read_catalog_csv(TINY_CSV.encode(), year=2023, split=(60, 40)).unwrap()


def triples(problems: list[Problem] | tuple[Problem, ...]) -> list[tuple[str, str, str | None]]:
    """(location, the English of the message, code): every message Vietnamese first."""
    return [(p.location, english_of(p.message), p.code) for p in problems]


def sheet_values(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def texts(ws: Any) -> list[str]:
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def points_csv(rows: list[str]) -> bytes:
    return ("unit_code,code,self_points,final_points,note\n" + "\n".join(rows) + "\n").encode()


# --- catalog CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize("unit_type", TYPES)
def test_catalog_csv_round_trip_of_the_shipped_catalogs(
    shipped: dict[str, Catalog], unit_type: str
) -> None:
    catalog = shipped[unit_type]
    text = catalog_csv(catalog)
    back = read_catalog_csv(
        text.encode(),
        year=2023,
        version=catalog.version,
        split=catalog.split,
        illustrative=True,
        note=catalog.note,
        decision=catalog.decision,
    ).unwrap()
    assert back == catalog
    assert catalog_csv(back) == text
    assert text.splitlines()[0] == "unit_type,code,parent,level,name,max_points,source"


def test_a_csv_of_several_unit_types(shipped: dict[str, Catalog], tmp_path: Path) -> None:
    path = tmp_path / "catalogs.csv"
    path.write_text(catalog_csv(list(shipped.values())), encoding="utf-8")
    splits = {t: c.split for t, c in shipped.items() if c.split}
    note = shipped["department"].note
    results = read_catalogs_csv(path, year=2023, split=splits, illustrative=True, note=note)
    assert list(results) == list(TYPES)
    for unit_type, result in results.items():
        assert result.unwrap().criteria == shipped[unit_type].criteria
    one = read_catalog_csv(path, year=2023)
    assert triples(one.problems) == [
        ("column unit_type", "the file holds 3 unit types (department, district, commune)", None)
    ]
    commune = read_catalog_csv(path, year=2023, unit_type="commune", split=(79, 21))
    assert commune.unwrap().criteria == shipped["commune"].criteria


def test_unreadable_catalog_csv_files_are_problems(tmp_path: Path) -> None:
    missing = read_catalog_csv(tmp_path / "none.csv", year=2023)
    assert english_of(missing.problems[0].message).startswith("cannot read")
    latin1 = read_catalog_csv("code,name\n1,Công tác\n".encode("cp1258"), year=2023)
    assert "save the file as CSV UTF-8" in latin1.problems[0].message
    empty = read_catalogs_csv(b"", year=2023)[""].problems[0].message
    assert empty.startswith("tệp rỗng") and "the file is empty" in empty


def test_bad_catalog_csv_rows_are_named() -> None:
    rows = list(csv.reader(io.StringIO(TINY_CSV)))
    out = io.StringIO()
    csv.writer(out).writerows(row[:5] + row[6:] for row in rows)
    no_max = out.getvalue().encode()
    result = read_catalog_csv(no_max, year=2023, unit_type="department")
    assert [(p.location, english_of(p.message)) for p in result.problems] == [
        ("columns", "missing column 'max_points'")
    ]
    bad_max = TINY_CSV.replace("Báo cáo CCHC,10,", "Báo cáo CCHC,abc,").encode()
    result = read_catalog_csv(bad_max, year=2023, split=(60, 40))
    assert triples(result.problems) == [
        ("row 6, column max_points", "max_points 'abc' must be a number > 0", "1.2")
    ]
    assert result.value is None
    comma = TINY_CSV.replace("Ban hành kịp thời,10,", 'Ban hành kịp thời,"10,0",').encode()
    assert read_catalog_csv(comma, year=2023).ok


# --- catalog XLSX -------------------------------------------------------------------------------


def test_catalog_xlsx_round_trip_of_the_shipped_catalogs(shipped: dict[str, Catalog]) -> None:
    data = catalog_xlsx(list(shipped.values()))
    results = read_catalog_xlsx(data, year=2023)
    assert list(results) == list(TYPES)
    for unit_type, result in results.items():
        assert result.problems == () and result.warnings == ()
        assert result.unwrap() == shipped[unit_type]  # criteria, note, decision, version, split
    again = catalog_xlsx([results[t].unwrap() for t in TYPES])
    assert sheet_values(again) == sheet_values(data)


def test_catalog_xlsx_has_the_appendix_shape(shipped: dict[str, Catalog]) -> None:
    book = load_workbook(io.BytesIO(catalog_xlsx([shipped["department"]])))
    assert book.sheetnames == ["department"]
    ws = book["department"]
    assert ws["A1"].value == (
        "BẢNG CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023 — Sở, ban, ngành tỉnh"
    )
    rows = list(ws.iter_rows())
    warning = next(r[0] for r in rows if str(r[0].value).startswith(WARNING_MARK))
    assert "MINH HỌA" in warning.value and shipped["department"].note in warning.value
    header = next(i for i, r in enumerate(rows) if r[0].value == "STT")
    assert [c.value for c in rows[header]] == HEADER
    body = rows[header + 1 :]
    assert [r[0].value for r in body[:3]] == ["1", "1.1", "1.1.1"]
    assert all(r[0].data_type == "s" for r in body[:-1])
    assert body[0][0].font.bold and body[0][1].font.bold and not body[1][1].font.bold
    sipas = next(r for r in body if r[0].value == "8.1")
    assert [c.value for c in sipas[2:]] == [10, None, None, None, "sipas"]
    assert [c.value for c in body[-1][1:3]] == ["Tổng cộng", 100]
    assert len(body) == len(shipped["department"].criteria) + 1


def test_a_hand_typed_appendix_imports() -> None:
    rows: list[list[object]] = [
        ["BẢNG CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023 — Sở, ban, ngành tỉnh"],
        [],
        ["(Kèm theo Quyết định 1877/QĐ-UBND ngày 11/08/2023, Phụ lục I)"],
        [
            " stt ",
            "Nội dung",
            "ĐIỂM TỐI ĐA",
            "Điểm tự đánh giá",
            "Điểm đạt được",
            "Ghi chú",
            "Nguồn",
        ],
        ["1", "Công tác chỉ đạo", 40],
        ["1.1", "Kế hoạch CCHC", 30],
        ["1.1.1", "Ban hành kịp thời", "12,5", None, None, None, "appraisal"],
        ["1.1.2", "Mức độ thực hiện", "17,5", None, None, "tự nhập", "Thẩm định"],
        [1.2, unicodedata.normalize("NFD", "Báo cáo CCHC"), 10, None, None, None, "appraisal"],
        ["8.", "Tác động của CCHC", 60],
        ["8.1", "Kết quả chỉ số hài lòng (SIPAS)", 25, None, None, None, "SIPAS"],
        ["8.2", "Tác động đến phát triển KT-XH", 35],
        ["8.2.1", "Theo điều tra của Bộ Nội vụ", 15, None, None, None, "điều tra xã hội học"],
        ["8.2.2", "Theo báo cáo của đơn vị", 20, None, None, None, "appraisal"],
        [None, "Tổng cộng", 100],
        ["", None, None],
        [None, "   "],
    ]
    data = xlsx({"Hướng dẫn": [["Nhập bảng điểm vào sheet department"]], "department": rows})
    results = read_catalog_xlsx(data, year=2023)
    assert list(results) == ["department"]
    catalog = results["department"].unwrap()
    assert [(c.code, c.max_points, c.source) for c in catalog.leaves] == [
        ("1.1.1", 12.5, "appraisal"),
        ("1.1.2", 17.5, "appraisal"),
        ("1.2", 10.0, "appraisal"),
        ("8.1", 25.0, "sipas"),
        ("8.2.1", 15.0, "ministry_survey"),
        ("8.2.2", 20.0, "appraisal"),
    ]
    assert catalog.get("1.2").name == "Báo cáo CCHC"  # NFC
    assert (catalog.illustrative, catalog.note, catalog.version) == (False, "", 1)
    assert catalog.decision == "Quyết định 1877/QĐ-UBND ngày 11/08/2023, Phụ lục I"
    assert catalog.split == Split(60, 40)
    wrong_year = read_catalog_xlsx(data, year=2024)["department"]
    assert wrong_year.ok
    assert [english_of(p.message) for p in wrong_year.warnings] == [
        "the title says NĂM 2023 but the catalog is imported for 2024"
    ]


def test_a_numeric_stt_that_may_have_lost_a_zero_is_refused() -> None:
    head = ["STT", "Nội dung", "Điểm tối đa", "Nguồn"]
    rows: list[list[object]] = [head, ["1", "Lĩnh vực 1", 100]]
    rows += [[f"1.{n}", f"Tiêu chí {n}", 10, "appraisal"] for n in range(1, 10)]
    rows += [[1.1, "Tiêu chí 10", 10, "appraisal"], [datetime(2023, 1, 2), "Tiêu chí 11", 0]]
    result = read_catalog_xlsx(xlsx({"department": rows}), year=2023)["department"]
    assert [(p.location, english_of(p.message), english_of(p.hint)) for p in result.problems] == [
        (
            "sheet 'department', row 12, column A (STT)",
            "STT 1.1 is a number, so it is ambiguous: Excel shows 1.10 as 1.1 (after '1.9' "
            "the code '1.1' is not expected)",
            STT_HINT,
        ),
        (
            "sheet 'department', row 13, column A (STT)",
            "STT 2023-01-02 00:00:00 is a date: Excel turned the code into a date",
            STT_HINT,
        ),
    ]


def test_bad_catalog_workbooks_give_exact_problems(tiny: Catalog) -> None:
    good = sheet_values(catalog_xlsx([tiny]))["department"]
    header = good.index(tuple(HEADER))
    bad = [list(r) for r in good]
    bad[header + 5][2] = "mười"  # 1.2
    result = read_catalog_xlsx(xlsx({"department": bad}), year=2023)["department"]
    assert triples(result.problems) == [
        (
            f"sheet 'department', row {header + 6}, column C (Điểm tối đa)",
            "max_points 'mười' must be a number > 0",
            "1.2",
        )
    ]
    no_source = [list(r)[:6] for r in good]
    result = read_catalog_xlsx(xlsx({"department": no_source}), year=2023)["department"]
    assert [(p.location, english_of(p.message)) for p in result.problems] == [
        (f"sheet 'department', row {header + 1}", "the header row has no column 'Nguồn'")
    ]
    named = read_catalog_xlsx(xlsx({"Sở ngành": [list(r) for r in good]}), year=2023)
    assert triples(named["Sở ngành"].problems) == [
        ("sheet 'Sở ngành'", "the sheet name 'Sở ngành' is not a unit type code", None)
    ]
    no_header = read_catalog_xlsx(xlsx({"department": [["a", "b"]]}), year=2023)
    assert english_of(no_header[""].problems[0].message) == (
        "no sheet has a header row with STT, Nội dung and Điểm tối đa"
    )
    junk = read_catalog_xlsx(b"PK\x03\x04 not a zip", year=2023)
    assert english_of(junk[""].problems[0].message).startswith("not an XLSX workbook")


# --- points -------------------------------------------------------------------------------------


def test_points_csv_is_read_with_decimal_commas() -> None:
    data = points_csv(['SNV,1.1.1,8,"7,5",thiếu minh chứng', "SNV,1.2,,10,", "STC,8.1,,20,"])
    points, problems = read_points_csv(data)
    assert problems == []
    assert points == {
        "SNV": {
            "1.1.1": LeafPoints(8.0, 7.5, "thiếu minh chứng"),
            "1.2": LeafPoints(None, 10.0, ""),
        },
        "STC": {"8.1": LeafPoints(None, 20.0, "")},
    }


def test_bad_points_csv_rows_are_named() -> None:
    data = points_csv(
        [
            "SNV,1.1.1,8,8,",
            "SNV,1.1.2,,abc,",
            "SNV,1.2,-1,10,",
            "SNV,1.1.1,9,9,",
            ",8.1,,20,",
            "SNV,,,20,",
        ]
    )
    points, problems = read_points_csv(data)
    assert [(p.location, english_of(p.message), p.code, english_of(p.hint)) for p in problems] == [
        (
            "row 3, column final_points",
            "final_points 'abc' is not a number (unit 'SNV', code '1.1.2')",
            "1.1.2",
            NUMBER_HINT,
        ),
        (
            "row 4, column self_points",
            "self_points -1 is below 0 (unit 'SNV', code '1.2')",
            "1.2",
            NUMBER_HINT,
        ),
        (
            "row 5, column code",
            "unit 'SNV', code '1.1.1' is given again (first on row 2)",
            "1.1.1",
            "keep one row per unit and code",
        ),
        (
            "row 6, column unit_code",
            "the unit code is missing",
            "8.1",
            "fill it in, or delete the row",
        ),
        (
            "row 7, column code",
            "the criterion code is missing",
            None,
            "fill it in, or delete the row",
        ),
    ]
    assert points == {"SNV": {"1.1.1": LeafPoints(8.0, 8.0, "")}}
    assert problems[0].message == (
        "final_points 'abc' không phải là số (đơn vị 'SNV', tiêu chí '1.1.2') / "
        "final_points 'abc' is not a number (unit 'SNV', code '1.1.2')"
    )
    assert problems[2].hint == "mỗi đơn vị và tiêu chí một dòng / keep one row per unit and code"


def test_points_csv_with_a_missing_column() -> None:
    points, problems = read_points_csv(b"unit,code,final_points\nSNV,1.1.1,8\n")
    assert points == {}
    assert [(p.location, english_of(p.message), english_of(p.hint)) for p in problems] == [
        (
            "row 1, column unit_code",
            "required column 'unit_code' is missing",
            "did you mean 'unit'?",
        ),
        (
            "row 1, column unit",
            "unknown column 'unit'",
            "did you mean 'unit_code'? (other unknown columns are ignored)",
        ),
    ]
    _, problems = read_points_csv(b"unit_code,code,note\nSNV,1.1.1,x\n")
    assert [english_of(p.message) for p in problems] == [
        "the file has neither a self_points nor a final_points column"
    ]


def entries(values: dict[str, float], self_points: float | None = None) -> dict[str, LeafPoints]:
    return {code: LeafPoints(self_points, v, "") for code, v in values.items()}


def test_check_points_names_unit_code_value_and_maximum(tiny: Catalog) -> None:
    catalogs = {"department": tiny}
    types = {"SNV": "department", "STC": "department", "BDT": "department"}
    good, problems = check_points(
        {"STC": entries(TINY_POINTS), "BDT": entries(TINY_POINTS)},
        catalogs,
        types,
        {"BDT": False},
    )
    assert problems == []
    assert [(u.unit_code, u.ranked, dict(u.points)) for u in good] == [
        ("STC", True, TINY_POINTS),
        ("BDT", False, TINY_POINTS),
    ]
    snv = entries(TINY_POINTS | {"1.1.1": 12, "9.9": 1, "8.2": 3})
    del snv["8.2.2"]
    snv["1.2"] = LeafPoints(11, 10, "")
    units, problems = check_points({"SNV": snv, "SNX": entries(TINY_POINTS)}, catalogs, types, {})
    assert units == []
    assert [(p.location, english_of(p.message), english_of(p.hint)) for p in problems] == [
        (
            "unit SNV, code 1.1.1",
            "unit 'SNV', code '1.1.1' (Ban hành kịp thời): final points (Điểm đạt được) 12 are "
            "above the maximum 10",
            "enter a value from 0 to 10",
        ),
        (
            "unit SNV, code 9.9",
            "unit 'SNV': '9.9' is not a criterion code of the department catalog",
            "correct the code, or delete the row",
        ),
        (
            "unit SNV, code 8.2",
            "unit 'SNV': '8.2' (Tác động đến phát triển KT-XH) is not scored directly; its points "
            "are the sum of 8.2.1, 8.2.2 (value given: 3)",
            "give the points of 8.2.1, 8.2.2 and delete the row of '8.2'",
        ),
        (
            "unit SNV, code 8.2.2",
            "unit 'SNV': no final points (Điểm đạt được) for '8.2.2' (Theo báo cáo của đơn vị, "
            "maximum 20)",
            "add the points of '8.2.2', from 0 to 20",
        ),
        (
            "unit SNV, code 1.2",
            "unit 'SNV', code '1.2' (Báo cáo CCHC): self-assessed points (Điểm tự đánh giá) 11 "
            "are above the maximum 10",
            "enter a value from 0 to 10",
        ),
        ("unit SNX", "unit 'SNX' is not in the list of units", "did you mean 'SNV'?"),
    ]
    _, problems = check_points({"SNV": entries(TINY_POINTS)}, {}, types, {})
    assert [english_of(p.message) for p in problems] == [
        "there is no catalog for unit type 'department' of unit 'SNV'"
    ]


def test_check_points_on_the_self_assessment_and_last_years_survey(tiny: Catalog) -> None:
    values = {code: LeafPoints(v, None, "") for code, v in TINY_POINTS.items()}
    units, problems = check_points(
        {"SNV": values},
        {"department": tiny},
        {"SNV": "department"},
        {},
        basis="self",
        previous_year={"SNV": ["8.2.1"]},
    )
    assert problems == []
    assert units[0].from_previous_year == {"8.2.1"}
    _, problems = check_points({"SNV": values}, {"department": tiny}, {"SNV": "department"}, {})
    assert len(problems) == len(TINY_POINTS)  # no final points at all


def test_points_template_filled_in_and_read_back(tiny: Catalog) -> None:
    book = load_workbook(io.BytesIO(points_xlsx_template(tiny, "SNV", "Sở Nội vụ")))
    assert book.sheetnames == ["SNV"]
    ws = book["SNV"]
    assert "Mã đơn vị: SNV" in texts(ws) and "Đơn vị: Sở Nội vụ" in texts(ws)
    header = next(r[0].row for r in ws.iter_rows() if r[0].value == "STT")
    assert [c.value for c in ws[header]] == HEADER
    row_of = {ws.cell(r, 1).value: r for r in range(header + 1, ws.max_row + 1)}
    assert ws.cell(row_of["1"], 5).value == f"=E{row_of['1.1']}+E{row_of['1.2']}"
    for code, value in TINY_POINTS.items():
        ws.cell(row_of[code], 4, value)
        ws.cell(row_of[code], 5, value)
    ws.cell(row_of["1.1.1"], 5, "7,5")
    ws.cell(row_of["1.1.1"], 6, "đã thẩm định lại")
    out = io.BytesIO()
    book.save(out)
    points, problems = read_points_xlsx(out.getvalue())
    assert problems == []
    expected = {code: LeafPoints(float(v), float(v), "") for code, v in TINY_POINTS.items()}
    expected["1.1.1"] = LeafPoints(8.0, 7.5, "đã thẩm định lại")
    assert points == {"SNV": expected}
    units, problems = check_points(points, {"department": tiny}, {"SNV": "department"}, {})
    assert problems == [] and score_units([tiny], units)[0].total == 74.5

    ws.cell(row_of["8.1"], 5, "abc")
    ws.cell(row_of["8.2.1"], 4, -2)
    out = io.BytesIO()
    book.save(out)
    points, problems = read_points_xlsx(out.getvalue())
    assert triples(problems) == [
        (f"sheet 'SNV', row {row_of['8.1']}, column E (Điểm đạt được)",
         "unit 'SNV', code '8.1': 'abc' is not a number", "8.1"),
        (f"sheet 'SNV', row {row_of['8.2.1']}, column D (Điểm tự đánh giá)",
         "unit 'SNV', code '8.2.1': -2 is below 0", "8.2.1"),
    ]  # fmt: skip
    assert "8.1" not in points["SNV"]


def test_unreadable_points_workbooks_are_problems() -> None:
    assert english_of(read_points_xlsx(b"nonsense")[1][0].message).startswith(
        "not an XLSX workbook"
    )
    _, problems = read_points_xlsx(xlsx({"SNV": [["Điểm"]]}))
    assert english_of(problems[0].message).startswith("no sheet has a header row")


# --- units --------------------------------------------------------------------------------------


def test_scoring_units_csv() -> None:
    good = (
        "code,name,unit_type,ranked\nSNV,Sở Nội vụ,department,\nBDT,Ban Dân tộc,department,false\n"
    )
    assert read_scoring_units_csv(good.encode()) == (
        [("SNV", "Sở Nội vụ", "department", True), ("BDT", "Ban Dân tộc", "department", False)],
        [],
    )
    bad = good + "SNV,Sở Nội vụ,department,có\nSTC,Sở Tài chính,Sở,maybe\n"
    units, problems = read_scoring_units_csv(bad.encode())
    assert len(units) == 2
    assert [(p.location, english_of(p.message)) for p in problems] == [
        ("row 4, column code", "unit 'SNV' is listed again (first on row 2)"),
        ("row 5, column unit_type", "unit type 'Sở' of 'STC' is not a unit type code"),
        ("row 5, column ranked", "ranked 'maybe' of 'STC' is not true or false"),
    ]


# --- outputs ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(shipped: dict[str, Catalog]) -> dict[str, object]:
    """Three departments (BDT not ranked, STC with last year's Ministry survey), one commune."""
    share = {"SNV": 0.75, "STC": 0.5, "BDT": 1.0, "X01": 0.25}
    types = {"SNV": "department", "STC": "department", "BDT": "department", "X01": "commune"}
    points = {
        unit: {
            c.code: LeafPoints(c.max_points, c.max_points * share[unit], "")
            for c in shipped[types[unit]].leaves
        }
        for unit in share
    }
    ministry = [c.code for c in shipped["department"].leaves if c.source == "ministry_survey"]
    units, problems = check_points(
        points, shipped, types, {"BDT": False}, previous_year={"STC": ministry[:1]}
    )
    assert problems == []
    scores = score_units(shipped.values(), units)
    names = {"SNV": "Sở Nội vụ", "STC": "Sở Tài chính", "BDT": "Ban Dân tộc", "X01": "Xã An Bình"}
    return {"scores": scores, "rank_rows": rank_units(scores), "names": names, "points": points}


def test_ranking_rows_have_the_columns_and_no_rank_when_not_ranked(results: dict) -> None:
    rows = ranking_rows(results["rank_rows"], results["names"])
    assert list(rows[0]) == [
        "unit_type",
        "rank",
        "unit_code",
        "unit_name",
        "total_points",
        "max_points",
        "index",
        *(f"area_{n}" for n in range(1, 9)),
        "ranked",
        "illustrative",
        "ministry_from_previous_year",
    ]
    by_unit = {r["unit_code"]: r for r in rows}
    assert [(r["unit_code"], r["rank"]) for r in rows] == [
        ("SNV", 1),
        ("STC", 2),
        ("BDT", ""),
        ("X01", 1),
    ]
    assert by_unit["SNV"]["index"] == 75 and by_unit["SNV"]["area_3"] == 75
    assert by_unit["STC"]["ministry_from_previous_year"] is True
    assert by_unit["BDT"]["unit_name"] == "Ban Dân tộc" and by_unit["BDT"]["illustrative"] is True
    table = list(csv.DictReader(io.StringIO(ranking_csv(results["rank_rows"], results["names"]))))
    assert table[2]["rank"] == "" and table[2]["ranked"] == "false" and table[0]["index"] == "75"
    records = json.loads(ranking_json(results["rank_rows"], results["names"]))
    assert records[2]["rank"] is None and records[0]["rank"] == 1


def workbook(shipped: dict[str, Catalog], results: dict) -> Any:
    data = score_workbook(
        list(shipped.values()),
        results["scores"],
        results["rank_rows"],
        results["names"],
        results["points"],
        ["Tiêu chí 8.1 tính từ kết quả SIPAS 2023 (ước lượng)."],
    )
    return load_workbook(io.BytesIO(data))


def test_score_workbook_has_a_sheet_per_type_and_per_unit(
    shipped: dict[str, Catalog], results: dict
) -> None:
    book = workbook(shipped, results)
    assert book.sheetnames == [
        "Xếp hạng department",
        "Xếp hạng district",
        "Xếp hạng commune",
        "SNV",
        "STC",
        "BDT",
        "X01",
    ]
    for ws in book.worksheets:
        assert any(t.startswith(WARNING_MARK) for t in texts(ws)), ws.title
    ranking = book["Xếp hạng department"]
    assert "Tiêu chí 8.1 tính từ kết quả SIPAS 2023 (ước lượng)." in texts(ranking)
    rows = list(ranking.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Hạng")
    assert [r[:3] for r in rows[header + 1 :]] == [
        (1, "SNV", "Sở Nội vụ"),
        (2, "STC", "Sở Tài chính"),
        (None, "BDT", "Ban Dân tộc"),
    ]
    snv = list(book["SNV"].iter_rows(values_only=True))
    header = snv.index(tuple(HEADER))
    assert snv[header + 1][:5] == ("1", shipped["department"].areas[0].name, 10, 10, 7.5)
    total = next(r for r in snv if r[1] == "Tổng cộng")
    assert total[2:5] == (100, 100, 75)
    assert next(r for r in snv if r[1] == "Chỉ số CCHC (%)")[4] == 75
    bdt = list(book["BDT"].iter_rows(values_only=True))
    assert next(r for r in bdt if r[1] == "Xếp hạng trong nhóm")[4] == "không xếp hạng chung"


def test_score_workbook_notes_last_years_ministry_survey(
    shipped: dict[str, Catalog], results: dict
) -> None:
    book = workbook(shipped, results)
    first = next(c for c in shipped["department"].leaves if c.source == "ministry_survey")

    def note(ws: Any) -> list[str]:
        return [t for t in texts(ws) if t.startswith("Lưu ý: điểm điều tra xã hội học")]

    assert len(note(book["Xếp hạng department"])) == 1
    assert "của các đơn vị STC" in note(book["Xếp hạng department"])[0]
    assert f"(tiêu chí {first.code})" in note(book["STC"])[0]
    stc = list(book["STC"].iter_rows(values_only=True))
    assert next(r for r in stc if r[0] == first.code)[5] == PREVIOUS_YEAR_CELL
    assert note(book["SNV"]) == [] and note(book["Xếp hạng commune"]) == []


def test_sheet_names_are_sanitised_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_title("UB/huyện:[Long Hồ]*?", taken) == "UB-huyện--Long Hồ---"
    long = "x" * 40
    assert sheet_title(long, taken) == "x" * 31
    assert sheet_title(long, taken) == "x" * 29 + "~2"
    assert sheet_title("ub/HUYỆN:[long hồ]*?", taken) == "ub-HUYỆN--long hồ---~2"
    assert sheet_title("'history'", taken) == "History-"


def broken_sheet_xml() -> bytes:
    """A workbook whose zip and workbook part are fine but whose sheet's rows are cut off."""
    source = zipfile.ZipFile(io.BytesIO(xlsx({"department": [["STT", "Nội dung"]]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if "worksheets/" in item.filename:
                data = data[: data.index(b"<sheetData>") + 20]
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("data", [b"", b"\x00\xff\xfe garbage", b"PK\x03\x04", "ổ".encode()])
def test_no_reader_raises_on_a_bad_file(data: bytes) -> None:
    assert read_catalog_xlsx(data, year=2023)[""].problems
    assert read_points_xlsx(data)[1]
    assert read_catalog_csv(data, year=2023).problems
    assert read_catalogs_csv(data, year=2023)[""].problems
    assert read_points_csv(data)[1]
    assert read_scoring_units_csv(data)[1]


def test_a_sheet_that_is_not_xml_is_a_problem() -> None:
    data = broken_sheet_xml()
    problem = read_catalog_xlsx(data, year=2023)["department"].problems[0]
    assert english_of(problem.message).startswith("the sheet cannot be read")
    assert english_of(read_points_xlsx(data)[1][0].message).startswith("the sheet cannot be read")
