"""Sample sizes for one unit: reference values with their source, the order of the steps, errors."""

from __future__ import annotations

import math

import pytest

from sampling import (
    MeanSizeParams,
    SizeParams,
    cochran_n0,
    margin_of_error,
    margin_of_error_mean,
    sample_size_mean,
    sample_size_proportion,
    size_detail_mean,
    size_detail_proportion,
    yamane,
    z_value,
)

# z for 95 %: 1.959964 (any normal table; scipy.stats.norm.isf(0.025) = 1.959963985).


@pytest.mark.parametrize(
    ("confidence", "z"),
    [(0.90, 1.644854), (0.95, 1.959964), (0.99, 2.575829)],  # standard normal table
)
def test_z_value_matches_the_normal_table(confidence: float, z: float) -> None:
    assert z_value(confidence) == pytest.approx(z, abs=1e-6)


def test_cochran_n0_reference_value() -> None:
    # sipas-methodology.md §5 / Cochran 1977 §4.4: 1.959964² × 0.5 × 0.5 / 0.05² = 384.146
    assert cochran_n0(SizeParams()) == pytest.approx(384.146, abs=5e-4)


@pytest.mark.parametrize(
    ("population", "params", "expected"),
    [
        # sipas-methodology.md §5 / Cochran 1977 §4.4: n0 = 384.15 → 385 without N.
        (None, SizeParams(), 385),
        # Same, N = 1000: 384.146 / (1 + 383.146/1000) = 384.146 / 1.383146 = 277.73 → 278.
        (1000, SizeParams(), 278),
        # Design effect BEFORE the FPC (sipas-methodology.md §5): n0' = 2 × 384.146 = 768.292;
        # 768.292 / (1 + 767.292/1000) = 768.292 / 1.767292 = 434.73 → 435.
        # (After the FPC it would be 2 × 277.73 = 555.5 → 556: see test_compare_samplics.py.)
        (1000, SizeParams(deff=2.0), 435),
        # Response rate 0.5: 277.73 / 0.5 = 555.46 → 556 invitations for 278 answers.
        (1000, SizeParams(response_rate=0.5), 556),
        # p = 0.2, e = 0.05: 1.959964² × 0.16 / 0.0025 = 245.85 → 246.
        (None, SizeParams(p=0.2), 246),
        # e = 0.03: 3.841459 × 0.25 / 0.0009 = 1067.07 → 1068 (the familiar "1067" is 1.96²).
        (None, SizeParams(margin=0.03), 1068),
        # A small unit: N = 90 → 384.146 / (1 + 383.146/90) = 384.146 / 5.257178 = 73.07 → 74.
        (90, SizeParams(), 74),
        (1, SizeParams(), 1),
        (0, SizeParams(), 0),
    ],
)
def test_sample_size_proportion_reference_values(
    population: int | None, params: SizeParams, expected: int
) -> None:
    assert sample_size_proportion(population, params) == expected


def test_design_effect_multiplies_n0_before_the_finite_population_correction() -> None:
    detail = size_detail_proportion(1000, SizeParams(deff=2.0))
    assert detail.n_design == pytest.approx(2 * 384.14588, abs=1e-4)
    assert detail.completes_exact == pytest.approx(
        detail.n_design / (1 + (detail.n_design - 1) / 1000)
    )
    assert detail.completes_exact == pytest.approx(434.728, abs=1e-3)
    assert detail.completes == 435 != 2 * sample_size_proportion(1000)


def test_contacts_above_the_population_become_a_census_and_say_so() -> None:
    # N = 300: 384.146 / (1 + 383.146/300) = 168.70 answers → 169; / 0.5 = 337.4 → 338 > 300.
    detail = size_detail_proportion(300, SizeParams(response_rate=0.5))
    assert (detail.completes, detail.contacts, detail.census) == (169, 300, True)
    assert detail.expected_completes == 150.0 < detail.completes
    assert sample_size_proportion(300, SizeParams(response_rate=0.5)) == 300


def test_rounding_up_ignores_float_noise_but_not_real_fractions() -> None:
    # n0 = 1 / e² exactly 400 when z² p(1−p) = 1; Yamane with N·e² integral is exact too.
    assert yamane(400, 0.05) == 200  # 400 / (1 + 1) = 200, not 201
    assert yamane(1000, 0.05) == 286  # 285.71 → 286


@pytest.mark.parametrize(
    ("population", "margin", "expected"),
    [
        (1000, 0.05, 286),  # sipas-methodology.md §5: Yamane N = 1000 → 1000 / 3.5 = 285.7 → 286
        (10_000, 0.05, 385),  # 10000 / 26 = 384.6 → 385
        (500, 0.10, 84),  # 500 / 6 = 83.3 → 84
        (0, 0.05, 0),
    ],
)
def test_yamane_reference_values(population: int, margin: float, expected: int) -> None:
    assert yamane(population, margin) == expected


@pytest.mark.parametrize(
    ("population", "sd", "margin", "expected"),
    [
        # sd = 1 point, e = 0.1 point: n0 = 1.959964² × 1 / 0.01 = 384.15 → 385.
        (None, 1.0, 0.1, 385),
        # Cochran 1977 §4.6: 384.146 / (1 + 384.146/1000) = 277.53 → 278.
        (1000, 1.0, 0.1, 278),
        # 384.146 / (1 + 384.146/60) = 51.89 → 52 (samplics says 53: test_compare_samplics.py).
        (60, 1.0, 0.1, 52),
        # A mean on the 0–100 scale: sd 20, e 2 → 3.841459 × 400 / 4 = 384.15 → 385.
        (None, 20.0, 2.0, 385),
    ],
)
def test_sample_size_mean_reference_values(
    population: int | None, sd: float, margin: float, expected: int
) -> None:
    assert sample_size_mean(population, sd, MeanSizeParams(margin=margin)) == expected


