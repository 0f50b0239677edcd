"""Cross-check against samplics (0.6, archived but installable): where its formula is the same the
numbers agree; where we differ on purpose (docs/decisions/0006-sampling-formulas.md) a test shows
the difference. samplics is a test dependency (pyproject's `test` extra)."""

from __future__ import annotations

import warnings

import pytest

from sampling import (
    MeanSizeParams,
    SizeParams,
    Stratum,
    allocate,
    per_unit_design,
    sample_size_mean,
    sample_size_proportion,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "samplics is archived" FutureWarning on import
    from samplics import PopParam, SampleSize, calculate_ss_wald_mean, calculate_ss_wald_prop
    from samplics import allocate as samplics_allocate

POPULATIONS = [1, 2, 30, 90, 150, 278, 500, 1000, 4321, 10_000, 250_000, None]


@pytest.mark.parametrize("population", POPULATIONS)
@pytest.mark.parametrize(
    ("margin", "p", "confidence", "response_rate"),
    [(0.05, 0.5, 0.95, 1.0), (0.03, 0.2, 0.95, 1.0), (0.1, 0.7, 0.90, 1.0), (0.05, 0.5, 0.99, 0.6)],
)
def test_wald_proportion_size_agrees_without_design_effect(
    population: int | None, margin: float, p: float, confidence: float, response_rate: float
) -> None:
    ours = sample_size_proportion(
        population,
        SizeParams(margin=margin, p=p, confidence=confidence, response_rate=response_rate),
    )
    theirs = calculate_ss_wald_prop(
        target=p,
        half_ci=margin,
        pop_size=population,
        resp_rate=response_rate,
        alpha=1 - confidence,
    )
    if population is not None and theirs > population:
        # samplics may ask for more invitations than there are dossiers; we cap at N (census).
        assert ours == population
    else:
        assert ours == theirs


def test_per_unit_design_agrees_with_samplics_stratified_sample_size() -> None:
    strata = [Stratum("xa", 1000, p=0.5), Stratum("xb", 200, p=0.1), Stratum("xc", 50_000, p=0.2)]
    size = SampleSize(param=PopParam.prop, strat=True)
    size.calculate(
        half_ci=0.05,
        target={s.code: s.p for s in strata},
        pop_size={s.code: s.population for s in strata},
        nb_strata=len(strata),
    )
    assert per_unit_design(strata) == size.samp_size == {"xa": 278, "xb": 83, "xc": 245}


def test_design_effect_before_the_fpc_differs_from_samplics_on_purpose() -> None:
    # Ours (sipas-methodology.md §5; Kish 1965): 2 × 384.146 = 768.29 → 768.29/1.76729 = 434.7.
    # samplics multiplies after the FPC: 2 × 277.73 = 555.5 → 556, which overstates what a
    # design with deff = 2 needs in a unit of 1000 (its FPC is computed for a deff of 1).
    assert sample_size_proportion(1000, SizeParams(deff=2.0)) == 435
    assert calculate_ss_wald_prop(target=0.5, half_ci=0.05, pop_size=1000, deff_c=2.0) == 556
    # Without N the two orders are the same: 2 × 384.146 = 768.3 → 769.
    assert sample_size_proportion(None, SizeParams(deff=2.0)) == 769
    assert calculate_ss_wald_prop(target=0.5, half_ci=0.05, deff_c=2.0) == 769
    # With a large deff and a small unit samplics even exceeds N: 4 × 73.07 = 292 > 90.
    assert calculate_ss_wald_prop(target=0.5, half_ci=0.05, pop_size=90, deff_c=4.0) == 293
    # Ours: 4 × 384.146 = 1536.58; 1536.58 / (1 + 1535.58/90) = 1536.58 / 18.062 = 85.07 → 86.
    assert sample_size_proportion(90, SizeParams(deff=4.0)) == 86


@pytest.mark.parametrize("population", [None, 1000, 5000, 250_000])
def test_wald_mean_size_agrees_for_large_units(population: int | None) -> None:
    ours = sample_size_mean(population, 1.0, MeanSizeParams(margin=0.1))
    assert ours == calculate_ss_wald_mean(half_ci=0.1, sigma=1.0, pop_size=population)


def test_mean_fpc_differs_from_samplics_on_purpose_for_small_units() -> None:
    # Cochran 1977 §4.6 with S (divisor N − 1): n = n0/(1 + n0/N) = 384.146/7.4024 = 51.9 → 52.
    # samplics uses n0/(1 + (n0 − 1)/N), the proportion form (σ with divisor N):
    # 384.146 × 60 / (59 + 384.146) = 52.01 → 53.
    assert sample_size_mean(60, 1.0, MeanSizeParams(margin=0.1)) == 52
    assert calculate_ss_wald_mean(half_ci=0.1, sigma=1.0, pop_size=60) == 53


def test_proportional_allocation_agrees_when_shares_are_whole() -> None:
    strata = [Stratum("a", 1000), Stratum("b", 3000), Stratum("c", 6000)]
    theirs, _ = samplics_allocate(
        "propal", ["a", "b", "c"], {s.code: s.population for s in strata}, samp_size=500
    )
    assert allocate(strata, 500, "proportional").sizes == {str(k): v for k, v in theirs.items()}


def test_proportional_allocation_rounds_up_in_samplics_and_overshoots_the_total() -> None:
    strata = [Stratum("a", 1), Stratum("b", 1), Stratum("c", 1)]
    theirs, _ = samplics_allocate("propal", ["a", "b", "c"], {"a": 1, "b": 1, "c": 1}, samp_size=2)
    assert sum(theirs.values()) == 3  # ceil(⅔) each
    assert allocate(strata, 2, "proportional").sizes == {"a": 1, "b": 1, "c": 0}  # exactly 2


def test_samplics_propal_with_stddev_is_not_neyman() -> None:
    # samplics: ceil(n/N · N_h·S_h) = ceil(230/6000 × (500, 600, 1200)) = 20, 23, 46 (Σ 89).
    # Neyman (Cochran 1977 §5.5): n · N_h·S_h / Σ N_h·S_h = 230 × (500, 600, 1200)/2300.
    pops = {"a": 1000, "b": 2000, "c": 3000}
    sds = {"a": 0.5, "b": 0.3, "c": 0.4}
    theirs, _ = samplics_allocate("propal", list(pops), pops, samp_size=230, stddev=sds)
    assert {str(k): v for k, v in theirs.items()} == {"a": 20, "b": 23, "c": 46}
    strata = [Stratum(code, n, sd=sds[code]) for code, n in pops.items()]
    assert allocate(strata, 230, "neyman").sizes == {"a": 50, "b": 60, "c": 120}
