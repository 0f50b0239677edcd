"""A unit's PAR index, its component indices, rankings and year-on-year changes.

Decision 1877/QĐ-UBND, mục III.1.d (III.2.d, III.3.d): the index is the percentage of the
achieved points ("Điểm đạt được") over the maximum points; each area's and each criterion's
component index is the same ratio over its own points. Mục III.x.đ: units are ranked from the
highest index to the lowest within their type; mục II.2: Ban Dân tộc and Thanh tra tỉnh are
scored but not ranked with the others (the ``ranked`` flag, from the unit registry).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from scoring_bridge.catalog import Catalog
from scoring_bridge.problems import (
    Problem,
    ProblemsError,
    did_you_mean,
    is_number,
    num,
    round_half_up,
    say,
    show,
)
from scoring_bridge.rules import ClassBand, Rules, adjust_index, classify, not_applicable_leaves


def _text(value: object, what: str) -> str:
    if not (isinstance(value, str) and value.strip()):
        raise ValueError(f"{what} {value!r} must be a non-empty string")
    return value


@dataclass(frozen=True)
class UnitPoints:
    """A unit's final (appraised) points per scored leaf code.

    ``from_previous_year`` names the ``ministry_survey`` leaves whose points come from last
    year's Ministry survey because this year's was not published (mục III.1.c); see
    :func:`ministry_points`. ``not_applicable`` names the criteria (or leaves) marked as not
    applicable to the unit, which the catalog's rules must allow; ``points`` may also hold the
    rules' bonus and penalty items by their codes (a missing item counts 0). Values are checked
    against the catalog by :func:`score_unit`.
    """

    unit_code: str
    unit_type: str
    ranked: bool
    points: Mapping[str, float]
    from_previous_year: frozenset[str] = frozenset()
    not_applicable: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _text(self.unit_code, "unit_code")
        _text(self.unit_type, "unit_type")
        if not isinstance(self.ranked, bool):
            raise ValueError(f"ranked {self.ranked!r} must be True or False")
        if not isinstance(self.points, Mapping):
            raise ValueError(f"points must map leaf codes to points, got {show(self.points)}")
        object.__setattr__(self, "points", MappingProxyType(dict(self.points)))
        object.__setattr__(self, "from_previous_year", frozenset(self.from_previous_year))
        object.__setattr__(self, "not_applicable", frozenset(self.not_applicable))


class Component(NamedTuple):
    """Points, maximum and index (= 100 × points / maximum, percent) of an area or criterion."""

    points: float
    max: float
    index: float


@dataclass(frozen=True)
class UnitScore:
    """A unit's total, maximum and index, with the component indices of areas and criteria.

    ``from_previous_year`` lists leaves scored from last year's Ministry survey; ``illustrative``
    is the catalog's flag: reports must show both.

    With province rules (``has_rules``): ``total`` and ``max`` are over the applicable leaves,
    ``full_max`` is the catalog's maximum, ``base_index`` the index before bonus and penalty
    (``bonus``/``penalty`` as counted after their caps, ``*_claimed`` before), ``index`` the
    final one; ``not_applicable`` holds the leaves and criteria that do not apply; ``band`` the
    class. Without rules these keep their defaults (``base_index`` None).
    """

    @property
    def not_applicable_codes(self) -> tuple[str, ...]:
        """:func:`highest_codes` of ``not_applicable``."""
        return highest_codes(self.not_applicable)

    unit_code: str
    unit_type: str
    ranked: bool
    total: float
    max: float
    index: float
    areas: Mapping[str, Component]
    criteria: Mapping[str, Component]
    from_previous_year: tuple[str, ...] = ()
    year: int = 0
    catalog_version: int = 0
    illustrative: bool = False
    base_index: float | None = None
    full_max: float | None = None
    bonus: float = 0.0
    bonus_claimed: float = 0.0
    penalty: float = 0.0
    penalty_claimed: float = 0.0
    not_applicable: frozenset[str] = frozenset()
    band: ClassBand | None = None
    has_rules: bool = False


def highest_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """The codes none of whose ancestors is among them, in catalog order (``8.2`` rather than
    ``8.2``, ``8.2.1``, ``8.2.2``): how a person reads a set of criteria that do not apply."""
    found = set(codes)
    top = [c for c in found if not any(c.startswith(o + ".") for o in found)]
    return tuple(sorted(top, key=lambda c: tuple(int(p) for p in c.split("."))))


class MinistryPoints(NamedTuple):
    """Points of a ``ministry_survey`` leaf and whether they are last year's."""

    points: float
    from_previous_year: bool


