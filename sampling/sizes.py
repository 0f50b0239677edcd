"""Sample sizes for one unit: Cochran (with design effect, FPC and response rate) and Yamane.

Order of the steps (sipas-methodology.md §5; Cochran 1977 §4.4, §4.6; Kish 1965 §8.2):

1. ``n0 = z²·V / e²`` with ``V = p(1−p)`` (proportion) or ``V = S²`` (mean);
2. ``n' = deff · n0`` — the design effect multiplies n0 *before* the correction;
3. finite population correction (when N is known):
   proportion ``n = n' / (1 + (n' − 1)/N)`` (Cochran §4.4),
   mean ``n = n' / (1 + n'/N)`` (Cochran §4.6, S with divisor N − 1);
4. ``contacts = n / response_rate``;
5. round up (ceil, ignoring float noise below a relative 1e-9), and never invite more than N.

``n`` (rounded up) is the number of *completed answers* needed; ``contacts`` is how many people to
invite. With a response rate below 1 the contacts can exceed N: they are then capped at N (a
census of the unit) and :class:`SizeDetail` says so (``census=True``, fewer expected answers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from sampling._checks import ceil_tolerant, count, open_unit, positive, real
from sampling.said import SaidError, say

__all__ = [
    "DEFAULT_SIZE_PARAMS",
    "MeanSizeParams",
    "SizeDetail",
    "SizeParams",
    "cochran_n0",
    "margin_of_error",
    "margin_of_error_mean",
    "sample_size_mean",
    "sample_size_proportion",
    "size_detail_mean",
    "size_detail_proportion",
    "yamane",
    "z_value",
]


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile ``z = Φ⁻¹(1 − α/2)`` with ``α = 1 − confidence``.

    ``z_value(0.95) = 1.959964`` (any normal table; Cochran 1977 §4.3).
    """
    level = open_unit("confidence", confidence)
    return -NormalDist().inv_cdf((1.0 - level) / 2.0)  # AS 241, as R's qnorm


def _check_common(confidence: float, deff: float, response_rate: float) -> None:
    open_unit("confidence", confidence)
    positive("deff", deff)  # below 1 is legitimate for well-stratified designs (Kish 1965 §8.2)
    rate = real("response_rate", response_rate)
    if not 0.0 < rate <= 1.0:
        raise SaidError(say("response_rate (%(rate)r) must be in (0, 1]", rate=response_rate))


@dataclass(frozen=True)
class SizeParams:
    """Precision wanted for a proportion (e.g. the share of satisfied citizens).

    ``margin`` is the half-width of the confidence interval on the 0–1 scale, in (0, 1).
    ``p`` is the expected proportion, in the open interval (0, 1): at 0 or 1 the Wald variance
    p(1−p) vanishes and the formula would ask for no answers at all; 0.5 is the safe default.
    ``deff`` > 0 (Kish 1965); ``response_rate`` in (0, 1].
    """

    margin: float = 0.05
    confidence: float = 0.95
    p: float = 0.5
    deff: float = 1.0
    response_rate: float = 1.0

    def __post_init__(self) -> None:
        open_unit("margin", self.margin)
        open_unit("p", self.p)
        _check_common(self.confidence, self.deff, self.response_rate)


DEFAULT_SIZE_PARAMS = SizeParams()


@dataclass(frozen=True)
class MeanSizeParams:
    """Precision wanted for a mean: ``margin`` is in the units of the mean (> 0, no upper bound),
    e.g. 0.1 points on a 1–5 satisfaction scale. Other fields as in :class:`SizeParams`."""

    margin: float
    confidence: float = 0.95
    deff: float = 1.0
    response_rate: float = 1.0

    def __post_init__(self) -> None:
        positive("margin", self.margin)
        _check_common(self.confidence, self.deff, self.response_rate)


@dataclass(frozen=True)
class SizeDetail:
    """Every step of a sample-size computation, for display next to the plan.

    ``n0`` z²V/e²; ``n_design`` deff·n0; ``completes_exact`` after the FPC (= n_design without N);
    ``completes`` answers needed (rounded up); ``contacts`` people to invite, ceil(n / response
    rate) capped at N; ``census`` True when that cap bound (then ``expected_completes`` =
    contacts × response rate falls short of ``completes``).
    """

    n0: float
    n_design: float
    completes_exact: float
    completes: int
    contacts: int
    population: int | None
    response_rate: float
    census: bool

    @property
    def expected_completes(self) -> float:
        """Answers expected from ``contacts`` invitations: contacts × response rate."""
        return self.contacts * self.response_rate


def cochran_n0(params: SizeParams) -> float:
    """Cochran's n0 for a proportion, not rounded: ``n0 = z²·p(1−p) / e²`` (Cochran 1977 §4.4).

    p = 0.5, e = 0.05, 95 %: n0 = 1.959964² × 0.25 / 0.0025 = 384.146.
    """
    z = z_value(params.confidence)
    return z * z * params.p * (1.0 - params.p) / (params.margin * params.margin)


def _population(population: int | None) -> int | None:
    return None if population is None else count("population", population)


def _finish(
    n0: float,
    deff: float,
    population: int | None,
    response_rate: float,
    *,
    proportion: bool,
) -> SizeDetail:
    """Steps 2–5 of the module docstring."""
    n_design = deff * n0
    if population is None:
        exact = n_design
    elif population == 0:
        exact = 0.0
    elif proportion:
        exact = n_design / (1.0 + (n_design - 1.0) / population)
    else:
        exact = n_design / (1.0 + n_design / population)
    completes = ceil_tolerant(exact)
    contacts = ceil_tolerant(exact / response_rate)
    census = population is not None and contacts > population
    if population is not None:
        completes = min(completes, population)
        contacts = min(contacts, population)
    return SizeDetail(
        n0=n0,
        n_design=n_design,
        completes_exact=exact,
        completes=completes,
        contacts=contacts,
        population=population,
        response_rate=float(response_rate),
        census=census,
    )


