"""The appendix-shaped sheet (Phụ lục I–III of Decision 1877/QĐ-UBND): writing its heading and
table, reading its header and rows and STT codes, sheet titles, and opening/saving workbooks."""

# The sheet: a title row ("BẢNG CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023 — <unit type>"),
# "(Kèm theo <decision>)", "Phiên bản danh mục: <version>", the illustrative warning ("⚠ MINH HỌA —
# ILLUSTRATIVE: <note>") when the catalog is illustrative, then the header row STT, Nội dung, Điểm
# tối đa, Điểm tự đánh giá, Điểm đạt được, Ghi chú, Nguồn, one row per criterion in catalog order
# (areas in bold, STT stored as text), and a "Tổng cộng" row. The readers find the header row by
# its labels (anywhere in the first 30 rows), read the lines above it when present, skip blank and
# "Tổng …" rows.
#
# Nguồn, not Ghi chú: a scored leaf's source is a column of its own holding ``appraisal``,
# ``ministry_survey`` or ``sipas`` (also read: "thẩm định", "điều tra xã hội học", "SIPAS"), so Ghi
# chú stays free text for the province and a re-import is lossless. Areas and criteria with
# sub-criteria leave it empty.
#
# STT typed as a number: a whole number is an area ("1"); a decimal such as 1.1 is accepted only
# where the numbering expects it (after area 1 or criterion 1.0x…), since Excel shows 1.10 as 1.1;
# anywhere else, or a date Excel made of "1.1", is a problem asking to format STT as text. Codes
# decide the structure, so a sheet with a bad STT is not checked further.

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from scoring_bridge import Catalog, Criterion, Problem
from scoring_bridge.problems import show
from survey_app.csv_files import clean_text
from survey_app.i18n import vi_en
from survey_app.par.files.common import _label, _type_name
from survey_app.spreadsheets import set_cell

if TYPE_CHECKING:  # openpyxl is imported when a workbook is made or read (a CSV needs none)
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

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
WARNING_MARK = "⚠ MINH HỌA — ILLUSTRATIVE:"

_HEADER_SCAN = 30
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_CODE_TEXT = re.compile(r"[1-9][0-9]*(?:\.[1-9][0-9]*){0,2}")

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


@dataclass(frozen=True)
class _Styles:
    """The sheets' fonts, fills and alignments (openpyxl objects, made on first use)."""

    bold: Any
    title: Any
    warning: Any
    note: Any
    header_fill: Any
    input_fill: Any
    wrap: Any
    centred: Any


@cache
def styles() -> _Styles:
    """:class:`_Styles`, importing openpyxl the first time."""
    from openpyxl.styles import Alignment, Font, PatternFill

    return _Styles(
        bold=Font(bold=True),
        title=Font(bold=True, size=13),
        warning=Font(bold=True, color="C00000"),
        note=Font(italic=True, color="C00000"),
        header_fill=PatternFill("solid", fgColor="D9E1F2"),
        input_fill=PatternFill("solid", fgColor="FFF2CC"),
        wrap=Alignment(wrap_text=True, vertical="top"),
        centred=Alignment(wrap_text=True, vertical="center", horizontal="center"),
    )


_WIDTHS = (9, 64, 12, 14, 14, 30, 16)
_POINTS_FORMAT = "0.00"


