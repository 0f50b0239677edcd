"""A unit's self-assessment of the year, online (Decision 1877 §III.1.c, §IV.2).

The unit scores every sub-criterion assessed by appraisal (``source == "appraisal"``: the survey
criteria come from the Ministry's survey and from SIPAS), writes a note, attaches evidence, and
explains where it claims points without evidence. It saves drafts at any time and submits once;
a submitted sheet is read-only. After the self-assessment deadline of its unit type
(``scoring_bridge/data/workflow/deadlines.json``) a draft locks, unless Sở Nội vụ reopened it
for that unit until a given day (recorded, with the reason).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring_bridge import Catalog
from scoring_bridge.workflow import Status, deadline, transition
from survey_app.db.models import ParAssessment, ParEvidence, ParPoints, ParStep, Unit
from survey_app.i18n import vi_en
from survey_app.par.evidence import evidence_of
from survey_app.par.scoring import assessment, catalogs_for

SELF_SOURCE = "appraisal"
APPRAISER_SOURCE = "district_offices"
EDITABLE = (Status.DRAFT.value,)


class SheetError(ValueError):
    """A step that cannot be taken; ``errors`` maps a field (or ``""``) to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class SheetRow:
    """One sub-criterion on the sheet with what the unit and the appraisers wrote."""

    code: str
    name: str
    max_points: float
    points: ParPoints | None
    evidence: tuple[ParEvidence, ...]
    by_appraiser: bool = False
    """True for criteria the appraisers score themselves (``district_offices``): no self points."""
    kind: str = "criterion"
    """``criterion``, or ``bonus`` / ``penalty`` for the catalog rules' items (optional rows)."""
    na_rule: str | None = None
    """The code of the rule that lets the unit mark this row not applicable (decision 0025)."""
    na_when: str = ""
    na_first: bool = False
    """The first row of its rule's criterion: the sheet's "not applicable" box is here."""

    @property
    def not_applicable(self) -> bool:
        """True when the row is marked not applicable: no points, not required."""
        return bool(self.points is not None and self.points.not_applicable)

    @property
    def required(self) -> bool:
        """The unit must score this row before submitting (not an item, not marked N/A)."""
        return self.kind == "criterion" and not self.by_appraiser and not self.not_applicable


@dataclass(frozen=True)
class Sheet:
    """The unit's sheet: its rows, its status, its deadline and its progress."""

    unit: Unit
    year: int
    state: ParAssessment
    rows: tuple[SheetRow, ...]
    last_day: date | None
    deadline_text: str

    @property
    def own_rows(self) -> tuple[SheetRow, ...]:
        """The rows the unit scores itself."""
        return tuple(r for r in self.rows if not r.by_appraiser)

    @property
    def required_rows(self) -> tuple[SheetRow, ...]:
        """The rows the unit must score (its own criteria that apply to it)."""
        return tuple(r for r in self.rows if r.required)

    @property
    def scored(self) -> int:
        return sum(1 for r in self.required_rows if r.points and r.points.self_points is not None)

    @property
    def evidenced(self) -> int:
        return sum(1 for r in self.required_rows if r.evidence)

    def days_left(self, today: date) -> int | None:
        return None if self.last_day is None else (self.last_day - today).days


def self_assessed_leaves(catalog: Catalog) -> list:
    """The sub-criteria a unit scores itself (source ``appraisal``), in catalog order."""
    return [c for c in catalog.leaves if c.source == SELF_SOURCE]


def sheet_leaves(catalog: Catalog) -> list:
    """The sheet's sub-criteria: self-assessed ones, and those the appraisers score themselves
    (a commune's ``district_offices`` criteria), in catalog order."""
    return [c for c in catalog.leaves if c.source in (SELF_SOURCE, APPRAISER_SOURCE)]


