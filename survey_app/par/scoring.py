"""The PAR index of a year from the database: gather catalogs, points, SIPAS results and rules
into :class:`ScoringInputs` (``report``), statuses and the council's changes.

One path for the database and for files: ``report.compute`` scores what either gathered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring_bridge import (
    Catalog,
    Problem,
    Rule81,
    SipasFigure,
    load_catalog,
    load_catalog_data,
    load_rule81,
    load_rule81_data,
)
from scoring_bridge.workflow import is_late, transition
from survey_app.db.models import ParAssessment, ParCatalog, ParChange, ParPoints, ParSipas, Unit
from survey_app.i18n import vi_en
from survey_app.par.labels import source_label, status_refusal
from survey_app.par.report import ScoreReport, ScoringInputs, ScoringUnit, compute

__all__ = ["ScoreReport", "ScoringInputs", "ScoringUnit", "compute"]  # re-exported


# --- from the database ------------------------------------------------------------------------
def year_units(session: Session, year: int, types: set[str]) -> list[Unit]:
    """Units of the given types valid on 31 December of ``year``."""
    day = date(year, 12, 31)
    return [
        u
        for u in session.scalars(select(Unit).order_by(Unit.code))
        if u.unit_type.code in types and u.valid_on(day)
    ]


def catalogs_for(session: Session, year: int, types: set[str] | None = None) -> dict[str, Catalog]:
    """The year's catalog of each unit type: the imported one, else the shipped one."""
    found: dict[str, Catalog] = {}
    for row in session.scalars(select(ParCatalog).where(ParCatalog.year == year)):
        if row.data is not None:
            found[row.unit_type] = load_catalog_data(row.data).unwrap()
    for unit_type in types or {"department", "district", "commune"}:
        if unit_type not in found:
            shipped = load_catalog(unit_type, year)
            if shipped.value is not None:
                found[unit_type] = shipped.value
    return found


def rules_for(session: Session, year: int, types: set[str]) -> dict[str, Rule81]:
    """The 8.1 rule of each unit type for ``year``: the imported one, else the shipped one."""
    rules = {}
    for row in session.scalars(select(ParCatalog).where(ParCatalog.year == year)):
        if row.rule81 is not None:
            rules[row.unit_type] = load_rule81_data(row.rule81).unwrap()
    for unit_type in types - set(rules):
        result = load_rule81(unit_type, year)
        if result.value is not None:
            rules[unit_type] = result.value
    return rules


def _points(
    session: Session, year: int, marks: dict[str, set[str]] | None = None
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float | None]]]:
    """(final, self) points by unit and code; codes marked not applicable go to ``marks``
    (when given) instead, without points."""
    final: dict[str, dict[str, float]] = {}
    own: dict[str, dict[str, float | None]] = {}
    for row in session.scalars(select(ParPoints).where(ParPoints.year == year)):
        if row.not_applicable:
            if marks is not None:
                marks.setdefault(row.unit.code, set()).add(row.code)
            continue
        if row.final_points is not None:
            final.setdefault(row.unit.code, {})[row.code] = row.final_points
        own.setdefault(row.unit.code, {})[row.code] = row.self_points
    return final, own


def inputs_from_database(session: Session, year: int) -> ScoringInputs:
    """The year's scoring inputs as stored (catalogs, points, SIPAS figures, rules)."""
    all_types = {u.unit_type.code for u in session.scalars(select(Unit))}
    catalogs = catalogs_for(session, year, all_types)
    units = [
        ScoringUnit(u.code, u.name, u.unit_type.code, u.ranked)
        for u in year_units(session, year, set(catalogs))
    ]
    marks: dict[str, set[str]] = {}
    points, own = _points(session, year, marks)
    previous, _ = _points(session, year - 1)
    sipas = {
        row.unit.code: (
            SipasFigure(row.estimate, row.ci_low, row.ci_high),
            source_label(row.source),
        )
        for row in session.scalars(select(ParSipas).where(ParSipas.year == year))
    }
    return ScoringInputs(
        year,
        units,
        catalogs,
        rules_for(session, year, set(catalogs)),
        points,
        previous,
        sipas,
        own,
        not_applicable=marks,
    )


