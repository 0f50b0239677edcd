"""Reading operators' CSV files: UTF-8 (with or without BOM), header row, NFC text.

A cell the product's own writer quoted so that spreadsheets do not run it (``'=…``,
`survey_app.spreadsheets`) reads back as the text that was written.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey_app.i18n import N_, text_in, vi_en
from survey_app.spreadsheets import restore

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True)
class FileProblem:
    """One problem in a file: its row (1 = header), its column and what to do."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        vietnamese, english = place_words(self.row, self.column)
        return f"{vietnamese} ({english}): {self.message}"


ROW = N_("dòng %(row)s")
COLUMN = N_("cột %(column)s")
FILE = N_("tệp")


def place_words(row: int | None, column: str | None) -> tuple[str, str]:
    """(Vietnamese, English) of a place in a file: ``("dòng 2 · cột q15", "row 2, column
    'q15'")``; ``("tệp", "file")`` for the file as a whole."""
    said = {"vi": [], "en": []}
    for language, words in said.items():
        if row is not None:
            words.append(text_in(language, ROW, row=row))
        if column:
            words.append(
                text_in(language, COLUMN, column=column if language == "vi" else repr(column))
            )
    vietnamese = " · ".join(said["vi"]) or text_in("vi", FILE)
    return vietnamese, ", ".join(said["en"]) or text_in("en", FILE)


def not_utf8_message(exc: UnicodeDecodeError) -> str:
    """A file that is not UTF-8 text: where, and how to save it."""
    return vi_en(
        "không phải văn bản UTF-8 (%(reason)s ở byte %(byte)s): hãy lưu tệp dạng CSV UTF-8",
        reason=exc.reason,
        byte=exc.start,
    )


def empty_file_message() -> str:
    """A CSV file without even a header row."""
    return vi_en("tệp rỗng: cần có dòng tiêu đề")


def extra_values_message(values: int, columns: int) -> str:
    """A row longer than the header."""
    return vi_en(
        "%(values)s giá trị nhưng dòng tiêu đề có %(columns)s cột", values=values, columns=columns
    )


def nul_message() -> str:
    """A cell holding NUL: PostgreSQL text cannot hold one, so every CSV import refuses it."""
    return vi_en("có ký tự NUL (\\0), không lưu được: hãy xóa nó")


NOT_TEXT_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "xlsx"),
    (b"%PDF", "pdf"),
    (b"\xff\xfe", "utf16"),
    (b"\xfe\xff", "utf16"),
)
"""Files people upload instead of a CSV, told by their first bytes."""


def text_of(raw: bytes) -> tuple[str, FileProblem | None]:
    """The text of a CSV file's bytes (UTF-8, with or without BOM), or the problem: what the
    file is instead (a workbook, a PDF, UTF-16) or where its first non-UTF-8 byte is."""
    for signature, kind in NOT_TEXT_KINDS:
        if raw.startswith(signature):
            return "", FileProblem(None, None, not_text_message(kind))
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return "", FileProblem(None, None, not_utf8_message(exc))


def not_text_message(kind: str) -> str:
    """A file of another kind uploaded as CSV (``kind`` from `NOT_TEXT_KINDS`)."""
    if kind == "xlsx":
        return vi_en("đây là bảng tính XLSX (hoặc tệp ZIP), không phải CSV: hãy lưu dạng CSV UTF-8")
    if kind == "pdf":
        return vi_en("đây là tài liệu PDF, không phải CSV: hãy chọn tệp dữ liệu")
    return vi_en("tệp là văn bản UTF-16 (Unicode Text của Excel): hãy lưu dạng CSV UTF-8")


