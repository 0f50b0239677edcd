"""PAR-index scoring files: catalogs, points and units in (CSV, XLSX); rankings and workbooks out.

File I/O only (csv + openpyxl): the readers turn files into :mod:`scoring_bridge` objects and
never raise on a bad file; every problem is a :class:`scoring_bridge.Problem` — the same type the
catalog readers' :class:`~scoring_bridge.LoadResult` holds — whose ``location`` says where
(``row 5, column final_points``; ``sheet 'department', row 9, column C (Điểm tối đa)``; ``unit
SNV, code 1.1.1``), whose ``message`` says what and repeats the bad value, and whose ``hint``
says how to fix it. CSV sources are a path or the file's bytes (UTF-8, with or without BOM).

**The appendix sheet** (Phụ lục I–III of Decision 1877/QĐ-UBND): a title row ("BẢNG CHẤM ĐIỂM
CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023 — <unit type>"), "(Kèm theo <decision>)", "Phiên bản danh
mục: <version>", the illustrative warning ("⚠ MINH HỌA — ILLUSTRATIVE: <note>") when the catalog
is illustrative, then the header row STT, Nội dung, Điểm tối đa, Điểm tự đánh giá, Điểm đạt được,
Ghi chú, **Nguồn**, one row per criterion in catalog order (areas in bold, STT stored as text),
and a "Tổng cộng" row. The readers find the header row by its labels (anywhere in the first 30
rows), read the lines above it when present, skip blank and "Tổng …" rows.

**Nguồn, not Ghi chú**: a scored leaf's source is a column of its own holding ``appraisal``,
``ministry_survey`` or ``sipas`` (also read: "thẩm định", "điều tra xã hội học", "SIPAS"), so Ghi
chú stays free text for the province and a re-import is lossless. Areas and criteria with
sub-criteria leave it empty. The split (appraisal/survey points) is not written: a read catalog
gets the split its leaves add up to.

**STT typed as a number**: a whole number is an area ("1"); a decimal such as 1.1 is accepted only
where the numbering expects it (after area 1 or criterion 1.0x…), since Excel shows 1.10 as 1.1;
anywhere else, or a date Excel made of "1.1", is a problem asking to format STT as text. Codes
decide the structure, so a sheet with a bad STT is not checked further.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scoring_bridge import (
    LEVELS,
    ROW_COLUMNS,
    Catalog,
    Criterion,
    LoadResult,
    Problem,
    RankRow,
    Split,
    UnitPoints,
    UnitScore,
    catalog_from_rows,
    catalog_to_rows,
    check_unit_points,
    round_half_up,
)
from scoring_bridge.catalog import code_key
from scoring_bridge.problems import UNIT_TYPE_RE, did_you_mean, num, show
from survey_app.csv_files import FileProblem, clean_text, read_csv

CsvSource = Path | str | bytes

POINTS_COLUMNS = ("unit_code", "code", "self_points", "final_points", "note")
UNITS_COLUMNS = ("code", "name", "unit_type", "ranked")
RANKING_AREAS = tuple(str(n) for n in range(1, 9))

APPENDIX_HEADER: dict[str, str] = {
    "stt": "STT",
    "name": "Nội dung",
    "max": "Điểm tối đa",
    "self": "Điểm tự đánh giá",
    "final": "Điểm đạt được",
    "note": "Ghi chú",
    "source": "Nguồn",
}
"""The appendix columns, in order (key → label); Nguồn holds the source of a scored leaf."""

TITLE = "BẢNG CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year} — {unit_type}"
RANKING_TITLE = "XẾP HẠNG CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year} — {unit_type}"
WARNING_MARK = "⚠ MINH HỌA — ILLUSTRATIVE:"
PREVIOUS_YEAR_NOTE = (
    "Lưu ý: điểm điều tra xã hội học của Bộ Nội vụ {what} là kết quả năm trước liền kề, vì năm "
    "đánh giá chưa được công bố (mục III.1.c Quyết định 1877/QĐ-UBND). — Note: the Ministry of "
    "Home Affairs' survey points {what_en} are last year's results (this year's are not published)."
)
PREVIOUS_YEAR_CELL = "Kết quả điều tra của Bộ Nội vụ năm trước"
NOT_RANKED = "không xếp hạng chung"

_DECISION_LINE = re.compile(r"\(kèm theo (?P<value>.+)\)", re.IGNORECASE)
_VERSION_LABEL = "phiên bản danh mục"
_UNIT_LABEL = "mã đơn vị"
_YEAR_IN_TITLE = re.compile(r"\bNĂM\s+(\d{4})\b", re.IGNORECASE)
_HEADER_SCAN = 30
_TRUE_WORDS = {"true", "1", "yes", "y", "có", "co", "x"}
_FALSE_WORDS = {"false", "0", "no", "n", "không", "khong"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_CODE_TEXT = re.compile(r"[1-9][0-9]*(?:\.[1-9][0-9]*){0,2}")


def _label(value: object) -> str:
    """A header or keyword cell for comparing: NFC, casefolded, one space, no trailing ':'."""
    if value is None:
        return ""
    return clean_text(str(value)).casefold().rstrip(":* ").strip()


_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "stt": ("stt", "tt", "số tt", "số thứ tự"),
    "name": ("nội dung", "nội dung tiêu chí", "lĩnh vực, tiêu chí", "tiêu chí"),
    "max": ("điểm tối đa", "điểm chuẩn", "thang điểm"),
    "self": ("điểm tự đánh giá", "tự đánh giá", "điểm tự chấm"),
    "final": ("điểm đạt được", "điểm thẩm định"),
    "note": ("ghi chú",),
    "source": ("nguồn", "nguồn điểm"),
}
_HEADER_KEYS = {_label(alias): key for key, aliases in _HEADER_ALIASES.items() for alias in aliases}
_SOURCE_ALIASES = {
    _label(alias): source
    for source, aliases in {
        "appraisal": ("appraisal", "thẩm định", "tự đánh giá, thẩm định"),
        "ministry_survey": (
            "ministry_survey",
            "điều tra xã hội học",
            "điều tra xhh",
            "điều tra của bộ nội vụ",
            "bộ nội vụ",
        ),
        "sipas": ("sipas", "khảo sát sipas", "chỉ số hài lòng (sipas)"),
    }.items()
    for alias in aliases
}


class LeafPoints(NamedTuple):
    """A unit's points for one scored leaf as read from a file: (self, final, note)."""

    self_points: float | None
    final_points: float | None
    note: str


PointsByUnit = dict[str, dict[str, LeafPoints]]
"""unit_code → criterion code → :class:`LeafPoints` (what the points readers give)."""


# --- small helpers ------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    """A number for a file cell, without a useless ``.0``: 10.0 → "10", 2.25 → "2.25"."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _as_problem(p: FileProblem) -> Problem:
    where = []
    if p.row is not None:
        where.append(f"row {p.row}")
    if p.column:
        where.append(f"column {p.column}")
    return Problem(", ".join(where) or "file", p.message)


