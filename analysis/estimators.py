"""Means, totals, ratios and proportions with design-based standard errors (R ``survey``).

Every estimator is linearised (Taylor series / estimating equations, Binder 1983; Lumley 2010
§2.3, §3.3.1, Appendix C) into influence values z_i, and its variance is the design variance of
the total Σ w_i z_i, :func:`analysis.design.total_variance`:

* total  t̂ = Σ w_i y_i                     z_i = y_i                       (R ``svytotal``)
* mean   ȳ = Σ w_i y_i / Σ w_i             z_i = (y_i − ȳ) / N̂,  N̂ = Σ w_i (R ``svymean``)
* ratio  R̂ = Σ w_i a_i / Σ w_i b_i         z_i = (a_i − R̂ b_i) / B̂, B̂ = Σ w_i b_i (R ``svyratio``)
* proportion: the mean of a 0/1 indicator.

**Domains** (subpopulations, R ``svyby`` and ``subset``): the sums run over the domain's members
and z_i = 0 outside it; no row is dropped before the variance, so the design's strata, PSUs and
n_h stay those of the whole sample (Lumley 2010 §2.4; Cochran 1977 §2.13). Values outside the
domain are never read: they may be NaN (a NaN inside the domain is an error).

**Design effect** (Kish 1965 §8.2; R ``svymean(..., deff = TRUE)``): the variance over the
variance under simple random sampling without replacement of the same size n from a population
of N̂ = Σ w_i (the domain's sums)::

    deff = V̂(θ̂) / V_srs,   V_srs = N̂² · s²_z · (1 − n/N̂) / n,
    s²_z = n/(n − 1) · Σ w_i (z_i − z̄_w)² / N̂

which is R's ``svyvar(y)·(N̂ − n)/(N̂·n)`` for a mean, ``svyvar(y)·N̂²·(N̂ − n)/(N̂·n)`` for a total
and ``deff(svytotal(z))`` for a ratio. When N̂ ≤ n (weights not scaled to a population, e.g. all 1)
there is no population to sample without replacement from, and V_srs = N̂² s²_z / n, R's
``deff = "replace"`` (R itself returns NA or Inf there). Hence equal weights of 1 without an fpc
give deff = 1; equal weights N/n with fpc = N give deff = 1; equal weights N/n *without* the fpc
give deff = 1/(1 − n/N) (the design ignores the gain that V_srs counts). deff is NaN when s²_z = 0
and V̂ = 0 (a constant variable: p̂ = 0 or 1) or when n < 2.

**Effective sample size**: n_eff = n / deff (Kish 1965 §8.2), the SRS size that gives the same
variance. Where deff is not a finite positive number, n_eff falls back to Kish's effective size
for weighting, (Σ w_i)² / Σ w_i² (Kish 1965 §11.7), over the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.design import Design, total_variance


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its design-based standard error.

    ``n``: respondents in the domain with a positive weight; ``n_eff``: n / deff (see the module
    doc for the fallback); ``deff``: against SRS without replacement (R ``deff = TRUE``); ``df``:
    design degrees of freedom of the domain, PSUs minus strata among its respondents (R ``degf``
    of the subset design).
    """

    estimate: float
    se: float
    n: int
    n_eff: float
    deff: float
    df: int


def _domain(design: Design, domain: ArrayLike | None) -> NDArray[np.bool_]:
    """The domain as a boolean mask over the design's rows (everyone without a domain)."""
    if domain is None:
        return np.ones(design.n, dtype=bool)
    mask = np.asarray(domain)
    if mask.dtype != np.bool_:
        raise ValueError(f"domain must be a boolean mask, not an array of {mask.dtype}")
    if mask.shape != (design.n,):
        raise ValueError(f"domain has shape {mask.shape}; the design has {design.n} rows")
    return mask


