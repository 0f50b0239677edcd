"""A workbook written sheet by sheet with bounded memory, behind a little of openpyxl's API.

The sheet writers of this package (``sheets._SheetWriter``, ``sheets._table``) speak openpyxl:
``sheet.cell(row, col, value)`` and its ``font``/``fill``/``alignment``/``number_format``,
``merge_cells``, ``row_dimensions``, ``column_dimensions``, ``freeze_panes``. A
:class:`BufferedSheet` offers that much, holding one sheet's cells (a score sheet is about a
hundred rows); :class:`StreamBook` writes it out as SpreadsheetML (:mod:`.xlsx_stream`) when the
next sheet starts, so a province of 10,000 units (10,000 sheets) never has the whole workbook in
memory. The cells read back as openpyxl wrote them (numbers with 16 significant digits).

The appendix table of a unit's score sheet is ~90 % of the cells of the score workbook and the
same on every sheet of a catalog but for three columns: :meth:`StreamBook.catalog_table` draws it
once per catalog with ``sheets._table`` itself, keeps the XML of its fixed cells, and fills in
only each unit's values (docs/decisions/0021).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string

from scoring_bridge import Catalog, Criterion
from survey_app.par.files.xlsx_stream import PLAIN, Style, XlsxStream, number_text, row_xml
from survey_app.spreadsheets import DANGEROUS


@dataclass(slots=True)
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
    """One sheet's cells and layout, with the part of openpyxl's API the writers use; ``raw``
    holds rows already written as XML (row → its ``<c>`` cells), ``draw_table`` the book's
    :meth:`StreamBook.catalog_table`."""

    title: str
    cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    row_dimensions: _Dimensions = field(default_factory=_Dimensions)
    column_dimensions: _Dimensions = field(default_factory=_Dimensions)
    freeze_panes: Any = None
    raw: dict[int, tuple[str, int]] = field(default_factory=dict)  # row → (cells, last column)
    draw_table: Callable[..., None] | None = None  # ``sheets._table`` from a template

    def cell(self, row: int, column: int, value: Any = None) -> _Cell:
        found = self.cells.get((row, column))
        if found is None:
            found = self.cells[row, column] = _Cell()
        if value is not None:
            found.value = value
        return found

    def merge_cells(self, *, start_row: int, start_column: int, end_row: int, end_column: int):
        self.merged.append((start_row, start_column, end_row, end_column))


class _Slot:
    """A value left to fill in a table template: the index of the unit's value."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


@dataclass
class _Template:
    """``sheets._table`` of one catalog from one row: each row's cells as fixed XML and slots
    (value index, blank cell, cell head, cell head quote-prefixed), and what ``_table`` set
    besides cells."""

    rows: list[tuple[int, list[Any], int]]  # (row, parts, last column)
    code_rows: dict[str, int]
    end: int
    freeze: tuple[int, int] | None
    columns: dict[str, _Dimension]
    heights: dict[int, float]
    merged: list[tuple[int, int, int, int]]


Cells = Callable[[Criterion, Mapping[str, int]], tuple[object, object, object]]


