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
from survey_app.i18n import vi_en

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
            message = (
                vi_en(
                    "thiếu cột bắt buộc %(column)r (đổi tên cột %(close)r?)",
                    column=column,
                    close=close[0],
                )
                if close
                else vi_en("thiếu cột bắt buộc %(column)r", column=column)
            )
            result.errors.append(FileProblem(1, column, message))
    for column in header:
        if column not in REQUIRED + OPTIONAL:
            result.warnings.append(FileProblem(1, column, vi_en("cột bị bỏ qua")))
    if result.errors:
        return result
    if not rows:
        result.errors.append(
            FileProblem(None, None, vi_en("tệp có dòng tiêu đề nhưng không có đơn vị nào"))
        )
        return result
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        stratum = _check_row(number, row, known_units, seen, result)
        if stratum is not None:
            result.strata.append(stratum)
    for code in sorted((required_units or set()) - set(seen)):
        result.errors.append(
            FileProblem(
                None,
                "unit_code",
                vi_en(
                    "đơn vị %(code)r của đợt chưa có dòng nào: hãy thêm số hồ sơ của đơn vị",
                    code=code,
                ),
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
        error("unit_code", vi_en("thiếu mã đơn vị"))
    elif code in seen:
        error("unit_code", vi_en("đơn vị %(code)r đã có ở dòng %(row)s", code=code, row=seen[code]))
    elif known_units is not None and code not in known_units:
        close = difflib.get_close_matches(code, sorted(known_units), n=1)
        error(
            "unit_code",
            vi_en(
                "không có đơn vị mã %(code)r trong đợt (có phải %(close)r?)",
                code=code,
                close=close[0],
            )
            if close
            else vi_en("không có đơn vị mã %(code)r trong đợt", code=code),
        )
    if code:
        seen.setdefault(code, number)
    raw_n = row.get("population", "")
    value = _number(raw_n)
    if value is None or value != int(value):
        error("population", vi_en("số hồ sơ (%(value)r) phải là số nguyên", value=raw_n))
    elif value < 0:
        error("population", vi_en("số hồ sơ (%(value)s) không được âm", value=raw_n))
    p = sd = None
    if row.get("p"):
        p = _number(row["p"])
        if p is None or not 0 < p < 1:
            error("p", vi_en("p (%(value)r) phải là tỷ lệ giữa 0 và 1", value=row["p"]))
    if row.get("sd"):
        sd = _number(row["sd"])
        if sd is None or sd <= 0:
            error("sd", vi_en("sd (%(value)r) phải là số dương", value=row["sd"]))
    if len(result.errors) > before or value is None:
        return None
    return Stratum(code=code, population=int(value), p=p, sd=sd)