def _read_csv(source: CsvSource) -> tuple[list[str], list[dict[str, str]], list[Problem]]:
    """read_csv, with an unreadable file as a problem instead of an exception."""
    try:
        header, rows, problems = read_csv(source)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        name = os.fspath(source) if not isinstance(source, bytes) else "the file"
        return [], [], [Problem("file", f"cannot read {name!r}: {reason}", None, "check the path")]
    except csv.Error as exc:
        return [], [], [Problem("file", f"not a CSV file: {exc}", None, "save it as CSV UTF-8")]
    return header, rows, [_as_problem(p) for p in problems]


def _check_header(
    header: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    problems: list[Problem],
) -> None:
    """Missing required columns, repeated columns and misspelt ones (others are ignored)."""
    known = (*required, *optional)
    listing = f"the columns are: {','.join(known)}"
    for column in required:
        if column not in header:
            hint = did_you_mean(column, [h for h in header if h not in known])
            problems.append(
                Problem(
                    f"row 1, column {column}",
                    f"required column {column!r} is missing",
                    None,
                    hint or listing,
                )
            )
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            problems.append(
                Problem(
                    f"row 1, column {column}",
                    f"column {column!r} appears twice",
                    None,
                    "keep one of them",
                )
            )
        seen.add(column)
        if column not in known:
            hint = did_you_mean(column, known)
            if hint:
                problems.append(
                    Problem(
                        f"row 1, column {column}",
                        f"unknown column {column!r}",
                        None,
                        f"{hint} (other unknown columns are ignored)",
                    )
                )


def _number(value: object) -> tuple[float | None, str | None]:
    """A cell as points: (number or None when empty, message when it is not a number)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"{show(value)} is not a number"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None, f"{show(value)} is not a number"
        return float(value), None
    if isinstance(value, datetime | date | time):
        return None, f"{value} is a date, not a number (Excel took the points for a date)"
    text = clean_text(str(value)).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None, None
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None, f"{show(value)} is not a number"
    if not math.isfinite(number):
        return None, f"{show(value)} is not a number"
    return number, None


_NUMBER_HINT = "write the points as a number from 0 to the criterion's maximum, e.g. 2.5 or 2,5"


def _merge(
    result: LoadResult[Any], problems: Sequence[Problem] = (), warnings: Sequence[Problem] = ()
) -> LoadResult[Any]:
    every = (*problems, *result.problems)
    return LoadResult(None if every else result.value, tuple(every), (*warnings, *result.warnings))


@cache
def _shipped_type_names() -> dict[str, str]:
    path = Path(__file__).parent / "data" / "unit_types.csv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return {r["code"]: r["name_vi"] for r in csv.DictReader(handle) if r.get("code")}
    except (OSError, KeyError, csv.Error):
        return {}


def _type_name(unit_type: str, names: Mapping[str, str] | None) -> str:
    if names and unit_type in names:
        return names[unit_type]
    return _shipped_type_names().get(unit_type, unit_type)


# --- 1. catalog CSV -----------------------------------------------------------------------------


def catalog_csv(catalog: Catalog | Sequence[Catalog]) -> str:
    """The catalog(s) as CSV with the columns ``unit_type,code,parent,level,name,max_points,
    source`` (``catalog_to_rows``); several catalogs go one after the other in one file."""
    catalogs = [catalog] if isinstance(catalog, Catalog) else list(catalog)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROW_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in catalogs:
        for row in catalog_to_rows(item):
            writer.writerow(row | {"max_points": _fmt(row["max_points"])})
    return out.getvalue()


def read_catalog_csv(
    source: CsvSource,
    *,
    year: int,
    unit_type: str | None = None,
    version: int = 1,
    split: tuple[float, float] | None = None,
    illustrative: bool = False,
    note: str = "",
    decision: str = "",
) -> LoadResult[Catalog]:
    """The catalog of one unit type from a catalog CSV (``catalog_from_rows`` checks it all).

    ``unit_type`` may be left out when the file's ``unit_type`` column names a single type; rows
    of other types are skipped when it is given.
    """
    header, rows, problems = _read_csv(source)
    if not header:
        return LoadResult(None, tuple(problems))
    if unit_type is None:
        found = list(dict.fromkeys(r.get("unit_type", "") for r in rows if r.get("unit_type")))
        if "unit_type" not in header:
            problems.append(
                Problem(
                    "row 1, column unit_type",
                    "the file has no unit_type column, so its unit type is unknown",
                    None,
                    "add a unit_type column (e.g. department) or choose the unit type",
                )
            )
        elif len(found) != 1:
            what = f"{len(found)} unit types ({', '.join(found)})" if found else "no unit type"
            problems.append(
                Problem(
                    "column unit_type",
                    f"the file holds {what}",
                    None,
                    "choose the unit type, or import every catalog of the file at once",
                )
            )
        if "unit_type" not in header or len(found) != 1:
            return LoadResult(None, tuple(problems))
        unit_type = found[0]
    result = catalog_from_rows(
        unit_type,
        rows,
        year=year,
        version=version,
        split=split,
        illustrative=illustrative,
        note=note,
        decision=decision,
    )
    return _merge(result, problems)


def read_catalogs_csv(
    source: CsvSource,
    *,
    year: int,
    version: int = 1,
    split: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,
    illustrative: bool = False,
    note: str = "",
    decision: str = "",
) -> dict[str, LoadResult[Catalog]]:
    """Every catalog of a CSV holding several unit types: unit type → its LoadResult.

    ``split`` may differ by type (a mapping). Problems of the whole file (unreadable, no
    ``unit_type`` column, rows without a unit type) are under the key ``""``.
    """
    header, rows, problems = _read_csv(source)
    if header and "unit_type" not in header:
        problems.append(
            Problem(
                "row 1, column unit_type",
                "required column 'unit_type' is missing",
                None,
                did_you_mean("unit_type", header) or "add it: department, district, commune, …",
            )
        )
    if not header or "unit_type" not in header:
        return {"": LoadResult(None, tuple(problems))}
    kept: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=2):
        if not row.get("unit_type") and any(row.values()):
            problems.append(
                Problem(
                    f"row {number}, column unit_type",
                    f"the unit type of {row.get('code') or 'this row'!r} is empty",
                    row.get("code") or None,
                    "write the unit type, e.g. department",
                )
            )
            kept.append({})
        else:
            kept.append(row)
    types = list(dict.fromkeys(r["unit_type"] for r in kept if r.get("unit_type")))
    out: dict[str, LoadResult[Catalog]] = {}
    if problems or not types:
        if not types and not problems:
            problems.append(Problem("file", "the file has no rows", None, "add the criteria"))
        out[""] = LoadResult(None, tuple(problems))
    for unit_type in types:
        type_split = split.get(unit_type) if isinstance(split, Mapping) else split
        out[unit_type] = catalog_from_rows(
            unit_type,
            kept,
            year=year,
            version=version,
            split=type_split,
            illustrative=illustrative,
            note=note,
            decision=decision,
        )
    return out


# --- sheet names ----------------------------------------------------------------------------


def sheet_title(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name for ``wanted``; adds it (casefolded) to ``taken``.

    Excel limits names to 31 characters, forbids ``[]:*?/\\``, a leading or trailing ``'`` and
    the name "History", and compares names without case; a clash gets ``~2``, ``~3``, …
    """
    base = _BAD_SHEET_CHARS.sub("-", clean_text(wanted))[:31].strip("'").strip() or "Sheet"
    if base.casefold() == "history":
        base = "History-"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f"~{n}"
        name = base[: 31 - len(suffix)].rstrip("'") + suffix
        n += 1
    taken.add(name.casefold())
    return name


