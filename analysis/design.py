"""A stratified (optionally one-stage clustered) sample design and the variance of a total.

Everything else in ``analysis`` is built on :func:`total_variance`: a statistic is linearised into
per-respondent influence values z_i (Taylor linearisation, Binder 1983), and its variance is the
design variance of the estimated total Σ w_i z_i.

Formula (Cochran 1977 §5.3 and §9A; R ``survey``'s ``svyrecvar`` for one stage, Lumley 2010 §2):

    V(t̂) = Σ_h (1 − f_h) · n_h / (n_h − 1) · Σ_i (u_hi − ū_h)²

where u_hi = Σ_{j ∈ PSU i of stratum h} w_j z_j is the weighted total of PSU i, n_h the number of
PSUs in stratum h, and f_h = n_h / N_h the sampling fraction (0 without a population size, i.e.
with replacement). A stratum with a single PSU contributes nothing (R: ``survey.lonely.psu =
"certainty"``) and is reported by :func:`lonely_strata`.

A calibrated design (:class:`analysis.calibration.CalibratedDesign`) replaces z by its residuals
from the calibration variables before this formula (R ``svyrecvar`` with ``postStrata``):
:meth:`Design.residualise` is that hook, the identity for a plain design.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Design:
    """Who was sampled how: stratum, weight, population size and PSU of every respondent.

    ``fpc`` is N_h, the number of PSUs in the stratum's population (the same value on each row of
    a stratum), or None for sampling with replacement. ``clusters`` are PSU labels, unique within a
    stratum; None means each respondent is its own PSU.
    """

    strata: NDArray[np.int64]
    weights: NDArray[np.float64]
    fpc: NDArray[np.float64] | None = None
    clusters: NDArray[np.int64] | None = None
    _psu: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _psu_stratum: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _n_h: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _f_h: NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.weights)
        if len(self.strata) != n:
            raise ValueError(f"strata ({len(self.strata)}) and weights ({n}) differ in length")
        if n == 0:
            raise ValueError("a design needs at least one respondent")
        if np.any(~np.isfinite(self.weights)) or np.any(self.weights < 0):
            raise ValueError("weights must be finite and not negative")
        _, strata = np.unique(self.strata, return_inverse=True)
        if self.clusters is None:
            psu = np.arange(n)
        else:
            if len(self.clusters) != n:
                raise ValueError(f"clusters ({len(self.clusters)}) and weights ({n}) differ")
            pairs = np.stack([strata, np.asarray(self.clusters)], axis=1)
            _, psu = np.unique(pairs, axis=0, return_inverse=True)
            psu = psu.reshape(-1)
        psu_stratum = np.zeros(psu.max() + 1, dtype=np.int64)
        psu_stratum[psu] = strata
        n_h = np.bincount(psu_stratum).astype(float)
        f_h = np.zeros_like(n_h)
        if self.fpc is not None:
            fpc = np.asarray(self.fpc, dtype=float)
            if len(fpc) != n:
                raise ValueError(f"fpc ({len(fpc)}) and weights ({n}) differ in length")
            if np.any(~np.isfinite(fpc)) or np.any(fpc <= 0):
                bad = fpc[~(np.isfinite(fpc) & (fpc > 0))][0]
                raise ValueError(f"fpc ({bad:g}) must be a finite, positive population size")
            population = np.zeros_like(n_h)
            population[strata] = fpc
            if np.any(population[strata] != fpc):
                bad = int(strata[np.argmax(population[strata] != fpc)])
                values = np.unique(fpc[strata == bad])
                raise ValueError(
                    f"fpc differs within a stratum ({', '.join(f'{v:g}' for v in values)}): "
                    "give the stratum's population size on each of its rows"
                )
            if np.any(population < n_h):
                bad = int(np.argmax(population < n_h))
                raise ValueError(
                    f"fpc ({population[bad]:g}) is below the {n_h[bad]:g} sampled PSUs of a stratum"
                )
            f_h = np.divide(n_h, population, out=np.zeros_like(n_h), where=population > 0)
        object.__setattr__(self, "_psu", psu)
        object.__setattr__(self, "_psu_stratum", psu_stratum)
        object.__setattr__(self, "_n_h", n_h)
        object.__setattr__(self, "_f_h", f_h)

    @classmethod
    def stratified(
        cls,
        strata: ArrayLike,
        weights: ArrayLike,
        fpc: ArrayLike | None = None,
        clusters: ArrayLike | None = None,
    ) -> Design:
        """A design from array-likes (labels of any type for strata and clusters)."""
        _, strata_codes = np.unique(np.asarray(strata), return_inverse=True)
        cluster_codes = None
        if clusters is not None:
            _, cluster_codes = np.unique(np.asarray(clusters), return_inverse=True)
        return cls(
            strata_codes.reshape(-1).astype(np.int64),
            np.asarray(weights, dtype=float),
            None if fpc is None else np.asarray(fpc, dtype=float),
            None if cluster_codes is None else cluster_codes.reshape(-1).astype(np.int64),
        )

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def n_psu(self) -> int:
        return len(self._psu_stratum)

    @property
    def n_strata(self) -> int:
        return len(self._n_h)

    @property
    def degrees_of_freedom(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R ``degf``)."""
        return self.n_psu - self.n_strata

    def residualise(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """The values whose total's variance :func:`total_variance` computes: z itself here.

        :class:`analysis.calibration.CalibratedDesign` returns the residuals of z from its
        calibration variables instead (linear in z, so it commutes with z @ a).
        """
        return z


def total_variance(design: Design, z: ArrayLike) -> NDArray[np.float64]:
    """V(Σ w_i z_i) under ``design`` for each column of ``z`` (n,) or (n, k): see the module doc.

    With k columns, returns the k × k covariance matrix (a scalar array for one column). z passes
    through :meth:`Design.residualise` first (a no-op unless the design is calibrated).
    """
    values = np.asarray(z, dtype=float)
    flat = values.ndim == 1
    if values.ndim not in (1, 2) or values.shape[0] != design.n:
        raise ValueError(f"z has shape {values.shape}; expected ({design.n},) or ({design.n}, k)")
    values = design.residualise(values.reshape(design.n, -1))
    weighted = values * design.weights[:, None]
    k = values.shape[1]
    psu_totals = np.zeros((design.n_psu, k))
    np.add.at(psu_totals, design._psu, weighted)
    stratum_sums = np.zeros((design.n_strata, k))
    np.add.at(stratum_sums, design._psu_stratum, psu_totals)
    n_h = design._n_h
    means = stratum_sums / n_h[:, None]
    centred = psu_totals - means[design._psu_stratum]
    scale = np.divide((1 - design._f_h) * n_h, n_h - 1, out=np.zeros_like(n_h), where=n_h > 1)
    scaled = centred * np.sqrt(scale[design._psu_stratum])[:, None]
    covariance = scaled.T @ scaled
    return covariance[0, 0] if flat else covariance


def lonely_strata(design: Design) -> NDArray[np.int64]:
    """Indices of strata with a single PSU (they add no variance)."""
    return np.flatnonzero(design._n_h == 1)