def load_sheet(session: Session, year: int, unit: Unit, catalog: Catalog | None = None) -> Sheet:
    """The unit's sheet of ``year`` (its assessment row is created as a draft when missing).

    ``catalog``: the unit type's catalog of the year when the caller has it already (a page of
    every unit loads it once, not once per unit).
    """
    if catalog is None:
        catalog = catalogs_for(session, year, {unit.unit_type.code}).get(unit.unit_type.code)
    if catalog is None:
        raise SheetError(
            {"": vi_en("Chưa có bộ tiêu chí năm %(year)s cho loại đơn vị này.", year=year)}
        )
    points = {
        p.code: p
        for p in session.scalars(
            select(ParPoints).where(ParPoints.year == year, ParPoints.unit_id == unit.id)
        )
    }
    files = evidence_of(session, year, unit)
    rules = catalog.rules
    rows: list[SheetRow] = []
    boxed: set[str] = set()
    for c in sheet_leaves(catalog):
        rule = rules.not_applicable_rule(c.code) if rules is not None else None
        if rule is not None and not rule.allows(unit.code):
            rule = None
        rows.append(
            SheetRow(
                c.code,
                c.name,
                c.max_points,
                points.get(c.code),
                tuple(files.get(c.code, ())),
                c.source == APPRAISER_SOURCE,
                na_rule=rule.code if rule is not None else None,
                na_when=rule.when if rule is not None else "",
                na_first=rule is not None and rule.code not in boxed,
            )
        )
        if rule is not None:
            boxed.add(rule.code)
    for code, (kind, item) in (rules.adjustments if rules is not None else {}).items():
        rows.append(
            SheetRow(
                code,
                item.name,
                item.max_points,
                points.get(code),
                tuple(files.get(code, ())),
                kind=kind,
            )
        )
    try:
        found = deadline(unit.unit_type.code, year, "self_assessment")
        last_day, text = found.last_day(year), found.text
    except ValueError:
        last_day, text = None, ""
    return Sheet(unit, year, assessment(session, year, unit), tuple(rows), last_day, text)


def lock_reason(sheet: Sheet, today: date) -> str | None:
    """Why the unit cannot change its sheet today, or None when it can."""
    state = sheet.state
    if state.status not in EDITABLE:
        return vi_en("Đã gửi: bảng tự chấm chỉ còn để xem.")
    if sheet.last_day is not None and today > sheet.last_day:
        if state.reopened_until is not None and today <= state.reopened_until:
            return None
        return vi_en(
            "Đã quá hạn tự đánh giá (%(day)s); liên hệ Sở Nội vụ để được mở lại.",
            day=f"{sheet.last_day:%d/%m/%Y}",
        )
    return None


def parse_points(raw: str, max_points: float) -> float | None:
    """``"0,5"`` → 0.5 (a comma or a point); empty → None; ValueError with a message otherwise."""
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(vi_en("«%(value)s» không phải là số.", value=raw.strip())) from None
    if not math.isfinite(value) or value < 0 or value > max_points + 1e-9:
        raise ValueError(vi_en("Điểm phải từ 0 đến %(top)s.", top=f"{max_points:g}"))
    return value