def ministry_points(this_year: float | None, last_year: float | None) -> MinistryPoints:
    """This year's Ministry survey points, or last year's when this year's are not published.

    Mục III.1.c / III.2.c: "trường hợp trong năm đánh giá Bộ Nội vụ chưa công bố thì sử dụng kết
    quả công bố của năm trước liền kề". Put the leaf in ``UnitPoints.from_previous_year`` when
    the flag is set, so every output says so.
    """
    for value, what in ((this_year, "this year's"), (last_year, "last year's")):
        if value is not None and not (is_number(value) and value >= 0):
            raise ValueError(f"{what} Ministry survey points {value!r} must be a number ≥ 0")
    if this_year is not None:
        return MinistryPoints(float(this_year), False)
    if last_year is not None:
        return MinistryPoints(float(last_year), True)
    raise ValueError("no Ministry survey result this year nor last year: the points are missing")


def check_unit_points(catalog: Catalog, unit: UnitPoints) -> tuple[Problem, ...]:
    """Every problem of a unit's points against the catalog (empty when they can be scored).

    Points must be numbers from 0 to the leaf's maximum, given for every scored leaf and for
    nothing else; ``from_previous_year`` may name only ``ministry_survey`` leaves.
    """
    where = f"unit {unit.unit_code}"
    out: list[Problem] = []
    if unit.unit_type != catalog.unit_type:
        out.append(
            Problem(
                where,
                say(
                    "unit %(unit)r is of type %(unit_type)r but the catalog is for %(catalog)r",
                    unit=unit.unit_code,
                    unit_type=unit.unit_type,
                    catalog=catalog.unit_type,
                ),
            )
        )
    leaves = {c.code: c for c in catalog.leaves}
    rules = catalog.rules
    items = rules.adjustments if rules is not None else {}
    out += _check_marks(catalog, unit, where)
    skipped = not_applicable_leaves(catalog, unit.not_applicable) if unit.not_applicable else ()
    for code, value in unit.points.items():
        if code in items:
            top = items[code][1].max_points
            if not (is_number(value) and 0 <= value <= top):
                out.append(
                    Problem(
                        where,
                        say(
                            "unit %(unit)r, %(code)r: %(value)s points must be a number from 0 "
                            "to %(top)s",
                            unit=unit.unit_code,
                            code=code,
                            value=show(value),
                            top=num(top),
                        ),
                        code,
                    )
                )
            continue
        if code in skipped:
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r: %(code)r is marked not applicable but has points",
                        unit=unit.unit_code,
                        code=code,
                    ),
                    code,
                    say("remove the points or the mark"),
                )
            )
            continue
        if code not in leaves:
            if code in catalog:
                subs = ", ".join(c.code for c in catalog.leaves_under(code))
                out.append(
                    Problem(
                        where,
                        say(
                            "unit %(unit)r: %(code)r is not a scored leaf; give points to %(subs)s",
                            unit=unit.unit_code,
                            code=code,
                            subs=subs,
                        ),
                        code,
                    )
                )
            else:
                out.append(
                    Problem(
                        where,
                        say("unit %(unit)r: unknown code %(code)r", unit=unit.unit_code, code=code),
                        code,
                        did_you_mean(str(code), leaves),
                    )
                )
            continue
        top = leaves[code].max_points
        if type(value) in (float, int) and 0 <= value <= top:
            continue  # the usual case, decided without is_number (NaN and inf fail the test)
        if not is_number(value):
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r, %(code)r: points %(value)s must be a number",
                        unit=unit.unit_code,
                        code=code,
                        value=show(value),
                    ),
                    code,
                )
            )
        elif value > top:
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r, %(code)r: %(points)s points is above the maximum %(top)s",
                        unit=unit.unit_code,
                        code=code,
                        points=num(value),
                        top=num(top),
                    ),
                    code,
                )
            )
        elif value < 0:
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r, %(code)r: %(points)s points is below 0",
                        unit=unit.unit_code,
                        code=code,
                        points=num(value),
                    ),
                    code,
                )
            )
    for code, leaf in leaves.items():
        if code not in unit.points and code not in skipped:
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r: no points for %(code)r (maximum %(top)s)",
                        unit=unit.unit_code,
                        code=code,
                        top=num(leaf.max_points),
                    ),
                    code,
                )
            )
    for code in sorted(unit.from_previous_year):
        source = leaves[code].source if code in leaves else None
        if source != "ministry_survey":
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r: %(code)r is marked as last year's Ministry survey result "
                        "but its source is %(source)r",
                        unit=unit.unit_code,
                        code=code,
                        source=source,
                    ),
                    code,
                )
            )
    return tuple(out)