def store_sipas(
    session: Session, year: int, figures: Mapping[str, SipasFigure], source: str
) -> int:
    """Keep the SIPAS figure feeding each unit's 8.1 in ``year`` (replacing earlier ones)."""
    units = {u.code: u for u in session.scalars(select(Unit)) if u.valid_on(date(year, 12, 31))}
    stored = 0
    for code, figure in figures.items():
        unit = units.get(code)
        if unit is None:
            continue
        row = session.get(ParSipas, (year, unit.id)) or ParSipas(year=year, unit_id=unit.id)
        row.estimate, row.ci_low, row.ci_high = figure.estimate, figure.ci_low, figure.ci_high
        row.source = source
        session.add(row)
        stored += 1
    session.flush()
    return stored


def sipas_figures(result: object) -> dict[str, object]:
    """unit_code → SipasFigure from an analysis result's overall rows (suppressed ones left out)."""
    from scoring_bridge import SipasFigure

    figures = {}
    for code, row in result.overall().items():  # type: ignore[attr-defined]
        if row.estimate is not None and row.ci_low is not None and row.ci_high is not None:
            figures[code] = SipasFigure(row.estimate, row.ci_low, row.ci_high)
    return figures


# --- changes by the appraisal council ---------------------------------------------------------
class ChangeError(ValueError):
    """A points change that cannot be made as asked."""


def change_points(
    session: Session, *, year: int, unit: Unit, code: str, new: float, reason: str, who: str
) -> ParChange:
    """Set a leaf's final points, keeping who, when, old, new and why in the audit trail.

    Not while the unit is still self-assessing (draft): nothing is appraised before it submits.
    """
    if not reason.strip():
        raise ChangeError(vi_en("Cần ghi lý do điều chỉnh"))
    if assessment(session, year, unit).status == "draft":
        raise ChangeError(vi_en("đơn vị chưa gửi kết quả tự đánh giá: chưa thể thẩm định"))
    catalogs = catalogs_for(session, year, {unit.unit_type.code})
    catalog = catalogs.get(unit.unit_type.code)
    if catalog is None:
        raise ChangeError(
            vi_en(
                "Chưa có khung điểm cho %(unit_type)s năm %(year)s",
                unit_type=unit.unit_type.name_vi,
                year=year,
            )
        )
    if code not in catalog or not catalog.is_leaf(code):
        raise ChangeError(
            vi_en(
                "%(code)r không phải là một tiêu chí chấm điểm trong khung điểm của %(unit_type)s",
                code=code,
                unit_type=unit.unit_type.name_vi,
            )
        )
    leaf = catalog.get(code)
    if leaf.source == "sipas":
        raise ChangeError(
            vi_en(
                "%(code)s: điểm tính từ kết quả khảo sát SIPAS theo quy tắc của năm, không "
                "nhập tay",
                code=code,
            )
        )
    if not 0 <= new <= leaf.max_points:
        raise ChangeError(
            vi_en(
                "%(code)s: %(points)s điểm nằm ngoài khoảng 0–%(top)s điểm của tiêu chí",
                code=code,
                points=f"{new:g}",
                top=f"{leaf.max_points:g}",
            )
        )
    row = session.get(ParPoints, (year, unit.id, code))
    if row is None:
        row = ParPoints(year=year, unit_id=unit.id, code=code, note="")
        session.add(row)
    change = ParChange(
        year=year,
        unit_id=unit.id,
        code=code,
        old=row.final_points,
        new=new,
        reason=reason.strip(),
        who=who,
    )
    row.final_points = new
    session.add(change)
    session.flush()
    return change


def changes_of(session: Session, year: int, unit: Unit) -> list[ParChange]:
    """The unit's appraisal changes of the year, newest first."""
    return list(
        session.scalars(
            select(ParChange)
            .where(ParChange.year == year, ParChange.unit_id == unit.id)
            .order_by(ParChange.at.desc(), ParChange.id.desc())
        )
    )


def assessment(session: Session, year: int, unit: Unit) -> ParAssessment:
    """The unit's assessment record of the year (created as draft when missing)."""
    row = session.scalar(
        select(ParAssessment).where(ParAssessment.year == year, ParAssessment.unit_id == unit.id)
    )
    if row is None:
        row = ParAssessment(year=year, unit_id=unit.id, status="draft")
        session.add(row)
        session.flush()
    return row


