"""Exact edges of the estimates: indices that are exactly 0 or 1, variances that are exactly 0.

An item's share r_j = Σ w y_j / Σ w v_j is exactly 1 when every valid answer is satisfied (the two
sums add the same numbers in the same order) and exactly 0 when none is. Its influence values
z_i = (y_ij − r_j v_ij)/D_j are then 0 for every respondent, so its linearised variance is 0 *by
construction*, and so is the variance of any mean of such items (an element or the SIPAS index
under ``"mean-of-items"``: z = Σ_j a_j z_j). Computed in floating point, the mean of items that
are all 1 comes out as 0.9999999999999999 and the variance as rounding noise (≈ 1e-33), which
turns a logit interval into [0, 1] (logit(p̂) ± t·se/(p̂(1 − p̂)) with p̂(1 − p̂) ≈ 1e-16) or, with
se = 0, into zero width, while each of the same unit's items gets R ``svyciprop``'s rule at
p̂ = 1 (Korn–Graubard with the effective size, :mod:`analysis.intervals`).

So these cases are recognised exactly rather than with a tolerance: equality of a ratio with 0
or 1 is exact, as said above, and "every item counted in this statistic is unanimous" is a
count of items, not a floating-point comparison. For those statistics the estimate is snapped to
exactly 0 or 1 and the variance set to exactly 0; the interval is then the one items get at the
edge (:func:`analysis.intervals.proportion_ci_arrays` with the row's n_eff, Kish's (Σw)²/Σw²).
A mean of unanimous items that disagree (one item all satisfied, another none: p̂ = 0.5) also has
variance 0 by construction; its interval is Korn–Graubard with the same n_eff, never [p̂, p̂],
which is kept for a census (se = 0 because every dossier was asked).

Under ``"pooled"`` the element's share is itself a ratio of sums: exactly 0 or 1 when all its
items are, and only then is its variance 0 by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Edges:
    """Per scope and statistic (S, m): variance 0 by construction; estimate exactly 1; exactly 0."""

    exact: NDArray[np.bool_]
    ones: NDArray[np.bool_]
    zeros: NDArray[np.bool_]


def edges_of(
    ratio: NDArray[np.float64],
    defined: NDArray[np.bool_],
    counted: NDArray[np.bool_],
    pooled: bool,
) -> Edges:
    """Which statistics sit exactly on an edge (module doc).

    ``ratio``, ``defined`` (S, k): the items' shares and whether they have one; ``counted``
    (S, k, m): item j enters statistic m (an item itself, or a member of an element's or the
    SIPAS mean with a weight > 0).
    """
    count = counted.astype(np.int64)

    def none_of(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
        return np.einsum("sjm,sj->sm", count, mask.astype(np.int64)) == 0

    present = ~none_of(defined)
    ones = present & none_of(defined & (ratio < 1))
    zeros = present & none_of(defined & (ratio > 0))
    if pooled:
        k = ratio.shape[1]
        unanimous = ones | zeros
        unanimous[:, :k] |= present[:, :k] & none_of(defined & (ratio > 0) & (ratio < 1))[:, :k]
        return Edges(unanimous, ones, zeros)
    exact = present & none_of(defined & (ratio > 0) & (ratio < 1))
    return Edges(exact, ones, zeros)
