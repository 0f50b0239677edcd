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

from survey_app.spreadsheets import restore


@dataclass(frozen=True)
class FileProblem:
    """One problem in a file: its row (1 = header), its column and what to do."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where) or 'file'}: {self.message}"


NUL_MESSAGE = "contains a NUL character (\\0), which cannot be stored: remove it"
"""A cell holding NUL: PostgreSQL text cannot hold one, so every CSV import refuses it."""


def clean_text(value: str | None) -> str:
    """Strip, collapse inner white space and normalise to Unicode NFC."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def read_csv(
    source: Path | str | bytes,
) -> tuple[list[str], list[dict[str, str]], list[FileProblem]]:
    """Header, rows (text cleaned) and problems of a CSV file given as a path or bytes.

    Problems: not UTF-8, no header, a row with more values than the header, a NUL in a cell.
    """
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return (
            [],
            [],
            [
                FileProblem(
                    None,
                    None,
                    f"not UTF-8 text ({exc.reason} at byte "
                    f"{exc.start}): save the file as CSV UTF-8",
                )
            ],
        )
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [clean_text(restore(name)) for name in reader.fieldnames or []]
    if not header:
        return [], [], [FileProblem(1, None, "the file is empty: it needs a header row")]
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    problems: list[FileProblem] = [
        FileProblem(1, name, NUL_MESSAGE) for name in header if "\x00" in name
    ]
    for number, row in enumerate(reader, start=2):
        problems.extend(
            FileProblem(number, name, NUL_MESSAGE)
            for name, value in row.items()
            if name is not None and "\x00" in (value or "")
        )
        if row.get(None):  # type: ignore[call-overload]
            problems.append(
                FileProblem(
                    number,
                    None,
                    f"{len(header) + len(row[None])} values "  # type: ignore[index]
                    f"but the header has {len(header)} columns",
                )
            )
        rows.append({k: clean_text(restore(v or "")) for k, v in row.items() if k is not None})
    return header, rows, problems
