"""Allocation across units: hand-worked examples, bounds, rounding, per-unit designs, errors."""

from __future__ import annotations

import pytest

from sampling import SizeParams, Stratum, allocate, per_unit_design, yamane_design


def units(*populations: int, **extra: list[float]) -> list[Stratum]:
    """Strata 'u1', 'u2', … with the given N_h (and optional per-unit p or sd lists)."""
    return [
        Stratum(f"u{i + 1}", n, **{k: v[i] for k, v in extra.items()})
        for i, n in enumerate(populations)
    ]


@pytest.mark.parametrize(
    ("strata", "total", "method", "kwargs", "expected"),
    [
        # Proportional: 500 × (1000, 3000, 6000) / 10000 = 50, 150, 300.
        (units(1000, 3000, 6000), 500, "proportional", {}, [50, 150, 300]),
        # Neyman (Cochran 1977 §5.5), S_h from p: sqrt(.5·.5) = .5, sqrt(.1·.9) = .3,
        # sqrt(.2·.8) = .4; N_h·S_h = 500, 600, 1200 (Σ 2300); 230 × (500, 600, 1200)/2300.
        (units(1000, 2000, 3000, p=[0.5, 0.1, 0.2]), 230, "neyman", {}, [50, 60, 120]),
        # Neyman with sd: N_h·S_h = 1000×1.2, 2000×0.9, 1000×0.6 = 1200, 1800, 600 (Σ 3600);
        # 360 × … / 3600 = 120, 180, 60.
        (units(1000, 2000, 1000, sd=[1.2, 0.9, 0.6]), 360, "neyman", {}, [120, 180, 60]),
        (units(1000, 2000, 3000), 300, "equal", {}, [100, 100, 100]),
        # Power a = 0.5 (Bankier 1988): sqrt N_h = 10, 20, 30 (Σ 60); 120 × … / 60.
        (units(100, 400, 900), 120, "power", {"power": 0.5}, [20, 40, 60]),
        # Largest remainder: 7 × (10, 20, 30)/60 = 1.17, 2.33, 3.5 → floors 1, 2, 3 (Σ 6);
        # the one missing goes to the largest fraction (.5).
        (units(10, 20, 30), 7, "proportional", {}, [1, 2, 4]),
        # Ties (⅔ each) go to the units listed first.
        (units(1, 1, 1), 2, "proportional", {}, [1, 1, 0]),
        # Maximum: 3000 × (100, 1000, 9000)/10100 → u3 2673 > 2000 → capped; the other 1000
        # shared 100 : 1000 → 90.9, 909.1 → 91, 909.
        (units(100, 1000, 9000), 3000, "proportional", {"maximum": 2000}, [91, 909, 2000]),
        # Minimum: 1000 × (100, 1000, 9000)/10100 → u1 9.9 < 50 → raised to 50; the other 950
        # shared 1000 : 9000 → 95, 855.
        (units(100, 1000, 9000), 1000, "proportional", {"minimum": 50}, [50, 95, 855]),
        # Equal with a small unit: u1 can give only its 40 dossiers; 260 left → 130, 130.
        (units(40, 2000, 3000), 300, "equal", {}, [40, 130, 130]),
        # Minimum above N_h: u1 (12 dossiers) is a census; others share 88 ∝ N_h, floor 30.
        (units(12, 1000, 1200), 100, "proportional", {"minimum": 30}, [12, 40, 48]),
        # Total 0 is allowed.
        (units(10, 20), 0, "equal", {}, [0, 0]),
        # A unit with no dossiers gets nothing.
        (units(0, 20, 20), 10, "equal", {}, [0, 5, 5]),
    ],
)
def test_hand_worked_allocations(
    strata: list[Stratum], total: int, method: str, kwargs: dict, expected: list[int]
) -> None:
    result = allocate(strata, total, method, **kwargs)  # type: ignore[arg-type]
    assert list(result.sizes.values()) == expected
    assert list(result.sizes) == [s.code for s in strata]
    assert result.total == total == sum(result.sizes.values())


@pytest.mark.parametrize(
    "populations", [(1000, 3000, 6000), (7, 13, 200, 5), (1, 2, 3, 4, 5, 6), (50,)]
)
def test_power_zero_is_equal_and_power_one_is_proportional(populations: tuple[int, ...]) -> None:
    strata = units(*populations)
    total = sum(populations) // 3
    assert (
        allocate(strata, total, "power", power=0.0).sizes == allocate(strata, total, "equal").sizes
    )
    assert (
        allocate(strata, total, "power", power=1.0).sizes
        == allocate(strata, total, "proportional").sizes
    )


def test_neyman_with_equal_spread_is_proportional() -> None:
    strata = units(120, 480, 900, 2500, sd=[1.0, 1.0, 1.0, 1.0])
    assert allocate(strata, 400, "neyman").sizes == allocate(strata, 400, "proportional").sizes