class StreamBook:
    """A workbook to ``target`` (a path; None: in memory, for :meth:`getvalue`)."""

    def __init__(self, target: Path | None = None) -> None:
        self._buffer = io.BytesIO() if target is None else None
        self.xlsx = XlsxStream(self._buffer if self._buffer is not None else target)  # type: ignore[arg-type]
        self._by_style: dict[tuple[Any, ...], int] = {}
        self._kept: list[Any] = []  # the objects whose ids key ``_by_style`` and ``_tables``
        self._tables: dict[tuple[int, int, int, bool], _Template] = {}
        self._pending: BufferedSheet | None = None

    def create_sheet(self, title: str) -> BufferedSheet:
        self._flush()
        self._pending = BufferedSheet(title, draw_table=self.catalog_table)
        return self._pending

    def close(self) -> None:
        self._flush()
        self.xlsx.close()

    def getvalue(self) -> bytes:
        assert self._buffer is not None, "a workbook written to a file has no bytes"
        return self._buffer.getvalue()

    # --- the appendix table from a template ---------------------------------------------------
    def catalog_table(
        self,
        writer: Any,
        catalog: Catalog,
        cells: Cells,
        totals: Sequence[object],
        inputs: bool = False,
    ) -> None:
        """``sheets._table(writer, catalog, cells, totals, inputs=inputs)`` into the pending
        sheet: the same cells, written from the catalog's template with ``cells``' values."""
        sheet: BufferedSheet = writer.sheet
        key = (id(catalog), writer.row, len(totals), inputs)
        template = self._tables.get(key)
        if template is None:
            template = self._tables[key] = self._template(writer, catalog, len(totals), inputs)
            self._kept.append(catalog)
        values: list[Any] = []
        rows = template.code_rows
        for c in catalog.criteria:
            values.extend(cells(c, rows))
        values.extend(totals)
        raw = sheet.raw
        for number, parts, last in template.rows:
            out = []
            for part in parts:
                if part.__class__ is str:
                    out.append(part)
                    continue
                value = values[part[0]]
                if value is None or value == "":
                    out.append(part[1])
                elif value.__class__ is float or value.__class__ is int:
                    shown = number_text(value)
                    out.append(part[1] if shown is None else f"{part[2]}><v>{shown}</v></c>")
                elif isinstance(value, str):
                    head = part[3] if value[:1] in DANGEROUS else part[2]
                    out.append(f'{head} t="s"><v>{self.xlsx.string(value)}</v></c>')
                else:
                    out.append(self.xlsx.cell(part[4], value, part[5]))
            raw[number] = ("".join(out), last)
        for letter, dim in template.columns.items():
            target = sheet.column_dimensions[letter]
            for name in ("width", "height", "number_format"):
                if getattr(dim, name) is not None:
                    setattr(target, name, getattr(dim, name))
        for number, height in template.heights.items():
            sheet.row_dimensions[number].height = height
        sheet.merged.extend(template.merged)
        if template.freeze is not None:
            sheet.freeze_panes = template.freeze
        writer.row = template.end

    def _template(self, writer: Any, catalog: Catalog, totals: int, inputs: bool) -> _Template:
        """Draws ``sheets._table`` on a scratch sheet with a slot for every value."""
        from survey_app.par.files.sheets import _SheetWriter, _table

        scratch = BufferedSheet("")
        probe = _SheetWriter(scratch, writer.columns, ())
        probe.row = writer.row
        order = {c.code: i for i, c in enumerate(catalog.criteria)}
        code_rows: dict[str, int] = {}

        def slots(c: Criterion, rows: Mapping[str, int]) -> tuple[object, object, object]:
            code_rows.update(rows)
            i = 3 * order[c.code]
            return _Slot(i), _Slot(i + 1), _Slot(i + 2)

        n = 3 * len(catalog.criteria)
        _table(probe, catalog, slots, tuple(_Slot(n + i) for i in range(totals)), inputs=inputs)
        covered = _covered(scratch)
        rows = []
        for number, columns in sorted(_by_row(scratch).items()):
            parts: list[Any] = []
            for col in columns:
                if (number, col) in covered:
                    continue
                cell = scratch.cells[number, col]
                ref = self.xlsx.ref(number, col)
                if isinstance(cell.value, _Slot):
                    plain = self._xf(cell, False)
                    quoted = self._xf(cell, True)
                    head = f'<c r="{ref}" s="{plain}"' if plain else f'<c r="{ref}"'
                    parts.append(
                        (
                            cell.value.index,
                            head + "/>" if plain else "",
                            head,
                            f'<c r="{ref}" s="{quoted}"',
                            ref,
                            plain,
                        )
                    )
                else:
                    text = self.xlsx.cell(ref, cell.value, self._xf(cell))
                    if parts and parts[-1].__class__ is str:
                        parts[-1] += text
                    else:
                        parts.append(text)
            rows.append((number, parts, max(columns)))
        freeze = (
            _position(scratch, scratch.freeze_panes) if scratch.freeze_panes is not None else None
        )
        heights = {r: d.height for r, d in scratch.row_dimensions.items() if d.height is not None}
        return _Template(
            rows,
            code_rows,
            probe.row,
            freeze,
            dict(scratch.column_dimensions),
            heights,
            list(scratch.merged),
        )

    # --- writing one sheet ----------------------------------------------------------------
    def _flush(self) -> None:
        sheet, self._pending = self._pending, None
        if sheet is None:
            return
        columns = []
        for letter, dim in sorted(
            sheet.column_dimensions.items(), key=lambda item: column_index_from_string(item[0])
        ):
            xf = self._style_id(_style(None, None, None, dim.number_format or "General"))
            columns.append((column_index_from_string(letter), dim.width, xf))
        freeze = _position(sheet, sheet.freeze_panes) if sheet.freeze_panes is not None else None
        covered = _covered(sheet)
        by_row = _by_row(sheet)
        numbers = sorted(set(by_row) | set(sheet.raw) | set(sheet.row_dimensions))
        last_col = max([1, *(c for cols in by_row.values() for c in cols)])
        last_col = max([last_col, *(last for _, last in sheet.raw.values())])
        xlsx, cells = self.xlsx, sheet.cells

        def rows():
            for number in numbers:
                dim = sheet.row_dimensions.get(number)
                height = dim.height if dim is not None else None
                if number in sheet.raw:
                    if number in by_row:
                        raise ValueError(f"row {number} is both written and buffered")
                    yield row_xml(number, sheet.raw[number][0], height)
                    continue
                out = []
                for col in by_row.get(number, ()):
                    if (number, col) not in covered:
                        cell = cells[number, col]
                        out.append(xlsx.cell(xlsx.ref(number, col), cell.value, self._xf(cell)))
                yield row_xml(number, "".join(out), height)

        xlsx.write_sheet(
            sheet.title,
            rows(),
            last=(max([1, *numbers]), last_col),
            columns=columns,
            freeze=freeze,
            merged=[f"{xlsx.ref(r1, c1)}:{xlsx.ref(r2, c2)}" for r1, c1, r2, c2 in sheet.merged],
        )

    def _xf(self, cell: _Cell, quoted: bool | None = None) -> int:
        """The format index of ``cell`` (quote-prefixed as the cell says, or as ``quoted``)."""
        if quoted is None:
            quoted = bool(getattr(cell, "quotePrefix", False))
        ids = (id(cell.font), id(cell.fill), id(cell.alignment), cell.number_format, quoted)
        found = self._by_style.get(ids)
        if found is None:
            style = _style(cell.font, cell.fill, cell.alignment, cell.number_format, quoted)
            found = self._by_style[ids] = self._style_id(style)
            self._kept.append((cell.font, cell.fill, cell.alignment))
        return found

    def _style_id(self, style: Style) -> int:
        return 0 if style == PLAIN else self.xlsx.style(style)


