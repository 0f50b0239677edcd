"""Units file: reads the units to score from a CSV code,name,unit_type,ranked."""

from __future__ import annotations

from scoring_bridge import Problem
from scoring_bridge.problems import UNIT_TYPE_RE
from survey_app.i18n import vi_en
from survey_app.par.files.common import CsvSource, _check_header, _read_csv, _shipped_type_names
from survey_app.par.files.messages import did_you_mean, fill_or_delete

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
        if not row.get("code"):
            found.append(("code", vi_en("thiếu mã đơn vị"), fill_or_delete()))
        if not row.get("name"):
            found.append(("name", vi_en("thiếu tên đơn vị"), fill_or_delete()))
        unit_type = row.get("unit_type", "")
        if not unit_type:
            found.append(
                (
                    "unit_type",
                    vi_en("thiếu loại đơn vị của %(code)r", code=code),
                    vi_en("ví dụ department"),
                )
            )
        elif not UNIT_TYPE_RE.fullmatch(unit_type):
            found.append(
                (
                    "unit_type",
                    vi_en(
                        "loại đơn vị %(unit_type)r của %(code)r không phải mã loại đơn vị",
                        unit_type=unit_type,
                        code=code,
                    ),
                    did_you_mean(unit_type.casefold(), _shipped_type_names())
                    or vi_en("hãy ghi một mã như department, district hoặc commune"),
                )
            )
        ranked = _parse_bool(row.get("ranked", ""))
        if ranked is None:
            found.append(
                (
                    "ranked",
                    vi_en(
                        "ranked %(value)r của %(code)r không phải true hay false",
                        value=row.get("ranked"),
                        code=code,
                    ),
                    vi_en("ghi true (xếp hạng) hoặc false (chấm điểm, không xếp hạng)"),
                )
            )
        if code and code in first_row:
            found.append(
                (
                    "code",
                    vi_en(
                        "đơn vị %(code)r có hai lần (lần đầu ở dòng %(row)s)",
                        code=code,
                        row=first_row[code],
                    ),
                    vi_en("mỗi đơn vị một dòng"),
                )
            )
        elif code:
            first_row[code] = number
        problems += [Problem(f"row {number}, column {c}", m, None, h) for c, m, h in found]
        bad = bool(found)
        if not bad and ranked is not None:
            units.append((code, row["name"], unit_type, ranked))
    return units, problems
