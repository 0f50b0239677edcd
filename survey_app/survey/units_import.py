"""`sipas units import FILE.csv`: all rows or none, every error listed by row and column.

Columns: ``code,name,level`` required; ``kind,parent_code,ranked,valid_from,valid_to`` optional
(``level`` names a unit type, e.g. department, district, commune; ``ranked=false`` marks a unit
"scored, not ranked"). Other columns (e.g. ``former_province``) are ignored and reported.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.csv_files import FileProblem, read_csv
from survey_app.db.models import Unit, UnitType
from survey_app.i18n import vi_en

REQUIRED = ("code", "name", "level")
OPTIONAL = ("kind", "parent_code", "ranked", "valid_from", "valid_to")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
TRUE_WORDS = {"true", "1", "yes", "y", "có", "co", "x"}
FALSE_WORDS = {"false", "0", "no", "n", "không", "khong"}
UNIT_TYPES_FILE = Path(__file__).resolve().parents[1] / "data" / "unit_types.csv"


@dataclass
class ImportReport:
    """What an import did, or every reason it did nothing."""

    errors: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)
    created: int = 0
    superseded: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def ensure_unit_types(session: Session, path: Path = UNIT_TYPES_FILE) -> int:
    """Add the unit types of ``path`` that the database lacks; returns how many were added."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    known = set(session.scalars(select(UnitType.code)))
    added = [
        UnitType(code=r["code"], name_vi=r["name_vi"], name_en=r["name_en"])
        for r in rows
        if r["code"] not in known
    ]
    session.add_all(added)
    session.flush()
    return len(added)