def _values(design: Design, y: ArrayLike, mask: NDArray[np.bool_], name: str) -> NDArray:
    """y as floats, 0 outside the domain; NaN inside the domain is an error."""
    values = np.asarray(y, dtype=float)
    if values.shape != (design.n,):
        raise ValueError(f"{name} has shape {values.shape}; the design has {design.n} rows")
    missing = mask & np.isnan(values)
    if missing.any():
        raise ValueError(
            f"{name} has {int(missing.sum())} missing values (NaN) inside the domain, the first "
            f"on row {int(np.argmax(missing))}: leave them out with the domain mask"
        )
    return np.where(mask, values, 0.0)


def _domain_df(design: Design, members: NDArray[np.bool_]) -> int:
    """PSUs minus strata among the domain's respondents with a positive weight (R ``degf``)."""
    psus = np.unique(design._psu[members])
    return len(psus) - len(np.unique(design._psu_stratum[psus]))


def _srs_variance(z: NDArray, w: NDArray, n: int) -> float:
    """V_srs of the module doc, from influence values z and the domain's weights w (0 outside)."""
    if n < 2:
        return np.nan
    population = w.sum()
    zbar = (w * z).sum() / population
    s2 = n / (n - 1) * (w * (z - zbar) ** 2).sum() / population
    without_replacement = 1 - n / population if population > n else 1.0
    return population**2 * s2 * without_replacement / n