def _check_marks(catalog: Catalog, unit: UnitPoints, where: str) -> list[Problem]:
    """Problems of the unit's not-applicable marks: each must be allowed by the rules."""
    out: list[Problem] = []
    rules = catalog.rules
    for code in sorted(unit.not_applicable):
        rule = rules.not_applicable_rule(code) if rules is not None else None
        if rule is None:
            allowed = ", ".join(r.code for r in rules.not_applicable) if rules else ""
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r: %(code)r cannot be marked not applicable: the catalog's "
                        "rules do not allow it",
                        unit=unit.unit_code,
                        code=code,
                    ),
                    code,
                    say("the criteria that may be not applicable: %(codes)s", codes=allowed)
                    if allowed
                    else None,
                )
            )
        elif not rule.allows(unit.unit_code):
            out.append(
                Problem(
                    where,
                    say(
                        "unit %(unit)r: %(code)r may be not applicable only to %(units)s",
                        unit=unit.unit_code,
                        code=code,
                        units=", ".join(rule.units),
                    ),
                    code,
                )
            )
    return out


def score_unit(catalog: Catalog, unit: UnitPoints) -> UnitScore:
    """The unit's index = 100 × Σ points / Σ maxima, and the same ratio per area and criterion.

    Sums are ``math.fsum`` of the leaves, so an index is exactly in [0, 100] and never falls
    when a leaf's points rise. ProblemsError lists every problem of :func:`check_unit_points`.
    """
    problems = check_unit_points(catalog, unit)
    if problems:
        raise ProblemsError(problems)
    return _score_checked(catalog, unit)


def _score_checked(catalog: Catalog, unit: UnitPoints) -> UnitScore:
    """:func:`score_unit` of points :func:`check_unit_points` found nothing wrong with."""
    if catalog.rules is not None:
        return _score_with_rules(catalog, catalog.rules, unit)
    got = {code: float(v) for code, v in unit.points.items()}
    fsum = math.fsum  # exactly rounded: the same sum whatever the order (maxima precomputed)
    area_plan, criterion_plan = catalog.component_plan
    areas: dict[str, Component] = {}
    for code, leaves, top in area_plan:
        points = fsum([got[c] for c in leaves])
        areas[code] = Component(points, top, 100 * (points / top))
    criteria: dict[str, Component] = {}
    for code, leaves, top in criterion_plan:
        points = fsum([got[c] for c in leaves])
        criteria[code] = Component(points, top, 100 * (points / top))
    total = fsum(got.values())
    top = catalog.max_under()
    return UnitScore(
        unit_code=unit.unit_code,
        unit_type=unit.unit_type,
        ranked=unit.ranked,
        total=total,
        max=top,
        index=100 * (total / top),
        areas=MappingProxyType(areas),
        criteria=MappingProxyType(criteria),
        from_previous_year=tuple(sorted(unit.from_previous_year)),
        year=catalog.year,
        catalog_version=catalog.version,
        illustrative=catalog.illustrative,
    )


