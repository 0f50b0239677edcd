"""The populations file ``unit_code,population[,p,sd]``: N per unit, the sampling frame's size.

The same file is read by sampling (plans) and analysis (weights and finite population correction).
Every problem is listed by row and column; a file with any problem is used for nothing.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

from sampling import Stratum
from survey_app.csv_files import FileProblem, read_csv

REQUIRED = ("unit_code", "population")
OPTIONAL = ("p", "sd")


@dataclass
class PopulationsFile:
    """The strata read from a populations file, or every reason it cannot be used."""

    strata: list[Stratum] = field(default_factory=list)
    errors: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_populations(
    source: Path | str | bytes,
    known_units: set[str] | None = None,
    required_units: set[str] | None = None,
) -> PopulationsFile:
    """Parse and check a populations file.

    ``known_units``: codes a row may name (others are "unknown unit"); ``required_units``: codes
    that must each have a row (a round's units: a missing one is an error naming it).
    """
    result = PopulationsFile()
    header, rows, problems = read_csv(source)
    result.errors.extend(problems)
    if not header:
        return result
    for column in REQUIRED:
        if column not in header:
            close = difflib.get_close_matches(column, header, n=1)
            hint = f" (did you mean to rename {close[0]!r}?)" if close else ""
            result.errors.append(
                FileProblem(1, column, f"required column {column!r} is missing{hint}")
            )
    for column in header:
        if column not in REQUIRED + OPTIONAL:
            result.warnings.append(FileProblem(1, column, "column ignored"))
    if result.errors:
        return result
    if not rows:
        result.errors.append(FileProblem(None, None, "the file has a header but no units"))
        return result
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        stratum = _check_row(number, row, known_units, seen, result)
        if stratum is not None:
            result.strata.append(stratum)
    for code in sorted((required_units or set()) - set(seen)):
        result.errors.append(
            FileProblem(
                None, "unit_code", f"unit {code!r} of the round has no row: add its population"
            )
        )
    return result


def _check_row(
    number: int,
    row: dict[str, str],
    known_units: set[str] | None,
    seen: dict[str, int],
    result: PopulationsFile,
) -> Stratum | None:
    before = len(result.errors)

    def error(column: str, message: str) -> None:
        result.errors.append(FileProblem(number, column, message))

    code = row.get("unit_code", "")
    if not code:
        error("unit_code", "the unit code is missing")
    elif code in seen:
        error("unit_code", f"unit {code!r} is also on row {seen[code]}")
    elif known_units is not None and code not in known_units:
        close = difflib.get_close_matches(code, sorted(known_units), n=1)
        error(
            "unit_code",
            f"unknown unit {code!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
        )
    if code:
        seen.setdefault(code, number)
    raw_n = row.get("population", "")
    value = _number(raw_n)
    if value is None or value != int(value):
        error("population", f"population ({raw_n!r}) must be a whole number")
    elif value < 0:
        error("population", f"population ({raw_n}) must not be negative")
    p = sd = None
    if row.get("p"):
        p = _number(row["p"])
        if p is None or not 0 < p < 1:
            error("p", f"p ({row['p']!r}) must be a proportion in (0, 1)")
    if row.get("sd"):
        sd = _number(row["sd"])
        if sd is None or sd <= 0:
            error("sd", f"sd ({row['sd']!r}) must be a positive number")
    if len(result.errors) > before or value is None:
        return None
    return Stratum(code=code, population=int(value), p=p, sd=sd)
