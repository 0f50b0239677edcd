"""Points CSV read by columns (pyarrow) for large files: the row reader's result and messages.

:func:`survey_app.par.files.points.read_points_csv` tries this first. A cell is cleaned
(``clean_text``) and parsed as points (``_number``) once per distinct value, not once per row;
blank rows, missing unit codes or criterion codes, bad or negative points and repeated unit ×
code pairs are found on whole columns; only the rows with a problem are written out one by one,
with the row reader's exact messages, in file order. Whatever might read otherwise than Python's
``csv`` (a header problem, repeated or unreadable header names, a row with too many or too few
values, bytes that are not UTF-8, an empty file) gives None: the row reader then reads the file
and says what is wrong, as before.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scoring_bridge import Problem
from survey_app.csv_files import arrow_integers, clean_text
from survey_app.par.files.common import (
    CsvSource,
    _below_zero,
    _check_header,
    _not_applicable,
    _number,
)
from survey_app.par.files.messages import (
    NumberFault,
    code_missing,
    fill_or_delete,
    given_again,
    number_hint,
    one_row_per_unit_and_code,
    points_fault,
)

_HEAD_BYTES = 1 << 20


def _table(source: CsvSource) -> tuple[list[str], pa.Table] | None:
    """The file's cleaned header and every column as raw strings, or None (see module doc)."""
    if isinstance(source, bytes):
        head, target = source[:_HEAD_BYTES], pa.BufferReader(source)
    else:
        try:
            with Path(source).open("rb") as stream:
                head = stream.read(_HEAD_BYTES)
        except OSError:
            return None
        target = Path(source)
    text = head.decode("utf-8-sig", errors="replace")
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    if not first or len(set(first)) != len(first) or "\ufffd" in "".join(first):
        return None
    if len(head) == _HEAD_BYTES and "\n" not in text and "\r" not in text:
        return None
    try:
        table = pacsv.read_csv(
            target,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={raw: pa.string() for raw in first},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                check_utf8=True,
            ),
        )
    except (pa.ArrowException, OSError):
        return None
    if table.column_names != first:
        return None
    # a NUL anywhere: the row reader refuses it with its row and column (csv_files.read_csv)
    if any(pc.any(pc.match_substring(column, "\x00")).as_py() for column in table.columns):
        return None
    return [clean_text(name) for name in first], table


def _cleaned(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """(distinct cleaned values, each row's index into them)."""
    encoded = column.combine_chunks().dictionary_encode()
    canonical: dict[str, int] = {}
    ids = [
        canonical.setdefault(clean_text(v), len(canonical)) for v in encoded.dictionary.to_pylist()
    ]
    indices = arrow_integers(encoded.indices)
    return list(canonical), np.array(ids, dtype=np.int64)[indices]


def read_points_columns(
    source: CsvSource,
) -> tuple[dict[str, dict[str, Any]], list[Problem]] | None:
    """``points.read_points_csv``'s (points, problems) read by columns, or None (module doc)."""
    from survey_app.par.files.points import LeafPoints

    read = _table(source)
    if read is None:
        return None
    header, table = read
    problems: list[Problem] = []
    _check_header(header, ("unit_code", "code"), ("self_points", "final_points", "note"), problems)
    if problems or not {"self_points", "final_points"} & set(header):
        return None
    n = table.num_rows
    values: dict[str, tuple[list[str], np.ndarray]] = {}
    blank = np.ones(n, dtype=bool)
    for name, column in zip(header, table.columns, strict=True):
        names, index = _cleaned(column)
        values[name] = (names, index)
        blank &= np.array([not v for v in names], dtype=bool)[index] if names else True

    def column_of(name: str) -> tuple[list[str], np.ndarray]:
        return values.get(name, ([""], np.zeros(n, dtype=np.int64)))

    units, unit_of = column_of("unit_code")
    codes, code_of = column_of("code")
    notes, note_of = column_of("note")
    no_unit = np.array([not u for u in units], dtype=bool)[unit_of]
    no_code = np.array([not c for c in codes], dtype=bool)[code_of]
    bad = ~blank & (no_unit | no_code)
    parsed: dict[str, tuple[list[float | None], list[NumberFault | None], np.ndarray]] = {}
    for column in ("self_points", "final_points"):
        names, index = column_of(column)
        numbers: list[float | None] = []
        faults: list[NumberFault | None] = []
        for text in names:
            if _not_applicable(text):
                return None  # a "Không áp dụng" mark: the row reader reads it
            value, fault = _number(text)
            if fault is None and value is not None and value < 0:
                fault = _below_zero(value)
            numbers.append(value)
            faults.append(fault)
        parsed[column] = (numbers, faults, index)
        bad |= ~blank & np.array([f is not None for f in faults], dtype=bool)[index]
    keyed = ~blank & ~no_unit & ~no_code
    key = unit_of.astype(np.int64) * max(len(codes), 1) + code_of
    rows = np.flatnonzero(keyed)
    first_of = np.full(n, -1, dtype=np.int64)
    if len(rows):
        _, first, inverse = np.unique(key[rows], return_index=True, return_inverse=True)
        first_of[rows] = rows[first][inverse.reshape(-1)]
    repeated = keyed & (first_of != np.arange(n))
    bad |= repeated
    for i in np.flatnonzero(bad).tolist():
        number = i + 2
        unit, code = units[unit_of[i]], codes[code_of[i]]
        for column, value in (("unit_code", unit), ("code", code)):
            if not value:
                problems.append(
                    Problem(
                        f"row {number}, column {column}",
                        code_missing(column),
                        code or None,
                        fill_or_delete(),
                    )
                )
        for column in ("self_points", "final_points"):
            _, faults, index = parsed[column]
            fault = faults[index[i]]
            if fault:
                problems.append(
                    Problem(
                        f"row {number}, column {column}",
                        points_fault(fault, column, unit, code),
                        code or None,
                        number_hint(),
                    )
                )
        if repeated[i]:
            problems.append(
                Problem(
                    f"row {number}, column code",
                    given_again(unit, code, int(first_of[i]) + 2),
                    code,
                    one_row_per_unit_and_code(),
                )
            )
    out: dict[str, dict[str, Any]] = {}
    good = np.flatnonzero(~blank & ~bad)
    self_numbers, _, self_of = parsed["self_points"]
    final_numbers, _, final_of = parsed["final_points"]
    unit_names = np.array(units, dtype=object)[unit_of[good]].tolist()
    code_names = np.array(codes, dtype=object)[code_of[good]].tolist()
    own = np.array(self_numbers, dtype=object)[self_of[good]].tolist()
    final = np.array(final_numbers, dtype=object)[final_of[good]].tolist()
    note = np.array(notes, dtype=object)[note_of[good]].tolist()
    for unit, code, s, f, text in zip(unit_names, code_names, own, final, note, strict=True):
        leaves = out.get(unit)
        if leaves is None:
            leaves = out[unit] = {}
        leaves[code] = LeafPoints(s, f, text)
    return out, problems
