"""A workbook written sheet by sheet with bounded memory (XlsxWriter, ``constant_memory``).

The sheet writers of this package (``sheets._SheetWriter``, ``sheets._table``) speak openpyxl:
``sheet.cell(row, col, value)`` and its ``font``/``fill``/``alignment``/``number_format``,
``merge_cells``, ``row_dimensions``, ``column_dimensions``, ``freeze_panes``. A
:class:`BufferedSheet` offers that much, holding one sheet's cells (a score sheet is about a
hundred rows); :class:`StreamBook` writes it out in row order when the next sheet starts and
closes its temporary file, so a province of 10,000 units (10,000 sheets) needs neither the whole
workbook in memory nor 10,000 open files. Numbers are written with 16 significant digits, as
openpyxl writes them (``%.16g``), so the cells read back as before.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string


@dataclass
class _Cell:
    value: Any = None
    font: Font | None = None
    fill: PatternFill | None = None
    alignment: Alignment | None = None
    number_format: str = "General"
    quotePrefix: bool = False
    data_type: str = "n"


@dataclass
class _Dimension:
    width: float | None = None
    height: float | None = None
    number_format: str | None = None


class _Dimensions(dict):
    """Row or column dimensions created on first use, as openpyxl's are."""

    def __missing__(self, key: Any) -> _Dimension:
        value = self[key] = _Dimension()
        return value


@dataclass
class BufferedSheet:
    """One sheet's cells and layout, with the part of openpyxl's API the writers use."""

    title: str
    cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    row_dimensions: _Dimensions = field(default_factory=_Dimensions)
    column_dimensions: _Dimensions = field(default_factory=_Dimensions)
    freeze_panes: Any = None

    def cell(self, row: int, column: int, value: Any = None) -> _Cell:
        found = self.cells.get((row, column))
        if found is None:
            found = self.cells[row, column] = _Cell()
        if value is not None:
            found.value = value
        return found

    def merge_cells(self, *, start_row: int, start_column: int, end_row: int, end_column: int):
        self.merged.append((start_row, start_column, end_row, end_column))


class StreamBook:
    """A workbook to ``target`` (a path; None: in memory, for :meth:`getvalue`)."""

    def __init__(self, target: Path | None = None) -> None:
        self._buffer = io.BytesIO() if target is None else None
        options = {"in_memory": True} if target is None else {"constant_memory": True}
        self.book = xlsxwriter.Workbook(self._buffer or str(target), options)
        self._formats: dict[tuple[Any, ...], Any] = {}
        self._by_style: dict[tuple[int, int, int, str | None], Any] = {}
        self._kept: list[Any] = []  # the style objects whose ids key ``_by_style``
        self._pending: BufferedSheet | None = None

    def create_sheet(self, title: str) -> BufferedSheet:
        self._flush()
        self._pending = BufferedSheet(title)
        return self._pending

    def close(self) -> None:
        self._flush()
        self.book.close()

    def getvalue(self) -> bytes:
        assert self._buffer is not None, "a workbook written to a file has no bytes"
        return self._buffer.getvalue()

    # --- writing one sheet ----------------------------------------------------------------
    def _flush(self) -> None:
        sheet, self._pending = self._pending, None
        if sheet is None:
            return
        out = self.book.add_worksheet(sheet.title)
        for letter, dim in sorted(
            sheet.column_dimensions.items(), key=lambda item: column_index_from_string(item[0])
        ):
            col = column_index_from_string(letter) - 1
            style = self._format(None, None, None, dim.number_format) if dim.number_format else None
            # XlsxWriter adds Calibri 11's 5-pixel padding (5/7 of a character) to the width it
            # stores; openpyxl stores the width as given: take it off to store the same width
            width = None if dim.width is None else max(dim.width - 5 / 7, 0)
            out.set_column(col, col, width, style)
        if sheet.freeze_panes is not None:
            row, col = self._position(sheet, sheet.freeze_panes)
            out.freeze_panes(row - 1, col - 1)
        merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merged}
        covered = {
            (r, c)
            for (r1, c1), (r2, c2) in merged.items()
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1)
        }
        by_row: dict[int, list[int]] = {r: [] for r in sheet.row_dimensions}
        for row, col in sheet.cells:
            by_row.setdefault(row, []).append(col)
        for row in sorted(by_row):
            height = sheet.row_dimensions[row].height if row in sheet.row_dimensions else None
            if height is not None:
                out.set_row(row - 1, height)
            for col in sorted(by_row[row]):
                if (row, col) in covered:
                    continue
                cell = sheet.cells[row, col]
                quoted = bool(getattr(cell, "quotePrefix", False))
                ids = (id(cell.font), id(cell.fill), id(cell.alignment), cell.number_format, quoted)
                style = self._by_style.get(ids, self)
                if style is self:
                    style = self._format(
                        cell.font, cell.fill, cell.alignment, cell.number_format, quoted
                    )
                    self._by_style[ids] = style
                    self._kept.append((cell.font, cell.fill, cell.alignment))
                if (row, col) in merged:
                    end_row, end_col = merged[row, col]
                    # "" then the value as a string or a number: merge_range's write() would
                    # turn text starting with "=" into a formula
                    out.merge_range(row - 1, col - 1, end_row - 1, end_col - 1, "", style)
                    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                        out._write_number(row - 1, col - 1, cell.value, style)
                    elif cell.value not in (None, ""):
                        out._write_string(row - 1, col - 1, str(cell.value), style)
                elif cell.value is None or cell.value == "":  # openpyxl keeps "" as no value
                    if style is not None:
                        out.write_blank(row - 1, col - 1, None, style)
                elif isinstance(cell.value, bool):
                    out.write_boolean(row - 1, col - 1, cell.value, style)
                elif isinstance(cell.value, int | float):
                    out._write_number(row - 1, col - 1, cell.value, style)  # no A1 parsing
                else:
                    out._write_string(row - 1, col - 1, str(cell.value), style)
        if out.constant_memory:
            out._opt_close()  # its rows are in its temporary file: close it (reopened at close)

    @staticmethod
    def _position(sheet: BufferedSheet, target: Any) -> tuple[int, int]:
        for key, cell in sheet.cells.items():
            if cell is target:
                return key
        raise ValueError("freeze_panes must be a cell of the sheet")

    def _format(
        self,
        font: Font | None,
        fill: PatternFill | None,
        alignment: Alignment | None,
        number_format: str | None,
        quoted: bool = False,
    ) -> Any:
        properties: dict[str, Any] = {"quote_prefix": True} if quoted else {}
        if font is not None:
            if font.b:
                properties["bold"] = True
            if font.i:
                properties["italic"] = True
            if font.sz is not None and float(font.sz) != 11:
                properties["font_size"] = float(font.sz)
            if font.color is not None and font.color.rgb and isinstance(font.color.rgb, str):
                properties["font_color"] = "#" + font.color.rgb[-6:]
        if fill is not None and fill.fill_type == "solid":
            properties["pattern"] = 1
            properties["bg_color"] = "#" + str(fill.fgColor.rgb)[-6:]
        if alignment is not None:
            if alignment.wrap_text:
                properties["text_wrap"] = True
            if alignment.vertical:
                properties["valign"] = {"center": "vcenter"}.get(
                    alignment.vertical, alignment.vertical
                )
            if alignment.horizontal:
                properties["align"] = alignment.horizontal
        if number_format and number_format != "General":
            properties["num_format"] = number_format
        if not properties:
            return None
        key = tuple(sorted(properties.items()))
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self.book.add_format(properties)
        return found