# --- writing appendix-shaped sheets -----------------------------------------------------------

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=13)
_WARNING_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = (9, 64, 12, 14, 14, 30, 16)
_POINTS_FORMAT = "0.00"


class _SheetWriter:
    """Writes heading lines and table rows to a sheet, keeping the row number."""

    def __init__(self, sheet: Worksheet, columns: int, widths: Sequence[float]) -> None:
        self.sheet = sheet
        self.columns = columns
        self.row = 0
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width

    def line(self, text: str, kind: Literal["title", "warning", "note", "meta"] = "meta") -> None:
        self.row += 1
        cell = self.sheet.cell(self.row, 1, text)
        cell.alignment = _WRAP
        if kind == "title":
            cell.font = _TITLE_FONT
        elif kind in ("warning", "note"):
            cell.font = _WARNING_FONT if kind == "warning" else Font(italic=True, color="C00000")
        if kind in ("warning", "note") or len(text) > 90:
            self.sheet.merge_cells(
                start_row=self.row, start_column=1, end_row=self.row, end_column=self.columns
            )
            self.sheet.row_dimensions[self.row].height = 15 * max(1, math.ceil(len(text) / 120))

    def values(self, values: Sequence[object], *, bold: bool = False) -> int:
        self.row += 1
        for col, value in enumerate(values, start=1):
            cell = self.sheet.cell(self.row, col, value)
            if bold:
                cell.font = _BOLD
        return self.row

    def header(self, labels: Sequence[str]) -> None:
        row = self.values(labels, bold=True)
        for col in range(1, len(labels) + 1):
            cell = self.sheet.cell(row, col)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.sheet.freeze_panes = self.sheet.cell(row + 1, 1)


def _heading(
    writer: _SheetWriter,
    catalog: Catalog,
    type_names: Mapping[str, str] | None,
    *,
    title: str = TITLE,
    extra: Sequence[str] = (),
    previous_year: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    name = _type_name(catalog.unit_type, type_names)
    writer.line(title.format(year=catalog.year, unit_type=name), "title")
    if catalog.decision:
        writer.line(f"(Kèm theo {catalog.decision})")
    writer.line(f"Phiên bản danh mục: {catalog.version}")
    for text in extra:
        writer.line(text)
    if catalog.illustrative:
        writer.line(f"{WARNING_MARK} {catalog.note}", "warning")
    if previous_year:
        writer.line(previous_year, "note")
    for text in notes:
        writer.line(text, "note")


Cells = Callable[[Criterion, Mapping[str, int]], tuple[object, object, object]]


def _table(
    writer: _SheetWriter,
    catalog: Catalog,
    cells: Cells | None = None,
    totals: tuple[object, object] = (None, None),
    *,
    inputs: bool = False,
) -> None:
    """Header and one row per criterion; ``cells`` gives (self, final, note) of a criterion,
    knowing the row of every code written so far (for formulas)."""
    writer.header(list(APPENDIX_HEADER.values()))
    rows: dict[str, int] = {}
    first = writer.row + 1
    for c in catalog.criteria:
        rows[c.code] = first + len(rows)
    for c in catalog.criteria:
        leaf = catalog.is_leaf(c.code)
        self_points, final, note = cells(c, rows) if cells else (None, None, None)
        row = writer.values(
            [
                c.code,
                c.name,
                c.max_points,
                self_points,
                final,
                note,
                (c.source or "") if leaf else None,
            ],
            bold=c.level == "area",
        )
        sheet = writer.sheet
        sheet.cell(row, 1).number_format = "@"
        sheet.cell(row, 2).alignment = _WRAP
        for col in (3, 4, 5):
            sheet.cell(row, col).number_format = _POINTS_FORMAT
        if inputs and leaf:
            sheet.cell(row, 4).fill = _INPUT_FILL
            sheet.cell(row, 5).fill = _INPUT_FILL
    writer.values(["", "Tổng cộng", catalog.total, *totals], bold=True)
    for col in (3, 4, 5):
        writer.sheet.cell(writer.row, col).number_format = _POINTS_FORMAT
    writer.sheet.column_dimensions["A"].number_format = "@"


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _new_book() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


# --- 2. catalog XLSX ----------------------------------------------------------------------------


def catalog_xlsx(
    catalogs: Sequence[Catalog], *, type_names: Mapping[str, str] | None = None
) -> bytes:
    """The catalogs as an appendix workbook: one sheet per unit type, named by its code.

    ``type_names`` (unit type → name for the title) defaults to survey_app/data/unit_types.csv.
    """
    book = _new_book()
    taken: set[str] = set()
    for catalog in catalogs:
        writer = _SheetWriter(book.create_sheet(sheet_title(catalog.unit_type, taken)), 7, _WIDTHS)
        _heading(writer, catalog, type_names)
        _table(writer, catalog)
    return _save(book)


@dataclass
class _Appendix:
    """An appendix-shaped sheet as read: its header, the lines above it, its criterion rows."""

    name: str
    columns: dict[str, int] = field(default_factory=dict)  # key → 0-based column
    header_row: int = 0
    above: list[str] = field(default_factory=list)  # first text of each row above the header
    rows: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)

    def where(self, row: int | None = None, key: str | None = None) -> str:
        parts = [f"sheet {self.name!r}"]
        if row is not None:
            parts.append(f"row {row}")
        if key is not None:
            col = self.columns.get(key)
            letter = f"{get_column_letter(col + 1)} " if col is not None else ""
            parts.append(f"column {letter}({APPENDIX_HEADER[key]})")
        return ", ".join(parts)

    def cell(self, values: tuple[object, ...], key: str) -> object:
        col = self.columns.get(key)
        if col is None or col >= len(values):
            return None
        value = values[col]
        if isinstance(value, str):
            value = clean_text(value)
            return value or None
        return value

    def meta(self, label: str) -> str | None:
        """The value of a "label: value" line above the header."""
        for text in self.above:
            head, sep, value = text.partition(":")
            if sep and _label(head) == label:
                return value.strip()
        return None


