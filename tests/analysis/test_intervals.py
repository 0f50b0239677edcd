"""Intervals: Wilson and Clopper–Pearson checked by hand and against scipy, edge cases, properties.

R's svyciprop and confint values are in test_design_vs_r.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats import binomtest

from analysis import (
    ConfidenceInterval,
    Design,
    Estimate,
    mean_ci,
    mean_ci_arrays,
    proportion,
    proportion_ci,
    proportion_ci_arrays,
)

METHODS = ["logit", "wilson", "korn-graubard"]
Z95 = 1.959963984540054  # qnorm(0.975)


def srs_estimate(p: float, n: int) -> Estimate:
    """A proportion of n with se² = p(1 − p)/(n − 1), so n* = n − 1 and df = n − 1."""
    se = np.sqrt(p * (1 - p) / (n - 1))
    return Estimate(estimate=p, se=se, n=n, n_eff=n - 1, deff=1.0, df=n - 1)


def test_wilson_by_hand() -> None:
    # p̂ = 0.8 from n* = 100 (n = 101, df = 100: the df adjustment is 1)
    interval = proportion_ci(srs_estimate(0.8, 101), "wilson")
    n, z2 = 100, Z95**2
    centre = (0.8 + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 / (1 + z2 / n) * np.sqrt(0.8 * 0.2 / n + z2 / (4 * n**2))
    assert (interval.low, interval.high) == pytest.approx((centre - half, centre + half), rel=1e-9)
    # = scipy's Wilson interval for 80 of 100, (0.7111708, 0.8666331) to 7 digits
    scipy_ci = binomtest(80, 100).proportion_ci(method="wilson")
    assert (interval.low, interval.high) == pytest.approx((scipy_ci.low, scipy_ci.high), rel=1e-9)
    assert interval.method == "wilson"


def test_korn_graubard_without_design_effect_is_clopper_pearson() -> None:
    interval = proportion_ci(srs_estimate(0.8, 101), "korn-graubard")
    exact = binomtest(80, 100).proportion_ci(method="exact")
    assert (interval.low, interval.high) == pytest.approx((exact.low, exact.high), rel=1e-9)


def test_korn_graubard_adjusts_the_effective_size_for_the_degrees_of_freedom() -> None:
    # n* = 100 from n = 400 respondents in a design with 10 degrees of freedom
    p, se = 0.8, 0.04
    low, high = proportion_ci_arrays(p, se, 100, 10, "korn-graubard", n=400)
    adjusted = 100 * (stats.t.ppf(0.025, 399) / stats.t.ppf(0.025, 10)) ** 2
    assert low == pytest.approx(stats.beta.ppf(0.025, adjusted * p, adjusted * (1 - p) + 1))
    assert high == pytest.approx(stats.beta.ppf(0.975, adjusted * p + 1, adjusted * (1 - p)))


def test_logit_by_hand() -> None:
    low, high = proportion_ci_arrays(0.9, 0.03, 100, 20, "logit")
    half = stats.t.ppf(0.975, 20) * 0.03 / (0.9 * 0.1)
    eta = np.log(0.9 / 0.1)
    assert (low, high) == pytest.approx(
        (1 / (1 + np.exp(half - eta)), 1 / (1 + np.exp(-eta - half)))
    )


@pytest.mark.parametrize("method", METHODS)
def test_p_zero_and_one_have_finite_intervals(method: str) -> None:
    estimate = Estimate(estimate=0.0, se=0.0, n=40, n_eff=30.0, deff=np.nan, df=12)
    zero = proportion_ci(estimate, method)
    one = proportion_ci(Estimate(1.0, 0.0, 40, 30.0, np.nan, 12), method)
    assert zero.low == 0.0 and 0 < zero.high < 0.3
    assert one.high == 1.0 and 0.7 < one.low < 1
    assert zero.high == pytest.approx(1 - one.low)
    if method == "korn-graubard":
        # Clopper–Pearson at 0 successes: 1 − (α/2)^(1/n*), n* df-adjusted
        size = 30 * (stats.t.ppf(0.025, 39) / stats.t.ppf(0.025, 12)) ** 2
        assert zero.high == pytest.approx(1 - 0.025 ** (1 / size))
    assert zero.method == ("korn-graubard" if method == "logit" else method)


def test_p_zero_from_a_design_uses_kish_n_eff() -> None:
    design = Design.stratified(np.zeros(8), [1, 1, 2, 2, 3, 3, 4, 4])
    estimate = proportion(design, np.zeros(8))
    assert estimate.n_eff == pytest.approx(20**2 / 60)
    interval = proportion_ci(estimate, "logit")
    assert interval.low == 0.0 and 0 < interval.high < 1


@pytest.mark.parametrize("method", METHODS)
def test_a_census_has_no_uncertainty(method: str) -> None:
    interval = proportion_ci(Estimate(0.75, 0.0, 200, np.nan, 0.0, 3), method)
    assert (interval.low, interval.high) == (0.75, 0.75)


@pytest.mark.parametrize("method", METHODS)
def test_zero_degrees_of_freedom_count_as_one(method: str) -> None:
    zero = proportion_ci_arrays(0.6, 0.1, 24, 0, method, n=30)
    one = proportion_ci_arrays(0.6, 0.1, 24, 1, method, n=30)
    np.testing.assert_allclose(zero, one)
    assert np.all(np.isfinite(zero))


def test_arrays_agree_with_one_at_a_time() -> None:
    p = np.array([0.0, 0.05, 0.5, 0.93, 1.0])
    se = np.array([0.0, 0.02, 0.05, 0.01, 0.0])
    n_eff = np.where((p > 0) & (p < 1), p * (1 - p) / np.where(se > 0, se, 1) ** 2, 50.0)
    df = np.array([10, 20, 30, 40, 50])
    for method in METHODS:
        low, high = proportion_ci_arrays(p, se, n_eff, df, method, 0.9, n=60)
        for j in range(len(p)):
            estimate = Estimate(float(p[j]), float(se[j]), 60, float(n_eff[j]), 1.0, int(df[j]))
            single = proportion_ci(estimate, method, 0.9)
            assert (low[j], high[j]) == pytest.approx((single.low, single.high), rel=1e-12)


def test_mean_interval_arrays() -> None:
    low, high = mean_ci_arrays([1.0, 2.0], [0.5, 0.1], [10, 1000], 0.95)
    np.testing.assert_allclose(
        low, [1 - stats.t.ppf(0.975, 10) * 0.5, 2 - stats.t.ppf(0.975, 1000) * 0.1]
    )
    np.testing.assert_allclose(high - low, 2 * (np.array([1.0, 2.0]) - low))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: proportion_ci(srs_estimate(0.5, 50), "wald"), r"method \('wald'\) must be one of"),
        (
            lambda: proportion_ci(srs_estimate(0.5, 50), confidence=1.2),
            r"confidence \(1.2\) must be in \(0, 1\)",
        ),
        (
            lambda: proportion_ci(Estimate(1.5, 0.1, 9, 9, 1, 8)),
            r"estimate \(1.5\) is not a proportion",
        ),
        (lambda: proportion_ci_arrays([0.5], [-0.1], [9], [8]), r"se \(-0.1\) is out of range"),
        (lambda: mean_ci(Estimate(3.0, 1.0, 1, 1, 1, 0)), r"df \(0\) must be at least 1"),
        (lambda: mean_ci(srs_estimate(0.5, 50), dist="z"), r"dist \('z'\) must be 't' or 'normal'"),
    ],
)
def test_bad_input_is_named(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_intervals_are_frozen_results() -> None:
    interval = mean_ci(srs_estimate(0.5, 50))
    assert isinstance(interval, ConfidenceInterval)
    assert interval.method == "t(df=49)"


@settings(max_examples=300, deadline=None)
@given(
    p=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1)),
    se=st.one_of(st.just(0.0), st.floats(1e-12, 2)),
    n_eff=st.floats(0.01, 1e7),
    df=st.integers(0, 5000),
    n=st.integers(1, 100_000),
    confidence=st.floats(0.5, 0.999),
    method=st.sampled_from(METHODS),
)
def test_intervals_lie_in_zero_one_and_contain_the_estimate(
    p: float, se: float, n_eff: float, df: int, n: int, confidence: float, method: str
) -> None:
    low, high = proportion_ci_arrays(p, se, n_eff, df, method, confidence, n=n)
    assert np.isfinite(low) and np.isfinite(high)
    assert 0 <= low <= p <= high <= 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.floats(0.2, 30), st.booleans()), min_size=2, max_size=60
    ),
    st.sampled_from(METHODS),
)
def test_intervals_of_design_estimates_lie_in_zero_one(rows, method: str) -> None:
    strata, weights, y = (np.array(v) for v in zip(*rows, strict=True))
    estimate = proportion(Design.stratified(strata, weights), y)
    interval = proportion_ci(estimate, method)
    assert 0 <= interval.low <= estimate.estimate <= interval.high <= 1
