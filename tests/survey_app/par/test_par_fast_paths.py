"""The fast PAR paths against the code they replaced, on the same inputs.

References kept here or in the code: the quadratic ``rank_units`` (tests/scoring_bridge/
test_scoring_ranking.py), the row-by-row points reader (``points._read_points_rows``) and the
openpyxl workbook (``outputs._score_workbook_into`` on an openpyxl ``Workbook``, as
``score_workbook`` wrote it before the streaming :class:`StreamBook`). A mid-size generated
province (3 unit types, 78 units, ties, units not ranked, a decimal comma, notes) gives the same
CSV and JSON text and the same workbook cell for cell; bad points files give the same problems.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scoring_bridge import load_catalog, load_rule81
from survey_app.par.files.outputs import _score_workbook_into
from survey_app.par.files.points import (
    _read_points_rows,
    read_points_csv,
    read_scoring_points,
    scoring_points,
)
from survey_app.par.files.sheets import _new_book, _save
from survey_app.par.outputs import (
    _names,
    _points,
    inputs_with_files,
    report_csv,
    report_json,
    report_xlsx,
)
from survey_app.par.scoring import ScoringInputs, compute
from tests.scoring_bridge.test_scoring_ranking import quadratic_rank_units

YEAR = 2023
TYPES = {"department": 12, "district": 6, "commune": 60}


def province(folder: Path, seed: int = 5) -> dict[str, Path]:
    """Units, points (every scored leaf but 8.1) and SIPAS figures of a generated province."""
    rng = random.Random(seed)
    units, points, sipas = io.StringIO(), io.StringIO(), io.StringIO()
    u, p, s = csv.writer(units), csv.writer(points), csv.writer(sipas)
    u.writerow(["code", "name", "unit_type", "ranked"])
    p.writerow(["unit_code", "code", "self_points", "final_points", "note"])
    s.writerow(["unit_code", "level", "key", "estimate", "ci_low", "ci_high"])
    for unit_type, count in TYPES.items():
        catalog = load_catalog(unit_type, YEAR).unwrap()
        for i in range(count):
            code = f"{unit_type[:3].upper()}{i:03d}"
            u.writerow([code, f"Đơn vị {code}", unit_type, "false" if i % 9 == 4 else ""])
            share = rng.choice([0.5, 0.75]) if i % 3 == 0 else rng.random()  # ties
            for leaf in catalog.leaves:
                if leaf.source == "sipas":
                    continue
                value = round(leaf.max_points * share * 4) / 4
                shown = f"{value:g}".replace(".", ",") if rng.random() < 0.1 else f"{value:g}"
                note = "ghi chú, có dấu phẩy" if rng.random() < 0.02 else ""
                p.writerow([code, leaf.code, f"{leaf.max_points:g}", shown, note])
            if i == 0:
                p.writerow(["", "", "", "", ""])  # a blank row is skipped
            estimate = rng.choice([80.0, rng.uniform(60, 98)])
            s.writerow([code, "overall", "SIPAS", estimate, estimate - 3, estimate + 2])
    files = {}
    for name, text in (("units", units), ("points", points), ("sipas", sipas)):
        files[name] = folder / f"{name}.csv"
        files[name].write_text(text.getvalue(), encoding="utf-8")
    return files


def inputs() -> ScoringInputs:
    catalogs = {t: load_catalog(t, YEAR).unwrap() for t in TYPES}
    rules = {t: load_rule81(t, YEAR).unwrap() for t in TYPES}
    return ScoringInputs(YEAR, [], catalogs, rules, {}, {}, {}, {})


def score(files: dict[str, Path]):
    given, problems = inputs_with_files(
        inputs(),
        units=files["units"],
        catalog=None,
        points=files["points"],
        sipas=files["sipas"],
        rule=None,
    )
    assert problems == []
    return compute(given)


def old_workbook(report) -> bytes:
    """``score_workbook`` as it was: the same sheets into an openpyxl workbook."""
    notes = list(report.notes) + [
        f"8.1 {code}: {p.rule_text}; SIPAS {fig.estimate:.1f} % "
        f"({fig.ci_low:.1f}–{fig.ci_high:.1f}), {source}"
        for code, (p, fig, source) in sorted(report.points81.items())
    ]
    book = _new_book()
    _score_workbook_into(
        book,
        list(report.catalogs.values()),
        list(report.scores.values()),
        report.ranking,
        _names(report),
        _points(report),
        notes,
        None,
    )
    return _save(book)


def assert_same_workbook(expected: bytes, actual: bytes) -> None:
    """Sheets, every cell's value, number format and boldness, merges, frozen panes, widths."""
    old, new = load_workbook(io.BytesIO(expected)), load_workbook(io.BytesIO(actual))
    assert new.sheetnames == old.sheetnames
    for name in old.sheetnames:
        a, b = old[name], new[name]
        assert a.max_row == b.max_row and a.max_column == b.max_column, name
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=True):
            for x, y in zip(row_a, row_b, strict=True):
                where = (name, x.coordinate)
                assert y.value == x.value and type(y.value) is type(x.value), where
                if x.value is not None:
                    assert y.number_format == x.number_format, where
                    assert bool(y.font.b) == bool(x.font.b), where
        assert sorted(map(str, b.merged_cells.ranges)) == sorted(map(str, a.merged_cells.ranges))
        assert b.freeze_panes == a.freeze_panes, name
        assert widths(b) == widths(a), name


