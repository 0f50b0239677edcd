"""A year's PAR index from plain values: :class:`ScoringInputs` → :func:`compute` →
:class:`ScoreReport`, with ``scoring_bridge``. No database here, so ``sipas score`` with files and
the outputs' writers load neither Flask nor SQLAlchemy; ``scoring`` gathers the inputs from the
database. Where a unit's ``ministry_survey`` points of the year are missing, last year's are used
and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    load_rule81,
    points_81,
    rank_units,
    rules_text,
    score_units,
)
from scoring_bridge.rules import not_applicable_leaves
from survey_app.i18n import N_, text_in, vi_en
from survey_app.par.bridge_words import translated_all


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
    not_applicable: dict[str, set[str]] = field(default_factory=dict)  # unit → marked codes


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
                    vi_en(
                        "chưa có khung điểm cho %(unit_type)s năm %(year)s",
                        unit_type=_type_name(unit.unit_type, None),
                        year=inputs.year,
                    ),
                )
            )
            continue
        given = dict(inputs.points.get(unit.code, {}))
        previous = inputs.previous_points.get(unit.code, {})
        marked = inputs.not_applicable.get(unit.code, set())
        skipped = not_applicable_leaves(catalog, [c for c in marked if c in catalog])
        from_previous: set[str] = set()
        for leaf in catalog.leaves:
            if (
                leaf.source == "ministry_survey"
                and leaf.code not in given
                and leaf.code in previous
                and leaf.code not in skipped
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
                            vi_en(
                                "chưa có quy tắc tính điểm 8.1 cho %(unit_type)s năm %(year)s",
                                unit_type=_type_name(unit.unit_type, None),
                                year=inputs.year,
                            ),
                            leaf.code,
                        )
                    )
                elif figure is None:
                    problems.append(
                        Problem(
                            f"unit {unit.code}",
                            vi_en(
                                "chưa có kết quả SIPAS năm %(year)s: hãy phân tích đợt khảo sát "
                                "hoặc nhập tệp kết quả",
                                year=inputs.year,
                            ),
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
            UnitPoints(
                unit.code,
                unit.unit_type,
                unit.ranked,
                given,
                frozenset(from_previous),
                frozenset(marked),
            )
        )
    scores: list[UnitScore] = []
    try:
        scores = score_units(inputs.catalogs.values(), unit_points)
    except ProblemsError as exc:
        problems.extend(translated_all(exc.problems))
    if problems:
        raise ProblemsError(problems)
    notes = []
    if any(c.illustrative for c in inputs.catalogs.values()):
        notes.append(_line(N_("Khung điểm minh họa (chưa phải phụ lục chính thức)")))
    for unit_type, catalog in inputs.catalogs.items():
        if catalog.rules is not None and any(s.unit_type == unit_type for s in scores):
            notes += rule_notes(catalog, unit_type)
    if previous_used:
        notes.append(
            _line(
                N_("Điểm điều tra xã hội học của năm %(year)s được dùng cho: %(units)s"),
                year=inputs.year - 1,
                units=", ".join(sorted(previous_used)),
            )
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


def _type_name(unit_type: str, names: None) -> str:
    """A unit type's Vietnamese name (its code when unknown)."""
    from survey_app.par.files.common import _type_name as name_of  # the files need openpyxl

    return name_of(unit_type, names)


def _line(msgid: str, /, **values: object) -> str:
    """A report line: ``"Vietnamese | English"`` (what pages and files show of a note)."""
    return f"{text_in('vi', msgid, **values)} | {text_in('en', msgid, **values)}"


def rule_notes(catalog: Catalog, unit_type: str) -> list[str]:
    """The lines saying a catalog's province rules, for every report built on it."""
    rules = catalog.rules
    if rules is None:
        return []
    name = _type_name(unit_type, None)
    note_vi, _, note_en = (rules.note or "").partition(" | ")
    illustrative = rules.illustrative and bool(rules.note)
    lines = [
        f"Quy tắc của tỉnh cho {name}, theo khung điểm phiên bản {catalog.version}"
        + (f" — {note_vi}" if illustrative else "")
        + " | the province's rules"
        + (f" — {note_en or note_vi}" if illustrative else "")
    ]
    return lines + [f"{name}: {line}" for line in rules_text(rules)]


def shipped_inputs(year: int, types: set[str] | None = None) -> ScoringInputs:
    """Inputs with only the shipped catalogs and 8.1 rules of ``year`` (no units, no points):
    what ``sipas score`` starts from when its files give everything else."""
    catalogs: dict[str, Catalog] = {}
    rules: dict[str, Rule81] = {}
    for unit_type in sorted(types or {"department", "district", "commune"}):
        shipped = load_catalog(unit_type, year)
        if shipped.value is not None:
            catalogs[unit_type] = shipped.value
        rule = load_rule81(unit_type, year)
        if rule.value is not None:
            rules[unit_type] = rule.value
    return ScoringInputs(year, [], catalogs, rules, {})
