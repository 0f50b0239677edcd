"""Base weights, post-stratification, raking and trimming, with calibration-aware variances.

Calibration (Deville & Särndal 1992) changes the design weights d_i into w_i = g_i·d_i so that
weighted counts match known population totals. Its estimators are linearised with the residuals
of the influence values from the calibration variables x_i (indicators of the categories),

    e_i = z_i − x_i'B̂,   B̂ = (Σ d_i x_i x_i')⁻ Σ d_i x_i z_i,   V̂ = V(Σ w_i e_i)

(Deville & Särndal 1992 §3; Lumley 2010 §7.2–7.4), which is what R ``survey``'s ``svyrecvar``
does with a design's ``postStrata``: for ``postStratify`` e_i is z_i minus the weighted mean of z
in i's post-stratum; for ``calibrate(..., calfun = "raking")`` it is the d-weighted least-squares
residual on all margins' indicators (``qr.resid``). :class:`CalibratedDesign` is a
:class:`~analysis.design.Design` whose :meth:`CalibratedDesign.residualise` returns e, and
:func:`~analysis.design.total_variance` calls it, so every estimator of
:mod:`analysis.estimators` (and any z @ a built on :func:`~analysis.estimators.ratio_matrix`)
gets the calibrated variance without knowing about calibration.

A design calibrated again (e.g. post-stratified twice) is linearised from the last calibration
back to the first: the estimator is the last calibration of the earlier weights, so its residuals
are taken first, and then those residuals' own residuals from the step before. R applies its
``postStrata`` in the order they were made instead, which leaves a variance on totals the last
calibration fixes (``svytotal`` of a second post-stratum's indicator: exactly its total, R SE
58.1 on ``apiclus1``; here 0). Single calibrations, the usual case, agree with R.

R's ``rake()`` reaches the same weights but linearises with ten sweeps of *unweighted*
backfitting over the margins: with equal design weights (a self-weighting design such as
``apiclus1``) that is the same projection, with unequal ones its SEs differ slightly (0.1 % on
``apistrat``); this module follows ``calibrate``, the exact Deville–Särndal linearisation.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.design import Design


class CalibrationError(ValueError):
    """Weights cannot be calibrated to the totals given (the message says which margin/category)."""


@dataclass(frozen=True)
class BaseWeights:
    """Design weights of a stratified sample: w_i = N_h / n_h and fpc_i = N_h.

    ``scaled`` is False when no populations were given: every weight is then 1 and ``fpc`` None,
    so totals count respondents, not the population, and no finite population correction applies.
    ``unsampled`` lists population strata without a respondent (their population is not covered).
    """

    weights: NDArray[np.float64]
    fpc: NDArray[np.float64] | None
    scaled: bool
    unsampled: tuple[Hashable, ...] = ()


def _hint(label: object, known: Sequence[object]) -> str:
    """ " (did you mean 'X'?)" for a known label that differs in case or spelling, else ""."""
    same = [k for k in known if str(k).casefold() == str(label).casefold()]
    close = same or difflib.get_close_matches(str(label), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def base_weights(
    strata_labels: ArrayLike, populations: Mapping[Hashable, int] | None = None
) -> BaseWeights:
    """w_i = N_h / n_h (the inverse inclusion probability of stratified SRS, Cochran 1977 §5.2).

    ``populations`` maps each stratum label to N_h (e.g. completed dossiers in the period);
    without it the weights are 1 and ``scaled`` is False.
    """
    labels = np.asarray(strata_labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"strata_labels must be a non-empty 1-D array, not shape {labels.shape}")
    if populations is None:
        return BaseWeights(np.ones(len(labels)), None, scaled=False)
    strata, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    sizes = np.empty(len(strata))
    for j, stratum in enumerate(strata.tolist()):
        if stratum not in populations:
            raise ValueError(
                f"stratum {stratum!r} has {counts[j]} respondents but no population"
                + _hint(stratum, list(populations))
            )
        size = populations[stratum]
        if not np.isfinite(size) or size < counts[j]:
            raise ValueError(
                f"population of stratum {stratum!r} ({size}) is below its {counts[j]} respondents"
            )
        sizes[j] = size
    present = set(strata.tolist())
    unsampled = tuple(label for label in populations if label not in present)
    codes = codes.reshape(-1)
    return BaseWeights(
        weights=(sizes / counts)[codes],
        fpc=sizes[codes],
        scaled=True,
        unsampled=unsampled,
    )


@dataclass(frozen=True, eq=False)
class CalibrationStep:
    """One calibration: the category codes of each margin and the weights d before it.

    ``residuals(z)`` = z − x'B̂ with B̂ the d-weighted least-squares coefficients of z on the
    margins' indicators x (one margin: z minus its d-weighted mean in the category).
    """

    kind: str
    margins: tuple[NDArray[np.int64], ...]
    regression_weights: NDArray[np.float64]
    iterations: int = 1
    _x: NDArray[np.float64] | None = field(init=False, repr=False, default=None)
    _solve: NDArray[np.float64] | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if len(self.margins) < 2:
            return
        # indicators of every category of the first margin and of all but the first category of
        # the others (their indicators sum to 1, the first margin's sum already)
        first, *others = self.margins
        columns = [np.eye(first.max() + 1)[first]]
        columns += [np.eye(codes.max() + 1)[codes][:, 1:] for codes in others]
        x = np.hstack(columns)
        root = np.sqrt(self.regression_weights)
        # B̂ = pinv(√d·x) √d·z, least squares; the cut-off drops directions of collinear margins
        solve = np.linalg.pinv(x * root[:, None], rcond=1e-10) * root[None, :]
        object.__setattr__(self, "_x", x)
        object.__setattr__(self, "_solve", solve)

    def residuals(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """e = z − x'B̂ for each column of z (n, k)."""
        if self._solve is not None:
            return z - self._x @ (self._solve @ z)
        codes, d = self.margins[0], self.regression_weights
        size = np.bincount(codes, weights=d)
        sums = [np.bincount(codes, weights=d * column, minlength=len(size)) for column in z.T]
        return z - (np.column_stack(sums) / size[:, None])[codes]