def _read_appendix(sheet: Any) -> _Appendix | None:
    """The sheet's header (found by its labels) and rows; None when it has no header row."""
    found = _Appendix(str(sheet.title))
    above: list[str] = []
    rows = sheet.iter_rows(values_only=True)
    for number, values in enumerate(rows, start=1):
        if found.header_row:
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
                found.rows.append((number, tuple(values)))
            continue
        if number > _HEADER_SCAN:
            return None
        keys = {_HEADER_KEYS.get(_label(v)): i for i, v in enumerate(values) if v is not None}
        keys.pop(None, None)
        if "stt" in keys and ("name" in keys or "max" in keys):
            found.header_row = number
            found.columns = {k: i for k, i in keys.items() if k is not None}
            found.above = above
            continue
        text = next((clean_text(str(v)) for v in values if v is not None and str(v).strip()), "")
        if text:
            above.append(text)
    return found if found.header_row else None


def _safe_read(ws: Any) -> tuple[_Appendix | None, Problem | None]:
    """:func:`_read_appendix`, with a sheet that cannot be read (broken XML) as a problem."""
    try:
        return _read_appendix(ws), None
    except Exception as exc:  # read-only sheets are parsed only now
        return None, Problem(
            f"sheet {ws.title!r}",
            f"the sheet cannot be read ({type(exc).__name__}: {str(exc)[:80]})",
            None,
            "open the file in Excel or LibreOffice and save it again as .xlsx",
        )


def _open_workbook(data: bytes) -> tuple[Any, Problem | None]:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True), None
    except Exception as exc:  # any unreadable file: zip, XML, openpyxl's own errors
        return None, Problem(
            "file",
            f"not an XLSX workbook ({type(exc).__name__}: {str(exc)[:80]})",
            None,
            "save the file as Excel Workbook (.xlsx)",
        )


def _next_number(previous: str | None, area: str) -> int | None:
    """The criterion number expected next in ``area`` after the code ``previous``."""
    if previous is None:
        return None
    parts = previous.split(".")
    if parts[0] != area:
        return None
    return 1 if len(parts) == 1 else int(parts[1]) + 1


