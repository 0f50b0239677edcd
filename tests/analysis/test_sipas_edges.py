"""Exact edges of the estimates (issue 13, item 8; analysis/edges.py): a unit where every answer
is satisfied gets an overall SIPAS of exactly 100 with the interval its items get, never [0, 100]
or zero width. Reference figures from tests/analysis/r/sipas_edges.R (R 4.2.2, survey 4.1.1),
recorded in tests/analysis/r/sipas_edges.Rout."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import PostStrata, SipasData, analyze_sipas
from scoring_bridge import SipasFigure, load_rule81, points_81

# sipas-2023's layout: 19 items in elements of 4, 4, 5, 3, 3 (the mean of items that are all 1
# is 0.9999999999999999 in floating point)
ITEMS = tuple(f"q{j}" for j in range(1, 20))
SIZES = (4, 4, 5, 3, 3)
ELEMENTS = tuple(
    (f"E{e + 1}", ITEMS[sum(SIZES[:e]) : sum(SIZES[: e + 1])]) for e in range(len(SIZES))
)
THRESHOLD = [(28, 20, 24, 30, 18, 22, 26)[j % 7] for j in range(19)]  # unit B: item j's yes
YES, NO = 5.0, 2.0
N_A, N_B = 31, 40

# binom.test(31, 31)$conf.int = qbeta(0.025, 31, 1): Clopper–Pearson at p = 1 with n = 31
R_LOW_N31 = 0.88781125307763
# qbeta(0.025, Kish n*, 1) with Kish n* = 30.1507537688442 in unit A post-stratified
R_LOW_POST = 0.884840536258509
R_KISH_POST = 30.1507537688442
# svyciprop(~I(q1 == 1), unit B, method = "logit"): unit B unchanged by the edge rules
R_B_Q1 = (0.6999999999997538, 0.0703835645150638, 0.5422423418792006, 0.8213062490447103)
# svymean(~sipas, unit B)
R_B_SIPAS = (0.602333333333333, 0.0652105885167498)
# Korn–Graubard at p = 0.2, n* = 31: qbeta(0.025, 6.2, 25.8), qbeta(0.975, 7.2, 24.8)
R_SPLIT = (0.078698790497612, 0.382070574140896)
# binom.test(0, 31)$conf.int
R_NONE_HIGH = 0.11218874692237


def _data(extra: dict[str, np.ndarray] | None = None, populations: bool = True) -> SipasData:
    """The R script's units A (all satisfied) and B (q1: 28 of 40, q2: 20 of 40), and extras."""
    a = np.full((N_A, len(ITEMS)), YES)
    b = np.column_stack([np.where(np.arange(N_B) < t, YES, NO) for t in THRESHOLD])
    blocks, codes = [a, b], ["A"] * N_A + ["B"] * N_B
    for code, answers in (extra or {}).items():
        blocks.append(answers)
        codes += [code] * len(answers)
    pops = {"A": 200, "B": 500} | {code: 300 for code in extra or {}}
    return SipasData(
        np.array(codes),
        np.vstack(blocks),
        ITEMS,
        ELEMENTS,
        {code: "department" for code in set(codes)},
        pops if populations else None,
    )


def _row(result, unit: str, key: str):
    return result.row(unit, key)


@pytest.mark.parametrize("populations", [True, False])
@pytest.mark.parametrize("ci_method", ["logit", "korn-graubard", "wilson"])
def test_an_all_satisfied_unit_gets_its_items_interval(populations: bool, ci_method: str) -> None:
    result = analyze_sipas(_data(populations=populations), ci_method=ci_method)
    item = _row(result, "A", "q1")
    for key in ("E1", "E2", "E3", "E4", "E5", "SIPAS"):
        row = _row(result, "A", key)
        assert row.estimate == 100.0  # exactly: not 99.99999999999999
        assert row.se == 0.0
        assert (row.ci_low, row.ci_high) == (item.ci_low, item.ci_high)
    if ci_method != "wilson":  # logit falls back to Korn–Graubard at p = 1, as items always did
        assert _row(result, "A", "SIPAS").ci_low == pytest.approx(100 * R_LOW_N31, abs=1e-9)
        assert _row(result, "A", "SIPAS").ci_high == 100.0


def test_post_stratified_the_interval_is_the_items_one_too() -> None:
    cells = np.where(np.arange(N_A + N_B) % 2 == 0, "x", "y")  # R: seq_len %% 2 == 1 → "x"
    counts = {("A", "x"): 120, ("A", "y"): 80, ("B", "x"): 300, ("B", "y"): 200}
    result = analyze_sipas(_data(), post_strata=PostStrata(cells, counts, "cell"))
    row = _row(result, "A", "SIPAS")
    assert row.estimate == 100.0 and row.se == 0.0
    assert row.n_eff == pytest.approx(R_KISH_POST, rel=1e-12)
    assert row.ci_low == pytest.approx(100 * R_LOW_POST, abs=1e-9) and row.ci_high == 100.0
    assert (row.ci_low, row.ci_high) == (_row(result, "A", "q19").ci_low, 100.0)


