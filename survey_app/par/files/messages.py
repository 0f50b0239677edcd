"""What the PAR files' readers say, Vietnamese / English: the messages the points readers share
(the CSV read by rows and by columns must say exactly the same) and the number faults of a
points cell."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from typing import Literal, NamedTuple

from survey_app.i18n import N_, vi_en, vi_en_of


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """``có phải 'x'? / did you mean 'x'?`` for the closest choice, or None."""
    close = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return vi_en("có phải %(word)r?", word=close[0]) if close else None


def number_hint() -> str:
    """How to write points."""
    return vi_en("ghi điểm bằng một số từ 0 đến điểm tối đa của tiêu chí, ví dụ 2.5 hoặc 2,5")


def fill_or_delete() -> str:
    """The hint of an empty cell that a row needs."""
    return vi_en("điền vào, hoặc xóa dòng")


class NumberFault(NamedTuple):
    """Why a points cell is not points: not a number, a date Excel made, or below 0."""

    kind: Literal["number", "date", "negative"]
    value: str
    """The cell as the message shows it."""


_CELL_FAULTS = {
    "number": N_("%(column)s %(value)s không phải là số"),
    "date": N_("%(column)s %(value)s là ngày tháng, không phải số (Excel đã hiểu điểm thành ngày)"),
    "negative": N_("%(column)s %(value)s nhỏ hơn 0"),
}
_CELL_FAULTS_OF = {
    "number": N_("%(column)s %(value)s không phải là số (đơn vị %(unit)r, tiêu chí %(code)r)"),
    "date": N_(
        "%(column)s %(value)s là ngày tháng, không phải số (Excel đã hiểu điểm thành ngày) "
        "(đơn vị %(unit)r, tiêu chí %(code)r)"
    ),
    "negative": N_("%(column)s %(value)s nhỏ hơn 0 (đơn vị %(unit)r, tiêu chí %(code)r)"),
}
_SHEET_FAULTS = {
    "number": N_("đơn vị %(unit)r, tiêu chí %(code)r: %(value)s không phải là số"),
    "date": N_(
        "đơn vị %(unit)r, tiêu chí %(code)r: %(value)s là ngày tháng, không phải số (Excel đã "
        "hiểu điểm thành ngày)"
    ),
    "negative": N_("đơn vị %(unit)r, tiêu chí %(code)r: %(value)s nhỏ hơn 0"),
}


def points_fault(fault: NumberFault, column: str, unit: str, code: str) -> str:
    """A points CSV's cell that is not points (its unit and code named when the row has both)."""
    if unit and code:
        return vi_en_of(
            _CELL_FAULTS_OF[fault.kind], column=column, value=fault.value, unit=unit, code=code
        )
    return vi_en_of(_CELL_FAULTS[fault.kind], column=column, value=fault.value)


def sheet_points_fault(fault: NumberFault, unit: str, code: str) -> str:
    """A points workbook's cell that is not points."""
    return vi_en_of(_SHEET_FAULTS[fault.kind], unit=unit, code=code, value=fault.value)


def code_missing(column: str) -> str:
    """A points row without its unit code (``unit_code``) or criterion code (``code``)."""
    if column == "unit_code":
        return vi_en("thiếu mã đơn vị")
    return vi_en("thiếu mã tiêu chí")


def given_again(unit: str, code: str, first: int) -> str:
    """A unit's criterion given on a second row."""
    return vi_en(
        "đơn vị %(unit)r, tiêu chí %(code)r có hai lần (lần đầu ở dòng %(row)s)",
        unit=unit,
        code=code,
        row=first,
    )


def one_row_per_unit_and_code() -> str:
    """The hint of `given_again`."""
    return vi_en("mỗi đơn vị và tiêu chí một dòng")