def clean_text(value: str | None) -> str:
    """Strip, collapse inner white space and normalise to Unicode NFC."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def read_csv(
    source: Path | str | bytes,
) -> tuple[list[str], list[dict[str, str]], list[FileProblem]]:
    """Header, rows (text cleaned) and problems of a CSV file given as a path or bytes.

    Problems: not UTF-8 (`text_of`), no header, a row with more values than the header, a NUL
    in a cell.
    """
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, problem = text_of(raw)
    if problem is not None:
        return [], [], [problem]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [clean_text(restore(name)) for name in reader.fieldnames or []]
    if not header:
        return [], [], [FileProblem(1, None, empty_file_message())]
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    problems: list[FileProblem] = [
        FileProblem(1, name, nul_message()) for name in header if "\x00" in name
    ]
    for number, row in enumerate(reader, start=2):
        problems.extend(
            FileProblem(number, name, nul_message())
            for name, value in row.items()
            if name is not None and "\x00" in (value or "")
        )
        if row.get(None):  # type: ignore[call-overload]
            problems.append(
                FileProblem(
                    number,
                    None,
                    extra_values_message(
                        len(header) + len(row[None]),  # type: ignore[index]
                        len(header),
                    ),
                )
            )
        rows.append({k: clean_text(restore(v or "")) for k, v in row.items() if k is not None})
    return header, rows, problems


def _cell_text(value: object) -> str:
    """A spreadsheet or JSON value as the text a CSV would hold (whole floats without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


def _records(records: list[object]) -> tuple[list[str], list[dict[str, str]], list[FileProblem]]:
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for number, record in enumerate(records, start=2):
        if not isinstance(record, dict):
            return (
                [],
                [],
                [FileProblem(number, None, vi_en("mỗi bản ghi phải là một đối tượng JSON"))],
            )
        for key in record:
            if clean_text(str(key)) not in header:
                header.append(clean_text(str(key)))
        rows.append({clean_text(str(k)): _cell_text(v) for k, v in record.items()})
    for row in rows:
        for column in header:
            row.setdefault(column, "")
    return header, rows, []


def read_table(
    source: Path, sheet: str | None = None, rows_key: str = "rows"
) -> tuple[list[str], list[dict[str, str]], list[FileProblem]]:
    """Header, rows and problems of a table the product wrote or an operator saved: CSV (UTF-8),
    XLSX (the sheet named ``sheet`` when there is one, else the first; row 1 is the header) or
    JSON (a list of records, or an object whose ``rows_key`` holds one).

    So every file the product writes (results, plans) can be read back by the command that takes
    it (``sipas score --sipas``, ``sipas draw --plan``).
    """
    suffix = source.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(source, sheet)
    if suffix == ".json":
        import json

        try:
            data = json.loads(source.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return (
                [],
                [],
                [FileProblem(None, None, vi_en("không phải tệp JSON (%(error)s)", error=exc))],
            )
        if isinstance(data, dict) and isinstance(data.get(rows_key), list):
            data = data[rows_key]
        if not isinstance(data, list):
            return (
                [],
                [],
                [
                    FileProblem(
                        None, None, vi_en("cần một danh sách bản ghi (hoặc %(key)r)", key=rows_key)
                    )
                ],
            )
        if not data:
            return [], [], [FileProblem(None, None, vi_en("tệp không có bản ghi nào"))]
        return _records(data)
    return read_csv(source)


def _read_xlsx(
    source: Path, sheet: str | None
) -> tuple[list[str], list[dict[str, str]], list[FileProblem]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return (
            [],
            [],
            [FileProblem(None, None, vi_en("không phải bảng tính XLSX (%(error)s)", error=exc))],
        )
    try:
        chosen = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        lines = [list(r) for r in chosen.iter_rows(values_only=True)]
    finally:
        book.close()
    lines = [line for line in lines if any(v not in (None, "") for v in line)]
    if not lines:
        return [], [], [FileProblem(1, None, vi_en("trang tính rỗng: cần có dòng tiêu đề"))]
    header = [_cell_text(v) for v in lines[0]]
    rows = [
        {name: _cell_text(value) for name, value in zip(header, line, strict=False) if name}
        for line in lines[1:]
    ]
    for row in rows:
        for name in header:
            if name:
                row.setdefault(name, "")
    return [h for h in header if h], rows, []


def arrow_integers(indices: Any) -> NDArray[np.integer]:
    """An Arrow integer array without nulls (a dictionary's indices, ids, counts) as a numpy view
    of its buffer.

    Not ``Array.to_numpy``: its conversion imports pandas, a third of a second of a command.
    """
    import numpy as np

    sign = "i" if str(indices.type).startswith("int") else "u"
    kind = np.dtype(f"{sign}{indices.type.bit_width // 8}")
    return np.frombuffer(
        indices.buffers()[1], dtype=kind, count=len(indices), offset=indices.offset * kind.itemsize
    )
