"""An XLSX workbook written as SpreadsheetML text, one zip member per sheet (docs/decisions/0021).

A sheet is handed over as ``<row>`` strings, built by the caller with :meth:`XlsxStream.cell`
(or from fragments it made once and reuses) and compressed into its own zip member as it comes;
nothing of a sheet is kept once it is written. At :meth:`XlsxStream.close` the parts that list
every sheet are added: the shared strings (``xl/sharedStrings.xml``: every distinct text once,
so a criterion name repeated on 10,000 sheets is stored once), the styles (``xl/styles.xml``:
only the cell formats asked for, see :class:`Style`), ``xl/workbook.xml`` with its relationships,
and ``[Content_Types].xml``. Deflate level 1: most of a score sheet is the same text over and
over, so a fast level loses little size.

Cells are written as openpyxl writes them, so a workbook reads back alike: numbers with 16
significant digits (``%.16g``), NaN and infinities as empty cells, booleans as ``t="b"``, ``""``
and None as no value; texts as Excel stores them (control characters as ``_xHHHH_``, at most
32,767 characters, as XlsxWriter did).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, NamedTuple

MAX_TEXT = 32_767
"""Excel's limit on the characters of one cell."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_BUILTIN_FORMATS = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
    "@": 49,
}
_PLAIN_VIEW = '<sheetView workbookViewId="0"/>'
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


class Style(NamedTuple):
    """A cell format: font (bold, italic, size, RRGGBB colour), a solid fill (RRGGBB), the
    alignment, the number format and Excel's quote prefix (text typed after ``'``)."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    number_format: str = "General"
    quote: bool = False


PLAIN = Style()


def escape(text: str) -> str:
    """``text`` as XML character data (also fit for a double-quoted attribute)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


