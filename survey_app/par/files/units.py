"""Units file: reads the units to score from a CSV code,name,unit_type,ranked."""

from __future__ import annotations

from scoring_bridge import Problem
from scoring_bridge.problems import UNIT_TYPE_RE, did_you_mean
from survey_app.par.files.common import CsvSource, _check_header, _read_csv, _shipped_type_names

UNITS_COLUMNS = ("code", "name", "unit_type", "ranked")
_TRUE_WORDS = {"true", "1", "yes", "y", "có", "co", "x"}
_FALSE_WORDS = {"false", "0", "no", "n", "không", "khong"}


def _parse_bool(value: str) -> bool | None:
    word = value.strip().casefold()
    if not word:
        return True
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def read_scoring_units_csv(
    source: CsvSource,
) -> tuple[list[tuple[str, str, str, bool]], list[Problem]]:
    """Units from a CSV ``code,name,unit_type,ranked``: (code, name, unit_type, ranked).

    ``ranked`` is optional (empty: ranked); ``false``/``0``/``không`` marks a unit scored but
    not ranked with the others (Ban Dân tộc, Thanh tra tỉnh).
    """
    header, rows, problems = _read_csv(source)
    if not header:
        return [], problems
    _check_header(header, ("code", "name", "unit_type"), ("ranked",), problems)
    if problems:
        return [], problems
    units: list[tuple[str, str, str, bool]] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        code = row.get("code", "")
        found: list[tuple[str, str, str]] = []  # column, message, hint
        for column, what in (("code", "unit code"), ("name", "unit name")):
            if not row.get(column):
                found.append((column, f"the {what} is missing", "fill it in, or delete the row"))
        unit_type = row.get("unit_type", "")
        if not unit_type:
            found.append(("unit_type", f"the unit type of {code!r} is missing", "e.g. department"))
        elif not UNIT_TYPE_RE.fullmatch(unit_type):
            found.append(
                (
                    "unit_type",
                    f"unit type {unit_type!r} of {code!r} is not a unit type code",
                    did_you_mean(unit_type.casefold(), _shipped_type_names())
                    or "write a code like department, district or commune",
                )
            )
        ranked = _parse_bool(row.get("ranked", ""))
        if ranked is None:
            found.append(
                (
                    "ranked",
                    f"ranked {row.get('ranked')!r} of {code!r} is not true or false",
                    "write true (ranked) or false (scored, not ranked)",
                )
            )
        if code and code in first_row:
            found.append(
                (
                    "code",
                    f"unit {code!r} is listed again (first on row {first_row[code]})",
                    "keep one row per unit",
                )
            )
        elif code:
            first_row[code] = number
        problems += [Problem(f"row {number}, column {c}", m, None, h) for c, m, h in found]
        bad = bool(found)
        if not bad and ranked is not None:
            units.append((code, row["name"], unit_type, ranked))
    return units, problems