def _score_with_rules(catalog: Catalog, rules: Rules, unit: UnitPoints) -> UnitScore:
    """The score under the catalog's rules (module doc of :mod:`scoring_bridge.rules`)::

        base = 100 × Σ_applicable points / Σ_applicable max; index = clamp(base ± bonus/penalty)

    Components over their applicable leaves; a criterion with none applicable has none.
    """
    items = rules.adjustments
    skipped = not_applicable_leaves(catalog, unit.not_applicable)
    got = {c: float(v) for c, v in unit.points.items() if c not in items and c not in skipped}
    tops = {c.code: c.max_points for c in catalog.leaves}
    fsum = math.fsum
    area_plan, criterion_plan = catalog.component_plan
    gone: set[str] = set(skipped)

    def component(leaves: tuple[str, ...], top: float) -> Component | None:
        if skipped and any(c in skipped for c in leaves):
            kept = [c for c in leaves if c not in skipped]
            if not kept:
                return None
            top = fsum([tops[c] for c in kept])
            leaves = tuple(kept)
        points = fsum([got[c] for c in leaves])
        return Component(points, top, 100 * (points / top))

    areas: dict[str, Component] = {}
    for code, leaves, top in area_plan:
        found = component(leaves, top)
        if found is not None:  # the rules keep one applicable leaf in every area
            areas[code] = found
    criteria: dict[str, Component] = {}
    for code, leaves, top in criterion_plan:
        found = component(leaves, top)
        if found is None:
            gone.add(code)
        else:
            criteria[code] = found
    total = fsum(got.values())
    full = catalog.max_under()
    top = fsum([m for c, m in tops.items() if c not in skipped]) if skipped else full
    bonus = [
        float(unit.points[c])
        for c, (kind, _) in items.items()
        if kind == "bonus" and c in unit.points
    ]
    penalty = [
        float(unit.points[c])
        for c, (kind, _) in items.items()
        if kind == "penalty" and c in unit.points
    ]
    adjusted = adjust_index(rules, total, top, bonus, penalty)
    return UnitScore(
        unit_code=unit.unit_code,
        unit_type=unit.unit_type,
        ranked=unit.ranked,
        total=total,
        max=top,
        index=adjusted.index,
        areas=MappingProxyType(areas),
        criteria=MappingProxyType(criteria),
        from_previous_year=tuple(sorted(unit.from_previous_year)),
        year=catalog.year,
        catalog_version=catalog.version,
        illustrative=catalog.illustrative or rules.illustrative,
        base_index=100 * (total / top),
        full_max=full,
        bonus=adjusted.bonus,
        bonus_claimed=adjusted.bonus_claimed,
        penalty=adjusted.penalty,
        penalty_claimed=adjusted.penalty_claimed,
        not_applicable=frozenset(gone),
        band=classify(rules, adjusted.index) if rules.bands else None,
        has_rules=True,
    )


def score_units(catalogs: Iterable[Catalog], units: Iterable[UnitPoints]) -> list[UnitScore]:
    """:func:`score_unit` for many units, each with its type's catalog; every problem at once."""
    by_type: dict[str, Catalog] = {}
    for catalog in catalogs:
        if catalog.unit_type in by_type:
            raise ValueError(f"two catalogs for unit type {catalog.unit_type!r}")
        by_type[catalog.unit_type] = catalog
    scores: list[UnitScore] = []
    problems: list[Problem] = []
    for unit in units:
        catalog = by_type.get(unit.unit_type)
        if catalog is None:
            problems.append(
                Problem(
                    f"unit {unit.unit_code}",
                    say("no catalog for unit type %(unit_type)r", unit_type=unit.unit_type),
                    None,
                    did_you_mean(unit.unit_type, by_type),
                )
            )
            continue
        found = check_unit_points(catalog, unit)
        if found:
            problems += found
        else:
            scores.append(_score_checked(catalog, unit))
    if problems:
        raise ProblemsError(problems)
    return scores


