"""Confidence intervals for design-based means and proportions (R ``svyciprop``, ``confint``).

Proportions near 0 or 1 (SIPAS indices run from 73 % to 99 %) need intervals that stay inside
[0, 1] and are asymmetric there, so three methods are offered (methodology §4):

* ``"logit"`` (R ``svyciprop(method = "logit")``): logit(p̂) ± t_{df, 1−α/2} · se / (p̂(1 − p̂)),
  mapped back with the expit; se/(p̂(1−p̂)) is the delta-method SE of logit(p̂), which is what R's
  intercept-only quasibinomial ``svyglm`` gives; t has the design's degrees of freedom.
* ``"korn-graubard"`` (Korn & Graubard 1998; R ``svyciprop(method = "beta")``): Clopper–Pearson
  with the effective sample size n* = p̂(1 − p̂)/se² adjusted for the design's degrees of freedom,
  n*_df = n* · (t_{n−1, α/2} / t_{df, α/2})²; the interval is
  [B⁻¹(α/2; n*p̂, n*(1 − p̂) + 1), B⁻¹(1 − α/2; n*p̂ + 1, n*(1 − p̂))].
* ``"wilson"`` (Wilson 1927, the score interval) with the same df-adjusted effective size n*_df:
  (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n), z the normal quantile.

Edge cases, where R returns NaN: at p̂ = 0 or 1 the variance is 0 and carries no information, so
n* is the ``n_eff`` given (for an :class:`~analysis.estimators.Estimate`, its n_eff: Kish's
(Σw)²/Σw² there) and ``"logit"`` falls back to ``"korn-graubard"``, which gives
[0, 1 − (α/2)^{1/n*}] at 0 and [(α/2)^{1/n*}, 1] at 1; Wilson's formula works as it is. With
se = 0 and 0 < p̂ < 1 (a census) every method returns [p̂, p̂]. Degrees of freedom below 1 (a
domain in one PSU) count as 1. Every interval lies in [0, 1] and contains p̂.

n in the df adjustment is the estimate's respondents. R uses ``nrow(design)``, which for a
domain of a *calibrated* design is the whole sample (R keeps those rows with weight 0): there our
Korn–Graubard interval is the one R gives for the uncalibrated domain (pass ``n`` to
:func:`proportion_ci_arrays` to get R's).

The normal and t quantiles, logit and expit are :mod:`analysis.quantiles`' (no scipy: its import
costs more than an analysis, decision 0029); only Korn–Graubard's inverse incomplete beta is
scipy.special's ``betaincinv``, imported when that method is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.estimators import Estimate
from analysis.quantiles import expit, logit, normal_quantile, t_quantile

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ConfidenceInterval:
    """An interval [low, high] and the method that made it (e.g. "logit", "t(df=14)")."""

    low: float
    high: float
    method: str


def _check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence ({confidence}) must be in (0, 1)")
    return float(confidence)


def _adjusted_size(n_eff: Array, df: Array, n: Array | None, alpha: float) -> Array:
    """n*_df = n* · (t_{n−1, α/2} / t_{df, α/2})² (R ``svyciprop(method = "beta")``).

    Without n (None) the numerator quantile is the normal one (n large).
    """
    if n is None:
        numerator = normal_quantile(alpha / 2)
    else:
        numerator = t_quantile(np.maximum(n - 1, 1), alpha / 2)
    return n_eff * (numerator / t_quantile(np.maximum(df, 1), alpha / 2)) ** 2


def _korn_graubard(p: Array, se: Array, size: Array, df: Array, alpha: float) -> tuple:
    """Clopper–Pearson with the df-adjusted effective size (module doc); p = 0 or 1 closed form."""
    from scipy import special  # here, when asked for: module doc

    finite = np.isfinite(size)
    s = np.where(finite, size, 1.0)
    a_low, b_low = np.maximum(s * p, 1e-300), s * (1 - p) + 1
    a_high, b_high = s * p + 1, np.maximum(s * (1 - p), 1e-300)
    low = np.where(p <= 0, 0.0, special.betaincinv(a_low, b_low, alpha / 2))
    high = np.where(p >= 1, 1.0, special.betaincinv(a_high, b_high, 1 - alpha / 2))
    return np.where(finite, low, p), np.where(finite, high, p)


def _wilson(p: Array, se: Array, size: Array, df: Array, alpha: float) -> tuple:
    """Wilson's score interval with the df-adjusted effective size (module doc)."""
    z = normal_quantile(1 - alpha / 2)
    finite = np.isfinite(size)
    n = np.where(finite, size, 1.0)
    # the module doc's formula multiplied through by n: stable for any n* ≥ 0
    centre = (n * p + z**2 / 2) / (n + z**2)
    half = z * np.sqrt(n * p * (1 - p) + z**2 / 4) / (n + z**2)
    return np.where(finite, centre - half, p), np.where(finite, centre + half, p)


