"""Allocation of a total number of answers across units (strata), and per-unit designs.

Every method gives unit h a share ∝ a weight w_h (Cochran 1977 §5.5; Bankier 1988):

===============  ==========================  ===============================================
method           w_h                          source
===============  ==========================  ===============================================
``proportional``  N_h                         Cochran 1977 §5.4
``neyman``        N_h·S_h                     Cochran 1977 §5.5 (optimum for a fixed total)
``equal``         1                           equal precision per unit
``power``         N_h^a, 0 ≤ a ≤ 1            Bankier 1988 (a = 0 equal, a = 1 proportional)
===============  ==========================  ===============================================

Bounds: each unit gets at least ``L_h = min(minimum, N_h)`` and at most
``U_h = min(maximum, N_h)``. The exact (real) sizes are ``x_h = clip(λ·w_h, L_h, U_h)`` with λ
chosen so that Σ x_h = total — the fixed point of "fix the units at a bound, re-allocate the
remainder among the others ∝ w_h". Integer sizes then come from the largest-remainder (Hamilton)
method: floor every x_h, and hand the missing units one each to the largest fractional parts,
ties going to the unit listed first. The sizes add up exactly to ``total`` and stay in bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from sampling._checks import count, open_unit, positive, real
from sampling.said import SaidError, say
from sampling.sizes import DEFAULT_SIZE_PARAMS, SizeParams, sample_size_proportion, yamane

__all__ = [
    "METHODS",
    "Allocation",
    "Method",
    "Stratum",
    "allocate",
    "per_unit_design",
    "yamane_design",
]

Method = Literal["proportional", "neyman", "equal", "power"]

# Values within this relative distance of an integer are that integer before rounding.
_SNAP = 1e-9


@dataclass(frozen=True)
class Stratum:
    """One unit of the plan: its code, N_h (completed dossiers in the period) and optionally its
    expected proportion ``p`` in (0, 1) or standard deviation ``sd`` > 0 (for Neyman)."""

    code: str
    population: int
    p: float | None = None
    sd: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError(f"stratum code ({self.code!r}) must be a non-empty string")
        count(say("population of stratum %(code)r", code=self.code), self.population)
        if self.p is not None:
            open_unit(say("p of stratum %(code)r", code=self.code), self.p)
        if self.sd is not None:
            positive(say("sd of stratum %(code)r", code=self.code), self.sd)


@dataclass(frozen=True)
class Allocation:
    """Integer sizes per unit code (in the order of the strata) that add up to ``total``.

    ``exact`` holds the real-valued sizes before rounding; ``capped`` the units held at their
    upper bound (N_h or ``maximum``), ``raised`` those lifted to the minimum; ``notes`` explains
    both in words.
    """

    method: str
    sizes: dict[str, int]
    total: int
    notes: tuple[str, ...]
    exact: dict[str, float]
    capped: tuple[str, ...] = ()
    raised: tuple[str, ...] = ()


def _check_strata(strata: Sequence[Stratum]) -> tuple[Stratum, ...]:
    if isinstance(strata, str | bytes) or not isinstance(strata, Sequence):
        raise ValueError(f"strata ({strata!r}) must be a sequence of Stratum")
    items = tuple(strata)
    if not items:
        raise SaidError(say("strata (empty) must list at least one unit"))
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Stratum):
            raise ValueError(f"stratum ({item!r}) must be a Stratum")
        if item.code in seen:
            raise SaidError(say("stratum code (%(code)r) appears more than once", code=item.code))
        seen.add(item.code)
    return items


def _neyman_weights(strata: tuple[Stratum, ...], power: float) -> list[float]:
    """w_h = N_h·S_h, S_h = sd if every unit has one, else sqrt(p(1−p)) if every unit has p."""
    sds = [s.sd for s in strata]
    if all(sd is not None for sd in sds):
        return [s.population * float(sd) for s, sd in zip(strata, sds, strict=True) if sd]
    ps = [s.p for s in strata]
    if all(p is not None for p in ps):
        return [
            s.population * math.sqrt(p * (1.0 - p)) for s, p in zip(strata, ps, strict=True) if p
        ]
    missing = [s.code for s in strata if s.sd is None and s.p is None]
    if missing:
        raise SaidError(
            say(
                "neyman allocation needs sd or p for every stratum; missing for: %(codes)s",
                codes=", ".join(missing),
            )
        )
    raise SaidError(
        say(
            "neyman allocation needs the same kind of spread for every stratum: give sd to all "
            "of them or p to all of them, not a mix"
        )
    )


_WEIGHTS: dict[str, Callable[[tuple[Stratum, ...], float], list[float]]] = {
    "proportional": lambda strata, _a: [float(s.population) for s in strata],
    "neyman": _neyman_weights,
    "equal": lambda strata, _a: [1.0 for _ in strata],
    "power": lambda strata, a: [float(s.population) ** a if s.population else 0.0 for s in strata],
}
METHODS: tuple[str, ...] = tuple(_WEIGHTS)


def _solve(
    total: int, weights: list[float], lower: list[int], upper: list[int]
) -> tuple[list[float], float]:
    """Real sizes ``x_h = clip(λ·w_h, L_h, U_h)`` with Σ x_h = total (needs ΣL ≤ total ≤ ΣU),
    and λ.

    f(λ) = Σ clip(λ·w_h, L_h, U_h) is continuous, non-decreasing and piecewise linear with breaks
    at L_h/w_h and U_h/w_h: walk the breaks to the segment that holds ``total``, interpolate λ,
    then share what the units at a bound leave among the others ∝ w_h.
    """
    bounds = list(zip(weights, lower, upper, strict=True))

    def level(lam: float) -> float:
        return sum(min(max(lam * w, lo), up) for w, lo, up in bounds)

    breaks = sorted({b / w for w, lo, up in bounds if w > 0 for b in (lo, up)})
    lam = breaks[-1] if breaks else 0.0
    previous, f_previous = 0.0, float(sum(lower))
    for b in breaks:
        f_b = level(b)
        if f_b >= total:
            if f_b > f_previous:
                lam = previous + (total - f_previous) * (b - previous) / (f_b - f_previous)
            else:
                lam = b
            break
        previous, f_previous = b, f_b

    exact = [0.0] * len(weights)
    free: list[int] = []
    for i, (w, lo, up) in enumerate(bounds):
        if lam * w <= lo:
            exact[i] = float(lo)
        elif lam * w >= up:
            exact[i] = float(up)
        else:
            free.append(i)
    remainder = total - sum(exact)
    free_weight = sum(weights[i] for i in free)
    for i in free:
        exact[i] = remainder * weights[i] / free_weight
    return exact, lam


def _round(total: int, exact: list[float], upper: list[int]) -> list[int]:
    """Largest remainder (Hamilton): floor, then +1 to the largest fractions, first unit on ties."""
    snapped = []
    for x in exact:
        nearest = round(x)
        snapped.append(float(nearest) if abs(x - nearest) <= _SNAP * max(1.0, x) else x)
    sizes = [min(math.floor(x), up) for x, up in zip(snapped, upper, strict=True)]
    order = sorted(
        (i for i in range(len(sizes)) if sizes[i] < upper[i]),
        key=lambda i: (-(snapped[i] - math.floor(snapped[i])), i),
    )
    missing = total - sum(sizes)
    while missing > 0:  # one pass, except through float noise; ΣU ≥ total was checked
        growable = [i for i in order if sizes[i] < upper[i]]
        if not growable:
            raise RuntimeError(f"cannot round {exact} to {total} within {upper}")
        for i in growable[:missing]:
            sizes[i] += 1
        missing = total - sum(sizes)
    return sizes


def _notes(
    items: tuple[Stratum, ...],
    targets: list[float],
    lower: list[int],
    upper: list[int],
    minimum: int,
) -> tuple[list[str], list[str], list[str]]:
    """Words for the units whose unconstrained share λ·w_h fell outside their bounds."""
    notes: list[str] = []
    capped: list[str] = []
    raised: list[str] = []
    for s, target, lo, up in zip(items, targets, lower, upper, strict=True):
        if s.population == 0:
            notes.append(say("%(code)s: no dossiers (N_h = 0), size 0", code=s.code))
        elif target > up:
            capped.append(s.code)
            if up < s.population:
                notes.append(say("%(code)s: capped at maximum (%(size)s)", code=s.code, size=up))
            else:
                notes.append(
                    say(
                        "%(code)s: capped at its population (%(size)s): all dossiers",
                        code=s.code,
                        size=up,
                    )
                )
        elif target < lo:
            raised.append(s.code)
            if lo < minimum:
                notes.append(
                    say(
                        "%(code)s: population (%(size)s) is below minimum (%(minimum)s): all "
                        "dossiers",
                        code=s.code,
                        size=lo,
                        minimum=minimum,
                    )
                )
            else:
                notes.append(say("%(code)s: raised to minimum (%(size)s)", code=s.code, size=lo))
    return notes, capped, raised


def allocate(
    strata: Sequence[Stratum],
    total: int,
    method: Method,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    power: float = 0.5,
) -> Allocation:
    """Share ``total`` answers among the units ∝ w_h (see the module table), each unit between
    ``min(minimum, N_h)`` and ``min(maximum, N_h)``; integer sizes add up exactly to ``total``.

    Example (proportional): N = 1000, 3000, 6000; total 500 → 50, 150, 300.
    """
    items = _check_strata(strata)
    n_total = count("total", total)
    if method not in _WEIGHTS:
        raise SaidError(
            say(
                "method (%(method)r) must be one of %(methods)s",
                method=method,
                methods=", ".join(METHODS),
            )
        )
    low = count("minimum", minimum)
    high = None if maximum is None else count("maximum", maximum)
    if high is not None and low > high:
        raise SaidError(
            say(
                "minimum (%(minimum)s) exceeds maximum (%(maximum)s)",
                minimum=minimum,
                maximum=maximum,
            )
        )
    a = real("power", power)
    if not 0.0 <= a <= 1.0:
        raise SaidError(say("power (%(power)r) must be in [0, 1]", power=power))

    population = sum(s.population for s in items)
    if n_total > population:
        raise SaidError(
            say(
                "total (%(total)s) exceeds the population (%(population)s)",
                total=total,
                population=population,
            )
        )
    lower = [min(low, s.population) for s in items]
    upper = [s.population if high is None else min(high, s.population) for s in items]
    if n_total > sum(upper):
        raise SaidError(
            say(
                "total (%(total)s) exceeds what maximum (%(maximum)s) allows: %(most)s = "
                "Σ min(maximum, N_h)",
                total=total,
                maximum=maximum,
                most=sum(upper),
            )
        )
    if n_total < sum(lower):
        raise SaidError(
            say(
                "total (%(total)s) is below what minimum (%(minimum)s) requires: %(least)s = "
                "Σ min(minimum, N_h) over %(units)s units",
                total=total,
                minimum=minimum,
                least=sum(lower),
                units=len(items),
            )
        )

    weights = _WEIGHTS[method](items, a)
    exact, lam = _solve(n_total, weights, lower, upper)
    sizes = _round(n_total, exact, upper)
    notes, capped, raised = _notes(items, [lam * w for w in weights], lower, upper, low)
    return Allocation(
        method=method,
        sizes={s.code: size for s, size in zip(items, sizes, strict=True)},
        total=n_total,
        notes=tuple(notes),
        exact={s.code: x for s, x in zip(items, exact, strict=True)},
        capped=tuple(capped),
        raised=tuple(raised),
    )


def per_unit_design(
    strata: Sequence[Stratum], params: SizeParams = DEFAULT_SIZE_PARAMS
) -> dict[str, int]:
    """Each unit sized for its own precision: ``sample_size_proportion(N_h, params)`` with the
    stratum's ``p`` when given (Cochran 1977 §4.4 applied per unit)."""
    items = _check_strata(strata)
    if not isinstance(params, SizeParams):
        raise ValueError(f"params ({params!r}) must be a SizeParams")
    return {
        s.code: sample_size_proportion(
            s.population, params if s.p is None else replace(params, p=s.p)
        )
        for s in items
    }


def yamane_design(strata: Sequence[Stratum], margin: float = 0.05) -> dict[str, int]:
    """Each unit sized by Yamane (1967): ``n_h = N_h / (1 + N_h·e²)``, rounded up."""
    items = _check_strata(strata)
    return {s.code: yamane(s.population, margin) for s in items}