@dataclass(frozen=True)
class CalibratedDesign(Design):
    """A design with calibrated weights: ``weights`` are g·d, ``design_weights`` the d before.

    ``calibration`` holds the steps in the order they were made; :meth:`residualise` takes each
    step's residuals, so :func:`~analysis.design.total_variance` gives the calibrated variance.
    """

    calibration: tuple[CalibrationStep, ...] = ()
    design_weights: NDArray[np.float64] | None = field(default=None, repr=False)

    def residualise(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """z's residuals from every calibration step, the last step first (module doc)."""
        for step in reversed(self.calibration):
            z = step.residuals(z)
        return z

    @property
    def g(self) -> NDArray[np.float64]:
        """The calibration factors g_i = w_i / d_i."""
        d = self.weights if self.design_weights is None else self.design_weights
        return np.divide(self.weights, d, out=np.ones_like(self.weights), where=d > 0)


def _margin(
    design: Design, labels: ArrayLike, totals: Mapping[Hashable, float], name: str
) -> tuple[NDArray[np.int64], NDArray[np.float64], list[Hashable]]:
    """Category codes of a margin and its population totals, checked against the sample."""
    values = np.asarray(labels)
    if values.shape != (design.n,):
        raise CalibrationError(f"{name} has shape {values.shape}; the design has {design.n} rows")
    categories, codes = np.unique(values, return_inverse=True)
    categories = categories.tolist()
    codes = codes.reshape(-1)
    counts = np.bincount(codes, minlength=len(categories))
    weighted = np.bincount(codes, weights=design.weights, minlength=len(categories))
    targets = np.empty(len(categories))
    for j, category in enumerate(categories):
        if category not in totals:
            raise CalibrationError(
                f"{name}: category {category!r} has {counts[j]} respondents but no population "
                "total" + _hint(category, list(totals))
            )
        target = float(totals[category])
        if not np.isfinite(target) or target <= 0:
            raise CalibrationError(
                f"{name}: category {category!r} has a population total of {target:g} but "
                f"{counts[j]} respondents; totals must be positive"
            )
        if weighted[j] <= 0:
            raise CalibrationError(
                f"{name}: the {counts[j]} respondents of category {category!r} all have weight 0"
            )
        targets[j] = target
    present = set(categories)
    for category, target in totals.items():
        if category not in present and target != 0:
            raise CalibrationError(
                f"{name}: category {category!r} has no respondents (population total {target:g}):"
                " merge it with a neighbouring category"
            )
    return codes, targets, categories


def _calibrated(design: Design, weights: NDArray, step: CalibrationStep) -> CalibratedDesign:
    earlier = design.calibration if isinstance(design, CalibratedDesign) else ()
    first = design.design_weights if isinstance(design, CalibratedDesign) else None
    return CalibratedDesign(
        strata=design.strata,
        weights=weights,
        fpc=design.fpc,
        clusters=design.clusters,
        calibration=(*earlier, step),
        design_weights=design.weights if first is None else first,
    )


def poststratify(
    design: Design, groups: ArrayLike, totals: Mapping[Hashable, float]
) -> CalibratedDesign:
    """w_i = d_i · N_g / N̂_g in each post-stratum g (R ``postStratify``; Lumley 2010 §7.2).

    Every group with respondents needs a positive total, and every total a respondent.
    The variance uses z minus its weighted mean in the post-stratum (R ``svyrecvar``).
    """
    codes, targets, _ = _margin(design, groups, totals, "post-strata")
    d = design.weights
    factors = targets / np.bincount(codes, weights=d, minlength=len(targets))
    step = CalibrationStep("post-stratification", (codes,), d)
    return _calibrated(design, d * factors[codes], step)


def rake(
    design: Design,
    margins: Sequence[tuple[ArrayLike, Mapping[Hashable, float]]],
    *,
    max_iter: int = 100,
    tol: float = 1e-7,
) -> CalibratedDesign:
    """Raking ratio weights by iterative proportional fitting (Deming & Stephan 1940).

    Each sweep post-stratifies to every margin in turn; it stops when every category's weighted
    count is within ``tol`` (relative) of its total, or raises :class:`CalibrationError` after
    ``max_iter`` sweeps. The weights are R ``rake``'s and ``calibrate(calfun = "raking")``'s;
    the variance is calibrate's (module doc).
    """
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter ({max_iter!r}) must be a positive integer")
    if not tol > 0:
        raise ValueError(f"tol ({tol!r}) must be positive")
    if len(margins) == 0:
        raise ValueError("rake needs at least one margin")
    checked = [
        _margin(design, labels, totals, f"margin {m + 1}")
        for m, (labels, totals) in enumerate(margins)
    ]
    sums = [float(targets.sum()) for _, targets, _ in checked]
    for m, total in enumerate(sums[1:], start=2):
        if abs(total - sums[0]) > tol * sums[0]:
            raise CalibrationError(
                f"margin totals differ: margin 1 sums to {sums[0]:g}, margin {m} to {total:g}; "
                "raking can only reach margins of one population"
            )
    d = design.weights
    w = d.copy()
    for sweep in range(1, max_iter + 1):
        for codes, targets, _ in checked:
            w = w * (targets / np.bincount(codes, weights=w, minlength=len(targets)))[codes]
        errors = [
            np.abs(np.bincount(codes, weights=w, minlength=len(t)) - t) / t
            for codes, t, _ in checked
        ]
        worst = max(float(e.max()) for e in errors)
        if worst <= tol:
            step = CalibrationStep("raking", tuple(c for c, _, _ in checked), d, iterations=sweep)
            return _calibrated(design, w, step)
    m = int(np.argmax([e.max() for e in errors]))
    category = checked[m][2][int(np.argmax(errors[m]))]
    raise CalibrationError(
        f"raking did not converge within {max_iter} iterations: margin {m + 1}, category "
        f"{category!r} is still {worst:.2e} (relative) off its total"
    )


def trim(
    weights: ArrayLike, upper: float, lower: float | None = None, *, max_iter: int = 100
) -> NDArray[np.float64]:
    """Weights capped to [lower, upper], the total kept (Potter 1990; R ``trimWeights``).

    Weights above ``upper`` (below ``lower``) are set to the bound and the difference is spread
    over the weights strictly between the bounds in proportion to their size; as that may push
    them over a bound, this repeats until every weight is within the bounds (at most ``max_iter``
    rounds). Σ w is unchanged. R's ``trimWeights`` spreads the difference in equal amounts
    instead (proportional shares keep the ratios of the untrimmed weights, as ``calibrate``'s
    ``trim`` does). The result is a plain weight vector: a trimmed calibrated design's variance
    no longer accounts for the calibration.
    """
    w = np.asarray(weights, dtype=float).copy()
    low = 0.0 if lower is None else float(lower)
    high = float(upper)
    if w.ndim != 1 or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be a 1-D array of finite, non-negative numbers")
    if not high > low:
        raise ValueError(f"upper ({upper!r}) must be above lower ({low!r})")
    total = w.sum()
    if high * len(w) < total or low * np.count_nonzero(w) > total:
        raise ValueError(
            f"bounds [{low:g}, {high:g}] cannot keep the total {total:g} of {len(w)} weights"
        )
    zero = w == 0
    for _ in range(max_iter):
        capped = np.where(zero, 0.0, np.clip(w, low, high))
        excess = total - capped.sum()
        if abs(excess) <= 1e-12 * total and np.all(w == capped):
            return capped
        free = ~zero & (capped > low) & (capped < high)
        if not free.any():
            raise ValueError(f"no weight is left between the bounds [{low:g}, {high:g}]")
        capped[free] *= 1 + excess / capped[free].sum()
        w = capped
    raise ValueError(f"trimming did not settle within {max_iter} rounds")
