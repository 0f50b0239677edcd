"""Boundary checks shared by the sampling modules; each ``ValueError`` repeats the bad value."""

from __future__ import annotations

import math
import numbers

# Relative tolerance used when rounding up: 384.0000000001 is float noise, not 385.
CEIL_TOLERANCE = 1e-9


def real(name: str, value: object) -> float:
    """``value`` as a finite float; bools and non-numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} ({value!r}) must be a number")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name} ({value!r}) must be a finite number")
    return result


def open_unit(name: str, value: object) -> float:
    """A number strictly inside (0, 1)."""
    result = real(name, value)
    if not 0.0 < result < 1.0:
        raise ValueError(f"{name} ({value!r}) must be in (0, 1)")
    return result


def positive(name: str, value: object) -> float:
    """A finite number > 0."""
    result = real(name, value)
    if result <= 0.0:
        raise ValueError(f"{name} ({value!r}) must be > 0")
    return result


def count(name: str, value: object) -> int:
    """A non-negative integer (numpy integers accepted, bools and 3.0 refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} ({value!r}) must be a non-negative integer")
    result = int(value)
    if result < 0:
        raise ValueError(f"{name} ({value!r}) must be a non-negative integer")
    return result


def ceil_tolerant(value: float) -> int:
    """Round up, treating values within a relative 1e-9 of an integer as that integer."""
    nearest = round(value)
    if abs(value - nearest) <= CEIL_TOLERANCE * max(1.0, abs(value)):
        return int(nearest)
    return math.ceil(value)
