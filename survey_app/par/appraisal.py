"""Appraisal of a submitted sheet, in rounds (Decision 1877 §III.1.c, §IV.2).

The appraisers set points and a comment per sub-criterion ("Điểm đạt được"); they may return some
sub-criteria for explanation ("giải trình"): the unit answers with text and more evidence, then
the appraisers appraise again. Finalising copies the appraised points into the final points and
moves the unit to ``appraised`` (locked). Every step is kept in ``par_steps`` with who, when and
why. Nothing is appraised before the unit submits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from scoring_bridge.appraisers import appraiser_of
from scoring_bridge.workflow import Status, transition
from survey_app.db.models import ParPoints, Unit
from survey_app.i18n import N_, vi_en, vi_en_of
from survey_app.par.self_assessment import Sheet, SheetError, parse_points, step_row
from survey_app.staff.users import ADMIN, COUNCIL, UNIT_OFFICER

APPRAISABLE = (Status.SUBMITTED.value, Status.EXPLAINED.value)


def may_appraise(role: str, own_unit: Unit | None, unit: Unit, year: int) -> bool:
    """Whether an account appraises ``unit`` in ``year`` (``scoring_bridge.appraisers``).

    Sở Nội vụ (admin) oversees every unit; the council appraises the units the province
    appraises; a district's officers appraise their own communes where the year says so.
    """
    if role == ADMIN:
        return True
    rule = appraiser_of(unit.unit_type.code, year)
    if rule == "province":
        return role == COUNCIL
    return role == UNIT_OFFICER and own_unit is not None and unit.parent_id == own_unit.id


def _require(sheet: Sheet, statuses: Iterable[str], refusal: str) -> None:
    """Refuse (``refusal``: a message id marked with ``N_``) unless the sheet is at ``statuses``."""
    if sheet.state.status not in statuses:
        raise SheetError({"": vi_en_of(refusal)})


def save_appraisal(session: Session, sheet: Sheet, form: Mapping[str, str], who: str) -> int:
    """Set appraised points (``appraised-<code>``) and comments (``comment-<code>``).

    A changed figure needs a comment (the reason). All rows or none. Returns rows changed.
    """
    _require(sheet, APPRAISABLE, N_("Chưa thể thẩm định: đơn vị đang ở trạng thái khác."))
    errors: dict[str, str] = {}
    parsed: dict[str, float | None] = {}
    for row in sheet.rows:
        try:
            parsed[row.code] = parse_points(form.get(f"appraised-{row.code}", ""), row.max_points)
        except ValueError as exc:
            errors[f"appraised-{row.code}"] = f"{row.code}: {exc}"
            continue
        own = row.points.self_points if row.points else None
        comment = (form.get(f"comment-{row.code}") or "").strip()
        differs = parsed[row.code] is not None and parsed[row.code] != own
        if differs and not row.by_appraiser and not comment:
            errors[f"comment-{row.code}"] = vi_en(
                "%(code)s: điểm thẩm định khác điểm tự chấm, cần ghi lý do.", code=row.code
            )
    if errors:
        raise SheetError(errors)
    changed = 0
    step = "appraisal_2" if sheet.state.status == Status.EXPLAINED.value else "appraisal_1"
    for row in sheet.rows:
        points = _row(session, sheet, row.code, row.points)
        comment = (form.get(f"comment-{row.code}") or "").strip()[:4000]
        if parsed[row.code] != points.appraised_points or comment != points.appraisal_comment:
            changed += 1
            session.add(step_row(sheet, row.code, step, parsed[row.code], comment, who))
        points.appraised_points = parsed[row.code]
        points.appraisal_comment = comment
    session.flush()
    return changed


def return_for_explanation(session: Session, sheet: Sheet, codes: Iterable[str], who: str) -> None:
    """Return the chosen sub-criteria to the unit for explanation (each needs a comment)."""
    _require(sheet, APPRAISABLE, N_("Chưa thể trả lại: đơn vị đang ở trạng thái khác."))
    chosen = [r for r in sheet.rows if r.code in set(codes)]
    if not chosen:
        raise SheetError({"": vi_en("Chọn ít nhất một tiêu chí để trả lại.")})
    missing = [r.code for r in chosen if not (r.points and r.points.appraisal_comment.strip())]
    if missing:
        raise SheetError(
            {
                "": vi_en(
                    "Ghi nhận xét (điều cần giải trình) cho: %(codes)s, rồi lưu trước khi trả lại.",
                    codes=", ".join(missing),
                )
            }
        )
    for row in sheet.rows:
        points = _row(session, sheet, row.code, row.points)
        points.returned = row in chosen
        if points.returned:
            points.reply = ""
            session.add(step_row(sheet, row.code, "returned", None, points.appraisal_comment, who))
    sheet.state.status = transition(sheet.state.status, Status.RETURNED).value
    session.flush()


def explain(session: Session, sheet: Sheet, form: Mapping[str, str], who: str) -> None:
    """The unit answers each returned sub-criterion (``reply-<code>``, required)."""
    _require(
        sheet, (Status.RETURNED.value,), N_("Chưa thể giải trình: đơn vị đang ở trạng thái khác.")
    )
    returned = [r for r in sheet.rows if r.points and r.points.returned]
    errors = {
        f"reply-{r.code}": vi_en("%(code)s: cần nội dung giải trình.", code=r.code)
        for r in returned
        if not (form.get(f"reply-{r.code}") or "").strip()
    }
    if errors:
        raise SheetError(errors)
    for row in returned:
        assert row.points is not None  # filtered above
        row.points.reply = (form.get(f"reply-{row.code}") or "").strip()[:4000]
        session.add(step_row(sheet, row.code, "explanation", None, row.points.reply, who))
    sheet.state.status = transition(sheet.state.status, Status.EXPLAINED).value
    session.flush()


def finalise(session: Session, sheet: Sheet, who: str) -> None:
    """The council finalises: appraised points become final; the unit is locked (appraised)."""
    _require(sheet, APPRAISABLE, N_("Chưa thể chốt điểm: đơn vị đang ở trạng thái khác."))
    missing = [
        r.code
        for r in sheet.rows
        if r.kind == "criterion"
        and not r.not_applicable
        and (not r.points or r.points.appraised_points is None)
    ]
    if missing:
        raise SheetError(
            {
                "": vi_en(
                    "Chưa thẩm định: %(codes)s.",
                    codes=", ".join(missing[:20]) + (" …" if len(missing) > 20 else ""),
                )
            }
        )
    for row in sheet.rows:
        if row.points is None:  # an item nobody claimed, or a row that does not apply
            continue
        row.points.final_points = row.points.appraised_points
        row.points.returned = False
        session.add(step_row(sheet, row.code, "final", row.points.final_points, "", who))
    sheet.state.status = transition(sheet.state.status, Status.APPRAISED).value
    session.flush()


def _row(session: Session, sheet: Sheet, code: str, row: ParPoints | None) -> ParPoints:
    if row is not None:
        return row
    row = ParPoints(year=sheet.year, unit_id=sheet.unit.id, code=code, note="")
    session.add(row)
    return row