def _logit(p: Array, se: Array, size: Array, df: Array, alpha: float) -> tuple:
    """expit(logit(p̂) ± t_{df} · se/(p̂(1 − p̂))); Korn–Graubard at p̂ = 0 or 1 (module doc)."""
    inside = (p > 0) & (p < 1)
    q = np.where(inside, p, 0.5)
    eta = logit(q)
    with np.errstate(over="ignore"):  # p̂ near 0 in a subnormal way: the interval is [0, 1]
        half = t_quantile(np.maximum(df, 1), 1 - alpha / 2) * se / (q * (1 - q))
    edge_low, edge_high = _edges(p, size, alpha)
    return (
        np.where(inside, expit(eta - half), edge_low),
        np.where(inside, expit(eta + half), edge_high),
    )


def _edges(p: Array, size: Array, alpha: float) -> tuple:
    """Korn–Graubard at p̂ = 0 or 1, where the beta quantiles have a closed form:
    B⁻¹(1 − α/2; 1, n*) = 1 − (α/2)^{1/n*} and B⁻¹(α/2; n*, 1) = (α/2)^{1/n*} (Beta(1, n)'s
    distribution function is 1 − (1 − x)^n); [p, p] where n* is infinite, as there."""
    finite = np.isfinite(size)
    log_tail = np.log(alpha / 2) / np.where(finite, size, 1.0)
    low = np.where(p >= 1, np.exp(log_tail), 0.0)
    high = np.where(p <= 0, -np.expm1(log_tail), 1.0)
    return np.where(finite, low, p), np.where(finite, high, p)


METHODS: dict[str, Callable[..., tuple]] = {
    "logit": _logit,
    "wilson": _wilson,
    "korn-graubard": _korn_graubard,
}


def proportion_ci_arrays(
    p: ArrayLike,
    se: ArrayLike,
    n_eff: ArrayLike,
    df: ArrayLike,
    method: str = "logit",
    confidence: float = 0.95,
    n: ArrayLike | None = None,
    census: bool | None = None,
) -> tuple[Array, Array]:
    """Intervals (low, high) for arrays of proportions p with standard errors se (module doc).

    ``n_eff`` is the effective sample size n* for Wilson and Korn–Graubard, p(1 − p)/se² for a
    design-based interval (R), and the fallback at p = 0 or 1; ``df`` the design degrees of
    freedom; ``n`` the respondents (R's ``nrow(design)`` in the df adjustment; None: large).
    Where se = 0 and 0 < p < 1, the interval is [p, p] whatever n_eff says (a census), unless
    ``census`` is False: then se = 0 is a variance 0 by construction (``analysis.edges``), not
    knowledge, and the interval comes from n_eff as at p = 0 or 1.
    """
    if method not in METHODS:
        raise ValueError(f"method ({method!r}) must be one of {', '.join(map(repr, METHODS))}")
    alpha = 1 - _check_confidence(confidence)
    arrays = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (p, se, n_eff, df, 1 if n is None else n))
    )
    pp, ss, size, dd, nn = (np.array(a, dtype=float) for a in arrays)
    for name, values, ok in (
        ("p", pp, (pp >= 0) & (pp <= 1)),
        ("se", ss, ss >= 0),
        ("n_eff", size, size > 0),
        ("df", dd, ~np.isnan(dd)),
        ("n", nn, nn >= 1),
    ):
        if not ok.all():
            bad = values[~ok].flat[0]
            raise ValueError(f"{name} ({bad}) is out of range for a proportion's interval")
    census_rows = (ss == 0) & (pp > 0) & (pp < 1) & (census is not False)
    size = np.where(census_rows, np.inf, _adjusted_size(size, dd, None if n is None else nn, alpha))
    low, high = METHODS[method](pp, ss, size, dd, alpha)
    low = np.clip(np.minimum(low, pp), 0.0, 1.0)  # min/max guard rounding only
    high = np.clip(np.maximum(high, pp), 0.0, 1.0)
    return low, high


