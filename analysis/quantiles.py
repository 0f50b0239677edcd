"""Normal and Student t quantiles, logit and expit, without scipy on the usual path.

scipy.special costs a quarter to a third of a second to import (it loads numpy.testing, f2py,
unittest and more), longer than analysing a province's answers takes; a command reading a file
paid it on every run (decision 0029). The intervals need little of it:

* Φ⁻¹(p): Wichura's AS 241 (1988), the algorithm of R's ``qnorm``, as ``statistics.NormalDist``
  has it (relative error below 1e-16).
* t_ν⁻¹(p) for a whole ν ≥ 1 and 1e-4 ≤ min(p, 1 − p): ν = 1 and 2 in closed form; ν ≥ 100,000
  by the Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5, four terms: exact to double
  1e-17 there); otherwise Newton's method from that expansion on the tail probability
  Q(t) = (1 − A(t|ν))/2, A(t|ν) = P(|T| ≤ t) by Abramowitz & Stegun 26.7.3–4 (finite sums in
  θ = atan(t/√ν)), which needs no gamma function. Any other ν or p (a fractional ν, a tail
  beyond 1e-4) is scipy's ``stdtrit``, imported then.

Tests check these against scipy.special (``ndtri``, ``stdtrit``) and against mpmath at 50
digits (tests/analysis/test_quantiles.py).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

_LARGE = 3_000
"""ν from which the Cornish–Fisher expansion alone is exact to double precision (module doc)."""
_TAIL = 1e-4
"""The smallest tail min(p, 1 − p) computed here; 1 − A loses digits beyond it."""


def normal_quantile(p: float) -> float:
    """Φ⁻¹(p) for 0 < p < 1 (AS 241, as R's ``qnorm``): ``normal_quantile(0.975) = 1.959964``."""
    return NormalDist().inv_cdf(p)


def logit(p: ArrayLike) -> Array:
    """log(p / (1 − p)), elementwise (scipy.special.logit)."""
    q = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return np.log(q / (1.0 - q))


def expit(x: ArrayLike) -> Array:
    """1 / (1 + e^{−x}), elementwise (scipy.special.expit); 0 and 1 far out, never a warning."""
    value = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-value))


def t_quantile(df: ArrayLike, p: float) -> Array:
    """t_ν⁻¹(p) for every ν of ``df`` (scipy.special.stdtrit(df, p)); ν = ∞ is Φ⁻¹(p)."""
    dof = np.asarray(df, dtype=float)
    tail = min(p, 1.0 - p)
    whole = np.isinf(dof) | ((dof >= 1) & (dof == np.floor(dof)))
    if not (0 < p < 1 and tail >= _TAIL and whole.all()):
        from scipy import special  # the rare case: module doc

        return np.asarray(special.stdtrit(dof, p), dtype=float)
    values, inverse = np.unique(dof, return_inverse=True)
    upper = np.array([_upper_t(v, tail) for v in values.tolist()], dtype=float)
    sign = 1.0 if p > 0.5 else -1.0 if p < 0.5 else 0.0
    return (sign * upper)[inverse].reshape(dof.shape)


@lru_cache(maxsize=4096)  # the intervals ask for the same ν several times
def _upper_t(nu: float, q: float) -> float:
    """t with P(T_ν > t) = q, for 1e-4 ≤ q ≤ 1/2 (module doc)."""
    if q == 0.5:
        return 0.0
    if math.isinf(nu):
        return -normal_quantile(q)
    if nu == 1:
        return 1.0 / math.tan(math.pi * q)  # Cauchy: tan(π(1/2 − q))
    if nu == 2:
        return (1.0 - 2.0 * q) / math.sqrt(2.0 * q * (1.0 - q))
    t = _cornish_fisher(nu, -normal_quantile(q))
    if nu >= _LARGE:
        return t
    a = nu / 2
    log_front = _log_gamma_ratio(a) - 0.5 * math.log(math.pi)  # −ln B(ν/2, 1/2)
    for _ in range(50):
        # Q(t) = I_x(ν/2, 1/2) / 2 with x = ν/(ν + t²); Q'(t) = −f(t), the t density
        log_x, log_1mx = -math.log1p(t * t / nu), 2 * math.log(t) - math.log(nu + t * t)
        front = math.exp(log_front + a * log_x + 0.5 * log_1mx)
        if math.exp(log_x) < (a + 1) / (a + 2.5):
            tail = front * _beta_fraction(a, 0.5, math.exp(log_x)) / a / 2
        else:
            tail = (1 - front * _beta_fraction(0.5, a, -math.expm1(log_x)) / 0.5) / 2
        density = math.exp(log_front + (a + 0.5) * log_x) / math.sqrt(nu)
        step = (tail - q) / density
        t_next = t + step if t + step > 0 else t / 2  # Q is convex for t > 0: never halved
        if abs(step) <= 1e-12 * t:
            return t_next
        t = t_next
    return t


def _log_gamma_ratio(a: float) -> float:
    """ln Γ(a + 1/2) − ln Γ(a) without the cancellation of two large lgammas.

    For a ≥ 20 Stirling's series of both, subtracted term by term (Abramowitz & Stegun 6.1.40):
    ½ ln a + a·ln(1 + 1/(2a)) − ½ + Σ_k B₂ₖ/(2k(2k − 1)) · ((a + ½)^{1−2k} − a^{1−2k}), five
    terms (the sixth is below 1e-17 there); below 20, ``math.lgamma`` (error below 5e-15).
    """
    if a < 20:
        return math.lgamma(a + 0.5) - math.lgamma(a)
    total = 0.5 * math.log(a) + (a * math.log1p(0.5 / a) - 0.5)
    for k, bernoulli in enumerate((1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66), start=1):
        power = 1 - 2 * k
        total += bernoulli / (2 * k * (2 * k - 1)) * ((a + 0.5) ** power - a**power)
    return total


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) by Lentz's method (Numerical Recipes §6.4,
    ``betacf``): I_x(a, b) = x^a (1 − x)^b / (a B(a, b)) × this, for x < (a + 1)/(a + b + 2)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        for numerator in (
            m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            return h
    return h


def _cornish_fisher(nu: float, x: float) -> float:
    """t ≈ x + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴, x the normal quantile (A&S 26.7.5)."""
    x2 = x * x
    g1 = (x2 + 1) * x / 4
    g2 = ((5 * x2 + 16) * x2 + 3) * x / 96
    g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384
    g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x / 92160
    return x + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu
