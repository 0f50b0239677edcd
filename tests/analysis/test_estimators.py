"""Estimators: domains, edge cases, input errors, identities (R's numbers: test_design_vs_r)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import (
    Design,
    lonely_strata,
    mean,
    proportion,
    ratio,
    ratio_influence,
    ratio_matrix,
    total,
    total_variance,
)

STRATA = np.array(["a"] * 5 + ["b"] * 4 + ["c"] * 3)
WEIGHTS = np.array([10.0] * 5 + [25.0] * 4 + [4.0] * 3)
FPC = np.array([50.0] * 5 + [100.0] * 4 + [12.0] * 3)
Y = np.array([3.0, 5, 4, 4, 2, 5, 5, 1, 3, 4, 4, 2])


def design() -> Design:
    return Design.stratified(STRATA, WEIGHTS, fpc=FPC)


def test_the_domain_keeps_every_row_in_the_variance() -> None:
    # a domain cutting across strata: z is zero outside it, the strata and n_h stay the sample's
    domain = np.array([True, False] * 6)
    ours = mean(design(), Y, domain)
    size = WEIGHTS[domain].sum()
    value = WEIGHTS[domain] @ Y[domain] / size
    z = np.where(domain, (Y - value) / size, 0.0)
    assert ours.estimate == pytest.approx(value)
    assert ours.se == pytest.approx(np.sqrt(total_variance(design(), z)))
    # dropping the other rows first would shrink n_h and give another (wrong) SE
    dropped = Design.stratified(STRATA[domain], WEIGHTS[domain], fpc=FPC[domain])
    assert mean(dropped, Y[domain]).se != pytest.approx(ours.se, rel=1e-3)
    assert ours.n == 6


def test_values_outside_the_domain_may_be_missing_but_not_inside() -> None:
    domain = STRATA != "c"
    y = np.where(domain, Y, np.nan)
    assert mean(design(), y, domain) == mean(design(), Y, domain)
    with pytest.raises(ValueError, match=r"y has 1 missing values \(NaN\) inside the domain"):
        mean(design(), np.where(np.arange(12) == 2, np.nan, Y), domain)


def test_a_domain_of_everyone_is_the_whole_sample() -> None:
    assert mean(design(), Y, np.ones(12, dtype=bool)) == mean(design(), Y)
    assert total(design(), Y, np.ones(12, dtype=bool)) == total(design(), Y)


def test_a_domain_with_one_respondent() -> None:
    domain = np.arange(12) == 6
    result = mean(design(), Y, domain)
    assert (result.estimate, result.se, result.n, result.df) == (5.0, 0.0, 1, 0)
    assert np.isnan(result.deff)  # R: svyvar of one respondent is NaN
    assert result.n_eff == 1.0  # Kish's (Σw)²/Σw² of one weight


def test_a_constant_proportion_has_no_deff_and_kish_n_eff() -> None:
    result = proportion(design(), np.zeros(12))
    assert (result.estimate, result.se) == (0.0, 0.0)
    assert np.isnan(result.deff)
    assert result.n_eff == pytest.approx(WEIGHTS.sum() ** 2 / (WEIGHTS**2).sum())


def test_equal_weights_are_simple_random_sampling() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=40)
    n, population = 40, 400
    with_fpc = Design.stratified(np.zeros(n), np.full(n, population / n), fpc=np.full(n, 400))
    result = mean(with_fpc, y)
    assert result.deff == pytest.approx(1.0)
    assert result.n_eff == pytest.approx(40)
    assert result.se == pytest.approx(np.sqrt((1 - n / population) * y.var(ddof=1) / n))
    # weights of 1 and no fpc: there is no population; deff is R's deff = "replace"
    assert mean(Design.stratified(np.zeros(n), np.ones(n)), y).deff == pytest.approx(1.0)
    # weights N/n without the fpc: deff = 1/(1 − n/N) (R's deff = TRUE)
    no_fpc = Design.stratified(np.zeros(n), np.full(n, population / n))
    assert mean(no_fpc, y).deff == pytest.approx(1 / (1 - n / population))


def test_a_stratum_with_one_psu_adds_no_variance() -> None:
    strata = np.array(["a", "a", "a", "b"])
    lonely = Design.stratified(strata, np.ones(4))
    assert list(lonely_strata(lonely)) == [1]
    y = np.array([1.0, 2.0, 4.0, 100.0])
    # the total's variance is stratum a's alone
    assert total(lonely, y).se ** 2 == pytest.approx(3 * np.var([1.0, 2.0, 4.0], ddof=1))


def test_proportion_checks_its_indicator() -> None:
    assert proportion(design(), Y > 3) == mean(design(), (Y > 3).astype(float))
    with pytest.raises(ValueError, match=r"indicator \(3\) must be 0 or 1"):
        proportion(design(), Y)
    # other values are fine outside the domain
    domain = Y <= 1
    assert proportion(design(), np.where(domain, 1.0, 7.0), domain).estimate == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mean(design(), Y, (Y > 3).astype(int)), r"domain must be a boolean mask, not"),
        (lambda: mean(design(), Y, np.ones(3, dtype=bool)), r"domain has shape \(3,\)"),
        (lambda: mean(design(), Y[:5]), r"y has shape \(5,\); the design has 12 rows"),
        (lambda: mean(design(), Y, np.zeros(12, dtype=bool)), r"the domain has 0 respondents"),
        (lambda: ratio(design(), Y, 0 * Y), r"the denominator's weighted total is 0"),
        (lambda: total_variance(design(), Y[:3]), r"z has shape \(3,\); expected \(12,\)"),
    ],
)
def test_bad_input_is_named(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_design_checks_its_population_sizes() -> None:
    with pytest.raises(ValueError, match=r"fpc differs within a stratum \(50, 60\)"):
        Design.stratified(STRATA, WEIGHTS, fpc=np.where(np.arange(12) == 0, 60.0, FPC))
    with pytest.raises(ValueError, match=r"fpc \(nan\) must be a finite, positive"):
        Design.stratified(STRATA, WEIGHTS, fpc=np.where(np.arange(12) == 0, np.nan, FPC))


def test_ratio_influence_formula_and_identities() -> None:
    num = (Y >= 4).astype(float)
    den = (Y >= 2).astype(float)
    r, z = ratio_influence(num, den, WEIGHTS)
    assert r == pytest.approx(WEIGHTS @ num / (WEIGHTS @ den))
    np.testing.assert_allclose(z, (num - r * den) / (WEIGHTS @ den))
    assert WEIGHTS @ z == pytest.approx(0, abs=1e-15)  # Σ w z = 0 at the estimate
    estimate = ratio(design(), num, den)
    assert estimate.se == pytest.approx(np.sqrt(total_variance(design(), z)))


def test_ratio_matrix_with_an_empty_column_and_a_domain() -> None:
    num = np.column_stack([Y >= 4, Y >= 5, np.zeros(12)]).astype(float)
    den = np.column_stack([Y >= 2, Y >= 1, np.zeros(12)]).astype(float)
    domain = STRATA != "b"
    num[~domain] = np.nan
    r, z = ratio_matrix(design(), num, den, domain)
    assert np.isnan(r[2]) and np.all(z[:, 2] == 0)
    assert np.all(z[~domain] == 0)
    for j in range(2):
        one = ratio(design(), np.nan_to_num(num[:, j]), den[:, j], domain)
        assert r[j] == pytest.approx(one.estimate)
        assert np.sqrt(total_variance(design(), z[:, j])) == pytest.approx(one.se)
    # the mean of the two ratios: SE from the combined influence values
    a = np.array([0.5, 0.5])
    covariance = total_variance(design(), z[:, :2])
    assert total_variance(design(), z[:, :2] @ a) == pytest.approx(a @ covariance @ a)
    with pytest.raises(ValueError, match=r"NaN inside the domain \(row 0, column 0\)"):
        ratio_matrix(design(), np.where(domain[:, None], np.nan, num), den, domain)


def test_estimates_are_frozen() -> None:
    result = mean(design(), Y)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.se = 0.0  # type: ignore[misc]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.floats(0.5, 50), st.integers(0, 1)), min_size=6),
    st.floats(-10, 10),
)
def test_mean_of_a_constant_is_exact_and_a_shift_moves_only_the_mean(rows, shift) -> None:
    strata, weights, y = (np.array(v) for v in zip(*rows, strict=True))
    d = Design.stratified(strata, weights)
    assert mean(d, np.full(len(y), 3.5)).se == pytest.approx(0, abs=1e-12)
    base, shifted = mean(d, y.astype(float)), mean(d, y + shift)
    assert shifted.estimate == pytest.approx(base.estimate + shift, abs=1e-9)
    assert shifted.se == pytest.approx(base.se, rel=1e-9, abs=1e-12)
    assert total(d, y.astype(float)).estimate == pytest.approx(weights @ y)