def _stt_code(value: object, previous: str | None) -> tuple[str | None, str | None]:
    """The code of an STT cell and, when it cannot be trusted, a message."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"STT {show(value)} is not a criterion code"
    if isinstance(value, datetime | date | time):
        return None, f"STT {value} is a date: Excel turned the code into a date"
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value)), None
        text = repr(value)
        area, _, part = text.partition(".")
        expected = _next_number(previous, area)
        if part.isdigit() and not part.startswith("0") and expected == int(part):
            return text, None
        return None, (
            f"STT {text} is a number, so it is ambiguous: Excel shows 1.10 as 1.1 "
            f"(after {previous or 'the header'!r} the code {text!r} is not expected)"
        )
    text = clean_text(str(value))
    if text.endswith(".") and _CODE_TEXT.fullmatch(text[:-1]):
        text = text[:-1]
    return text, None


_STT_HINT = "format the STT column as Text and type the code again, e.g. 1.10"
_COLUMN_OF = {
    "code": "stt",
    "level": "stt",
    "parent": "stt",
    "name": "name",
    "max_points": "max",
    "source": "source",
}
_ROW_COLUMN = re.compile(r"row (\d+), column (\w+)")


def _relocate(problems: Iterable[Problem], sheet: _Appendix) -> tuple[Problem, ...]:
    """``row 9, column max_points`` → ``sheet 'x', row 9, column C (Điểm tối đa)``."""
    out = []
    for p in problems:
        match = _ROW_COLUMN.fullmatch(p.location)
        if match and match[2] in _COLUMN_OF:
            where = sheet.where(int(match[1]), _COLUMN_OF[match[2]])
        else:
            where = f"{sheet.where()}, {p.location}" if p.location else sheet.where()
        out.append(replace(p, location=where))
    return tuple(out)


def _catalog_sheet(sheet: _Appendix, unit_type: str, year: int) -> LoadResult[Catalog]:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for key in ("name", "max", "source"):
        if key not in sheet.columns:
            problems.append(
                Problem(
                    sheet.where(sheet.header_row),
                    f"the header row has no column {APPENDIX_HEADER[key]!r}",
                    None,
                    "add it; Nguồn holds appraisal, ministry_survey or sipas for each scored leaf"
                    if key == "source"
                    else f"the header row holds {', '.join(APPENDIX_HEADER.values())}",
                )
            )
    if problems:
        return LoadResult(None, tuple(problems))
    illustrative = False
    note = ""
    decision = ""
    version = 1
    for text in sheet.above:
        match = _YEAR_IN_TITLE.search(text)
        if match and int(match[1]) != year:
            warnings.append(
                Problem(
                    sheet.where(),
                    f"the title says NĂM {match[1]} but the catalog is imported for {year}",
                    None,
                    "check the year",
                )
            )
        if text.startswith(WARNING_MARK) or _label(text).startswith("⚠ minh họa"):
            illustrative = True
            note = text.removeprefix(WARNING_MARK).strip() or text
        decision_line = _DECISION_LINE.fullmatch(text)
        if decision_line:
            decision = decision_line["value"].strip()
    raw_version = sheet.meta(_VERSION_LABEL)
    if raw_version is not None:
        if raw_version.isdigit() and int(raw_version) >= 1:
            version = int(raw_version)
        else:
            problems.append(
                Problem(
                    sheet.where(),
                    f"'Phiên bản danh mục: {raw_version}' is not a version number",
                    None,
                    "write a whole number ≥ 1, e.g. 'Phiên bản danh mục: 2'",
                )
            )
    rows: list[dict[str, object]] = []
    previous: str | None = None
    for number, values in sheet.rows:
        stt = sheet.cell(values, "stt")
        name = sheet.cell(values, "name")
        if stt is None and isinstance(name, str) and _label(name).startswith("tổng"):
            rows.append({})
            continue
        code, message = _stt_code(stt, previous)
        if message:
            problems.append(Problem(sheet.where(number, "stt"), message, None, _STT_HINT))
            rows.append({})
            continue
        previous = code if code is not None and _CODE_TEXT.fullmatch(code) else previous
        source = sheet.cell(values, "source")
        if source is not None:
            source = _SOURCE_ALIASES.get(_label(source), source)
        row = {
            "code": code,
            "level": LEVELS[min(code.count("."), 2)] if code else None,
            "name": name,
            "max_points": sheet.cell(values, "max"),
            "source": source,
        }
        rows.append(row if any(v is not None for v in row.values()) else {})
    if problems:
        return LoadResult(None, tuple(problems), tuple(warnings))
    result = catalog_from_rows(
        unit_type,
        rows,
        year=year,
        version=version,
        illustrative=illustrative,
        note=note,
        decision=decision,
        first_row=sheet.header_row + 1,
    )
    result = LoadResult(
        result.value, _relocate(result.problems, sheet), _relocate(result.warnings, sheet)
    )
    if result.value is not None:
        catalog = result.value
        split = Split(
            catalog.leaf_total("appraisal"), catalog.leaf_total("ministry_survey", "sipas")
        )
        result = LoadResult(replace(catalog, split=split), result.problems, result.warnings)
    return _merge(result, (), warnings)


def read_catalog_xlsx(data: bytes, *, year: int) -> dict[str, LoadResult[Catalog]]:
    """The catalogs of an appendix workbook: unit type (the sheet's name) → its LoadResult.

    Sheets without a header row (STT, Nội dung, Điểm tối đa, …) are ignored. Problems of the
    whole file are under the key ``""``; a catalog sheet whose name is not a unit type code is
    under its sheet name.
    """
    book, problem = _open_workbook(data)
    if problem is not None:
        return {"": LoadResult(None, (problem,))}
    out: dict[str, LoadResult[Catalog]] = {}
    try:
        for ws in book.worksheets:
            sheet, problem = _safe_read(ws)
            if problem is not None:
                out[str(ws.title)] = LoadResult(None, (problem,))
            if sheet is None:
                continue
            name = sheet.name.strip()
            if not UNIT_TYPE_RE.fullmatch(name):
                hint = did_you_mean(name.casefold(), _shipped_type_names())
                out[sheet.name] = LoadResult(
                    None,
                    (
                        Problem(
                            sheet.where(),
                            f"the sheet name {sheet.name!r} is not a unit type code",
                            None,
                            hint or "rename the sheet to its unit type, e.g. department",
                        ),
                    ),
                )
                continue
            out[name] = _catalog_sheet(sheet, name, year)
    finally:
        book.close()
    if not out:
        out[""] = LoadResult(
            None,
            (
                Problem(
                    "file",
                    "no sheet has a header row with STT, Nội dung and Điểm tối đa",
                    None,
                    f"put the header within the first {_HEADER_SCAN} rows of each sheet",
                ),
            ),
        )
    return out


# --- 3. points ----------------------------------------------------------------------------------


def read_points_csv(source: CsvSource) -> tuple[PointsByUnit, list[Problem]]:
    """Points from a CSV ``unit_code,code,self_points,final_points,note``.

    Either points column may be left out or empty (a self-assessment has no final points yet);
    numbers may use a decimal comma. Checks against the catalog are :func:`check_points`'.
    """
    header, rows, problems = _read_csv(source)
    if not header:
        return {}, problems
    _check_header(header, ("unit_code", "code"), ("self_points", "final_points", "note"), problems)
    if not {"self_points", "final_points"} & set(header):
        problems.append(
            Problem(
                "row 1, column final_points",
                "the file has neither a self_points nor a final_points column",
                None,
                f"the columns are: {','.join(POINTS_COLUMNS)}",
            )
        )
    if problems:
        return {}, problems
    out: PointsByUnit = {}
    first_row: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        bad = False
        unit, code = row.get("unit_code", ""), row.get("code", "")
        for column, value, what in (
            ("unit_code", unit, "the unit code"),
            ("code", code, "the criterion code"),
        ):
            if not value:
                bad = True
                problems.append(
                    Problem(
                        f"row {number}, column {column}",
                        f"{what} is missing",
                        code or None,
                        "fill it in, or delete the row",
                    )
                )
        values: dict[str, float | None] = {}
        for column in ("self_points", "final_points"):
            raw = row.get(column, "")
            value, message = _number(raw)
            if message is None and value is not None and value < 0:
                message = f"{_fmt(value)} is below 0"
            if message:
                bad = True
                who = f" (unit {unit!r}, code {code!r})" if unit and code else ""
                problems.append(
                    Problem(
                        f"row {number}, column {column}",
                        f"{column} {message}{who}",
                        code or None,
                        _NUMBER_HINT,
                    )
                )
            values[column] = value
        if unit and code:
            key = (unit, code)
            if key in first_row:
                bad = True
                problems.append(
                    Problem(
                        f"row {number}, column code",
                        f"unit {unit!r}, code {code!r} is given again (first on row "
                        f"{first_row[key]})",
                        code,
                        "keep one row per unit and code",
                    )
                )
            else:
                first_row[key] = number
        if not bad:
            out.setdefault(unit, {})[code] = LeafPoints(
                values["self_points"], values["final_points"], row.get("note", "")
            )
    return out, problems


Basis = Literal["final", "self"]
_BASIS_LABEL = {
    "final": "final points (Điểm đạt được)",
    "self": "self-assessed points (Điểm tự đánh giá)",
}


def _points_problem(
    p: Problem, unit: str, catalog: Catalog, up: UnitPoints, basis: Basis
) -> Problem:
    """A scoring_bridge problem of ``check_unit_points`` said with unit, code, value, maximum."""
    code = p.code
    if code is None:
        return replace(p, location=f"unit {unit}")
    where = f"unit {unit}, code {code}"
    if "last year's" in p.message:  # from_previous_year names a leaf that is not ministry_survey
        return replace(p, location=where)
    label = _BASIS_LABEL[basis]
    leaves = [c.code for c in catalog.leaves]
    if code not in catalog:
        return Problem(
            where,
            f"unit {unit!r}: {code!r} is not a criterion code of the {catalog.unit_type} catalog",
            code,
            did_you_mean(code, leaves) or "correct the code, or delete the row",
        )
    c = catalog.get(code)
    top = num(c.max_points)
    if not catalog.is_leaf(code) and code in up.points:
        subs = ", ".join(x.code for x in catalog.leaves_under(code))
        return Problem(
            where,
            f"unit {unit!r}: {code!r} ({c.name}) is not scored directly; its points are the sum "
            f"of {subs} (value given: {num(float(up.points[code]))})",
            code,
            f"give the points of {subs} and delete the row of {code!r}",
        )
    if catalog.is_leaf(code) and code not in up.points:
        return Problem(
            where,
            f"unit {unit!r}: no {label} for {code!r} ({c.name}, maximum {top})",
            code,
            f"add the points of {code!r}, from 0 to {top}",
        )
    value = up.points.get(code)
    if isinstance(value, int | float) and value > c.max_points:
        return Problem(
            where,
            f"unit {unit!r}, code {code!r} ({c.name}): {label} {num(value)} are above the "
            f"maximum {top}",
            code,
            f"enter a value from 0 to {top}",
        )
    if isinstance(value, int | float) and value < 0:
        return Problem(
            where,
            f"unit {unit!r}, code {code!r}: {label} {num(value)} are below 0",
            code,
            f"enter a value from 0 to {top}",
        )
    return replace(p, location=where)


def check_points(
    points: Mapping[str, Mapping[str, LeafPoints | tuple[Any, Any, Any]]],
    catalogs_by_type: Mapping[str, Catalog],
    unit_types: Mapping[str, str],
    ranked: Mapping[str, bool],
    *,
    basis: Basis = "final",
    previous_year: Mapping[str, Collection[str]] | None = None,
) -> tuple[list[UnitPoints], list[Problem]]:
    """The units' points ready for ``score_units``, and every problem in readable form.

    Scores use the ``final`` points (``basis="self"``: the self-assessment); the other column is
    still checked against the maxima. ``previous_year`` names, per unit, the ``ministry_survey``
    leaves whose points are last year's. A unit missing from ``ranked`` is ranked. Only units
    without problems are returned.
    """
    problems: list[Problem] = []
    units: list[UnitPoints] = []
    previous_year = previous_year or {}
    for unit, leaves in points.items():
        unit_type = unit_types.get(unit)
        if unit_type is None:
            problems.append(
                Problem(
                    f"unit {unit}",
                    f"unit {unit!r} is not in the list of units",
                    None,
                    did_you_mean(unit, unit_types)
                    or "add it to the units file, or correct the unit code",
                )
            )
            continue
        catalog = catalogs_by_type.get(unit_type)
        if catalog is None:
            problems.append(
                Problem(
                    f"unit {unit}",
                    f"there is no catalog for unit type {unit_type!r} of unit {unit!r}",
                    None,
                    did_you_mean(unit_type, catalogs_by_type)
                    or f"import the {unit_type} catalog first",
                )
            )
            continue
        index = 1 if basis == "final" else 0
        values = {code: entry[index] for code, entry in leaves.items() if entry[index] is not None}
        up = UnitPoints(
            unit,
            unit_type,
            bool(ranked.get(unit, True)),
            values,
            frozenset(previous_year.get(unit, ())),
        )
        found = [
            _points_problem(p, unit, catalog, up, basis) for p in check_unit_points(catalog, up)
        ]
        other: Basis = "self" if basis == "final" else "final"
        for code, entry in leaves.items():
            value = entry[1 - index]
            if code in catalog and isinstance(value, int | float):
                top = catalog.get(code).max_points
                if value > top:
                    found.append(
                        Problem(
                            f"unit {unit}, code {code}",
                            f"unit {unit!r}, code {code!r} ({catalog.get(code).name}): "
                            f"{_BASIS_LABEL[other]} {num(value)} are above the maximum {num(top)}",
                            code,
                            f"enter a value from 0 to {num(top)}",
                        )
                    )
        if found:
            problems += found
        else:
            units.append(up)
    return units, problems


def points_xlsx_template(
    catalog: Catalog,
    unit_code: str,
    unit_name: str,
    *,
    type_names: Mapping[str, str] | None = None,
) -> bytes:
    """An appendix sheet for one unit to fill in (Điểm tự đánh giá, Điểm đạt được).

    The sheet is named by the unit code and says "Mã đơn vị: <code>" above the header (read back
    by :func:`read_points_xlsx`); scored leaves have yellow input cells, areas, criteria with
    sub-criteria and the total are sums (formulas).
    """
    book = _new_book()
    writer = _SheetWriter(book.create_sheet(sheet_title(unit_code, set())), 7, _WIDTHS)
    _heading(
        writer,
        catalog,
        type_names,
        extra=(
            f"Đơn vị: {unit_name}",
            f"Mã đơn vị: {unit_code}",
            "Nhập điểm vào các ô màu vàng (tiêu chí thành phần và tiêu chí không có tiêu chí "
            "thành phần); dòng lĩnh vực, tiêu chí và tổng cộng tự cộng.",
        ),
    )

    def cells(c: Criterion, rows: Mapping[str, int]) -> tuple[object, object, object]:
        if catalog.is_leaf(c.code):
            return None, None, None
        kids = catalog.children(c.code)
        self_sum, final_sum = ("=" + "+".join(f"{col}{rows[k.code]}" for k in kids) for col in "DE")
        return self_sum, final_sum, None

    area_rows = [catalog.criteria.index(a) for a in catalog.areas]
    first = writer.row + 2  # the row after the header
    totals = tuple("=" + "+".join(f"{col}{first + i}" for i in area_rows) for col in ("D", "E"))
    _table(writer, catalog, cells, (totals[0], totals[1]), inputs=True)
    return _save(book)


def _leaf_codes(codes: Collection[str]) -> set[str]:
    """The scored leaves among the codes of a sheet: no area, no code with children."""
    parents = {code.rpartition(".")[0] for code in codes if "." in code}
    return {code for code in codes if "." in code and code not in parents}


def read_points_xlsx(data: bytes) -> tuple[PointsByUnit, list[Problem]]:
    """Points from appendix sheets, one per unit (as :func:`points_xlsx_template` makes them).

    The unit is the "Mã đơn vị:" line above the header, or else the sheet's name. Only the rows
    of scored leaves are read (areas and criteria with sub-criteria are sums); leaf rows with
    both points empty are left out. Sheets without a header row are ignored.
    """
    book, problem = _open_workbook(data)
    if problem is not None:
        return {}, [problem]
    out: PointsByUnit = {}
    problems: list[Problem] = []
    sheets = 0
    unit_sheet: dict[str, str] = {}
    try:
        for ws in book.worksheets:
            sheet, problem = _safe_read(ws)
            if problem is not None:
                problems.append(problem)
                sheets += 1
            if sheet is None:
                continue
            sheets += 1
            if not {"self", "final"} & set(sheet.columns):
                problems.append(
                    Problem(
                        sheet.where(sheet.header_row),
                        "the header row has neither 'Điểm tự đánh giá' nor 'Điểm đạt được'",
                        None,
                        "add the points columns after 'Điểm tối đa'",
                    )
                )
                continue
            unit = sheet.meta(_UNIT_LABEL) or sheet.name.strip()
            if unit in unit_sheet:
                problems.append(
                    Problem(
                        sheet.where(),
                        f"unit {unit!r} already has the sheet {unit_sheet[unit]!r}",
                        None,
                        "keep one sheet per unit",
                    )
                )
                continue
            unit_sheet[unit] = sheet.name
            problems += _points_sheet(sheet, unit, out)
    finally:
        book.close()
    if not sheets:
        problems.append(
            Problem(
                "file",
                "no sheet has a header row with STT, Nội dung, Điểm tự đánh giá, Điểm đạt được",
                None,
                "use the points template of the unit",
            )
        )
    return out, problems


def _points_sheet(sheet: _Appendix, unit: str, out: PointsByUnit) -> list[Problem]:
    problems: list[Problem] = []
    read: list[tuple[int, str, tuple[object, ...]]] = []
    previous: str | None = None
    first_row: dict[str, int] = {}
    for number, values in sheet.rows:
        stt = sheet.cell(values, "stt")
        if stt is None:
            continue  # the total row, blank rows, lines below the table
        code, message = _stt_code(stt, previous)
        if message or code is None:
            problems.append(
                Problem(sheet.where(number, "stt"), message or "no code", None, _STT_HINT)
            )
            continue
        if not _CODE_TEXT.fullmatch(code):
            problems.append(
                Problem(
                    sheet.where(number, "stt"),
                    f"STT {code!r} is not a criterion code",
                    None,
                    "write it like '8', '8.1' or '8.1.1'",
                )
            )
            continue
        previous = code
        if code in first_row:
            problems.append(
                Problem(
                    sheet.where(number, "stt"),
                    f"unit {unit!r}: code {code!r} is given again (first on row {first_row[code]})",
                    code,
                    "keep one row per criterion",
                )
            )
            continue
        first_row[code] = number
        read.append((number, code, values))
    leaves = _leaf_codes(first_row)
    for number, code, values in read:
        if code not in leaves:
            continue
        points: list[float | None] = []
        bad = False
        for key in ("self", "final"):
            value, message = _number(sheet.cell(values, key))
            if message is None and value is not None and value < 0:
                message = f"{_fmt(value)} is below 0"
            if message:
                bad = True
                problems.append(
                    Problem(
                        sheet.where(number, key),
                        f"unit {unit!r}, code {code!r}: {message}",
                        code,
                        _NUMBER_HINT,
                    )
                )
            points.append(value)
        note = sheet.cell(values, "note")
        if not bad and (points[0] is not None or points[1] is not None):
            out.setdefault(unit, {})[code] = LeafPoints(
                points[0], points[1], "" if note is None else str(note)
            )
    return problems


# --- 4. units for scoring -----------------------------------------------------------------------


def _parse_bool(value: str) -> bool | None:
    word = value.strip().casefold()
    if not word:
        return True
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def read_scoring_units_csv(
    source: CsvSource,
) -> tuple[list[tuple[str, str, str, bool]], list[Problem]]:
    """Units from a CSV ``code,name,unit_type,ranked``: (code, name, unit_type, ranked).

    ``ranked`` is optional (empty: ranked); ``false``/``0``/``không`` marks a unit scored but
    not ranked with the others (Ban Dân tộc, Thanh tra tỉnh).
    """
    header, rows, problems = _read_csv(source)
    if not header:
        return [], problems
    _check_header(header, ("code", "name", "unit_type"), ("ranked",), problems)
    if problems:
        return [], problems
    units: list[tuple[str, str, str, bool]] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        code = row.get("code", "")
        found: list[tuple[str, str, str]] = []  # column, message, hint
        for column, what in (("code", "unit code"), ("name", "unit name")):
            if not row.get(column):
                found.append((column, f"the {what} is missing", "fill it in, or delete the row"))
        unit_type = row.get("unit_type", "")
        if not unit_type:
            found.append(("unit_type", f"the unit type of {code!r} is missing", "e.g. department"))
        elif not UNIT_TYPE_RE.fullmatch(unit_type):
            found.append(
                (
                    "unit_type",
                    f"unit type {unit_type!r} of {code!r} is not a unit type code",
                    did_you_mean(unit_type.casefold(), _shipped_type_names())
                    or "write a code like department, district or commune",
                )
            )
        ranked = _parse_bool(row.get("ranked", ""))
        if ranked is None:
            found.append(
                (
                    "ranked",
                    f"ranked {row.get('ranked')!r} of {code!r} is not true or false",
                    "write true (ranked) or false (scored, not ranked)",
                )
            )
        if code and code in first_row:
            found.append(
                (
                    "code",
                    f"unit {code!r} is listed again (first on row {first_row[code]})",
                    "keep one row per unit",
                )
            )
        elif code:
            first_row[code] = number
        problems += [Problem(f"row {number}, column {c}", m, None, h) for c, m, h in found]
        bad = bool(found)
        if not bad and ranked is not None:
            units.append((code, row["name"], unit_type, ranked))
    return units, problems


# --- 5. outputs ---------------------------------------------------------------------------------


def _areas_of(rank_rows: Iterable[RankRow]) -> list[str]:
    codes = set(RANKING_AREAS)
    for r in rank_rows:
        codes |= set(r.areas)
    return sorted(codes, key=code_key)


def ranking_columns(rank_rows: Sequence[RankRow]) -> list[str]:
    """The ranking file's columns (``area_<code>`` for areas 1–8 and any other area)."""
    return [
        "unit_type",
        "rank",
        "unit_code",
        "unit_name",
        "total_points",
        "max_points",
        "index",
        *(f"area_{code}" for code in _areas_of(rank_rows)),
        "ranked",
        "illustrative",
        "ministry_from_previous_year",
    ]


def ranking_rows(rank_rows: Sequence[RankRow], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One record per ranked row: figures rounded half-up to 2 decimals, ``area_<code>`` the
    area's component index (percent), ``rank`` ``""`` for a unit that is not ranked, an area the
    unit's catalog lacks ``""``."""
    areas = _areas_of(rank_rows)
    out = []
    for r in rank_rows:
        record: dict[str, Any] = {
            "unit_type": r.unit_type,
            "rank": "" if r.rank is None else r.rank,
            "unit_code": r.unit_code,
            "unit_name": names.get(r.unit_code, ""),
            "total_points": round_half_up(r.total),
            "max_points": round_half_up(r.max),
            "index": round_half_up(r.index),
        }
        for code in areas:
            component = r.areas.get(code)
            record[f"area_{code}"] = "" if component is None else round_half_up(component.index)
        record["ranked"] = r.ranked
        record["illustrative"] = r.illustrative
        record["ministry_from_previous_year"] = r.from_previous_year
        out.append(record)
    return out


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _fmt(value)
    return value


def ranking_csv(rank_rows: Sequence[RankRow], names: Mapping[str, str]) -> str:
    """:func:`ranking_rows` as CSV (booleans as true/false, empty rank as an empty cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ranking_columns(rank_rows), lineterminator="\n")
    writer.writeheader()
    for record in ranking_rows(rank_rows, names):
        writer.writerow({k: _csv_value(v) for k, v in record.items()})
    return out.getvalue()


def ranking_json(rank_rows: Sequence[RankRow], names: Mapping[str, str]) -> str:
    """:func:`ranking_rows` as a JSON array (an empty rank or area as null)."""
    records = [
        {k: (None if v == "" and k != "unit_name" else v) for k, v in record.items()}
        for record in ranking_rows(rank_rows, names)
    ]
    return json.dumps(records, ensure_ascii=False, indent=2)


def _previous_year_note(codes: Sequence[str], *, units: bool) -> str:
    listing = ", ".join(codes)
    if units:
        return PREVIOUS_YEAR_NOTE.format(
            what=f"của các đơn vị {listing}", what_en=f"of the units {listing}"
        )
    return PREVIOUS_YEAR_NOTE.format(what=f"(tiêu chí {listing})", what_en=f"(criteria {listing})")


def score_workbook(
    catalogs: Sequence[Catalog],
    scores: Sequence[UnitScore],
    rank_rows: Sequence[RankRow],
    names: Mapping[str, str],
    points: Mapping[str, Mapping[str, LeafPoints | tuple[Any, Any, Any]]],
    notes: Sequence[str],
    *,
    type_names: Mapping[str, str] | None = None,
) -> bytes:
    """The results workbook: a ranking sheet per unit type, then a score sheet per unit.

    Ranking sheets ("Xếp hạng <type>") list rank, unit, total, maximum, index and the areas'
    component indices, with ``notes`` under the title. Unit sheets (named by the unit code) have
    the appendix's shape: STT, Nội dung, Điểm tối đa, Điểm tự đánh giá, Điểm đạt được (from
    ``points`` for the leaves, the unit's score above them), Ghi chú, Nguồn; a total row; the
    index and the rank. Every sheet of an illustrative catalog carries its warning, and a note
    says when a unit's Ministry survey points are last year's. A score whose unit type has no
    catalog is a ValueError (a programming error, not a bad file).
    """
    by_type = {c.unit_type: c for c in catalogs}
    for s in scores:
        if s.unit_type not in by_type:
            raise ValueError(f"no catalog for unit type {s.unit_type!r} of unit {s.unit_code!r}")
    types = list(dict.fromkeys([c.unit_type for c in catalogs] + [r.unit_type for r in rank_rows]))
    book = _new_book()
    taken: set[str] = set()
    records = {r["unit_code"]: r for r in ranking_rows(rank_rows, names)}
    areas = _areas_of(rank_rows)
    for unit_type in types:
        catalog = by_type.get(unit_type)
        rows = [r for r in rank_rows if r.unit_type == unit_type]
        header = [
            "Hạng",
            "Mã đơn vị",
            "Tên đơn vị",
            "Tổng điểm",
            "Điểm tối đa",
            "Chỉ số CCHC (%)",
            *(f"Lĩnh vực {code} (%)" for code in areas),
            "Ghi chú",
        ]
        widths = [7, 12, 40, 10, 10, 12, *([11] * len(areas)), 36]
        sheet = book.create_sheet(sheet_title(f"Xếp hạng {unit_type}", taken))
        writer = _SheetWriter(sheet, len(header), widths)
        previous = [r.unit_code for r in rows if r.from_previous_year]
        note = _previous_year_note(previous, units=True) if previous else None
        if catalog is not None:
            _heading(
                writer,
                catalog,
                type_names,
                title=RANKING_TITLE,
                previous_year=note,
                notes=notes,
            )
        else:
            writer.line(
                RANKING_TITLE.format(year="", unit_type=_type_name(unit_type, type_names)),
                "title",
            )
            if any(r.illustrative for r in rows):
                writer.line(f"{WARNING_MARK} (danh mục minh họa — illustrative catalog)", "warning")
            if note:
                writer.line(note, "note")
            for text in notes:
                writer.line(text, "note")
        writer.header(header)
        for r in rows:
            record = records[r.unit_code]
            remarks = []
            if not r.ranked:
                remarks.append(NOT_RANKED)
            if r.from_previous_year:
                remarks.append("điều tra BNV năm trước")
            row = writer.values(
                [
                    record["rank"] if record["rank"] != "" else None,
                    r.unit_code,
                    record["unit_name"],
                    record["total_points"],
                    record["max_points"],
                    record["index"],
                    *(
                        record[f"area_{code}"] if record[f"area_{code}"] != "" else None
                        for code in areas
                    ),
                    "; ".join(remarks) or None,
                ]
            )
            for col in range(4, 7 + len(areas)):
                sheet.cell(row, col).number_format = _POINTS_FORMAT
    ordered = [r.unit_code for r in rank_rows]
    by_unit = {s.unit_code: s for s in scores}
    for code in list(dict.fromkeys(ordered + [s.unit_code for s in scores])):
        score = by_unit.get(code)
        if score is not None:
            rank = records[code]["rank"] if code in records else ""
            _unit_sheet(
                book, taken, by_type[score.unit_type], score, rank, names, points, type_names
            )
    return _save(book)


def _unit_sheet(
    book: Workbook,
    taken: set[str],
    catalog: Catalog,
    score: UnitScore,
    rank: object,
    names: Mapping[str, str],
    points: Mapping[str, Mapping[str, LeafPoints | tuple[Any, Any, Any]]],
    type_names: Mapping[str, str] | None,
) -> None:
    unit = score.unit_code
    leaves = points.get(unit, {})
    previous = list(score.from_previous_year)
    writer = _SheetWriter(book.create_sheet(sheet_title(unit, taken)), 7, _WIDTHS)
    _heading(
        writer,
        catalog,
        type_names,
        extra=(f"Đơn vị: {names.get(unit, unit)}", f"Mã đơn vị: {unit}"),
        previous_year=_previous_year_note(previous, units=False) if previous else None,
    )

    def self_sum(code: str) -> float | None:
        values = [leaves.get(c.code, (None, None, ""))[0] for c in catalog.leaves_under(code)]
        if any(v is None for v in values):
            return None
        return math.fsum(float(v) for v in values if v is not None)

    def cells(c: Criterion, rows: Mapping[str, int]) -> tuple[object, object, object]:
        entry = leaves.get(c.code)
        note = entry[2] if entry is not None and entry[2] else None
        if c.code in score.from_previous_year:
            note = f"{PREVIOUS_YEAR_CELL}; {note}" if note else PREVIOUS_YEAR_CELL
        if c.level == "area":
            final: object = score.areas[c.code].points
        elif c.code in score.criteria:
            final = score.criteria[c.code].points
        else:
            final = entry[1] if entry is not None else None
        return self_sum(c.code), final, note

    total_self = math.fsum(
        float(leaves[c.code][0] or 0) for c in catalog.leaves if c.code in leaves
    )
    complete = all(c.code in leaves and leaves[c.code][0] is not None for c in catalog.leaves)
    _table(writer, catalog, cells, (total_self if complete else None, score.total))
    index_self = round_half_up(100 * total_self / score.max) if complete and score.max else None
    writer.values(["", "Chỉ số CCHC (%)", 100, index_self, round_half_up(score.index)], bold=True)
    for col in (3, 4, 5):
        writer.sheet.cell(writer.row, col).number_format = _POINTS_FORMAT
    rank_text = NOT_RANKED if not score.ranked or rank == "" else rank
    writer.values(["", "Xếp hạng trong nhóm", None, None, rank_text], bold=True)
