"""Boundary checks shared by the sampling modules; each ``ValueError`` repeats the bad value."""

from __future__ import annotations

import math
import numbers

from sampling.said import SaidError, say

# Relative tolerance used when rounding up: 384.0000000001 is float noise, not 385.
CEIL_TOLERANCE = 1e-9


def real(name: str, value: object) -> float:
    """``value`` as a finite float; bools and non-numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SaidError(say("%(name)s (%(value)r) must be a number", name=name, value=value))
    result = float(value)
    if not math.isfinite(result):
        raise SaidError(say("%(name)s (%(value)r) must be a finite number", name=name, value=value))
    return result


def open_unit(name: str, value: object) -> float:
    """A number strictly inside (0, 1)."""
    result = real(name, value)
    if not 0.0 < result < 1.0:
        raise SaidError(say("%(name)s (%(value)r) must be in (0, 1)", name=name, value=value))
    return result


def positive(name: str, value: object) -> float:
    """A finite number > 0."""
    result = real(name, value)
    if result <= 0.0:
        raise SaidError(say("%(name)s (%(value)r) must be > 0", name=name, value=value))
    return result


def count(name: str, value: object) -> int:
    """A non-negative integer (numpy integers accepted, bools and 3.0 refused)."""
    wrong = say("%(name)s (%(value)r) must be a non-negative integer", name=name, value=value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SaidError(wrong)
    result = int(value)
    if result < 0:
        raise SaidError(wrong)
    return result


def ceil_tolerant(value: float) -> int:
    """Round up, treating values within a relative 1e-9 of an integer as that integer."""
    nearest = round(value)
    if abs(value - nearest) <= CEIL_TOLERANCE * max(1.0, abs(value)):
        return int(nearest)
    return math.ceil(value)
