"""Properties that hold for every input (Hypothesis): allocations add up and stay in bounds;
sizes grow with N and with precision; the margin of error shrinks as n grows."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from sampling import (
    MeanSizeParams,
    SizeParams,
    Stratum,
    allocate,
    margin_of_error,
    margin_of_error_mean,
    sample_size_mean,
    sample_size_proportion,
    size_detail_proportion,
    yamane,
)

FAST = settings(max_examples=200, deadline=None)

populations = st.lists(st.integers(0, 5000), min_size=1, max_size=12)
methods = st.sampled_from(["proportional", "neyman", "equal", "power"])
size_params = st.builds(
    SizeParams,
    margin=st.floats(0.01, 0.2),
    confidence=st.floats(0.8, 0.995),
    p=st.floats(0.05, 0.95),
    deff=st.floats(0.5, 4.0),
    response_rate=st.floats(0.2, 1.0),
)


@st.composite
def feasible_allocations(draw: st.DrawFn) -> tuple[list[Stratum], int, str, dict]:
    pops = draw(populations)
    sds = draw(st.lists(st.floats(0.05, 3.0), min_size=len(pops), max_size=len(pops)))
    strata = [
        Stratum(f"u{i:02d}", n, sd=sd) for i, (n, sd) in enumerate(zip(pops, sds, strict=True))
    ]
    minimum = draw(st.integers(0, 300))
    maximum = draw(st.none() | st.integers(minimum, 3000))
    lower = sum(min(minimum, n) for n in pops)
    upper = sum(n if maximum is None else min(maximum, n) for n in pops)
    total = draw(st.integers(lower, upper))
    kwargs = {"minimum": minimum, "maximum": maximum, "power": draw(st.floats(0.0, 1.0))}
    return strata, total, draw(methods), kwargs


@FAST
@given(feasible_allocations())
def test_allocation_adds_up_exactly_and_respects_every_bound(case) -> None:
    strata, total, method, kwargs = case
    result = allocate(strata, total, method, **kwargs)
    assert sum(result.sizes.values()) == total == result.total
    assert math.isclose(sum(result.exact.values()), total, rel_tol=1e-9, abs_tol=1e-6)
    for s in strata:
        size = result.sizes[s.code]
        assert min(kwargs["minimum"], s.population) <= size <= s.population
        if kwargs["maximum"] is not None:
            assert size <= kwargs["maximum"]
        # Largest remainder never moves a size a whole unit away from its exact share.
        assert abs(size - result.exact[s.code]) < 1


@FAST
@given(populations.filter(lambda p: sum(p) > 0), st.data())
def test_unbounded_proportional_sizes_follow_the_population_order(pops, data) -> None:
    strata = [Stratum(f"u{i:02d}", n) for i, n in enumerate(pops)]
    total = data.draw(st.integers(0, sum(pops)))
    sizes = list(allocate(strata, total, "proportional").sizes.values())
    for a, b in zip(pops, sizes, strict=True):
        for c, d in zip(pops, sizes, strict=True):
            if a < c:
                assert b <= d


@FAST
@given(size_params, st.integers(1, 100_000), st.integers(0, 100_000))
def test_a_larger_population_never_needs_a_smaller_sample(params, n1, extra) -> None:
    small = sample_size_proportion(n1, params)
    large = sample_size_proportion(n1 + extra, params)
    assert small <= large <= sample_size_proportion(None, params)
    assert yamane(n1, params.margin) <= yamane(n1 + extra, params.margin)
    mean = MeanSizeParams(margin=params.margin * 10, deff=params.deff)
    assert sample_size_mean(n1, 2.0, mean) <= sample_size_mean(n1 + extra, 2.0, mean)


@FAST
@given(size_params, st.floats(0.3, 1.0), st.none() | st.integers(1, 100_000))
def test_a_smaller_margin_never_needs_a_smaller_sample(params, shrink, population) -> None:
    finer = SizeParams(
        margin=params.margin * shrink,
        confidence=params.confidence,
        p=params.p,
        deff=params.deff,
        response_rate=params.response_rate,
    )
    assert sample_size_proportion(population, params) <= sample_size_proportion(population, finer)


@FAST
@given(
    st.integers(2, 50_000),
    st.data(),
    st.floats(0.05, 0.95),
    st.floats(0.5, 4.0),
)
def test_margin_of_error_decreases_as_n_grows(population, data, p, deff) -> None:
    n1 = data.draw(st.integers(1, population - 1))
    n2 = data.draw(st.integers(n1 + 1, population))
    assert margin_of_error(n1, population, p=p, deff=deff) > margin_of_error(
        n2, population, p=p, deff=deff
    )
    assert margin_of_error(n1, None, p=p) > margin_of_error(n2, None, p=p)
    assert margin_of_error_mean(n1, population, 1.5) > margin_of_error_mean(n2, population, 1.5)


@FAST
@given(size_params, st.none() | st.integers(1, 100_000))
def test_the_rounded_size_reaches_the_margin_asked_for(params, population) -> None:
    detail = size_detail_proportion(population, params)
    achieved = margin_of_error(
        detail.completes, population, p=params.p, confidence=params.confidence, deff=params.deff
    )
    assert achieved <= params.margin * (1 + 1e-9)
    if detail.completes > 1 and (population is None or detail.completes < population):
        one_less = margin_of_error(
            detail.completes - 1,
            population,
            p=params.p,
            confidence=params.confidence,
            deff=params.deff,
        )
        assert one_less >= params.margin * (1 - 1e-9)  # ceil is the smallest size that does


@FAST
@given(st.integers(0, 10**7), st.floats(0.01, 0.5))
def test_yamane_is_the_mean_fpc_with_n0_one_over_e_squared(population, margin) -> None:
    n0 = 1 / margin**2
    exact = n0 / (1 + n0 / population) if population else 0.0
    assert abs(yamane(population, margin) - exact) < 1 + 1e-6
    assert yamane(population, margin) >= exact - 1e-6