@dataclass(frozen=True)
class RankRow:
    """One line of a published ranking; ``rank`` is None for a unit that is not ranked."""

    unit_type: str
    rank: int | None
    unit_code: str
    total: float
    max: float
    index: float
    areas: Mapping[str, Component] = field(default_factory=dict)
    ranked: bool = True
    from_previous_year: bool = False
    illustrative: bool = False
    base_index: float | None = None
    full_max: float | None = None
    bonus: float = 0.0
    penalty: float = 0.0
    not_applicable: frozenset[str] = frozenset()
    band: ClassBand | None = None
    has_rules: bool = False

    @property
    def not_applicable_codes(self) -> tuple[str, ...]:
        """:func:`highest_codes` of ``not_applicable``."""
        return highest_codes(self.not_applicable)

    def as_record(self) -> dict[str, Any]:
        """A flat record for a CSV/XLSX writer: area columns ``area_<code>_points/_index``; with
        province rules also ``base_index``, ``full_max``, ``bonus``, ``penalty``, ``class``."""
        record: dict[str, Any] = {
            "unit_type": self.unit_type,
            "rank": self.rank,
            "unit_code": self.unit_code,
            "total": self.total,
            "max": self.max,
            "index": self.index,
        }
        for code, c in self.areas.items():
            record[f"area_{code}_points"] = c.points
            record[f"area_{code}_index"] = c.index
        record["ranked"] = self.ranked
        record["from_previous_year"] = self.from_previous_year
        record["illustrative"] = self.illustrative
        if self.has_rules:
            record["base_index"] = self.base_index
            record["full_max"] = self.full_max
            record["bonus"] = self.bonus
            record["penalty"] = self.penalty
            record["class"] = self.band.label if self.band is not None else None
        return record


def rank_units(scores: Iterable[UnitScore], *, decimals: int = 2) -> list[RankRow]:
    """Rank within each unit type by index, highest first; ties share a rank (1, 2, 2, 4).

    Ties are decided on the index rounded half-up to ``decimals`` (2: the published figure, so
    two units shown with the same index never get different ranks). Unit types come in the
    order they first appear; within a type, ranked units first (by index, then code), then the
    units that are not ranked, with rank None, by index.

    One sort per type (n log n): a unit's rank is 1 + the number of ranked units of its type
    shown with a higher index, i.e. the position of the first unit of its tie in the sorted list.
    """
    scores = list(scores)
    seen: set[str] = set()
    groups: dict[str, list[UnitScore]] = {}
    for s in scores:
        if s.unit_code in seen:
            raise ValueError(f"unit {s.unit_code!r} is listed more than once")
        seen.add(s.unit_code)
        groups.setdefault(s.unit_type, []).append(s)
    rows: list[RankRow] = []
    for group in groups.values():
        shown = {s.unit_code: round_half_up(s.index, decimals) for s in group}

        def order(s: UnitScore, shown: dict[str, float] = shown) -> tuple[float, str]:
            return (-shown[s.unit_code], s.unit_code)

        ranked = sorted((s for s in group if s.ranked), key=order)
        others = sorted((s for s in group if not s.ranked), key=order)
        rank, previous = 0, None
        for position, s in enumerate(ranked, start=1):
            if shown[s.unit_code] != previous:
                rank, previous = position, shown[s.unit_code]
            rows.append(_row(s, rank))
        rows += [_row(s, None) for s in others]
    return rows


def _row(score: UnitScore, rank: int | None) -> RankRow:
    return RankRow(
        unit_type=score.unit_type,
        rank=rank,
        unit_code=score.unit_code,
        total=score.total,
        max=score.max,
        index=score.index,
        areas=score.areas,
        ranked=score.ranked,
        from_previous_year=bool(score.from_previous_year),
        illustrative=score.illustrative,
        base_index=score.base_index,
        full_max=score.full_max,
        bonus=score.bonus,
        penalty=score.penalty,
        not_applicable=score.not_applicable,
        band=score.band,
        has_rules=score.has_rules,
    )


def change_since(
    previous: Mapping[str, float],
    current: Mapping[str, float] | Iterable[UnitScore | RankRow],
) -> dict[str, float | None]:
    """Unit code → current index − previous index (percentage points); None for a new unit.

    Units only in ``previous`` are left out.
    """
    if isinstance(current, Mapping):
        now = dict(current)
    else:
        now = {}
        for item in current:
            now[item.unit_code] = item.index
    out: dict[str, float | None] = {}
    for code, index in now.items():
        if not is_number(index):
            raise ValueError(f"the index of unit {code!r} must be a number, got {index!r}")
        before = previous.get(code)
        if before is not None and not is_number(before):
            raise ValueError(f"last year's index of unit {code!r} must be a number, got {before!r}")
        out[code] = None if before is None else float(index) - float(before)
    return out
