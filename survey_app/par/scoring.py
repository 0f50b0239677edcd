"""The PAR index of a year: gather catalogs, points, SIPAS results and rules; score and rank.

One path for the database and for files: :class:`ScoringInputs` holds plain values, and
:func:`compute` turns them into a :class:`ScoreReport` with ``scoring_bridge``. Where a unit's
``ministry_survey`` points of the year are missing, last year's are used and the report says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring_bridge import (
    Catalog,
    Points81,
    Problem,
    ProblemsError,
    RankRow,
    Rule81,
    SipasFigure,
    UnitPoints,
    UnitScore,
    load_catalog,
    load_catalog_data,
    load_rule81,
    load_rule81_data,
    points_81,
    rank_units,
    score_units,
)
from scoring_bridge.workflow import is_late, transition
from survey_app.db.models import ParAssessment, ParCatalog, ParChange, ParPoints, ParSipas, Unit


@dataclass(frozen=True)
class ScoringUnit:
    """A unit as scoring sees it."""

    code: str
    name: str
    unit_type: str
    ranked: bool


@dataclass
class ScoringInputs:
    """Everything a year's scoring needs, as plain values."""

    year: int
    units: list[ScoringUnit]
    catalogs: dict[str, Catalog]
    rules: dict[str, Rule81]
    points: dict[str, dict[str, float]]  # unit → leaf code → final points (this year)
    previous_points: dict[str, dict[str, float]] = field(default_factory=dict)
    sipas: dict[str, tuple[SipasFigure, str]] = field(default_factory=dict)  # unit → (fig, src)
    self_points: dict[str, dict[str, float | None]] = field(default_factory=dict)
    notes_: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoreReport:
    """Scores, ranking and everything needed to show where each number came from."""

    year: int
    units: dict[str, ScoringUnit]
    catalogs: dict[str, Catalog]
    rules: dict[str, Rule81]
    scores: dict[str, UnitScore]
    ranking: list[RankRow]
    points81: dict[str, tuple[Points81, SipasFigure, str]]
    inputs: ScoringInputs
    notes: tuple[str, ...]


