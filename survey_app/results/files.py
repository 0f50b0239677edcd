"""SIPAS results files: CSV, XLSX, JSON (a list of records) and SPSS ``.sav``.

Columns (a contract other parts read): ``unit_code,level,key,estimate,se,ci_low,ci_high,n,n_eff,
deff,flag,method`` (``group`` first when the analysis is by a demographic column). ``estimate``,
``se``, ``ci_low`` and ``ci_high`` are percentages (0–100).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

from analysis import SipasResult
from survey_app.i18n import vi_en
from survey_app.results.labels import method_label, note_label
from survey_app.spreadsheets import append_row, csv_writer

RESULT_COLUMNS = (
    "unit_code",
    "level",
    "key",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_eff",
    "deff",
    "flag",
    "method",
)
RESULT_FORMATS = (".csv", ".xlsx", ".json", ".sav")
SPSS_LABELS = {
    "unit_code": "Mã đơn vị (unit)",
    "level": "Cấp chỉ số (item/element/overall)",
    "key": "Mã câu hỏi / yếu tố / SIPAS",
    "estimate": "Chỉ số (%)",
    "se": "Sai số chuẩn (%)",
    "ci_low": "Cận dưới KTC (%)",
    "ci_high": "Cận trên KTC (%)",
    "n": "Số câu trả lời hợp lệ",
    "n_eff": "Cỡ mẫu hiệu dụng",
    "deff": "Hệ số thiết kế",
    "flag": "Cảnh báo",
    "method": "Phương pháp",
    "group": "Nhóm",
}


def columns(result: SipasResult) -> list[str]:
    """The file's columns: ``group`` first when any row has one."""
    grouped = any(row.group is not None for row in result.rows)
    return (["group"] if grouped else []) + list(RESULT_COLUMNS)


def records(result: SipasResult) -> list[dict[str, object]]:
    """Every result row as a dictionary in column order (None for an empty cell)."""
    names = columns(result)
    return [{name: getattr(row, name) for name in names} for row in result.rows]


def results_csv(result: SipasResult) -> str:
    out = io.StringIO()
    names = columns(result)
    writer = csv_writer(out)
    writer.writerow(names)
    for row in result.rows:
        writer.writerow(["" if (v := getattr(row, name)) is None else v for name in names])
    return out.getvalue()


def results_json(result: SipasResult) -> str:
    return json.dumps(records(result), ensure_ascii=False, indent=1)


def results_xlsx(result: SipasResult, notes: Sequence[str] = ()) -> bytes:
    """A ``results`` sheet and an ``about`` sheet with the method and notes."""
    from openpyxl import Workbook  # here: a fifth of a second the CSV and JSON need not pay
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "results"
    names = columns(result)
    append_row(sheet, names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records(result):
        append_row(sheet, record.values())
    about = book.create_sheet("about")
    for key, code in (("aggregation", result.aggregation), ("ci_method", result.ci_method)):
        # the code (a contract), then the method in words for the person who opens the file
        words = method_label(code, "vi"), method_label(code, "en")
        append_row(about, [key, code, f"{words[0]} / {words[1]}"])
    for note in result.notes:  # the analysis' own notes (English) with their Vietnamese
        append_row(about, ["note", note, note_label(note)[0]])
    for note in notes:
        append_row(about, ["note", note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_sav(result: SipasResult, path: Path) -> None:
    """An SPSS file with Vietnamese variable labels (needs pyreadstat)."""
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame.from_records(records(result), columns=columns(result))
    for name in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    frame["n"] = frame["n"].astype(float)
    for name in ("unit_code", "level", "key", "flag", "method", "group"):
        if name in frame:
            frame[name] = frame[name].fillna("").astype(str)
    pyreadstat.write_sav(
        frame, str(path), column_labels={k: v for k, v in SPSS_LABELS.items() if k in frame.columns}
    )


def write_results(result: SipasResult, path: Path) -> None:
    """Write in the format the file name's extension names."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_text(results_csv(result), encoding="utf-8")
    elif suffix == ".json":
        path.write_text(results_json(result), encoding="utf-8")
    elif suffix == ".xlsx":
        path.write_bytes(results_xlsx(result))
    elif suffix == ".sav":
        write_sav(result, path)
    else:
        raise ValueError(
            vi_en(
                "%(name)s: kết quả chỉ ghi được dạng %(formats)s",
                name=path.name,
                formats=", ".join(RESULT_FORMATS),
            )
        )