def save_draft(
    session: Session, sheet: Sheet, form: Mapping[str, str], who: str, today: date
) -> int:
    """Save points, notes and explanations of every row; nothing is saved when any is wrong.

    Form fields: ``points-<code>``, ``note-<code>``, ``explanation-<code>``. Returns the number
    of rows whose self points changed (each change is kept as a ``self`` step).
    """
    reason = lock_reason(sheet, today)
    if reason:
        raise SheetError({"": reason})
    errors: dict[str, str] = {}
    parsed: dict[str, float | None] = {}
    marked = {r.code for r in sheet.own_rows if r.na_rule and form.get(f"na-{r.na_rule}")}
    for row in sheet.own_rows:
        if row.code in marked:
            parsed[row.code] = None
            continue
        try:
            parsed[row.code] = parse_points(form.get(f"points-{row.code}", ""), row.max_points)
        except ValueError as exc:
            errors[f"points-{row.code}"] = f"{row.code}: {exc}"
    if errors:
        raise SheetError(errors)
    changed = 0
    for row in sheet.own_rows:
        current = row.points or _points_row(session, sheet, row.code)
        value = parsed[row.code]
        if row.na_rule and (row.code in marked) != bool(current.not_applicable):
            current.not_applicable = row.code in marked
            what = (
                vi_en("không áp dụng (đánh dấu)")
                if current.not_applicable
                else vi_en("áp dụng (bỏ đánh dấu)")
            )
            session.add(step_row(sheet, row.code, "self", None, what, who))
        if value != current.self_points:
            changed += 1
            session.add(step_row(sheet, row.code, "self", value, "", who))
        current.self_points = value
        current.note = (form.get(f"note-{row.code}") or "").strip()[:4000]
        current.explanation = (form.get(f"explanation-{row.code}") or "").strip()[:4000]
    session.flush()
    return changed


def submit_problems(sheet: Sheet) -> dict[str, str]:
    """What stops a submission: unscored rows, points claimed without evidence or explanation."""
    problems: dict[str, str] = {}
    for row in sheet.own_rows:
        p = row.points
        if row.not_applicable or row.kind == "penalty":
            continue
        if p is None or p.self_points is None:
            if row.required:
                problems[f"points-{row.code}"] = vi_en("%(code)s: chưa chấm điểm.", code=row.code)
        elif p.self_points > 0 and not row.evidence and not (p.explanation or "").strip():
            problems[f"explanation-{row.code}"] = vi_en(
                "%(code)s: có điểm nhưng chưa có tài liệu kiểm chứng — đính kèm tệp hoặc giải "
                "thích vì sao.",
                code=row.code,
            )
    return problems


def submit(session: Session, sheet: Sheet, who: str, today: date) -> None:
    """Send the sheet for appraisal: every row scored, evidence or an explanation where needed."""
    reason = lock_reason(sheet, today)
    if reason:
        raise SheetError({"": reason})
    problems = submit_problems(sheet)
    if problems:
        raise SheetError(problems)
    sheet.state.status = transition(sheet.state.status, Status.SUBMITTED).value
    sheet.state.submitted_on = today
    session.add(step_row(sheet, "", "submitted", None, "", who))
    session.flush()


def reopen(session: Session, sheet: Sheet, until: date, reason: str, who: str) -> None:
    """Sở Nội vụ reopens a locked draft until ``until`` (inclusive), with a reason (recorded)."""
    errors = {}
    if not reason.strip():
        errors["reason"] = vi_en("Cần ghi lý do mở lại.")
    if sheet.state.status not in EDITABLE:
        errors[""] = vi_en("Chỉ mở lại được bảng chưa gửi.")
    if errors:
        raise SheetError(errors)
    sheet.state.reopened_until = until
    sheet.state.reopen_reason = reason.strip()
    session.add(step_row(sheet, "", "reopened", None, f"{until:%d/%m/%Y}: {reason.strip()}", who))
    session.flush()


def _points_row(session: Session, sheet: Sheet, code: str) -> ParPoints:
    row = ParPoints(year=sheet.year, unit_id=sheet.unit.id, code=code, note="")
    session.add(row)
    return row


def step_row(
    sheet: Sheet, code: str, step: str, points: float | None, text: str, who: str
) -> ParStep:
    return ParStep(
        year=sheet.year,
        unit_id=sheet.unit.id,
        code=code,
        step=step,
        points=points,
        text=text,
        who=who,
    )


def history(session: Session, year: int, unit: Unit) -> list[ParStep]:
    """Every step of the unit's year, oldest first."""
    return list(
        session.scalars(
            select(ParStep)
            .where(ParStep.year == year, ParStep.unit_id == unit.id)
            .order_by(ParStep.at, ParStep.id)
        )
    )
