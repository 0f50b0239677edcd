"""A responses export (CSV) read by columns with pyarrow's multi-threaded reader.

The same file rules, messages and row numbers as ``analysis_input.read_responses_file`` (kept as
the reference, and for the database path): UTF-8 with or without a byte-order mark; header names
cleaned like ``csv_files.clean_text`` (stripped, inner white space collapsed, NFC), the last of a
repeated name wins; blank lines skipped and not counted; a row with more values than the header is
an error, one with fewer gets empty cells; the export's fixed columns are required.

How it stays exact and fast (docs/decisions/0019): pyarrow reads only the columns the analysis
needs, as raw strings (cleaned later: :mod:`responses_checks`); whatever pyarrow refuses or might
read otherwise than ``csv`` (a row with too many or too few values, a blank first line, repeated
raw header names, bytes that are not UTF-8, an empty file) is read again by Python's ``csv``
module in one streaming pass, which gives today's messages (the first :data:`MAX_LISTED`, and
the count). No Flask, no SQLAlchemy here.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from survey_app.csv_files import (
    FileProblem,
    clean_text,
    empty_file_message,
    extra_values_message,
    not_utf8_message,
    nul_message,
)
from survey_app.results.analysis_input import FIXED, InputError

MAX_LISTED = 100
_HEAD_BYTES = 1 << 20
_BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class ResponseColumns:
    """The columns of a responses file the analysis needs, as raw strings (not yet cleaned).

    ``header``: every column name of the file, cleaned, in file order; ``columns``: cleaned
    name → its raw cells; ``rows``: each row's number in the file (2 = the first after the
    header).
    """

    header: list[str]
    columns: Mapping[str, pa.ChunkedArray]
    rows: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.rows)

    def labels(self, name: str, empty: str = "") -> NDArray[np.str_]:
        """The column's cells cleaned (``clean_text``), ``empty`` for an empty one."""
        return _labels(self.columns[name], empty)

    def take(self, mask: NDArray[np.bool_]) -> ResponseColumns:
        """The rows where ``mask`` holds (their file row numbers kept)."""
        keep = pa.array(mask)
        return ResponseColumns(
            self.header,
            {name: column.filter(keep) for name, column in self.columns.items()},
            self.rows[mask],
        )


# --- reading --------------------------------------------------------------------------------
def read_columns(path: Path, wanted: Collection[str]) -> ResponseColumns:
    """The ``wanted`` columns (cleaned names; those absent are left out) of a responses CSV.

    Raises :class:`InputError` for what reading it row by row reports: not UTF-8, an empty
    file, a row with more values than the header (every such row), the export's fixed columns
    missing.
    """
    columns = _read_with_arrow(path, wanted)
    if columns is None:
        columns = _read_with_csv(path, wanted)
    missing = _missing_fixed(columns.header)
    if missing:
        raise InputError(missing)
    return columns


def _missing_fixed(header: Sequence[str]) -> list[FileProblem]:
    return [
        FileProblem(
            1, column, f"required column {column!r} is missing: is this a responses export?"
        )
        for column in FIXED
        if column not in header
    ]


def _read_with_arrow(path: Path, wanted: Collection[str]) -> ResponseColumns | None:
    """pyarrow's read, or None when the file needs Python's ``csv`` to say the same thing."""
    with path.open("rb") as stream:
        head = stream.read(_HEAD_BYTES)
    text = head.decode("utf-8-sig", errors="replace")
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    if not first or len(set(first)) != len(first):
        return None  # empty, blank first line, repeated names: csv's own reading decides
    if len(head) == _HEAD_BYTES and "\n" not in text and "\r" not in text:
        return None
    header = [clean_text(name) for name in first]
    raw_of = {name: raw for raw, name in zip(first, header, strict=True)}  # the last one wins
    include = [raw_of[name] for name in dict.fromkeys(header) if name in wanted]
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 23),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={raw: pa.string() for raw in first},
                include_columns=include,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                check_utf8=True,
            ),
        )
    except (pa.ArrowException, KeyError, OSError):
        return None
    if not _utf8(path):
        return None  # the columns not read must be UTF-8 (and free of NUL) too
    columns = {clean_text(raw): table.column(raw) for raw in include}
    return ResponseColumns(header, columns, np.arange(2, table.num_rows + 2, dtype=np.int64))


def _utf8(path: Path) -> bool:
    """Whether the whole file decodes as UTF-8 and holds no NUL (read in chunks, nothing kept);
    a NUL is refused by the row reader with its row and column (``csv_files.read_csv``)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 24):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_with_csv(path: Path, wanted: Collection[str]) -> ResponseColumns:
    """One streaming pass of Python's ``csv`` (the reference reader's rules and messages)."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                FileProblem(
                    None,
                    None,
                    not_utf8_message(exc),
                )
            ]
        ) from None
    del raw
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        header = [clean_text(name) for name in next(reader, [])]
        if not header:
            raise InputError([FileProblem(1, None, empty_file_message())])
        index = {name: i for i, name in enumerate(header)}  # the last of a repeated name wins
        picked = {name: index[name] for name in wanted if name in index}
        values: dict[str, list[str]] = {name: [] for name in picked}
        problems: list[FileProblem] = [
            FileProblem(1, name, nul_message()) for name in header if "\x00" in name
        ]
        number = 1
        for cells in reader:
            if not cells:
                continue  # csv.DictReader skips blank lines without counting them
            number += 1
            problems.extend(
                FileProblem(number, name, nul_message())
                for name, cell in zip(header, cells, strict=False)
                if "\x00" in cell
            )
            if len(cells) > len(header):
                problems.append(
                    FileProblem(
                        number,
                        None,
                        extra_values_message(len(cells), len(header)),
                    )
                )
            for name, i in picked.items():
                values[name].append(cells[i] if i < len(cells) else "")
    if problems:
        every = [*problems, *_missing_fixed(header)]
        raise InputError(every[:MAX_LISTED], total=len(every))
    columns = {name: pa.chunked_array([pa.array(v, pa.string())]) for name, v in values.items()}
    return ResponseColumns(header, columns, np.arange(2, number + 1, dtype=np.int64))


def _labels(column: pa.ChunkedArray, empty: str = "") -> NDArray[np.str_]:
    """Cells cleaned once per distinct value."""
    if len(column) == 0:
        return np.array([], dtype=str)
    encoded = column.combine_chunks().dictionary_encode()
    uniques = [clean_text(v) or empty for v in encoded.dictionary.to_pylist()]
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return np.array(uniques, dtype=str)[codes]
