"""Shared helpers of the PAR files: CSV reading with problems, header checks, number parsing,
number formatting and unit type names (reads survey_app/data/unit_types.csv)."""

# Every reader of this package turns a file into scoring_bridge objects and never raises on a bad
# file; every problem is a scoring_bridge.Problem (the type the catalog readers' LoadResult holds),
# whose location says where (``row 5, column final_points``; ``sheet 'department', row 9, column C
# (Điểm tối đa)``; ``unit SNV, code 1.1.1``), whose message says what and repeats the bad value,
# and whose hint says how to fix it.

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from scoring_bridge import LoadResult, Problem
from scoring_bridge.problems import did_you_mean, show
from survey_app.csv_files import FileProblem, clean_text, read_csv

CsvSource = Path | str | bytes
"""A CSV source: a path or the file's bytes (UTF-8, with or without BOM)."""


def _label(value: object) -> str:
    """A header or keyword cell for comparing: NFC, casefolded, one space, no trailing ':'."""
    if value is None:
        return ""
    return clean_text(str(value)).casefold().rstrip(":* ").strip()


def _fmt(value: float) -> str:
    """A number for a file cell, without a useless ``.0``: 10.0 → "10", 2.25 → "2.25"."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _as_problem(p: FileProblem) -> Problem:
    where = []
    if p.row is not None:
        where.append(f"row {p.row}")
    if p.column:
        where.append(f"column {p.column}")
    return Problem(", ".join(where) or "file", p.message)


def _read_csv(source: CsvSource) -> tuple[list[str], list[dict[str, str]], list[Problem]]:
    """read_csv, with an unreadable file as a problem instead of an exception."""
    try:
        header, rows, problems = read_csv(source)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        name = os.fspath(source) if not isinstance(source, bytes) else "the file"
        return [], [], [Problem("file", f"cannot read {name!r}: {reason}", None, "check the path")]
    except csv.Error as exc:
        return [], [], [Problem("file", f"not a CSV file: {exc}", None, "save it as CSV UTF-8")]
    return header, rows, [_as_problem(p) for p in problems]


def _check_header(
    header: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    problems: list[Problem],
) -> None:
    """Missing required columns, repeated columns and misspelt ones (others are ignored)."""
    known = (*required, *optional)
    listing = f"the columns are: {','.join(known)}"
    for column in required:
        if column not in header:
            hint = did_you_mean(column, [h for h in header if h not in known])
            problems.append(
                Problem(
                    f"row 1, column {column}",
                    f"required column {column!r} is missing",
                    None,
                    hint or listing,
                )
            )
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            problems.append(
                Problem(
                    f"row 1, column {column}",
                    f"column {column!r} appears twice",
                    None,
                    "keep one of them",
                )
            )
        seen.add(column)
        if column not in known:
            hint = did_you_mean(column, known)
            if hint:
                problems.append(
                    Problem(
                        f"row 1, column {column}",
                        f"unknown column {column!r}",
                        None,
                        f"{hint} (other unknown columns are ignored)",
                    )
                )


def _number(value: object) -> tuple[float | None, str | None]:
    """A cell as points: (number or None when empty, message when it is not a number)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"{show(value)} is not a number"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None, f"{show(value)} is not a number"
        return float(value), None
    if isinstance(value, datetime | date | time):
        return None, f"{value} is a date, not a number (Excel took the points for a date)"
    text = clean_text(str(value)).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None, None
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None, f"{show(value)} is not a number"
    if not math.isfinite(number):
        return None, f"{show(value)} is not a number"
    return number, None


NOT_APPLICABLE_CELL = "Không áp dụng"
"""What a points cell says for a criterion marked not applicable (written, and read back)."""
_NOT_APPLICABLE_WORDS = frozenset(
    {"không áp dụng", "khong ap dung", "kad", "n/a", "not applicable"}
)


def _not_applicable(value: object) -> bool:
    """True for a points cell marking the criterion not applicable ("Không áp dụng", "KAD")."""
    if not isinstance(value, str):
        return False
    return " ".join(clean_text(value).casefold().split()) in _NOT_APPLICABLE_WORDS


_NUMBER_HINT = "write the points as a number from 0 to the criterion's maximum, e.g. 2.5 or 2,5"


def _merge(
    result: LoadResult[Any], problems: Sequence[Problem] = (), warnings: Sequence[Problem] = ()
) -> LoadResult[Any]:
    every = (*problems, *result.problems)
    return LoadResult(None if every else result.value, tuple(every), (*warnings, *result.warnings))


@cache
def _shipped_type_names() -> dict[str, str]:
    path = Path(__file__).resolve().parents[2] / "data" / "unit_types.csv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return {r["code"]: r["name_vi"] for r in csv.DictReader(handle) if r.get("code")}
    except (OSError, KeyError, csv.Error):
        return {}


def _type_name(unit_type: str, names: Mapping[str, str] | None) -> str:
    if names and unit_type in names:
        return names[unit_type]
    return _shipped_type_names().get(unit_type, unit_type)