class _SheetWriter:
    """Writes heading lines and table rows to a sheet, keeping the row number."""

    def __init__(self, sheet: Worksheet, columns: int, widths: Sequence[float]) -> None:
        from openpyxl.utils import get_column_letter

        self.sheet = sheet
        self.columns = columns
        self.row = 0
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width

    def line(self, text: str, kind: Literal["title", "warning", "note", "meta"] = "meta") -> None:
        self.row += 1
        cell = set_cell(self.sheet, self.row, 1, text)
        cell.alignment = styles().wrap
        if kind == "title":
            cell.font = styles().title
        elif kind in ("warning", "note"):
            cell.font = styles().warning if kind == "warning" else styles().note
        if kind in ("warning", "note") or len(text) > 90:
            self.sheet.merge_cells(
                start_row=self.row, start_column=1, end_row=self.row, end_column=self.columns
            )
            self.sheet.row_dimensions[self.row].height = 15 * max(1, math.ceil(len(text) / 120))

    def values(self, values: Sequence[object], *, bold: bool = False) -> int:
        self.row += 1
        for col, value in enumerate(values, start=1):
            cell = set_cell(self.sheet, self.row, col, value)
            if bold:
                cell.font = styles().bold
        return self.row

    def header(self, labels: Sequence[str]) -> None:
        row = self.values(labels, bold=True)
        for col in range(1, len(labels) + 1):
            cell = self.sheet.cell(row, col)
            cell.fill = styles().header_fill
            cell.alignment = styles().centred
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
    knowing the row of every code written so far (for formulas).

    A sheet that can repeat a table (``StreamBook``'s: ``draw_table``) gets the same cells
    from a template this function drew once per catalog, with ``cells``' values filled in."""
    draw = getattr(writer.sheet, "draw_table", None)
    if draw is not None and cells is not None:
        draw(writer, catalog, cells, totals, inputs)
        return
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
        sheet.cell(row, 2).alignment = styles().wrap
        for col in (3, 4, 5):
            sheet.cell(row, col).number_format = _POINTS_FORMAT
        if inputs and leaf:
            sheet.cell(row, 4).fill = styles().input_fill
            sheet.cell(row, 5).fill = styles().input_fill
    writer.values(["", "Tổng cộng", catalog.total, *totals], bold=True)
    for col in (3, 4, 5):
        writer.sheet.cell(writer.row, col).number_format = _POINTS_FORMAT
    writer.sheet.column_dimensions["A"].number_format = "@"


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _new_book() -> Workbook:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    return book


@dataclass
class _Appendix:
    """An appendix-shaped sheet as read: its header, the lines above it, its criterion rows."""

    name: str
    columns: dict[str, int] = field(default_factory=dict)  # key → 0-based column
    header_row: int = 0
    above: list[str] = field(default_factory=list)  # first text of each row above the header
    rows: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)

    def where(self, row: int | None = None, key: str | None = None) -> str:
        from openpyxl.utils import get_column_letter  # a sheet was read: openpyxl is loaded

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
            vi_en(
                "không đọc được trang tính (%(error)s)",
                error=f"{type(exc).__name__}: {str(exc)[:80]}",
            ),
            None,
            vi_en("mở tệp bằng Excel hoặc LibreOffice rồi lưu lại dạng .xlsx"),
        )


def _open_workbook(data: bytes) -> tuple[Any, Problem | None]:
    try:
        from openpyxl import load_workbook

        return load_workbook(io.BytesIO(data), read_only=True, data_only=True), None
    except Exception as exc:  # any unreadable file: zip, XML, openpyxl's own errors
        return None, Problem(
            "file",
            vi_en(
                "không phải bảng tính XLSX (%(error)s)",
                error=f"{type(exc).__name__}: {str(exc)[:80]}",
            ),
            None,
            vi_en("hãy lưu tệp dạng Excel Workbook (.xlsx)"),
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
        return None, vi_en("STT %(value)s không phải mã tiêu chí", value=show(value))
    if isinstance(value, datetime | date | time):
        return None, vi_en("STT %(value)s là ngày tháng: Excel đã đổi mã thành ngày", value=value)
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
        if previous is None:
            return None, vi_en(
                "STT %(value)s là một số nên không rõ: Excel hiện 1.10 thành 1.1 (ngay sau dòng "
                "tiêu đề không chờ mã %(code)r)",
                value=text,
                code=text,
            )
        return None, vi_en(
            "STT %(value)s là một số nên không rõ: Excel hiện 1.10 thành 1.1 (sau %(previous)r "
            "không chờ mã %(code)r)",
            value=text,
            previous=previous,
            code=text,
        )
    text = clean_text(str(value))
    if text.endswith(".") and _CODE_TEXT.fullmatch(text[:-1]):
        text = text[:-1]
    return text, None


def stt_hint() -> str:
    """How to type a code Excel took for a number or a date."""
    return vi_en("định dạng cột STT là Text (văn bản) rồi gõ lại mã, ví dụ 1.10")