def excel_text(text: str) -> str:
    """``text`` as Excel stores it: at most :data:`MAX_TEXT` characters, control characters
    (not allowed in XML) as ``_xHHHH_`` and a literal ``_xHHHH_`` with its underscore escaped."""
    text = text[:MAX_TEXT]
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def number_text(value: float | int) -> str | None:
    """A number as openpyxl writes it (``%.16g``); None for NaN and infinities (no value)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return f"{value:.16g}"


def column_letter(column: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class XlsxStream:
    """A workbook written to ``target`` (a path or a binary file) sheet by sheet."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
        )
        self._titles: list[str] = []
        self._strings: dict[str, int] = {}
        self._styles: dict[Style, int] = {PLAIN: 0}
        self._letters = [""] + [column_letter(c) for c in range(1, 16_385)]

    # --- cells ------------------------------------------------------------------------------
    def string(self, text: str) -> int:
        """The shared-string index of ``text``."""
        found = self._strings.get(text)
        if found is None:
            found = self._strings[text] = len(self._strings)
        return found

    def style(self, style: Style) -> int:
        """The cell format index of ``style``."""
        found = self._styles.get(style)
        if found is None:
            found = self._styles[style] = len(self._styles)
        return found

    def ref(self, row: int, column: int) -> str:
        """``A1``-style reference of a 1-based row and column."""
        return f"{self._letters[column]}{row}"

    def cell(self, ref: str, value: Any, xf: int = 0) -> str:
        """One ``<c>``: a text (shared), a number, a boolean, or no value (empty when unstyled)."""
        head = f'<c r="{ref}" s="{xf}"' if xf else f'<c r="{ref}"'
        if value is None or value == "":
            return head + "/>" if xf else ""
        if value is True or value is False:
            return f'{head} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):
            shown = number_text(value)
            return head + "/>" if shown is None else f"{head}><v>{shown}</v></c>"
        return f'{head} t="s"><v>{self.string(str(value))}</v></c>'

    # --- sheets -----------------------------------------------------------------------------
    def write_sheet(
        self,
        title: str,
        rows: Iterable[str],
        *,
        last: tuple[int, int] = (1, 1),
        columns: Iterable[tuple[int, float | None, int]] = (),
        freeze: tuple[int, int] | None = None,
        merged: Iterable[str] = (),
    ) -> None:
        """A sheet named ``title`` holding ``rows`` (``<row>`` strings, in order): ``last`` is
        its last (row, column), ``columns`` (column, width, format index), ``freeze`` the
        top-left cell of the part that scrolls, ``merged`` ranges such as ``A1:G1``."""
        number = len(self._titles) + 1
        self._titles.append(title)
        parts = [
            _HEAD,
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
            f'<dimension ref="A1:{self.ref(*last)}"/>',
            "<sheetViews>",
            _view(freeze, self) if freeze and freeze != (1, 1) else _PLAIN_VIEW,
            "</sheetViews>",
            '<sheetFormatPr defaultRowHeight="15"/>',
        ]
        cols = []
        for column, width, xf in columns:
            attributes = f'min="{column}" max="{column}"'
            if width is not None:
                attributes += f' width="{number_text(width)}" customWidth="1"'
            if xf:
                attributes += f' style="{xf}"'
            cols.append(f"<col {attributes}/>")
        if cols:
            parts.append("<cols>" + "".join(cols) + "</cols>")
        parts.append("<sheetData>")
        with self._zip.open(f"xl/worksheets/sheet{number}.xml", "w") as out:
            out.write("".join(parts).encode())
            chunk: list[str] = []
            size = 0
            for row in rows:
                chunk.append(row)
                size += len(row)
                if size > 1 << 20:
                    out.write("".join(chunk).encode())
                    chunk, size = [], 0
            chunk.append("</sheetData>")
            ranges = [f'<mergeCell ref="{r}"/>' for r in merged]
            if ranges:
                chunk.append(f'<mergeCells count="{len(ranges)}">{"".join(ranges)}</mergeCells>')
            chunk.append(
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                'footer="0.3"/></worksheet>'
            )
            out.write("".join(chunk).encode())

    def close(self) -> None:
        """Writes the parts that list every sheet and closes the zip."""
        if not self._titles:
            raise ValueError("a workbook needs a sheet")
        write = self._zip.writestr
        count = len(self._titles)
        write("xl/sharedStrings.xml", self._shared_strings())
        write("xl/styles.xml", self._styles_xml())
        sheets = "".join(
            f'<sheet name="{escape(t)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, t in enumerate(self._titles, start=1)
        )
        write(
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        relations = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        write(
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG}/relationships">{relations}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
        write(
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            f'ContentType="{_TYPE}.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        write(
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
            f"{overrides}</Types>",
        )
        self._zip.close()

    def _shared_strings(self) -> str:
        out = io.StringIO()
        out.write(f'{_HEAD}<sst xmlns="{_MAIN}" uniqueCount="{len(self._strings)}">')
        for text in self._strings:  # insertion order = index order
            shown = escape(excel_text(text))
            if text != text.strip() or "\n" in text:
                out.write(f'<si><t xml:space="preserve">{shown}</t></si>')
            else:
                out.write(f"<si><t>{shown}</t></si>")
        out.write("</sst>")
        return out.getvalue()

    def _styles_xml(self) -> str:
        formats: dict[str, int] = {}
        fonts: dict[tuple[Any, ...], int] = {(False, False, None, None): 0}
        fills: dict[str | None, int] = {None: 0, "gray125": 1}
        xfs = []
        for style in self._styles:  # insertion order = index order
            number = _BUILTIN_FORMATS.get(style.number_format)
            if number is None:
                number = formats.setdefault(style.number_format, 164 + len(formats))
            font = fonts.setdefault((style.bold, style.italic, style.size, style.color), len(fonts))
            fill = fills.setdefault(style.fill, len(fills))
            attributes = f'numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="0"'
            attributes += ' xfId="0"'
            if number:
                attributes += ' applyNumberFormat="1"'
            if font:
                attributes += ' applyFont="1"'
            if fill:
                attributes += ' applyFill="1"'
            if style.quote:
                attributes += ' quotePrefix="1"'
            align = ""
            if style.horizontal:
                align += f' horizontal="{style.horizontal}"'
            if style.vertical:
                align += f' vertical="{style.vertical}"'
            if style.wrap:
                align += ' wrapText="1"'
            if align:
                xfs.append(f'<xf {attributes} applyAlignment="1"><alignment{align}/></xf>')
            else:
                xfs.append(f"<xf {attributes}/>")
        parts = [f'{_HEAD}<styleSheet xmlns="{_MAIN}">']
        if formats:
            parts.append(f'<numFmts count="{len(formats)}">')
            parts += [
                f'<numFmt numFmtId="{n}" formatCode="{escape(code)}"/>'
                for code, n in formats.items()
            ]
            parts.append("</numFmts>")
        parts.append(f'<fonts count="{len(fonts)}">')
        for bold, italic, size, color in fonts:
            parts.append(
                "<font>"
                + ("<b/>" if bold else "")
                + ("<i/>" if italic else "")
                + f'<sz val="{number_text(size or 11)}"/>'
                + (f'<color rgb="FF{color}"/>' if color else '<color theme="1"/>')
                + '<name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
            )
        parts.append(f'</fonts><fills count="{len(fills)}">')
        for fill in fills:
            if fill is None:
                parts.append('<fill><patternFill patternType="none"/></fill>')
            elif fill == "gray125":
                parts.append('<fill><patternFill patternType="gray125"/></fill>')
            else:
                parts.append(
                    f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill}"/>'
                    '<bgColor indexed="64"/></patternFill></fill>'
                )
        parts.append(
            '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
            '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
            'fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        )
        return "".join(parts)


def _view(freeze: tuple[int, int], book: XlsxStream) -> str:
    """A sheet view frozen above and left of ``freeze`` (row, column)."""
    row, column = freeze
    top_left = book.ref(row, column)
    split = ""
    if column > 1:
        split += f' xSplit="{column - 1}"'
    if row > 1:
        split += f' ySplit="{row - 1}"'
    pane = {(True, True): "bottomRight", (False, True): "bottomLeft", (True, False): "topRight"}[
        (column > 1, row > 1)
    ]
    return (
        f'<sheetView workbookViewId="0"><pane{split} topLeftCell="{top_left}" '
        f'activePane="{pane}" state="frozen"/>'
        f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/></sheetView>'
    )


def row_xml(number: int, cells: str, height: float | None = None) -> str:
    """One ``<row>`` holding ``cells`` (``<c>`` strings), of ``height`` points when given."""
    if height is None:
        return f'<row r="{number}">{cells}</row>'
    return f'<row r="{number}" ht="{number_text(height)}" customHeight="1">{cells}</row>'