def set_status(
    session: Session, year: int, unit: Unit, status: str, on: date | None = None
) -> ParAssessment:
    """Move the unit's assessment along the workflow (draft → submitted → appraised → published)."""
    row = assessment(session, year, unit)
    try:
        row.status = transition(row.status, status).value
    except ValueError:
        raise ChangeError(status_refusal(row.status, status)) from None
    if status == "submitted":
        row.submitted_on = on or date.today()
    session.flush()
    return row


def lateness(unit: Unit, year: int, row: ParAssessment, today: date) -> bool:
    """True when the unit's self-assessment is (or was) past the decision's deadline."""
    return is_late(unit.unit_type.code, year, row.submitted_on, today)


def points_problems(
    points: Mapping[str, Mapping[str, tuple]],
    catalogs: Mapping[str, Catalog],
    unit_types: Mapping[str, str],
) -> list[Problem]:
    """What is wrong with imported points: unknown units or codes, points outside 0–maximum,
    points for 8.1 (which comes from SIPAS). Points may be partial: completeness is checked when
    the index is computed."""
    problems: list[Problem] = []
    for unit, leaves in points.items():
        unit_type = unit_types.get(unit)
        if unit_type is None or unit_type not in catalogs:
            problems.append(
                Problem(
                    f"unit {unit}",
                    vi_en(
                        "không có đơn vị này trong năm, hoặc loại đơn vị của nó chưa có khung điểm"
                    ),
                )
            )
            continue
        catalog = catalogs[unit_type]
        items = catalog.rules.adjustments if catalog.rules is not None else {}
        for code, values in leaves.items():
            if code in items:
                top = items[code][1].max_points
                for what, value in (("self_points", values[0]), ("final_points", values[1])):
                    if value is not None and not 0 <= value <= top:
                        problems.append(
                            Problem(
                                f"unit {unit}",
                                _outside(what, value, top, items[code][1].name),
                                code,
                            )
                        )
                continue
            if len(values) > 3 and values[3] and not _may_be_marked(catalog, unit, code):
                problems.append(
                    Problem(
                        f"unit {unit}",
                        vi_en(
                            "%(code)r không thể đánh dấu không áp dụng: quy tắc của khung điểm "
                            "không cho phép với đơn vị này",
                            code=code,
                        ),
                        code,
                    )
                )
                continue
            if code not in catalog or not catalog.is_leaf(code):
                problems.append(
                    Problem(
                        f"unit {unit}",
                        vi_en(
                            "%(code)r không phải tiêu chí được chấm điểm của khung điểm "
                            "%(unit_type)s",
                            code=code,
                            unit_type=unit_type,
                        ),
                        code,
                    )
                )
                continue
            leaf = catalog.get(code)
            if leaf.source == "sipas":
                problems.append(
                    Problem(
                        f"unit {unit}",
                        vi_en(
                            "tiêu chí 8.1 lấy từ kết quả SIPAS theo quy tắc của năm: bỏ dòng này "
                            "khỏi tệp điểm"
                        ),
                        code,
                    )
                )
            for what, value in (("self_points", values[0]), ("final_points", values[1])):
                if value is not None and not 0 <= value <= leaf.max_points:
                    problems.append(
                        Problem(
                            f"unit {unit}", _outside(what, value, leaf.max_points, leaf.name), code
                        )
                    )
    return problems


def _outside(column: str, value: float, top: float, name: str) -> str:
    """Points of ``column`` outside 0 to the maximum ``top`` of the criterion ``name``."""
    return vi_en(
        "%(column)s %(value)s nằm ngoài khoảng 0–%(top)s (%(name)s)",
        column=column,
        value=f"{value:g}",
        top=f"{top:g}",
        name=name,
    )


def _may_be_marked(catalog: Catalog, unit: str, code: str) -> bool:
    """Whether the catalog's rules let ``unit`` mark ``code`` as not applicable."""
    rule = catalog.rules.not_applicable_rule(code) if catalog.rules is not None else None
    return rule is not None and rule.allows(unit) and code in catalog
