"""Editing one unit of the registry (name, type, parent, ranked flag, validity dates).

Every field is checked first; the unit changes only when all are right. Messages are Vietnamese
then English. The code stays: it names the unit in files, links and other versions
(docs/decisions/0004).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.csv_files import clean_text
from survey_app.db.models import Unit, UnitType
from survey_app.i18n import vi_en


@dataclass(frozen=True)
class UnitChange:
    """The edit form's values, as typed."""

    name: str
    unit_type: str
    parent_code: str
    ranked: bool
    valid_from: str
    valid_to: str


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _parent(session: Session, unit: Unit, code: str, day: date) -> tuple[Unit | None, str | None]:
    if not code:
        return None, None
    if code == unit.code:
        return None, vi_en("Đơn vị không thể trực thuộc chính nó.")
    found = next(
        (u for u in session.scalars(select(Unit).where(Unit.code == code)) if u.valid_on(day)),
        None,
    )
    if found is None:
        return None, vi_en(
            "Không có đơn vị mã %(code)r còn hiệu lực ngày %(day)s.",
            code=code,
            day=f"{day:%d/%m/%Y}",
        )
    ancestor: Unit | None = found
    while ancestor is not None:
        if ancestor.id == unit.id:
            return None, vi_en("%(code)r trực thuộc đơn vị này: sẽ thành vòng lặp.", code=code)
        ancestor = ancestor.parent
    return found, None


def edit_unit(session: Session, unit: Unit, change: UnitChange) -> list[str]:
    """Apply ``change`` to ``unit`` and return [], or return every problem and change nothing."""
    errors: list[str] = []
    name = clean_text(change.name)
    if not name:
        errors.append(vi_en("Cần tên đơn vị."))
    elif len(name) > 300:
        errors.append(vi_en("Tên dài %(length)s ký tự; tối đa 300.", length=len(name)))
    unit_type = session.scalar(select(UnitType).where(UnitType.code == change.unit_type))
    if unit_type is None:
        errors.append(vi_en("Chọn loại đơn vị trong danh sách."))
    valid_from = _day(change.valid_from)
    if valid_from is None:
        errors.append(vi_en("Ngày bắt đầu hiệu lực không đúng (YYYY-MM-DD)."))
    valid_to = _day(change.valid_to) if change.valid_to.strip() else None
    if change.valid_to.strip() and valid_to is None:
        errors.append(vi_en("Ngày hết hiệu lực không đúng (YYYY-MM-DD)."))
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(vi_en("Ngày hết hiệu lực trước ngày bắt đầu."))
    parent = None
    if valid_from is not None:
        parent, problem = _parent(session, unit, clean_text(change.parent_code), valid_from)
        if problem:
            errors.append(problem)
        others = session.scalars(
            select(Unit).where(Unit.code == unit.code, Unit.id != unit.id)
        ).all()
        for other in others:
            ends = valid_to or date.max
            other_ends = other.valid_to or date.max
            if valid_from <= other_ends and other.valid_from <= ends:
                errors.append(
                    vi_en(
                        "Trùng thời gian hiệu lực với phiên bản khác của %(code)s (từ %(day)s).",
                        code=unit.code,
                        day=f"{other.valid_from:%d/%m/%Y}",
                    )
                )
    if errors:
        return errors
    assert unit_type is not None and valid_from is not None
    unit.name, unit.unit_type, unit.parent = name, unit_type, parent
    unit.ranked, unit.valid_from, unit.valid_to = change.ranked, valid_from, valid_to
    session.flush()
    return []