def _estimate(design: Design, value: float, z: NDArray, mask: NDArray[np.bool_]) -> Estimate:
    """An Estimate from the value and its influence values (0 outside the domain)."""
    w = np.where(mask, design.weights, 0.0)
    members = mask & (design.weights > 0)
    n = int(members.sum())
    variance = float(total_variance(design, z))
    srs = _srs_variance(z, w, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = float(np.divide(variance, srs))
    kish = float(w.sum() ** 2 / (w**2).sum())
    n_eff = n / deff if np.isfinite(deff) and deff > 0 else kish
    return Estimate(
        estimate=float(value),
        se=float(np.sqrt(max(variance, 0.0))),
        n=n,
        n_eff=float(n_eff),
        deff=deff,
        df=_domain_df(design, members),
    )


def _weighted_size(design: Design, mask: NDArray[np.bool_]) -> float:
    """N̂ of the domain, which must be positive."""
    size = float(design.weights @ mask)  # the same sum as Σ w y, so y = 1 gives exactly 1
    if size <= 0:
        members = int(mask.sum())
        raise ValueError(
            f"the domain has {members} respondents and a weighted size of {size:g}: "
            "nothing to estimate from"
        )
    return size


def total(design: Design, y: ArrayLike, domain: ArrayLike | None = None) -> Estimate:
    """t̂ = Σ_{i∈d} w_i y_i with z_i = y_i in the domain d, 0 outside (R ``svytotal``)."""
    mask = _domain(design, domain)
    values = _values(design, y, mask, "y")
    _weighted_size(design, mask)
    return _estimate(design, float(design.weights @ values), values, mask)


def mean(design: Design, y: ArrayLike, domain: ArrayLike | None = None) -> Estimate:
    """ȳ = Σ_{i∈d} w_i y_i / N̂_d with z_i = (y_i − ȳ)/N̂_d in d, 0 outside (R ``svymean``)."""
    mask = _domain(design, domain)
    values = _values(design, y, mask, "y")
    size = _weighted_size(design, mask)
    value = float(design.weights @ values) / size
    z = np.where(mask, (values - value) / size, 0.0)
    return _estimate(design, value, z, mask)


def proportion(design: Design, indicator: ArrayLike, domain: ArrayLike | None = None) -> Estimate:
    """p̂ = the weighted mean of a 0/1 (or boolean) indicator: :func:`mean` (R ``svymean``)."""
    mask = _domain(design, domain)
    values = _values(design, indicator, mask, "indicator")
    odd = mask & (values != 0) & (values != 1)
    if odd.any():
        bad = values[np.argmax(odd)]
        raise ValueError(f"indicator ({bad:g}) must be 0 or 1 (or a boolean) inside the domain")
    result = mean(design, values, mask)
    # Σ w y ≤ Σ w in floating point too, but keep p̂ in [0, 1] whatever the summation order
    return replace(result, estimate=min(max(result.estimate, 0.0), 1.0))


def ratio(
    design: Design, num: ArrayLike, den: ArrayLike, domain: ArrayLike | None = None
) -> Estimate:
    """R̂ = Σ_{i∈d} w_i a_i / Σ_{i∈d} w_i b_i with z_i = (a_i − R̂ b_i)/B̂ (R ``svyratio``)."""
    mask = _domain(design, domain)
    a = _values(design, num, mask, "num")
    b = _values(design, den, mask, "den")
    _weighted_size(design, mask)
    value, z = ratio_influence(a, b, design.weights)
    if np.isnan(value):
        raise ValueError("the denominator's weighted total is 0 in the domain: no ratio")
    return _estimate(design, float(value), z, mask)


def ratio_influence(
    num: ArrayLike, den: ArrayLike, weights: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Ratios r = Σ w a / Σ w b and their influence values z_i = (a_i − r·b_i)/B̂, B̂ = Σ w b.

    ``num`` and ``den`` are (n,) or (n, k) (one ratio per column); returns r (a scalar array or
    (k,)) and z of the shape of ``num``. V(r̂) = V(Σ w_i z_i) = ``total_variance(design, z)``
    (Binder 1983; R ``svyratio``'s ``r/design$prob``), and any linear combination θ = a'r has
    influence z @ a, so SE(mean of k ratios) = sqrt(total_variance(design, z @ (1/k, …))).
    A column whose denominator total B̂ is 0 gets r = NaN and z = 0 (nothing to estimate).
    Rows outside a domain should carry a = b = 0 (then z = 0 there), as :func:`ratio_matrix` does.
    """
    a = np.asarray(num, dtype=float)
    b = np.asarray(den, dtype=float)
    w = np.asarray(weights, dtype=float)
    if a.shape != b.shape or a.ndim not in (1, 2) or a.shape[0] != w.shape[0] or w.ndim != 1:
        raise ValueError(
            f"num {a.shape}, den {b.shape} and weights {w.shape} do not fit: expected num and "
            "den both (n,) or (n, k) and weights (n,)"
        )
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("num and den must not contain NaN: use 0 for rows outside the ratio")
    numerator = w @ a
    denominator = w @ b
    empty = denominator == 0
    safe = np.where(empty, 1.0, denominator)
    r = np.where(empty, np.nan, numerator / safe)
    z = (a - np.where(empty, 0.0, r) * b) / safe
    if np.any(empty):
        z[..., empty] = 0.0
    return r, z


def ratio_matrix(
    design: Design, num: ArrayLike, den: ArrayLike, domain: ArrayLike | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """k ratios at once in a domain: (r (k,), z (n, k)) of :func:`ratio_influence`.

    Values outside the domain are ignored (may be NaN) and get z = 0. The covariance of the k
    ratios is ``total_variance(design, z)``; an index θ = Σ_j a_j r_j has SE
    ``sqrt(total_variance(design, z @ a))`` (linearisation over respondents, so the items one
    person answers stay correlated). On a calibrated design, total_variance residualises z.
    """
    mask = _domain(design, domain)
    a = np.asarray(num, dtype=float)
    b = np.asarray(den, dtype=float)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    if a.shape != b.shape or a.ndim != 2 or a.shape[0] != design.n:
        raise ValueError(
            f"num {np.shape(num)} and den {np.shape(den)} must both be ({design.n}, k)"
        )
    inside = mask[:, None]
    missing = inside & (np.isnan(a) | np.isnan(b))
    if missing.any():
        row, column = np.argwhere(missing)[0]
        raise ValueError(
            f"num or den is NaN inside the domain (row {row}, column {column}): "
            "use num = den = 0 for answers that do not count"
        )
    if domain is not None:
        a = np.where(inside, a, 0.0)
        b = np.where(inside, b, 0.0)
    return ratio_influence(a, b, design.weights)