def size_detail_proportion(
    population: int | None, params: SizeParams = DEFAULT_SIZE_PARAMS
) -> SizeDetail:
    """All steps for a proportion: n0 = z²p(1−p)/e², n' = deff·n0,
    n = n' / (1 + (n' − 1)/N) (Cochran 1977 §4.4), contacts = n / response rate, ceil, ≤ N."""
    if not isinstance(params, SizeParams):
        raise ValueError(f"params ({params!r}) must be a SizeParams")
    return _finish(
        cochran_n0(params),
        params.deff,
        _population(population),
        params.response_rate,
        proportion=True,
    )


def sample_size_proportion(population: int | None, params: SizeParams = DEFAULT_SIZE_PARAMS) -> int:
    """People to invite so a proportion is estimated within ±margin (``size_detail_proportion``).

    ``n = deff·n0 / (1 + (deff·n0 − 1)/N) / response_rate``, rounded up, at most N
    (Cochran 1977 §4.4; Kish 1965 for deff). Reference: N = None → 385, N = 1000 → 278.
    """
    return size_detail_proportion(population, params).contacts


def size_detail_mean(population: int | None, sd: float, params: MeanSizeParams) -> SizeDetail:
    """All steps for a mean: n0 = z²S²/e², n' = deff·n0, n = n' / (1 + n'/N)
    (Cochran 1977 §4.6, S the population s.d. with divisor N − 1), then as for proportions."""
    if not isinstance(params, MeanSizeParams):
        raise ValueError(f"params ({params!r}) must be a MeanSizeParams")
    s = positive("sd", sd)
    z = z_value(params.confidence)
    n0 = (z * s / params.margin) ** 2
    return _finish(n0, params.deff, _population(population), params.response_rate, proportion=False)


def sample_size_mean(population: int | None, sd: float, params: MeanSizeParams) -> int:
    """People to invite so a mean is estimated within ±margin (in the units of the mean).

    ``n = deff·n0 / (1 + deff·n0/N) / response_rate`` with ``n0 = z²·sd²/e²``, rounded up, at
    most N (Cochran 1977 §4.6). Example: sd = 1, e = 0.1, 95 % → n0 = 384.146 → 385.
    """
    return size_detail_mean(population, sd, params).contacts


def yamane(population: int, margin: float = 0.05) -> int:
    """Yamane's (1967, *Statistics: An Introductory Analysis*) ``n = N / (1 + N·e²)``, rounded up.

    The older Bộ Nội vụ guidance. Identity: it is the mean-type FPC ``n0 / (1 + n0/N)`` with
    ``n0 = 1/e²`` (z = 2, p = 0.5). Reference: N = 1000, e = 0.05 → 285.7 → 286.
    """
    n_pop = count("population", population)
    e = open_unit("margin", margin)
    return ceil_tolerant(n_pop / (1.0 + n_pop * e * e))


def _check_n(n: int, population: int | None) -> tuple[int, int | None]:
    n_checked = count("n", n)
    n_pop = _population(population)
    if n_pop is not None and n_checked > n_pop:
        raise SaidError(
            say("n (%(n)s) exceeds the population (%(population)s)", n=n, population=population)
        )
    return n_checked, n_pop


def _half_width(z: float, variance: float, n: int, fpc: float) -> float:
    """``z·sqrt(variance/n · fpc)``; inf without answers, 0 for a census (fpc = 0)."""
    if n == 0:
        return math.inf
    return z * math.sqrt(variance / n * fpc)


def margin_of_error(
    n: int,
    population: int | None,
    *,
    p: float = 0.5,
    confidence: float = 0.95,
    deff: float = 1.0,
) -> float:
    """Half-width of the Wald interval for a proportion from n completed answers:

    ``e = z·sqrt(deff·p(1−p)/n · (N − n)/(N − 1))`` (Cochran 1977 §3.4, §4.4; the exact inverse
    of :func:`size_detail_proportion` before rounding). No FPC without N; 0 when n = N (census);
    inf when n = 0. Reference: n = 385, no N → 0.04995.
    """
    n_checked, n_pop = _check_n(n, population)
    share = open_unit("p", p)
    z = z_value(confidence)
    d = positive("deff", deff)
    if n_pop is None or n_checked == 0:
        fpc = 1.0
    elif n_checked == n_pop:
        fpc = 0.0  # census (also avoids 0/0 when N = 1)
    else:
        fpc = (n_pop - n_checked) / (n_pop - 1)
    return _half_width(z, d * share * (1.0 - share), n_checked, fpc)


def margin_of_error_mean(
    n: int,
    population: int | None,
    sd: float,
    *,
    confidence: float = 0.95,
    deff: float = 1.0,
) -> float:
    """Half-width for a mean: ``e = z·sqrt(deff·S²/n · (1 − n/N))`` (Cochran 1977 §2.4, §4.6;
    the exact inverse of :func:`size_detail_mean`). 0 when n = N; inf when n = 0."""
    n_checked, n_pop = _check_n(n, population)
    s = positive("sd", sd)
    z = z_value(confidence)
    d = positive("deff", deff)
    fpc = 1.0 if n_pop is None or n_checked == 0 else 1.0 - n_checked / n_pop
    return _half_width(z, d * s * s, n_checked, fpc)
