"""Plan and sample files: a plan as CSV, XLSX (with a total row) or JSON; frame draws as CSV.

Plan columns: ``unit_code,population,sample_size,expected_answers,expected_margin``
(the margin as a proportion, e.g. 0.0499). A draw adds ``selection_order`` and ``reserve`` to the
frame's columns.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

from sampling import Draw, Plan
from survey_app.csv_files import FileProblem, read_csv, read_table
from survey_app.i18n import vi_en
from survey_app.spreadsheets import append_row, dict_writer

PLAN_COLUMNS = ("unit_code", "population", "sample_size", "expected_answers", "expected_margin")
PLAN_FORMATS = (".csv", ".xlsx", ".json")


def _margin(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def plan_records(plan: Plan) -> list[dict[str, object]]:
    """The plan's rows as dictionaries in the file's column order."""
    return [
        {
            "unit_code": r.unit_code,
            "population": r.population,
            "sample_size": r.sample_size,
            "expected_answers": r.expected_answers,
            "expected_margin": _margin(r.expected_margin),
        }
        for r in plan.rows
    ]


def plan_csv(plan: Plan) -> str:
    out = io.StringIO()
    writer = dict_writer(out, PLAN_COLUMNS)
    writer.writeheader()
    for record in plan_records(plan):
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return out.getvalue()


def plan_xlsx(plan: Plan) -> bytes:
    """The plan in a sheet with a bold total row, and its parameters in a second sheet."""
    from openpyxl import Workbook  # here: a CSV plan needs none
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "plan"
    append_row(sheet, PLAN_COLUMNS)
    for record in plan_records(plan):
        append_row(sheet, record.values())
    append_row(
        sheet,
        ["TOTAL", plan.population, plan.total, sum(r.expected_answers for r in plan.rows), None],
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    about = book.create_sheet("parameters")
    append_row(about, ["method", plan.method])
    for key, value in plan.parameters.items():
        append_row(about, [key, value])
    for note in plan.notes:
        append_row(about, ["note", note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plan_json(plan: Plan) -> str:
    return json.dumps(
        {
            "method": plan.method,
            "parameters": plan.parameters,
            "notes": list(plan.notes),
            "total": plan.total,
            "rows": plan_records(plan),
        },
        ensure_ascii=False,
        indent=2,
    )


def write_plan(plan: Plan, path: Path) -> None:
    """Write ``plan`` in the format its file name's extension names."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_text(plan_csv(plan), encoding="utf-8")
    elif suffix == ".xlsx":
        path.write_bytes(plan_xlsx(plan))
    elif suffix == ".json":
        path.write_text(plan_json(plan), encoding="utf-8")
    else:
        raise ValueError(
            f"{path.name}: "
            + vi_en("kế hoạch được ghi dạng %(formats)s", formats=", ".join(PLAN_FORMATS))
        )


def read_plan_sizes(source: Path | bytes) -> tuple[dict[str, int], list[FileProblem]]:
    """``unit_code → sample_size`` from a plan as ``sipas plan`` writes it (CSV, XLSX's ``plan``
    sheet or JSON's ``rows``; bytes are CSV); a total row, if any, is skipped."""
    if isinstance(source, bytes):
        header, rows, problems = read_csv(source)
    else:
        header, rows, problems = read_table(Path(source), sheet="plan")
    for column in ("unit_code", "sample_size"):
        if header and column not in header:
            problems.append(
                FileProblem(1, column, vi_en("thiếu cột bắt buộc %(column)r", column=column))
            )
    if problems or not header:
        return {}, problems
    sizes: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        code, raw = row.get("unit_code", ""), row.get("sample_size", "")
        if code.upper() == "TOTAL":
            continue
        if not code:
            problems.append(FileProblem(number, "unit_code", vi_en("thiếu mã đơn vị")))
        elif code in sizes:
            problems.append(
                FileProblem(number, "unit_code", vi_en("đơn vị %(code)r có hai lần", code=code))
            )
        if not raw.isdigit():
            problems.append(
                FileProblem(
                    number,
                    "sample_size",
                    vi_en("sample_size (%(value)r) phải là số nguyên ≥ 0", value=raw),
                )
            )
        elif code:
            sizes[code] = int(raw)
    return sizes, problems


def read_frame(source: Path | bytes) -> tuple[list[str], list[dict[str, str]], list[FileProblem]]:
    """The dossier frame: its header, rows, and problems (``dossier_code,unit_code`` needed)."""
    header, rows, problems = read_csv(source)
    for column in ("dossier_code", "unit_code"):
        if header and column not in header:
            problems.append(
                FileProblem(1, column, vi_en("thiếu cột bắt buộc %(column)r", column=column))
            )
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        code = row.get("dossier_code", "")
        if not code:
            problems.append(FileProblem(number, "dossier_code", vi_en("thiếu mã hồ sơ")))
        elif code in seen:
            problems.append(
                FileProblem(
                    number,
                    "dossier_code",
                    vi_en("hồ sơ %(code)r cũng có ở dòng %(row)s", code=code, row=seen[code]),
                )
            )
        else:
            seen[code] = number
        if not row.get("unit_code"):
            problems.append(FileProblem(number, "unit_code", vi_en("thiếu mã đơn vị")))
    return header, rows, problems


def sample_csv(header: Sequence[str], rows: Sequence[dict[str, str]], draws: list[Draw]) -> str:
    """The drawn dossiers with the frame's columns plus ``selection_order`` and ``reserve``.

    Per unit: the selected dossiers in selection order (1…n, reserve false), then the reserves in
    the order they are to be used (n+1…, reserve true).
    """
    by_code = {row["dossier_code"]: row for row in rows}
    out = io.StringIO()
    writer = dict_writer(out, [*header, "selection_order", "reserve"])
    writer.writeheader()
    for draw in draws:
        ordered = [(c, False) for c in draw.selected] + [(c, True) for c in draw.reserves]
        for order, (code, reserve) in enumerate(ordered, start=1):
            writer.writerow(
                {
                    **by_code[code],
                    "selection_order": order,
                    "reserve": "true" if reserve else "false",
                }
            )
    return out.getvalue()