def compute(inputs: ScoringInputs) -> ScoreReport:
    """Score every unit whose type has a catalog; raise ProblemsError with every problem."""
    problems: list[Problem] = []
    unit_points: list[UnitPoints] = []
    points81: dict[str, tuple[Points81, SipasFigure, str]] = {}
    previous_used: set[str] = set()
    for unit in inputs.units:
        catalog = inputs.catalogs.get(unit.unit_type)
        if catalog is None:
            problems.append(
                Problem(
                    f"unit {unit.code}",
                    f"no catalog for unit type {unit.unit_type!r} in {inputs.year}",
                )
            )
            continue
        given = dict(inputs.points.get(unit.code, {}))
        previous = inputs.previous_points.get(unit.code, {})
        from_previous: set[str] = set()
        for leaf in catalog.leaves:
            if (
                leaf.source == "ministry_survey"
                and leaf.code not in given
                and leaf.code in previous
            ):
                given[leaf.code] = previous[leaf.code]
                from_previous.add(leaf.code)
            if leaf.source == "sipas":
                rule = inputs.rules.get(unit.unit_type)
                figure = inputs.sipas.get(unit.code)
                if rule is None:
                    problems.append(
                        Problem(
                            f"unit {unit.code}",
                            f"no 8.1 rule for {unit.unit_type!r} in {inputs.year}",
                            leaf.code,
                        )
                    )
                elif figure is None:
                    problems.append(
                        Problem(
                            f"unit {unit.code}",
                            f"no SIPAS result for {inputs.year}: analyse the "
                            "round or import a results file",
                            leaf.code,
                        )
                    )
                else:
                    scored = points_81(rule, figure[0])
                    given[leaf.code] = scored.points
                    points81[unit.code] = (scored, figure[0], figure[1])
        if from_previous:
            previous_used.add(unit.code)
        unit_points.append(
            UnitPoints(unit.code, unit.unit_type, unit.ranked, given, frozenset(from_previous))
        )
    scores: list[UnitScore] = []
    try:
        scores = score_units(inputs.catalogs.values(), unit_points)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    notes = []
    if any(c.illustrative for c in inputs.catalogs.values()):
        notes.append(
            "Khung điểm minh họa (chưa phải phụ lục chính thức) | "
            "Illustrative points catalog, not the official appendix"
        )
    if previous_used:
        notes.append(
            f"Điểm điều tra xã hội học của năm {inputs.year - 1} được dùng cho: "
            f"{', '.join(sorted(previous_used))} | Last year's Ministry survey points "
            "used for these units"
        )
    return ScoreReport(
        year=inputs.year,
        units={u.code: u for u in inputs.units},
        catalogs=inputs.catalogs,
        rules=inputs.rules,
        scores={s.unit_code: s for s in scores},
        ranking=rank_units(scores),
        points81=points81,
        inputs=inputs,
        notes=tuple(notes),
    )


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
    session: Session, year: int
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float | None]]]:
    final: dict[str, dict[str, float]] = {}
    own: dict[str, dict[str, float | None]] = {}
    for row in session.scalars(select(ParPoints).where(ParPoints.year == year)):
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
    points, own = _points(session, year)
    previous, _ = _points(session, year - 1)
    sipas = {
        row.unit.code: (SipasFigure(row.estimate, row.ci_low, row.ci_high), row.source)
        for row in session.scalars(select(ParSipas).where(ParSipas.year == year))
    }
    return ScoringInputs(
        year, units, catalogs, rules_for(session, year, set(catalogs)), points, previous, sipas, own
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


# --- changes by the appraisal council ---------------------------------------------------------
def sipas_figures(result: object) -> dict[str, object]:
    """unit_code → SipasFigure from an analysis result's overall rows (suppressed ones left out)."""
    from scoring_bridge import SipasFigure

    figures = {}
    for code, row in result.overall().items():  # type: ignore[attr-defined]
        if row.estimate is not None and row.ci_low is not None and row.ci_high is not None:
            figures[code] = SipasFigure(row.estimate, row.ci_low, row.ci_high)
    return figures


class ChangeError(ValueError):
    """A points change that cannot be made as asked."""


def change_points(
    session: Session, *, year: int, unit: Unit, code: str, new: float, reason: str, who: str
) -> ParChange:
    """Set a leaf's final points, keeping who, when, old, new and why in the audit trail.

    Not while the unit is still self-assessing (draft): nothing is appraised before it submits.
    """
    if not reason.strip():
        raise ChangeError("a change needs a reason (lý do)")
    if assessment(session, year, unit).status == "draft":
        raise ChangeError(
            "đơn vị chưa gửi kết quả tự đánh giá: chưa thể thẩm định "
            "/ the unit has not submitted its self-assessment yet"
        )
    catalogs = catalogs_for(session, year, {unit.unit_type.code})
    catalog = catalogs.get(unit.unit_type.code)
    if catalog is None:
        raise ChangeError(f"no catalog for {unit.unit_type.code!r} in {year}")
    if code not in catalog or not catalog.is_leaf(code):
        raise ChangeError(
            f"{code!r} is not a scored criterion of the {unit.unit_type.code} catalog"
        )
    leaf = catalog.get(code)
    if leaf.source == "sipas":
        raise ChangeError(
            f"{code} comes from the SIPAS survey by the year's rule; it is not typed in"
        )
    if not 0 <= new <= leaf.max_points:
        raise ChangeError(f"{code}: {new:g} points is outside 0–{leaf.max_points:g}")
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
    except ValueError as exc:
        raise ChangeError(str(exc)) from None
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
            problems.append(Problem(f"unit {unit}", "unknown unit, or its type has no catalog"))
            continue
        catalog = catalogs[unit_type]
        for code, values in leaves.items():
            if code not in catalog or not catalog.is_leaf(code):
                problems.append(
                    Problem(
                        f"unit {unit}",
                        f"{code!r} is not a scored criterion of the {unit_type} catalog",
                        code,
                    )
                )
                continue
            leaf = catalog.get(code)
            if leaf.source == "sipas":
                problems.append(
                    Problem(
                        f"unit {unit}",
                        "8.1 comes from SIPAS by the year's rule: leave it out of the points file",
                        code,
                    )
                )
            for what, value in (("self_points", values[0]), ("final_points", values[1])):
                if value is not None and not 0 <= value <= leaf.max_points:
                    problems.append(
                        Problem(
                            f"unit {unit}",
                            f"{what} {value:g} is outside 0–{leaf.max_points:g} ({leaf.name})",
                            code,
                        )
                    )
    return problems