def _by_row(sheet: BufferedSheet) -> dict[int, list[int]]:
    """Row → its buffered cells' columns, in order."""
    by_row: dict[int, list[int]] = {}
    for row, col in sheet.cells:
        by_row.setdefault(row, []).append(col)
    for cols in by_row.values():
        cols.sort()
    return by_row


def _covered(sheet: BufferedSheet) -> set[tuple[int, int]]:
    """The cells of merged ranges but their top-left ones."""
    return {
        (r, c)
        for r1, c1, r2, c2 in sheet.merged
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
        if (r, c) != (r1, c1)
    }


def _position(sheet: BufferedSheet, target: Any) -> tuple[int, int]:
    """(row, column) of ``target``: a cell of the sheet or a (row, column) already."""
    if isinstance(target, tuple):
        return target
    for key, cell in sheet.cells.items():
        if cell is target:
            return key
    raise ValueError("freeze_panes must be a cell of the sheet")


def _style(
    font: Font | None,
    fill: PatternFill | None,
    alignment: Alignment | None,
    number_format: str | None,
    quoted: bool = False,
) -> Style:
    """The :class:`Style` of openpyxl's font, fill, alignment and number format."""
    bold = italic = False
    size: float | None = None
    color: str | None = None
    if font is not None:
        bold, italic = bool(font.b), bool(font.i)
        if font.sz is not None and float(font.sz) != 11:
            size = float(font.sz)
        if font.color is not None and font.color.rgb and isinstance(font.color.rgb, str):
            color = font.color.rgb[-6:].upper()
    solid = None
    if fill is not None and fill.fill_type == "solid":
        solid = str(fill.fgColor.rgb)[-6:].upper()
    horizontal = vertical = None
    wrap = False
    if alignment is not None:
        wrap = bool(alignment.wrap_text)
        vertical = alignment.vertical or None
        horizontal = alignment.horizontal or None
    return Style(
        bold=bold,
        italic=italic,
        size=size,
        color=color,
        fill=solid,
        horizontal=horizontal,
        vertical=vertical,
        wrap=wrap,
        number_format=number_format or "General",
        quote=quoted,
    )