def test_other_units_keep_their_r_figures() -> None:
    result = analyze_sipas(_data())
    q1 = _row(result, "B", "q1")
    estimate, se, low, high = R_B_Q1
    assert q1.estimate == pytest.approx(100 * estimate, abs=1e-9)
    assert q1.se == pytest.approx(100 * se, rel=1e-9)
    assert (q1.ci_low, q1.ci_high) == pytest.approx((100 * low, 100 * high), abs=1e-8)
    sipas = _row(result, "B", "SIPAS")
    assert sipas.estimate == pytest.approx(100 * R_B_SIPAS[0], abs=1e-9)
    assert sipas.se == pytest.approx(100 * R_B_SIPAS[1], abs=1e-3)
    province = _row(result, "ALL", "SIPAS")
    assert 0 < province.ci_low < province.estimate < province.ci_high < 100


def test_unanimous_items_that_disagree_get_an_interval_not_a_point() -> None:
    split = np.full((N_A, len(ITEMS)), NO)  # element 1's items all yes, the others all no
    split[:, : SIZES[0]] = YES
    none = np.full((N_A, len(ITEMS)), NO)
    result = analyze_sipas(_data({"C": split, "D": none}))
    c = _row(result, "C", "SIPAS")
    assert c.estimate == pytest.approx(20.0, abs=1e-12) and c.se == 0.0
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * R_SPLIT[0], 100 * R_SPLIT[1]), abs=1e-9)
    d = _row(result, "D", "SIPAS")
    assert d.estimate == 0.0 and d.se == 0.0
    assert (d.ci_low, d.ci_high) == pytest.approx((0.0, 100 * R_NONE_HIGH), abs=1e-9)


def test_pooled_all_satisfied_is_exactly_100_with_the_items_interval() -> None:
    result = analyze_sipas(_data(), aggregation="pooled")
    row = _row(result, "A", "SIPAS")
    assert row.estimate == 100.0 and row.se == 0.0
    assert row.ci_low == pytest.approx(100 * R_LOW_N31, abs=1e-9)


def test_every_estimate_and_interval_lies_in_0_100() -> None:
    rng = np.random.default_rng(8)
    extra = {
        f"U{i}": rng.choice([YES, NO], size=(20, len(ITEMS)), p=[0.99, 0.01]) for i in range(30)
    }
    result = analyze_sipas(_data(extra))
    for row in result.rows:
        if row.estimate is not None:
            assert 0.0 <= row.ci_low <= row.estimate <= row.ci_high <= 100.0, row


def test_criterion_81_fed_by_the_lower_bound_gets_the_sensible_figure() -> None:
    """A rule that feeds on ci_low gave an all-satisfied unit 0 points (its interval was [0, 100]
    post-stratified); now it gets the points of the items' lower bound."""
    import dataclasses

    rule = dataclasses.replace(load_rule81("department", 2023).unwrap(), feeds="ci_low")
    cells = np.where(np.arange(N_A + N_B) % 2 == 0, "x", "y")
    counts = {("A", "x"): 120, ("A", "y"): 80, ("B", "x"): 300, ("B", "y"): 200}
    row = _row(analyze_sipas(_data(), post_strata=PostStrata(cells, counts, "cell")), "A", "SIPAS")
    scored = points_81(rule, SipasFigure(row.estimate, row.ci_low, row.ci_high))
    assert scored.figure_used == pytest.approx(100 * R_LOW_POST, abs=1e-6)
    assert scored.points == pytest.approx(
        points_81(rule, (88.484, 88.484, 88.484)).points, abs=1e-3
    )
    assert scored.points > 0.8 * rule.max_points


def test_rounding_noise_in_the_variance_is_not_taken_for_information() -> None:
    """Three uneven post-strata: before analysis/edges.py the SIPAS of unit A came out as
    99.99999999999999 with se 8.5e-23 (noise), an interval [99.99999999999997, 100]."""
    rng = np.random.default_rng(0)
    cells = rng.choice(["x", "y", "z"], size=N_A + N_B)
    low_a, low_b = rng.integers(20, 90, 3), rng.integers(50, 200, 3)
    counts = {("A", c): int(v) for c, v in zip("xyz", low_a, strict=True)}
    counts |= {("B", c): int(v) for c, v in zip("xyz", low_b, strict=True)}
    plain = _data()
    data = SipasData(
        plain.unit_codes,
        plain.answers,
        ITEMS,
        ELEMENTS,
        plain.unit_types,
        {"A": int(low_a.sum()), "B": int(low_b.sum())},
    )
    result = analyze_sipas(data, post_strata=PostStrata(cells, counts, "cell"))
    row = _row(result, "A", "SIPAS")
    assert row.estimate == 100.0 and row.se == 0.0
    assert (row.ci_low, row.ci_high) == (_row(result, "A", "q1").ci_low, 100.0)
    assert 85 < row.ci_low < 90
