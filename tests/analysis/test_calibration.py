"""Base weights, post-stratification, raking and trimming (R's numbers: test_design_vs_r)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import (
    CalibratedDesign,
    CalibrationError,
    Design,
    base_weights,
    mean,
    poststratify,
    proportion,
    rake,
    total,
    total_variance,
    trim,
)

RNG = np.random.default_rng(7)
N = 60
STRATA = np.repeat(["u1", "u2", "u3"], 20)
SEX = RNG.choice(["f", "m"], N)
AGE = RNG.choice(["18-34", "35-59", "60+"], N)
Y = RNG.integers(1, 6, N).astype(float)
SEX_TOTALS = {"f": 520.0, "m": 480.0}
AGE_TOTALS = {"18-34": 300.0, "35-59": 450.0, "60+": 250.0}
POPULATIONS = {"u1": 200, "u2": 500, "u3": 300}


def design() -> Design:
    weights = base_weights(STRATA, POPULATIONS)
    return Design.stratified(STRATA, weights.weights, fpc=weights.fpc)


def test_base_weights_are_population_over_sample_size() -> None:
    result = base_weights(np.array(["a", "a", "b", "b", "b", "b"]), {"a": 10, "b": 6, "c": 4})
    np.testing.assert_allclose(result.weights, [5, 5, 1.5, 1.5, 1.5, 1.5])
    np.testing.assert_allclose(result.fpc, [10, 10, 6, 6, 6, 6])
    assert result.scaled
    assert result.unsampled == ("c",)


def test_base_weights_without_populations_are_one_and_say_so() -> None:
    result = base_weights(np.array(["a", "b", "b"]), None)
    np.testing.assert_array_equal(result.weights, [1, 1, 1])
    assert result.fpc is None
    assert not result.scaled


@pytest.mark.parametrize(
    ("populations", "message"),
    [
        ({"A": 10, "b": 5}, r"stratum 'a' has 2 respondents but no population \(did you mean 'A'"),
        ({"a": 1, "b": 5}, r"population of stratum 'a' \(1\) is below its 2 respondents"),
    ],
)
def test_base_weights_name_the_bad_stratum(populations: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        base_weights(np.array(["a", "a", "b"]), populations)


def test_poststratified_weights_meet_the_totals_and_their_counts_have_no_variance() -> None:
    calibrated = poststratify(design(), SEX, SEX_TOTALS)
    assert isinstance(calibrated, CalibratedDesign)
    for sex, expected in SEX_TOTALS.items():
        count = total(calibrated, (sex == SEX).astype(float))
        assert count.estimate == pytest.approx(expected)
        assert count.se == pytest.approx(0, abs=1e-9)
    share = proportion(calibrated, SEX == "f")
    assert share.estimate == pytest.approx(0.52)
    assert share.se == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(calibrated.g * calibrated.design_weights, calibrated.weights)


def test_poststratification_residualises_with_the_weighted_post_stratum_means() -> None:
    calibrated = poststratify(design(), SEX, SEX_TOTALS)
    w = calibrated.weights
    size = w.sum()
    z = (Y - w @ Y / size) / size
    residual = z.copy()
    for sex in SEX_TOTALS:
        inside = sex == SEX
        residual[inside] -= w[inside] @ z[inside] / w[inside].sum()
    plain = Design.stratified(STRATA, w, fpc=design().fpc)
    assert mean(calibrated, Y).se == pytest.approx(np.sqrt(total_variance(plain, residual)))


def test_raked_weights_meet_every_margin() -> None:
    raked = rake(design(), [(SEX, SEX_TOTALS), (AGE, AGE_TOTALS)])
    for labels, totals in ((SEX, SEX_TOTALS), (AGE, AGE_TOTALS)):
        for category, expected in totals.items():
            count = total(raked, (labels == category).astype(float))
            assert count.estimate == pytest.approx(expected, rel=1e-7)
            assert count.se == pytest.approx(0, abs=1e-6)
    assert raked.calibration[0].kind == "raking"
    assert raked.calibration[0].iterations > 1


def test_raking_on_one_margin_is_post_stratification() -> None:
    raked = rake(design(), [(SEX, SEX_TOTALS)])
    post = poststratify(design(), SEX, SEX_TOTALS)
    np.testing.assert_allclose(raked.weights, post.weights)
    assert mean(raked, Y).se == pytest.approx(mean(post, Y).se)


def test_residuals_are_linear_so_combinations_of_influence_values_work() -> None:
    raked = rake(design(), [(SEX, SEX_TOTALS), (AGE, AGE_TOTALS)])
    z = RNG.normal(size=(N, 3))
    a = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(raked.residualise(z) @ a, raked.residualise((z @ a)[:, None])[:, 0])
    assert total_variance(raked, z @ a) == pytest.approx(a @ total_variance(raked, z) @ a)


def test_calibrating_a_calibrated_design_adds_a_step() -> None:
    twice = poststratify(poststratify(design(), SEX, SEX_TOTALS), AGE, AGE_TOTALS)
    assert [step.kind for step in twice.calibration] == ["post-stratification"] * 2
    np.testing.assert_allclose(twice.design_weights, design().weights)
    assert total(twice, (AGE == "60+").astype(float)).se == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: poststratify(design(), SEX, {"F": 520.0, "m": 480.0}),
            r"post-strata: category 'f' has \d+ respondents but no population total "
            r"\(did you mean 'F'\?\)",
        ),
        (
            lambda: poststratify(design(), SEX, {**SEX_TOTALS, "x": 10.0}),
            r"post-strata: category 'x' has no respondents \(population total 10\)",
        ),
        (
            lambda: poststratify(design(), SEX, {"f": 0.0, "m": 480.0}),
            r"category 'f' has a population total of 0 but \d+ respondents",
        ),
        (
            lambda: rake(design(), [(SEX, SEX_TOTALS), (AGE, {**AGE_TOTALS, "60+": 260.0})]),
            r"margin totals differ: margin 1 sums to 1000, margin 2 to 1010",
        ),
        (
            lambda: rake(design(), [(SEX, SEX_TOTALS), (AGE, {"18-34": 300, "35-59": 700})]),
            r"margin 2: category '60\+' has \d+ respondents but no population total",
        ),
        (
            lambda: rake(design(), [(SEX, SEX_TOTALS), (AGE, AGE_TOTALS)], max_iter=1),
            r"raking did not converge within 1 iterations: margin \d, category '.+' is still",
        ),
    ],
)
def test_calibration_errors_name_the_margin_and_category(call, message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        call()


def test_zero_totals_of_absent_categories_are_ignored() -> None:
    calibrated = poststratify(design(), SEX, {**SEX_TOTALS, "x": 0})
    assert calibrated.weights.sum() == pytest.approx(1000)


@pytest.mark.parametrize(("max_iter", "tol"), [(0, 1e-7), (1.5, 1e-7), (10, 0.0)])
def test_rake_checks_its_controls(max_iter, tol: float) -> None:
    with pytest.raises(ValueError, match=r"(max_iter|tol) \("):
        rake(design(), [(SEX, SEX_TOTALS)], max_iter=max_iter, tol=tol)


def test_trim_caps_and_spreads_the_excess_in_proportion() -> None:
    np.testing.assert_allclose(trim([1, 1, 1, 1, 10], upper=4), [2.5, 2.5, 2.5, 2.5, 4])
    # 20 → 9 spreads 11 over 1, 5, 2 (×2.375), pushing 5 to 11.875 → 9, and so on:
    np.testing.assert_allclose(trim([1, 5, 20, 2], upper=9), [10 / 3, 9, 9, 20 / 3])
    np.testing.assert_allclose(
        trim([0.1, 3, 3, 3.9], upper=10, lower=1), [1, 30 / 11, 30 / 11, 39 / 11]
    )


@pytest.mark.parametrize(
    ("upper", "lower", "message"),
    [
        (2, None, r"bounds \[0, 2\] cannot keep the total 14 of 4 weights"),
        (5, 5, r"upper \(5\) must be above lower \(5"),
    ],
)
def test_trim_refuses_impossible_bounds(upper: float, lower: float | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        trim([1, 2, 3, 8], upper, lower)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.1, 100), min_size=2, max_size=40), st.floats(1.05, 3))
def test_trim_keeps_the_total_and_the_bounds(weights: list[float], factor: float) -> None:
    w = np.array(weights)
    upper = factor * w.mean()
    trimmed = trim(w, upper)
    assert trimmed.sum() == pytest.approx(w.sum(), rel=1e-9)
    assert trimmed.max() <= upper * (1 + 1e-9)
    assert np.all(trimmed >= 0)