def test_notes_and_flags_explain_the_bounds() -> None:
    # 2500 × 9000/10012 = 2247 > 2000 → u3 capped; u1 (12 < minimum) a census; u2 gets the rest.
    result = allocate(units(12, 1000, 9000, 0), 2500, "proportional", minimum=30, maximum=2000)
    assert result.capped == ("u3",)
    assert result.raised == ("u1",)
    assert result.notes == (
        "u1: population (12) is below minimum (30): all dossiers",
        "u3: capped at maximum (2000)",
        "u4: no dossiers (N_h = 0), size 0",
    )
    assert result.exact["u3"] == 2000.0
    assert result.sizes == {"u1": 12, "u2": 488, "u3": 2000, "u4": 0}


def test_exact_sizes_are_reported_before_rounding() -> None:
    result = allocate(units(10, 20, 30), 7, "proportional")
    assert result.exact == pytest.approx({"u1": 7 / 6, "u2": 7 / 3, "u3": 3.5})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: allocate([], 10, "equal"), "strata (empty) must list at least one unit"),
        (
            lambda: allocate(units(3000, 1321), 5000, "equal"),
            "total (5000) exceeds the population (4321)",
        ),
        (
            lambda: allocate(units(3000, 1321), 500, "equal", maximum=200),
            "total (500) exceeds what maximum (200) allows: 400 = Σ min(maximum, N_h)",
        ),
        (
            lambda: allocate(units(100, 100, 10), 100, "equal", minimum=50),
            "total (100) is below what minimum (50) requires: 110 = Σ min(minimum, N_h)"
            " over 3 units",
        ),
        (
            lambda: allocate(units(100, 100), 50, "equal", minimum=30, maximum=20),
            "minimum (30) exceeds maximum (20)",
        ),
        (
            lambda: allocate([Stratum("A", 10), Stratum("A", 20)], 5, "equal"),
            "stratum code ('A') appears more than once",
        ),
        (
            lambda: allocate(units(10, 20), 5, "cluster"),  # type: ignore[arg-type]
            "method ('cluster') must be one of proportional, neyman, equal, power",
        ),
        (
            lambda: allocate(units(10, 20), 5, "power", power=1.5),
            "power (1.5) must be in [0, 1]",
        ),
        (lambda: allocate(units(10, 20), -5, "equal"), "total (-5) must be a non-negative integer"),
        (
            lambda: allocate(units(10, 20), 5.5, "equal"),
            "total (5.5) must be a non-negative integer",
        ),
        (
            lambda: allocate([Stratum("H01", 10, p=0.5), Stratum("H02", 20)], 5, "neyman"),
            "neyman allocation needs sd or p for every stratum; missing for: H02",
        ),
        (
            lambda: allocate([Stratum("H01", 10, p=0.5), Stratum("H02", 20, sd=1.0)], 5, "neyman"),
            "neyman allocation needs the same kind of spread for every stratum: "
            "give sd to all of them or p to all of them, not a mix",
        ),
        (lambda: allocate([("H01", 10)], 5, "equal"), "stratum (('H01', 10)) must be a Stratum"),
    ],
)
def test_allocate_refuses_bad_input_and_repeats_it(call, message: str) -> None:
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"code": "H01", "population": -3},
            "population of stratum 'H01' (-3) must be a non-negative integer",
        ),
        (
            {"code": "H01", "population": 12.5},
            "population of stratum 'H01' (12.5) must be a non-negative integer",
        ),
        ({"code": "", "population": 3}, "stratum code ('') must be a non-empty string"),
        ({"code": "H01", "population": 3, "p": 1.0}, "p of stratum 'H01' (1.0) must be in (0, 1)"),
        ({"code": "H01", "population": 3, "sd": 0}, "sd of stratum 'H01' (0) must be > 0"),
    ],
)
def test_stratum_names_itself_in_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        Stratum(**kwargs)
    assert str(error.value) == message


def test_per_unit_design_uses_each_units_own_p() -> None:
    strata = [Stratum("xa", 1000), Stratum("xb", 90), Stratum("xc", 50_000, p=0.2)]
    # 278 (Cochran, N = 1000); 74 (N = 90); p = .2: n0 = 245.85 / (1 + 244.85/50000) = 244.65 → 245.
    assert per_unit_design(strata) == {"xa": 278, "xb": 74, "xc": 245}
    assert per_unit_design(strata, SizeParams(deff=2.0))["xa"] == 435


def test_yamane_design() -> None:
    strata = [Stratum("xa", 1000), Stratum("xb", 90), Stratum("xc", 0)]
    # 1000/3.5 = 285.7 → 286; 90/1.225 = 73.5 → 74; 0.
    assert yamane_design(strata) == {"xa": 286, "xb": 74, "xc": 0}
    assert yamane_design(strata, 0.1) == {"xa": 91, "xb": 48, "xc": 0}