def _parse_bool(value: str) -> bool | None:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _closest(value: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(value, choices, n=1)
    return close[0] if close else None


@dataclass
class _Row:
    number: int
    code: str
    name: str
    kind: str
    level: str
    parent_code: str
    ranked: bool
    valid_from: date
    valid_to: date | None


def _check_header(header: list[str], report: ImportReport) -> bool:
    for column in REQUIRED:
        if column not in header:
            close = _closest(column, header)
            message = (
                vi_en(
                    "thiếu cột bắt buộc %(column)r (có phải %(close)r?)", column=column, close=close
                )
                if close
                else vi_en("thiếu cột bắt buộc %(column)r", column=column)
            )
            report.errors.append(FileProblem(1, column, message))
    for column in header:
        if column not in REQUIRED + OPTIONAL:
            close = difflib.get_close_matches(column, REQUIRED + OPTIONAL, n=1)
            if close:
                report.errors.append(
                    FileProblem(
                        1,
                        column,
                        vi_en(
                            "cột lạ %(column)r (có phải %(close)r?)", column=column, close=close[0]
                        ),
                    )
                )
            else:
                report.warnings.append(FileProblem(1, column, vi_en("cột bị bỏ qua")))
    return report.ok


def _check_row(
    number: int, raw: dict[str, str], types: list[str], default_from: date, report: ImportReport
) -> _Row | None:
    errors_before = len(report.errors)

    def error(column: str, message: str) -> None:
        report.errors.append(FileProblem(number, column, message))

    code, name, level = raw.get("code", ""), raw.get("name", ""), raw.get("level", "")
    if not code:
        error("code", vi_en("đơn vị cần có mã"))
    elif not CODE_PATTERN.match(code):
        error(
            "code",
            vi_en(
                "%(code)r không phải mã hợp lệ: dùng chữ, số, '.', '_' hoặc '-', tối đa 40 ký tự",
                code=code,
            ),
        )
    if not name:
        error("name", vi_en("đơn vị cần có tên"))
    elif len(name) > 300:
        error("name", vi_en("tên dài %(length)s ký tự; tối đa 300", length=len(name)))
    if not level:
        error(
            "level",
            vi_en("đơn vị cần có loại (level), một trong: %(types)s", types=", ".join(types)),
        )
    elif level not in types:
        close, known = _closest(level, types), ", ".join(types)
        error(
            "level",
            vi_en(
                "loại đơn vị lạ %(level)r (có phải %(close)r?); các loại đã biết: %(known)s",
                level=level,
                close=close,
                known=known,
            )
            if close
            else vi_en(
                "loại đơn vị lạ %(level)r; các loại đã biết: %(known)s", level=level, known=known
            ),
        )
    ranked = _parse_bool(raw.get("ranked") or "true")
    if ranked is None:
        error("ranked", vi_en("%(value)r không phải true hay false", value=raw.get("ranked")))
    valid_from = _parse_date(raw["valid_from"]) if raw.get("valid_from") else default_from
    if valid_from is None:
        error(
            "valid_from",
            vi_en("%(value)r không phải ngày (YYYY-MM-DD)", value=raw.get("valid_from")),
        )
    valid_to = _parse_date(raw["valid_to"]) if raw.get("valid_to") else None
    if raw.get("valid_to") and valid_to is None:
        error(
            "valid_to", vi_en("%(value)r không phải ngày (YYYY-MM-DD)", value=raw.get("valid_to"))
        )
    if valid_from and valid_to and valid_to < valid_from:
        error(
            "valid_to",
            vi_en("%(to)s trước ngày valid_from %(start)s", to=valid_to, start=valid_from),
        )
    parent_code = raw.get("parent_code", "")
    if parent_code and parent_code == code:
        error("parent_code", vi_en("đơn vị %(code)r không thể trực thuộc chính nó", code=code))
    if len(report.errors) > errors_before:
        return None
    assert valid_from is not None and ranked is not None  # checked above
    return _Row(
        number, code, name, raw.get("kind", ""), level, parent_code, ranked, valid_from, valid_to
    )


def _unit_on(session: Session, code: str, day: date) -> Unit | None:
    candidates = session.scalars(select(Unit).where(Unit.code == code))
    return next((unit for unit in candidates if unit.valid_on(day)), None)


def import_units(
    session: Session,
    source: Path | str | bytes,
    *,
    valid_from: date | None = None,
    supersede: bool = False,
) -> ImportReport:
    """Check every row, then add all units in ``session`` (the caller commits) or none.

    ``valid_from`` is the start date of rows without one (default today). With ``supersede``,
    a unit of the same code still valid on that date is closed the day before.
    """
    report = ImportReport()
    header, raw_rows, problems = read_csv(source)
    report.errors.extend(problems)
    if not header or not _check_header(header, report):
        return report
    if not raw_rows:
        report.errors.append(
            FileProblem(None, None, vi_en("tệp có dòng tiêu đề nhưng không có đơn vị nào"))
        )
        return report
    types = {t.code: t for t in session.scalars(select(UnitType))}
    default_from = valid_from or date.today()
    rows = [
        row
        for number, raw in enumerate(raw_rows, start=2)
        if (row := _check_row(number, raw, sorted(types), default_from, report)) is not None
    ]

    in_file: dict[tuple[str, date], _Row] = {}
    for row in rows:
        key = (row.code, row.valid_from)
        if key in in_file:
            report.errors.append(
                FileProblem(
                    row.number,
                    "code",
                    vi_en(
                        "đơn vị %(code)r hiệu lực từ %(start)s cũng có ở dòng %(row)s",
                        code=row.code,
                        start=row.valid_from,
                        row=in_file[key].number,
                    ),
                )
            )
        in_file[key] = row
    codes_in_file = {raw.get("code", "") for raw in raw_rows}
    to_close: list[Unit] = []
    for row in rows:
        existing = _unit_on(session, row.code, row.valid_from)
        if existing is not None and existing.valid_from == row.valid_from:
            report.errors.append(
                FileProblem(
                    row.number,
                    "code",
                    vi_en(
                        "đơn vị %(code)r hiệu lực từ %(start)s đã có trong cơ sở dữ liệu",
                        code=row.code,
                        start=row.valid_from,
                    ),
                )
            )
        elif existing is not None and not supersede:
            report.errors.append(
                FileProblem(
                    row.number,
                    "code",
                    vi_en(
                        "đơn vị %(code)r đã có, hiệu lực từ %(start)s: nhập với --supersede để "
                        "đóng nó vào ngày %(end)s, hoặc ghi ngày valid_from khác",
                        code=row.code,
                        start=existing.valid_from,
                        end=row.valid_from - timedelta(days=1),
                    ),
                )
            )
        elif existing is not None:
            to_close.append(existing)
    for number, raw in enumerate(raw_rows, start=2):
        parent, day = raw.get("parent_code", ""), _parse_date(raw.get("valid_from", ""))
        day = day or default_from
        if (
            parent
            and parent != raw.get("code")
            and parent not in codes_in_file
            and _unit_on(session, parent, day) is None
        ):
            report.errors.append(
                FileProblem(
                    number,
                    "parent_code",
                    vi_en(
                        "đơn vị cấp trên %(parent)r không có trong tệp này và không phải đơn vị "
                        "còn hiệu lực ngày %(day)s: hãy nhập đơn vị cấp trên trước",
                        parent=parent,
                        day=day,
                    ),
                )
            )
    report.errors.sort(key=lambda e: (e.row or 0, e.column or ""))
    if not report.ok:
        return report

    for unit in to_close:
        unit.valid_to = next(r.valid_from for r in rows if r.code == unit.code) - timedelta(days=1)
    created: dict[str, Unit] = {}
    for row in rows:
        unit = Unit(
            code=row.code,
            name=row.name,
            kind=row.kind,
            unit_type=types[row.level],
            ranked=row.ranked,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
        )
        session.add(unit)
        created[row.code] = unit
    for row in rows:
        if row.parent_code:
            created[row.code].parent = created.get(row.parent_code) or _unit_on(
                session, row.parent_code, row.valid_from
            )
    session.flush()
    report.created, report.superseded = len(created), len(to_close)
    return report
