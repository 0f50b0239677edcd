"""The quantiles without scipy (analysis.quantiles) against scipy.special and mpmath at 40 digits.

scipy.special's ``stdtrit`` and ``ndtri`` are the functions the intervals called before (scipy's
own accuracy is about 1e-16 here); mpmath's regularised incomplete beta at 40 digits is the
exact t distribution, P(T_ν > t) = I_{ν/(ν+t²)}(ν/2, 1/2)/2, solved for t.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy import special

from analysis.intervals import _edges, _korn_graubard, proportion_ci_arrays
from analysis.quantiles import expit, logit, normal_quantile, t_quantile

PROBABILITIES = [0.0001, 0.005, 0.025, 0.05, 0.1, 0.4, 0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9999]
DEGREES = np.unique(np.r_[np.arange(1, 400), np.geomspace(400, 1e7, 300).round()])


@pytest.mark.parametrize("p", PROBABILITIES)
def test_t_quantiles_agree_with_scipy_for_every_whole_degree_of_freedom(p: float) -> None:
    ours = t_quantile(DEGREES, p)
    theirs = special.stdtrit(DEGREES, p)
    assert np.all(np.abs(ours - theirs) <= 5e-14 * np.abs(theirs)), DEGREES[
        np.argmax(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300))
    ]


def _exact_t(nu: int, p: float) -> float:
    mpmath.mp.dps = 40
    half, n, q = mpmath.mpf(1) / 2, mpmath.mpf(nu), mpmath.mpf(min(p, 1 - p))

    def excess(t: mpmath.mpf) -> mpmath.mpf:
        return mpmath.betainc(n / 2, half, 0, n / (n + t * t), regularized=True) / 2 - q

    t = mpmath.findroot(excess, mpmath.mpf(float(special.stdtrit(nu, 1 - float(q)))))
    return float(t if p > 0.5 else -t)


@pytest.mark.parametrize("nu", [3, 4, 7, 29, 30, 120, 999, 1000, 2999, 3000, 6666, 10**6])
@pytest.mark.parametrize("p", [0.025, 0.6, 0.975, 0.995])
def test_t_quantiles_agree_with_the_exact_distribution(nu: int, p: float) -> None:
    assert float(t_quantile([nu], p)[0]) == pytest.approx(_exact_t(nu, p), rel=5e-14)


def test_t_quantiles_in_closed_form_and_at_the_limits() -> None:
    # ν = 1 (Cauchy) and ν = 2 (t = (1 − 2q)/√(2q(1 − q)) for the upper tail q)
    assert t_quantile([1], 0.975)[0] == pytest.approx(np.tan(np.pi * 0.475), rel=1e-15)
    assert t_quantile([2], 0.975)[0] == pytest.approx(0.95 / np.sqrt(2 * 0.025 * 0.975), rel=1e-15)
    assert t_quantile([np.inf], 0.975)[0] == normal_quantile(0.975)
    assert t_quantile([5, 5, 12], 0.5).tolist() == [0.0, 0.0, 0.0]
    # shape kept; the same ν once per distinct value
    grid = np.array([[10.0, 20.0], [10.0, 20.0]])
    assert t_quantile(grid, 0.975).shape == (2, 2)
    assert t_quantile(grid, 0.975)[0, 0] == t_quantile(grid, 0.975)[1, 0]


def test_what_is_not_computed_here_is_scipys() -> None:
    # a fractional ν, a tail beyond 1e-4 and NaN go to scipy.special.stdtrit unchanged
    for df, p in ((2.5, 0.975), (10.0, 0.99999), (np.nan, 0.975), (40.0, 1e-6)):
        ours, theirs = t_quantile([df], p)[0], special.stdtrit(df, p)
        assert ours == theirs or (np.isnan(ours) and np.isnan(theirs))


def test_normal_quantile_logit_and_expit_agree_with_scipy() -> None:
    for p in [1e-12, 1e-6, 0.0001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.9999, 1 - 1e-9]:
        assert normal_quantile(p) == pytest.approx(special.ndtri(p), rel=1e-15, abs=1e-300)
    p = np.array([1e-300, 1e-9, 0.1, 0.5, 0.73, 0.99, 1 - 1e-12])
    assert logit(p) == pytest.approx(special.logit(p), rel=1e-12)
    x = np.array([-800.0, -40.0, -3.0, 0.0, 2.5, 40.0, 800.0])
    assert expit(x) == pytest.approx(special.expit(x), rel=1e-15, abs=1e-300)


def test_the_logit_intervals_edges_are_korn_graubards_closed_form() -> None:
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    size = np.array([5.0, 5.0, 1234.5, 0.3, np.inf])
    for alpha in (0.05, 0.1, 0.01):
        ours = _edges(p, size, alpha)
        theirs = _korn_graubard(p, np.zeros(5), size, np.ones(5), alpha)
        assert np.asarray(ours) == pytest.approx(np.asarray(theirs), rel=1e-13, abs=1e-300)


def test_the_intervals_are_those_of_scipys_quantiles() -> None:
    # the logit interval as it was computed with scipy.special, on a grid of p, se and df
    rng = np.random.default_rng(7)
    p = rng.uniform(0.5, 0.999, 200)
    se = rng.uniform(0.001, 0.05, 200)
    df = rng.integers(1, 20_000, 200).astype(float)
    low, high = proportion_ci_arrays(p, se, 100.0, df, "logit")
    half = special.stdtrit(df, 0.975) * se / (p * (1 - p))
    expected_low = special.expit(special.logit(p) - half)
    expected_high = special.expit(special.logit(p) + half)
    assert low == pytest.approx(expected_low, rel=1e-13)
    assert high == pytest.approx(expected_high, rel=1e-13)
