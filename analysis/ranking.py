"""Ranking units by an index, with the uncertainty of the ranks.

* rank: competition ranking by estimate, highest first; ties share the best rank ("1224").
* rank interval: parametric bootstrap (Goldstein & Spiegelhalter 1996; Marshall & Spiegelhalter
  1998): draw θ*_u ~ N(θ̂_u, se_u²) independently for every ranked unit (units are independent
  strata), rank each draw the same way, and take the (1 − confidence)/2 and (1 + confidence)/2
  quantiles of each unit's ranks (the lower one rounded down, the upper one up).
* indistinguishable: units u, v cannot be told apart when the interval of the difference,
  θ̂_u − θ̂_v ± z · sqrt(se_u² + se_v²), contains 0 (independent strata: var(diff) = se_u² + se_v²).

Units in ``not_ranked`` ("scored, not ranked") are listed with their estimate but take no rank,
take part in no draw and are compared with no one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis.quantiles import normal_quantile


@dataclass(frozen=True)
class RankRow:
    """A unit's place: rank (None when not ranked), its interval and the units it ties with."""

    unit_code: str
    estimate: float
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    indistinguishable: tuple[str, ...]
    ranked: bool


def _competition_ranks(values: NDArray[np.float64]) -> NDArray[np.int64]:
    """Rank along the last axis, highest first, ties sharing the best rank (1 + number above).

    As ``scipy.stats.rankdata(-values, method="min", axis=-1)`` (finite values), in numpy: sort,
    give each run of equal values the position of its first, and put the ranks back.
    """
    order = np.argsort(-values, axis=-1, kind="stable")
    ordered = np.take_along_axis(-values, order, axis=-1)
    position = np.broadcast_to(np.arange(values.shape[-1]), values.shape)
    starts = np.ones(values.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    ranks = np.empty(values.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, first + 1, axis=-1)
    return ranks


def rank_units(
    estimates: Mapping[str, tuple[float, float]],
    *,
    not_ranked: set[str] | frozenset[str] = frozenset(),
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> list[RankRow]:
    """Rows highest estimate first (ties by unit code); ``estimates`` maps code → (estimate, se).

    Estimate and se on any one scale (percent or 0–1). Deterministic for a given ``seed``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence ({confidence}) must be in (0, 1)")
    if draws < 1:
        raise ValueError(f"draws ({draws}) must be at least 1")
    for code, (estimate, se) in estimates.items():
        if not np.isfinite(estimate) or not np.isfinite(se) or se < 0:
            raise ValueError(
                f"unit {code!r}: estimate ({estimate}) and se ({se}) must be finite, se ≥ 0"
            )
    unknown = sorted(set(not_ranked) - set(estimates))
    if unknown:
        raise ValueError(f"not_ranked names units without an estimate: {unknown}")
    order = sorted(estimates, key=lambda code: (-estimates[code][0], code))
    ranked = [code for code in order if code not in not_ranked]
    mean = np.array([estimates[code][0] for code in ranked], dtype=float)
    se = np.array([estimates[code][1] for code in ranked], dtype=float)
    rows: dict[str, RankRow] = {}
    if ranked:
        rank = _competition_ranks(mean)
        generator = np.random.default_rng(seed)
        simulated = _competition_ranks(mean + se * generator.standard_normal((draws, len(ranked))))
        alpha = 1 - confidence
        low = np.quantile(simulated, alpha / 2, axis=0, method="lower")
        high = np.quantile(simulated, 1 - alpha / 2, axis=0, method="higher")
        z = -normal_quantile(alpha / 2)  # scipy.stats.norm.isf
        apart = np.abs(mean[:, None] - mean[None, :]) > z * np.sqrt(se[:, None] ** 2 + se**2)
        for u, code in enumerate(ranked):
            rows[code] = RankRow(
                unit_code=code,
                estimate=float(mean[u]),
                rank=int(rank[u]),
                rank_low=int(low[u]),
                rank_high=int(high[u]),
                indistinguishable=tuple(
                    other for v, other in enumerate(ranked) if v != u and not apart[u, v]
                ),
                ranked=True,
            )
    for code in order:
        if code not in rows:
            rows[code] = RankRow(code, float(estimates[code][0]), None, None, None, (), False)
    return [rows[code] for code in order]