def test_mean_margin_is_in_the_units_of_the_mean_so_it_may_exceed_one() -> None:
    assert sample_size_mean(None, 20.0, MeanSizeParams(margin=5.0)) == 62  # 61.46 → 62


@pytest.mark.parametrize(
    ("n", "population", "kwargs", "expected"),
    [
        # 1.959964 × sqrt(0.25/385) = 0.049945 (inverse of the 385 above).
        (385, None, {}, 0.049945),
        # 278 of 1000: 1.959964 × sqrt(0.25/278 × 722/999) = 1.959964 × 0.0254937 = 0.049967.
        (278, 1000, {}, 0.049967),
        # p = 0.2: 1.959964 × sqrt(0.16/246) = 0.049985.
        (246, None, {"p": 0.2}, 0.049985),
        (1000, 1000, {}, 0.0),
        (1, 1, {}, 0.0),
        (0, None, {}, math.inf),
        (0, 1, {}, math.inf),
    ],
)
def test_margin_of_error_reference_values(
    n: int, population: int | None, kwargs: dict[str, float], expected: float
) -> None:
    assert margin_of_error(n, population, **kwargs) == pytest.approx(expected, abs=1e-6)


def test_margin_of_error_is_the_inverse_of_the_size_formula() -> None:
    detail = size_detail_proportion(1000, SizeParams(deff=1.7))
    # Before rounding, the margin is exactly the one asked for.
    z = z_value(0.95)
    exact = z * math.sqrt(
        1.7 * 0.25 / detail.completes_exact * (1000 - detail.completes_exact) / 999
    )
    assert exact == pytest.approx(0.05)
    assert margin_of_error(detail.completes, 1000, deff=1.7) <= 0.05


def test_margin_of_error_mean_is_the_inverse_of_the_mean_size() -> None:
    # 52 of 60, sd 1: 1.959964 × sqrt(1/52 × (1 − 52/60)) = 1.959964 × 0.0506370 = 0.099247.
    assert margin_of_error_mean(52, 60, 1.0) == pytest.approx(0.099247, abs=1e-6)
    assert margin_of_error_mean(51, 60, 1.0) > 0.1
    assert margin_of_error_mean(60, 60, 1.0) == 0.0
    assert margin_of_error_mean(0, None, 1.0) == math.inf


def test_mean_detail_reports_every_step() -> None:
    detail = size_detail_mean(1000, 1.0, MeanSizeParams(margin=0.1, deff=1.5, response_rate=0.8))
    assert detail.n0 == pytest.approx(384.146, abs=1e-3)
    assert detail.n_design == pytest.approx(1.5 * detail.n0)
    # 576.22 / (1 + 0.57622) = 365.57 → 366 answers; / 0.8 = 456.96 → 457 invitations.
    assert (detail.completes, detail.contacts, detail.census) == (366, 457, False)


def test_design_effect_below_one_is_allowed() -> None:
    # 0.8 × 384.146 = 307.32 → 308 (Kish 1965: stratified designs can have deff < 1).
    assert sample_size_proportion(None, SizeParams(deff=0.8)) == 308


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"margin": 0}, "margin (0) must be in (0, 1)"),
        ({"margin": 1.5}, "margin (1.5) must be in (0, 1)"),
        ({"confidence": 1.2}, "confidence (1.2) must be in (0, 1)"),
        ({"p": 0.0}, "p (0.0) must be in (0, 1)"),
        ({"p": 1}, "p (1) must be in (0, 1)"),
        ({"deff": 0}, "deff (0) must be > 0"),
        ({"deff": math.nan}, "deff (nan) must be a finite number"),
        ({"response_rate": 0}, "response_rate (0) must be in (0, 1]"),
        ({"response_rate": 1.1}, "response_rate (1.1) must be in (0, 1]"),
        ({"margin": "5%"}, "margin ('5%') must be a number"),
        ({"margin": True}, "margin (True) must be a number"),
    ],
)
def test_size_params_refuse_bad_values(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        SizeParams(**kwargs)  # type: ignore[arg-type]
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: z_value(95), "confidence (95) must be in (0, 1)"),
        (lambda: sample_size_proportion(-5), "population (-5) must be a non-negative integer"),
        (lambda: sample_size_proportion(10.5), "population (10.5) must be a non-negative integer"),
        (lambda: yamane(1000, 0), "margin (0) must be in (0, 1)"),
        (lambda: MeanSizeParams(margin=0), "margin (0) must be > 0"),
        (lambda: sample_size_mean(100, -1, MeanSizeParams(0.1)), "sd (-1) must be > 0"),
        (lambda: margin_of_error(1200, 1000), "n (1200) exceeds the population (1000)"),
        (lambda: margin_of_error(-1, None), "n (-1) must be a non-negative integer"),
        (lambda: margin_of_error(10, None, p=1.0), "p (1.0) must be in (0, 1)"),
        (lambda: margin_of_error_mean(10, None, 0), "sd (0) must be > 0"),
    ],
)
def test_functions_refuse_bad_values_and_repeat_them(call, message: str) -> None:
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


def test_sample_size_mean_refuses_proportion_params() -> None:
    with pytest.raises(ValueError, match=r"params \(SizeParams\(.*\)\) must be a MeanSizeParams"):
        sample_size_mean(100, 1.0, SizeParams())  # type: ignore[arg-type]
