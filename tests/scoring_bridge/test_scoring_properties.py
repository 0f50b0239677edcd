"""Properties (Hypothesis): indices lie in [0, 100]; more points never lower an index; a higher
SIPAS never gives fewer 8.1 points, under every rule type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring_bridge import (
    Band,
    Catalog,
    Rule81,
    SipasFigure,
    UnitPoints,
    load_catalog,
    points_81,
    score_unit,
)

CATALOGS = {t: load_catalog(t, 2023).unwrap() for t in ("department", "district", "commune")}
FAST = settings(max_examples=60, deadline=None)


@st.composite
def unit_points(draw: st.DrawFn, catalog: Catalog) -> dict[str, float]:
    """Points from 0 to the maximum for every leaf, about one in five exactly at an end.

    One Hypothesis-controlled Random per example instead of a draw per leaf (a catalog has up
    to 112 leaves): reproducible, and fast enough to keep the suite under ten seconds.
    """
    rnd = draw(st.randoms(use_true_random=False))
    points = {}
    for leaf in catalog.leaves:
        roll = rnd.random()
        share = 0.0 if roll < 0.1 else 1.0 if roll < 0.2 else rnd.random()
        points[leaf.code] = share * leaf.max_points
    return points


def _score(catalog: Catalog, points: dict[str, float]):
    return score_unit(catalog, UnitPoints("U", catalog.unit_type, True, points))


@pytest.mark.parametrize("unit_type", sorted(CATALOGS))
def test_every_index_lies_between_0_and_100(unit_type: str) -> None:
    catalog = CATALOGS[unit_type]

    @FAST
    @given(unit_points(catalog))
    def check(points: dict[str, float]) -> None:
        score = _score(catalog, points)
        assert 0 <= score.index <= 100
        for component in (*score.areas.values(), *score.criteria.values()):
            assert 0 <= component.index <= 100

    check()


@pytest.mark.parametrize("unit_type", sorted(CATALOGS))
def test_raising_one_leaf_never_lowers_an_index(unit_type: str) -> None:
    catalog = CATALOGS[unit_type]
    codes = [leaf.code for leaf in catalog.leaves]

    @FAST
    @given(unit_points(catalog), st.sampled_from(codes), st.floats(0, 1))
    def check(points: dict[str, float], code: str, share: float) -> None:
        top = catalog.get(code).max_points
        raised = points | {code: min(top, points[code] + share * (top - points[code]))}
        before, after = _score(catalog, points), _score(catalog, raised)
        assert after.index >= before.index
        assert after.total >= before.total
        for key, component in after.areas.items():
            assert component.index >= before.areas[key].index
        for key, component in after.criteria.items():
            assert component.index >= before.criteria[key].index

    check()


percent = st.floats(0, 100, allow_nan=False)


@st.composite
def rules(draw: st.DrawFn, method: str) -> Rule81:
    """Any valid 8.1 rule: proportional, bands (increasing thresholds, non-decreasing points),
    or linear (floor < ceiling); fed by the estimate or the lower bound, maybe rounded first."""
    top = draw(st.floats(0.5, 40))
    extra: dict[str, object] = {
        "feeds": draw(st.sampled_from(["estimate", "ci_low"])),
        "figure_decimals": draw(st.sampled_from([None, 0, 2])),
    }
    if method == "bands":
        thresholds = sorted(draw(st.sets(percent, min_size=1, max_size=5)))
        points = sorted(draw(st.lists(st.floats(0, top), min_size=len(thresholds),
                                      max_size=len(thresholds))))  # fmt: skip
        extra["bands"] = tuple(Band(t, p) for t, p in zip(thresholds, points, strict=True))
    elif method == "linear":
        low, high = sorted(draw(st.sets(percent, min_size=2, max_size=2)))
        extra |= {"floor": low, "ceiling": high}
    return Rule81("8.1", "department", 2023, method, top, **extra)  # type: ignore[arg-type]


@st.composite
def figures(draw: st.DrawFn) -> tuple[SipasFigure, SipasFigure]:
    """Two SIPAS results, the second at least as high in estimate and both bounds."""
    a = sorted(draw(st.lists(percent, min_size=3, max_size=3)))
    b = [draw(st.floats(x, 100)) for x in a]
    b = sorted(b)  # still ≥ a elementwise: sorting both keeps the order of the pairs
    return SipasFigure(a[1], a[0], a[2]), SipasFigure(b[1], b[0], b[2])


@pytest.mark.parametrize("method", ["proportional", "bands", "linear"])
def test_a_higher_sipas_never_gives_fewer_points(method: str) -> None:
    @settings(max_examples=100, deadline=None)
    @given(rules(method), figures())
    def check(rule: Rule81, pair: tuple[SipasFigure, SipasFigure]) -> None:
        low, high = (points_81(rule, f) for f in pair)
        assert low.points <= high.points
        assert 0 <= low.points <= rule.max_points
        assert 0 <= high.points <= rule.max_points

    check()
