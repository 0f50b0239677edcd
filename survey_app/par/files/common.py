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
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import Any

from scoring_bridge import LoadResult, Problem
from scoring_bridge.problems import show
from survey_app.csv_files import FileProblem, clean_text, read_csv
from survey_app.i18n import vi_en
from survey_app.par.bridge_words import translated_result
from survey_app.par.files.messages import NumberFault, did_you_mean

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
        message = (
            vi_en("không đọc được tệp: %(reason)s", reason=reason)
            if isinstance(source, bytes)
            else vi_en("không đọc được %(name)r: %(reason)s", name=os.fspath(source), reason=reason)
        )
        return [], [], [Problem("file", message, None, vi_en("hãy kiểm tra đường dẫn"))]
    except csv.Error as exc:
        return (
            [],
            [],
            [
                Problem(
                    "file",
                    vi_en("không phải tệp CSV: %(error)s", error=str(exc)),
                    None,
                    vi_en("hãy lưu dạng CSV UTF-8"),
                )
            ],
        )
    return header, rows, [_as_problem(p) for p in problems]


def _check_header(
    header: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    problems: list[Problem],
) -> None:
    """Missing required columns, repeated columns and misspelt ones (others are ignored)."""
    known = (*required, *optional)
    listing = vi_en("các cột là: %(columns)s", columns=",".join(known))
    for column in required:
        if column not in header:
            hint = did_you_mean(column, [h for h in header if h not in known])
            problems.append(
                Problem(
                    f"row 1, column {column}",
                    vi_en("thiếu cột bắt buộc %(column)r", column=column),
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
                    vi_en("cột %(column)r có hai lần", column=column),
                    None,
                    vi_en("giữ lại một cột"),
                )
            )
        seen.add(column)
        if column not in known:
            close = get_close_matches(column, known, n=1, cutoff=0.6)
            if close:
                problems.append(
                    Problem(
                        f"row 1, column {column}",
                        vi_en("cột lạ %(column)r", column=column),
                        None,
                        vi_en("có phải %(word)r? (các cột lạ khác được bỏ qua)", word=close[0]),
                    )
                )


def _number(value: object) -> tuple[float | None, NumberFault | None]:
    """A cell as points: (number or None when empty, the fault when it is not a number; a
    number below 0 is the caller's to refuse, `_below_zero`)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, NumberFault("number", show(value))
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None, NumberFault("number", show(value))
        return float(value), None
    if isinstance(value, datetime | date | time):
        return None, NumberFault("date", str(value))
    text = clean_text(str(value)).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None, None
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None, NumberFault("number", show(value))
    if not math.isfinite(number):
        return None, NumberFault("number", show(value))
    return number, None


def _below_zero(value: float) -> NumberFault:
    """Points below 0."""
    return NumberFault("negative", _fmt(value))


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


def _merge(
    result: LoadResult[Any], problems: Sequence[Problem] = (), warnings: Sequence[Problem] = ()
) -> LoadResult[Any]:
    """``result`` (``scoring_bridge``'s, said in both languages) after ``problems`` and
    ``warnings`` found before it."""
    result = translated_result(result)
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
