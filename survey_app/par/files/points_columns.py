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
from typing import Any, NamedTuple

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


class _Points(NamedTuple):
    """The good rows of a points file by columns: each row's unit and code, and its values
    as indices into the distinct (cleaned, parsed) values."""

    units: list[str]
    unit_of: np.ndarray
    codes: list[str]
    code_of: np.ndarray
    own: tuple[list[float | None], np.ndarray]
    final: tuple[list[float | None], np.ndarray]
    notes: tuple[list[str], np.ndarray]


def read_points_columns(
    source: CsvSource,
) -> tuple[dict[str, dict[str, Any]], list[Problem]] | None:
    """``points.read_points_csv``'s (points, problems) read by columns, or None (module doc).

    A :class:`~survey_app.par.files.points.LeafPoints` is made once per distinct (self, final,
    note) and shared by the rows that have it; each unit's dict is made from its rows at once.
    """
    from survey_app.par.files.points import LeafPoints

    read = _read(source)
    if read is None:
        return None
    rows, problems = read
    (own, own_of), (final, final_of), (notes, note_of) = rows.own, rows.final, rows.notes
    pairs, pair_of = np.unique(own_of * len(final) + final_of, return_inverse=True)
    triples, triple_of = np.unique(pair_of.reshape(-1) * len(notes) + note_of, return_inverse=True)
    leaves = np.empty(len(triples), dtype=object)
    for i, triple in enumerate(triples.tolist()):
        pair = int(pairs[triple // len(notes)])
        leaves[i] = LeafPoints(
            own[pair // len(final)], final[pair % len(final)], notes[triple % len(notes)]
        )
    return _by_unit(rows, leaves[triple_of.reshape(-1)]), problems


def read_points_maps(
    source: CsvSource,
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float | None]], list[Problem]] | None:
    """(final points, self points, problems) per unit and code, read by columns, or None (module
    doc): what ``read_points_csv`` gives, split as scoring needs it (a leaf without final points
    is left out of the final ones). None also for a file that marks a leaf not applicable."""
    read = _read(source)
    if read is None:
        return None
    rows, problems = read
    (own, own_of), (final, final_of) = rows.own, rows.final
    given = np.array([v is not None for v in final], dtype=bool)[final_of]
    finals = _by_unit(rows, np.array(final, dtype=object)[final_of], given)
    selves = _by_unit(rows, np.array(own, dtype=object)[own_of])
    return {unit: finals.get(unit, {}) for unit in selves}, selves, problems


def _by_unit(
    rows: _Points, values: np.ndarray, keep: np.ndarray | None = None
) -> dict[str, dict[str, Any]]:
    """unit → {code: value} of the rows (those where ``keep``), units in the order they first
    appear and codes in file order."""
    n = len(rows.unit_of)
    first = np.full(len(rows.units), n, dtype=np.int64)
    np.minimum.at(first, rows.unit_of, np.arange(n))
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    chosen = np.arange(n) if keep is None else np.flatnonzero(keep)
    order = chosen[np.argsort(rank[rows.unit_of[chosen]], kind="stable")]
    unit_ids = rows.unit_of[order]
    starts = np.flatnonzero(np.r_[True, unit_ids[1:] != unit_ids[:-1]]) if len(order) else []
    ends = np.r_[starts[1:], len(order)] if len(order) else []
    codes = np.array(rows.codes, dtype=object)[rows.code_of[order]].tolist()
    ordered = values[order].tolist()
    return {
        rows.units[unit_ids[a]]: dict(zip(codes[a:b], ordered[a:b], strict=True))
        for a, b in zip(np.asarray(starts).tolist(), np.asarray(ends).tolist(), strict=True)
    }


def _read(source: CsvSource) -> tuple[_Points, list[Problem]] | None:
    """The good rows and every problem of the file, by columns; None (module doc)."""
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
    good = np.flatnonzero(~blank & ~bad)
    self_numbers, _, self_of = parsed["self_points"]
    final_numbers, _, final_of = parsed["final_points"]
    found = _Points(
        units,
        unit_of[good],
        codes,
        code_of[good],
        (self_numbers, self_of[good]),
        (final_numbers, final_of[good]),
        (notes, note_of[good]),
    )
    return found, problems
