"""Each unit's type from a units file, for ``sipas analyze --responses … --units FILE``: the
unit-type aggregates of a responses file without opening the database."""

from __future__ import annotations

from pathlib import Path

from survey_app.csv_files import FileProblem, read_csv
from survey_app.i18n import vi_en


def read_unit_types(path: Path) -> tuple[dict[str, str], list[FileProblem]]:
    """``unit_code → unit type`` from a units CSV (``code,level`` as ``sipas units import``
    takes, or ``code,unit_type`` as ``sipas score --units`` takes); every problem located."""
    header, rows, problems = read_csv(path)
    if problems or not header:
        return {}, problems
    kind = "level" if "level" in header else "unit_type"
    for column in ("code", kind):
        if column not in header:
            problems.append(
                FileProblem(1, column, vi_en("thiếu cột bắt buộc %(column)r", column=column))
            )
    if problems:
        return {}, problems
    types: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        code, unit_type = row.get("code", ""), row.get(kind, "")
        if not code or not unit_type:
            missing = "code" if not code else kind
            problems.append(
                FileProblem(
                    number,
                    missing,
                    vi_en("thiếu mã đơn vị")
                    if missing == "code"
                    else vi_en("thiếu loại đơn vị (%(column)s)", column=missing),
                )
            )
        elif code in types and types[code] != unit_type:
            problems.append(
                FileProblem(number, "code", vi_en("đơn vị %(code)r có hai loại", code=code))
            )
        else:
            types[code] = unit_type
    return types, problems
