"""A sample plan: one method and its parameters give every unit a size and an expected margin.

This is what ``sipas plan`` writes and what the admin saves for a round. Methods:

* ``per-unit``: each unit its own Cochran size for its own precision (what ranking units needs);
* ``yamane``: each unit n = N/(1 + N·e²) (Bộ Nội vụ's older guidance);
* ``proportional``, ``neyman``, ``equal``, ``power``: a fixed ``total`` shared across units
  (:func:`sampling.allocation.allocate`).

The expected margin of a unit is :func:`sampling.sizes.margin_of_error` at the answers expected
from its size, n·response_rate (rounded down), with the unit's own ``p`` when given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal, get_args

from sampling.allocation import Stratum, allocate, per_unit_design, yamane_design
from sampling.said import SaidError, say
from sampling.sizes import DEFAULT_SIZE_PARAMS, SizeParams, margin_of_error

PlanMethod = Literal["per-unit", "yamane", "proportional", "neyman", "equal", "power"]
PLAN_METHODS: tuple[str, ...] = get_args(PlanMethod)
ALLOCATION_METHODS = ("proportional", "neyman", "equal", "power")


@dataclass(frozen=True)
class PlanRow:
    """One unit of a plan: dossiers N, size n to ask, answers expected and their margin."""

    unit_code: str
    population: int
    sample_size: int
    expected_answers: int
    expected_margin: float | None


@dataclass(frozen=True)
class Plan:
    """A whole plan; ``parameters`` records every input so the plan can be redone."""

    method: str
    parameters: dict[str, object]
    rows: tuple[PlanRow, ...]
    notes: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(row.sample_size for row in self.rows)

    @property
    def population(self) -> int:
        return sum(row.population for row in self.rows)


def _clamp(
    sizes: dict[str, int], strata: Sequence[Stratum], minimum: int, maximum: int | None
) -> dict[str, int]:
    by_code = {s.code: s.population for s in strata}
    out = {}
    for code, n in sizes.items():
        n = max(n, minimum)
        if maximum is not None:
            n = min(n, maximum)
        out[code] = min(n, by_code[code])
    return out


def build_plan(
    strata: Sequence[Stratum],
    method: str,
    params: SizeParams = DEFAULT_SIZE_PARAMS,
    *,
    total: int | None = None,
    minimum: int = 0,
    maximum: int | None = None,
    power: float = 0.5,
) -> Plan:
    """Sizes per unit by ``method`` and the margin each gives (see the module docstring)."""
    if method not in PLAN_METHODS:
        raise SaidError(
            say(
                "method (%(method)r) must be one of: %(methods)s",
                method=method,
                methods=", ".join(PLAN_METHODS),
            )
        )
    if minimum < 0:
        raise SaidError(say("minimum (%(minimum)s) must not be negative", minimum=minimum))
    if maximum is not None and maximum < max(minimum, 1):
        raise SaidError(
            say(
                "maximum (%(maximum)s) must be at least the minimum (%(minimum)s) and 1",
                maximum=maximum,
                minimum=minimum,
            )
        )
    notes: list[str] = []
    if method in ALLOCATION_METHODS:
        if total is None:
            raise SaidError(
                say("method %(method)r shares a fixed total: give the total", method=method)
            )
        allocation = allocate(
            strata,
            total,
            method,
            minimum=minimum,  # type: ignore[arg-type]
            maximum=maximum,
            power=power,
        )
        sizes, notes = dict(allocation.sizes), list(allocation.notes)
    else:
        if total is not None:
            notes.append(
                say(
                    "total (%(total)s) ignored: method %(method)r sizes each unit itself",
                    total=total,
                    method=method,
                )
            )
        raw = (
            per_unit_design(strata, params)
            if method == "per-unit"
            else yamane_design(strata, params.margin)
        )
        sizes = _clamp(raw, strata, minimum, maximum)
    rows = []
    for stratum in strata:
        n = sizes[stratum.code]
        answers = math.floor(n * params.response_rate + 1e-9)
        margin = None
        if stratum.population > 0 and answers > 0:
            margin = margin_of_error(
                answers,
                stratum.population,
                p=stratum.p if stratum.p is not None else params.p,
                confidence=params.confidence,
                deff=params.deff,
            )
        rows.append(PlanRow(stratum.code, stratum.population, n, answers, margin))
    parameters: dict[str, object] = {
        **asdict(params),
        "total": total,
        "minimum": minimum,
        "maximum": maximum,
    }
    if method == "power":
        parameters["power"] = power
    return Plan(method, parameters, tuple(rows), tuple(notes))
