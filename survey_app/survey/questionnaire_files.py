"""Questionnaire files: an uploaded definition (JSON or an XLSForm ``.xlsx``) checked into a
draft's data, and a version written back as an XLSForm workbook (a template to start from)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from questionnaires.loader import load_questionnaire_text
from questionnaires.problems import LoadResult, Problem
from questionnaires.xlsform import load_xlsform, to_xlsform
from survey_app.i18n import vi_en
from survey_app.spreadsheets import append_row
from survey_app.survey.questionnaire_words import translated_result

XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class CheckedUpload:
    """A checked upload: the definition's data when it has no problem, and every problem."""

    source_format: str
    result: LoadResult
    data: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.problems


def read_sheets(data: bytes) -> dict[str, list[list[object]]]:
    """Every sheet's rows (cell values) of an ``.xlsx``; ValueError when it is not one."""
    from openpyxl import load_workbook  # here: a JSON definition needs none
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError(
            vi_en(
                "không phải bảng tính .xlsx (%(error)s): hãy lưu lại từ Excel hoặc LibreOffice "
                "dưới dạng .xlsx",
                error=type(exc).__name__,
            )
        ) from None
    try:
        return {
            sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


def check_upload(filename: str, data: bytes) -> CheckedUpload:
    """Check an uploaded definition by its name's suffix: ``.xlsx`` is XLSForm, else JSON.

    Every problem and warning is said "Vietnamese / English" (`questionnaire_words`)."""
    if filename.lower().endswith(XLSX_SUFFIXES):
        try:
            sheets = read_sheets(data)
        except ValueError as exc:
            problem = Problem(filename, str(exc))
            return CheckedUpload("xlsform", LoadResult(None, (problem,)), problems=[problem])
        loaded, converted = load_xlsform(sheets)
        result = translated_result(loaded)
        return CheckedUpload("xlsform", result, converted, list(result.problems))
    result = translated_result(load_questionnaire_text(data))
    parsed = json.loads(data.decode("utf-8-sig")) if result.ok else None
    return CheckedUpload("json", result, parsed, list(result.problems))


def xlsform_xlsx(data: dict[str, Any]) -> bytes:
    """A definition as an XLSForm workbook (sheets survey, choices, settings)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in to_xlsform(data).items():
        sheet = book.create_sheet(name)
        for row in rows:
            append_row(sheet, row)  # text cells stay text, never formulas
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