def widths(sheet) -> dict[int, float]:
    """Column number → width (a dimension may cover several columns)."""
    return {
        column: round(dim.width, 6)
        for dim in sheet.column_dimensions.values()
        if dim.width and dim.customWidth
        for column in range(dim.min or 1, (dim.max or dim.min or 1) + 1)
    }


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("province")
    files = province(folder)
    new = score(files)
    patch = pytest.MonkeyPatch()
    patch.setattr("survey_app.par.report.rank_units", quadratic_rank_units)
    patch.setattr(
        "survey_app.par.outputs.read_scoring_points",
        lambda source: (lambda read: (scoring_points(read[0]), read[1]))(_read_points_rows(source)),
    )
    try:
        old = score(files)
    finally:
        patch.undo()
    return old, new, folder


def test_the_ranking_files_are_the_same(reports) -> None:
    old, new, _ = reports
    assert len(new.ranking) == sum(TYPES.values())
    assert report_csv(new) == report_csv(old)
    assert report_json(new) == report_json(old)
    ranks = [r.rank for r in new.ranking if r.unit_type == "commune" and r.rank is not None]
    assert len(ranks) != len(set(ranks))  # the province has ties


def test_the_workbook_is_the_same_cell_for_cell(reports) -> None:
    old, new, folder = reports
    expected = old_workbook(old)
    assert_same_workbook(expected, report_xlsx(new))  # in memory (the pages' download)
    out = folder / "par.xlsx"
    assert report_xlsx(new, target=out) == b""
    assert_same_workbook(expected, out.read_bytes())  # streamed to a file (sipas score)


BAD_POINTS: dict[str, bytes] = {
    "missing unit and code": b"unit_code,code,final_points\n,1.1,2\nSNV,,3\n",
    "bad and negative points": b"unit_code,code,self_points,final_points\nSNV,1.1,abc,-2\n",
    "repeated pair": b"unit_code,code,final_points\nSNV,1.1,2\nSTC,1.1,2\nSNV, 1.1 ,2,\n",
    "repeated pair, same row count": b"unit_code,code,final_points\nSNV,1.1,2\nSNV,1.1,3\n",
    "decimal comma and spaces": b'unit_code,code,final_points,note\nSNV,1.1,"2,5", x \n',
    "blank rows": b"unit_code,code,final_points\n,,\nSNV,1.1,2\n\n,,\n",
    "short row": b"unit_code,code,final_points,note\nSNV,1.1\n",
    "long row": b"unit_code,code,final_points\nSNV,1.1,2,9\n",
    "not UTF-8": b"unit_code,code,final_points,note\nSNV,1.1,2,\xff\n",
    "missing column": b"unit,code,final_points\nSNV,1.1,8\n",
    "no points column": b"unit_code,code,note\nSNV,1.1,x\n",
    "repeated column": b"unit_code,code,final_points,code\nSNV,1.1,8,1.2\n",
    "BOM and CRLF": b"\xef\xbb\xbfunit_code,code,final_points\r\nSNV,1.1,8\r\n",
    "empty": b"",
    "header only": b"unit_code,code,final_points\n",
    "unknown extra column": b"unit_code,code,final_points,remark\nSNV,1.1,8,x\n,,,y\n",
    "NFD text": "unit_code,code,final_points,note\nSNV,1.1,8,Ghi chu\u0301\n".encode(),
    "a unit first seen on a bad row, a leaf without final points": (
        b"unit_code,code,self_points,final_points\nSNV,1.1,1,abc\nSTC,1.1,1,2\nSNV,1.2,1,3\n"
        b"STC,1.2,0.5,\nSNV,1.3,,\n"
    ),
}


@pytest.mark.parametrize("name", list(BAD_POINTS))
def test_points_read_by_columns_as_row_by_row(name: str, tmp_path: Path) -> None:
    data = BAD_POINTS[name]
    path = tmp_path / "points.csv"
    path.write_bytes(data)
    for source in (data, path):
        rows = _read_points_rows(source)
        assert repr(read_points_csv(source)) == repr(rows), name  # the same, in the same order
        assert repr(read_scoring_points(source)) == repr((scoring_points(rows[0]), rows[1]))