def proportion_ci(
    estimate: Estimate, method: str = "logit", confidence: float = 0.95
) -> ConfidenceInterval:
    """The interval of a proportion :class:`~analysis.estimators.Estimate` (module doc).

    n* = p̂(1 − p̂)/se² (R's ``n.eff``) when 0 < p̂ < 1 and se > 0, else the estimate's n_eff;
    n is the estimate's respondents and df its degrees of freedom. ``method`` is reported as
    "korn-graubard" when "logit" fell back to it at p̂ = 0 or 1.
    """
    p, se = estimate.estimate, estimate.se
    if not 0 <= p <= 1:
        raise ValueError(f"estimate ({p}) is not a proportion in [0, 1]")
    inside = 0 < p < 1
    if inside and se > 0:
        with np.errstate(over="ignore", divide="ignore"):
            size = float(np.divide(p * (1 - p), np.square(se)))  # inf when se² underflows
    elif np.isfinite(estimate.n_eff) and estimate.n_eff > 0:
        size = estimate.n_eff
    else:
        size = float(max(estimate.n, 1))
    low, high = proportion_ci_arrays(
        p, se, size, estimate.df, method, confidence, n=max(estimate.n, 1)
    )
    used = "korn-graubard" if method == "logit" and not inside else method
    return ConfidenceInterval(float(low), float(high), used)


def mean_ci_arrays(
    estimate: ArrayLike,
    se: ArrayLike,
    df: ArrayLike | None = None,
    confidence: float = 0.95,
) -> tuple[Array, Array]:
    """estimate ± q · se with q = t_{df, 1−α/2} (R ``confint(..., df = degf(design))``).

    ``df`` None gives the normal quantile (R's default ``confint``); df must be at least 1.
    """
    alpha = 1 - _check_confidence(confidence)
    value = np.asarray(estimate, dtype=float)
    error = np.asarray(se, dtype=float)
    if df is None:
        q = normal_quantile(1 - alpha / 2)
    else:
        dof = np.asarray(df, dtype=float)
        if np.any(~(dof >= 1)):
            bad = dof[~(dof >= 1)].flat[0]
            raise ValueError(f"df ({bad:g}) must be at least 1 for a t interval: use the normal")
        q = t_quantile(dof, 1 - alpha / 2)
    return value - q * error, value + q * error


def mean_ci(estimate: Estimate, confidence: float = 0.95, dist: str = "t") -> ConfidenceInterval:
    """estimate ± t_{df, 1−α/2} · se ("t(df=…)") or ± z_{1−α/2} · se ("normal")."""
    if dist not in ("t", "normal"):
        raise ValueError(f"dist ({dist!r}) must be 't' or 'normal'")
    df = estimate.df if dist == "t" else None
    low, high = mean_ci_arrays(estimate.estimate, estimate.se, df, confidence)
    method = f"t(df={estimate.df})" if dist == "t" else "normal"
    return ConfidenceInterval(float(low), float(high), method)
