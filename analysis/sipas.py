"""SIPAS indices of every unit, unit type and the province, with design-based SEs and intervals.

Rules (sipas-methodology.md §3–4; the issue's text):

* item index r_j = Σ w_i y_ij / Σ w_i v_ij, with v_ij = 1 for a valid answer (1–5; "không áp
  dụng" and blanks are NaN, not valid) and y_ij = 1 for an answer of 4 or 5. The valid answers are
  a domain, so r_j is a ratio and its SE is the ratio estimator's (R ``svyratio``).
* ``"mean-of-items"`` (default): element index = mean of its item indices, unit SIPAS = mean of
  its element indices. ``"pooled"``: satisfied answers over valid answers across the element's
  (the unit's: all element items') items, R_e = Σ_i w_i Σ_{j∈e} y_ij / Σ_i w_i Σ_{j∈e} v_ij.
  An item without any valid answer in a scope has no index and is left out of its element's
  mean; an element without any is left out of the SIPAS mean.
* Units are strata: weight w_i = N_h / n_h and fpc N_h with populations (completed dossiers);
  without them weight 1 and no fpc. A unit type and the province are the stratified estimates
  over their units (the same ratios over all their strata), a ``by`` group a domain.

Standard errors by Taylor linearisation over respondents (Binder 1983; Lumley 2010 §2.3, §3.3):
the influence of a ratio is z_i = (y_i − r·v_i)/D̂ with D̂ = Σ w_i v_i, and of any index
θ = Σ_j a_j r_j (an element or SIPAS mean) Σ_j a_j z_ij, so the items one person answers stay
correlated. Its variance is :func:`analysis.design.total_variance` of that influence,

    V(θ̂) = Σ_h (1 − f_h) · n_h/(n_h − 1) · [Σ_{i∈h} (w_i z_i)² − (Σ_{i∈h} w_i z_i)²/n_h],

computed here for all statistics at once from per-stratum sums: with x_i = (y_i1..y_ik,
v_i1..v_ik) every influence is z_i = c'x_i, so Σ_{i∈h} (w_i z_i)² = c'Q_h c and Σ_{i∈h} w_i z_i
= c'T_h with Q_h = Σ_{i∈h} w_i² x_i x_i' and T_h = Σ_{i∈h} w_i x_i (one pass over the answers).
In a ``by`` group the sums run over its members only, n_h stays the unit's sample size.

The weights are constant within a unit (within a unit × cell when post-stratified), so
Σ_{i∈h} w_i z_i² = c'(Σ_c w_hc P_hc)c with P_hc = Σ_{i∈hc} x_i x_i', which gives the design effect
against simple random sampling without replacement (R ``deff = TRUE``) exactly as
:class:`analysis.estimators.Estimate` defines it, and n_eff = n/deff.

Intervals: :func:`analysis.intervals.proportion_ci_arrays` (R ``svyciprop``) with R's effective
size n* = p̂(1 − p̂)/V̂ (the row's n_eff at p̂ = 0 or 1), n = the respondents with a valid answer in
the statistic and df = R's ``degf`` of the subset of those respondents (them minus their strata).
For an element or SIPAS mean the same interval is used on the mean of ratios. Estimates lie in
[0, 1]; where every item counted is exactly 1 (or 0) so is the estimate, and its variance is 0 by
construction (:mod:`analysis.edges`), so an all-satisfied unit's SIPAS gets its items' interval.

Post-stratification (``post_strata``, :class:`PostStrata`): within each unit, the respondents of
cell c (e.g. a service field) get w_i = N_hc / n_hc from the known counts N_hc (completed dossiers
per unit × cell), which sum to N_h. Its variance is R ``postStratify``'s on the design stratified
by unit with post-strata unit:cell (Lumley 2010 §7.2; :func:`analysis.calibration.poststratify`):
the influence values minus their (weighted) mean in each unit × cell, e_i = z_i − z̄_hc, in the
formula above, with the FPC still per unit. In a domain (a ``by`` group) z is 0 outside it and the
mean runs over the whole cell, as R's ``subset`` of a post-stratified design has it. With
x̃_i = x_i − x̄_hc, Σ_{i∈h} w_i x̃_i = 0 and Σ_{i∈h} w_i² x̃_i x̃_i' = Q_h − Σ_c T_hc T_hc'/n_hc,
so it is one more grouped correction of the per-stratum sums (design effects use the raw z).

The lead's ``method`` column: ``"<aggregation>; <ci_method>; fpc"`` with populations,
``"<aggregation>; <ci_method>; no-fpc equal-weights"`` without (also said in ``notes``), followed
by ``"; poststratified(<name>)"`` when post-stratified.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from analysis.edges import Edges, edges_of
from analysis.intervals import proportion_ci_arrays
from analysis.said import Said, SaidError, say

AGGREGATIONS = ("mean-of-items", "pooled")
CI_METHODS = ("logit", "wilson", "korn-graubard")
PROVINCE = "ALL"
OVERALL_KEY = "SIPAS"
SATISFIED_FROM = 4
LEVELS = ("item", "element", "overall")
FLAG_UNRELIABLE = "unreliable"
FLAG_SUPPRESSED = "suppressed"
WEIGHTING_FPC = "fpc"
WEIGHTING_NONE = "no-fpc equal-weights"


@dataclass(frozen=True, eq=False)
class SipasData:
    """The answers of one survey round, one row per respondent.

    ``answers`` (n, k) holds 1..5, NaN for "không áp dụng" or blank (float64, or float32 kept
    as given: 1..5 and NaN are exact in it, and the estimates only compare answers with 4 and
    NaN, so they are the same; a reader of millions of answers halves the matrix);
    ``elements`` lists each element's item ids in order; ``unit_types`` maps unit code → type
    name (aggregates use the name as ``unit_code``); ``populations`` maps unit code → N_h,
    completed dossiers; ``groups`` labels each respondent for a ``by`` analysis.
    ``unit_index`` (sorted distinct unit codes, each row's index into them) is computed from
    ``unit_codes`` once (``np.unique``); a reader that already holds the codes factorised may
    give it, saving the sort of a million strings (it is checked against ``unit_codes``).
    """

    unit_codes: NDArray[np.str_]
    answers: NDArray[np.floating]
    item_ids: tuple[str, ...]
    elements: tuple[tuple[str, tuple[str, ...]], ...]
    unit_types: Mapping[str, str] = field(default_factory=dict)
    populations: Mapping[str, int] | None = None
    groups: NDArray[np.str_] | None = None
    unit_index: tuple[NDArray[np.str_], NDArray[np.intp]] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        codes = np.asarray(self.unit_codes)
        if codes.ndim != 1 or len(codes) == 0:
            raise ValueError(f"unit_codes must be a non-empty 1-D array, got shape {codes.shape}")
        codes = codes.astype(str, copy=False)
        item_ids = tuple(str(i) for i in self.item_ids)
        answers = self.answers
        if not (isinstance(answers, np.ndarray) and answers.dtype in _ANSWER_TYPES):
            try:
                answers = np.asarray(answers, dtype=float)
            except (TypeError, ValueError) as error:
                raise ValueError(f"answers must be numbers 1–5 or NaN: {error}") from None
        if answers.shape != (len(codes), len(item_ids)):
            raise ValueError(
                f"answers has shape {answers.shape}, expected ({len(codes)}, {len(item_ids)}): "
                "one row per unit code, one column per item id"
            )
        if len(set(item_ids)) != len(item_ids) or not item_ids:
            raise ValueError(f"item_ids must be distinct and not empty: {item_ids}")
        found = _first_bad_answer(answers)
        if found is not None:
            row, column = found
            raise SaidError(
                say(
                    "item %(item)r (row %(row)s) has the value %(value)s: answers are 1–5, or "
                    "NaN when not valid",
                    item=item_ids[column],
                    row=row + 1,
                    value=f"{answers[row, column]:g}",
                )
            )
        elements = tuple((str(e), tuple(str(i) for i in items)) for e, items in self.elements)
        _check_elements(elements, item_ids)
        names, inverse = _unit_index(codes, self.unit_index)
        present = set(names.tolist())
        if PROVINCE in present or "" in present:
            raise SaidError(
                say(
                    "%(province)r and '' are not unit codes (ALL is the province)",
                    province=PROVINCE,
                )
            )
        types = {str(k): str(v) for k, v in self.unit_types.items()}
        clash = sorted(({*types.values()} & present) | ({*types.values()} & {PROVINCE}))
        if clash:
            raise SaidError(
                say(
                    "unit type names %(names)s are also unit codes or %(province)r",
                    names=clash,
                    province=PROVINCE,
                )
            )
        populations = None
        if self.populations is not None:
            populations = {str(k): v for k, v in self.populations.items()}
            _check_populations(names, np.bincount(inverse, minlength=len(names)), populations)
        groups = None
        if self.groups is not None:
            groups = np.asarray(self.groups).astype(str, copy=False)
            if groups.shape != codes.shape:
                raise ValueError(f"groups has shape {groups.shape}, expected {codes.shape}")
        object.__setattr__(self, "unit_codes", codes)
        object.__setattr__(self, "answers", answers)
        object.__setattr__(self, "item_ids", item_ids)
        object.__setattr__(self, "elements", elements)
        object.__setattr__(self, "unit_types", types)
        object.__setattr__(self, "populations", populations)
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "unit_index", (names, inverse))


_ANSWER_TYPES = (np.dtype(np.float64), np.dtype(np.float32))
_THREADS = min(4, os.cpu_count() or 1)  # the stratum sums' threads
_TASK_ROWS = 1 << 15  # rows of a cell summed by one task
_BLOCK_CELLS = 1 << 16  # a block's masks stay in the processor's cache


def _first_bad_answer(answers: NDArray[np.floating]) -> tuple[int, int] | None:
    """(row, column) of the first answer that is neither 1..5 nor NaN, in row order; checked a
    block of rows at a time, so the masks stay small however many answers there are.

    Good: ``1 ≤ x ≤ 5`` and ``x = rint(x)``, or ``x ≠ x`` (NaN, for which every comparison is
    false); ±inf fails the range.
    """
    step = max(1, _BLOCK_CELLS // max(answers.shape[1], 1))
    for start in range(0, len(answers), step):
        block = answers[start : start + step]
        bad = ~((block >= 1) & (block <= 5) & (block == np.rint(block))) & (block == block)
        if bad.any():
            row, column = np.argwhere(bad)[0]
            return start + int(row), int(column)
    return None


def _check_elements(elements: tuple[tuple[str, tuple[str, ...]], ...], item_ids: tuple[str, ...]):
    if not elements:
        raise ValueError("elements must list at least one element with its items")
    ids = [e for e, _ in elements]
    if len(set(ids)) != len(ids):
        raise ValueError(f"element ids must be distinct: {ids}")
    reserved = sorted((set(ids) & set(item_ids)) | ({OVERALL_KEY} & {*ids, *item_ids}))
    if reserved:
        raise ValueError(f"{reserved}: element ids, item ids and {OVERALL_KEY!r} must differ")
    seen: dict[str, str] = {}
    for element, items in elements:
        if not items:
            raise ValueError(f"element {element!r} has no items")
        missing = [i for i in items if i not in item_ids]
        if missing:
            raise ValueError(f"element {element!r} names items {missing} not in item_ids")
        for item in items:
            if item in seen:
                raise ValueError(f"item {item!r} is in elements {seen[item]!r} and {element!r}")
            seen[item] = element


def _unit_index(
    codes: NDArray[np.str_], given: tuple[NDArray[np.str_], NDArray[np.intp]] | None
) -> tuple[NDArray[np.str_], NDArray[np.intp]]:
    """(sorted distinct codes, each row's index into them): ``np.unique``'s, or ``given``
    once checked to be exactly that."""
    if given is None:
        names, inverse = np.unique(codes, return_inverse=True)
        return names, inverse.reshape(-1)
    names = np.asarray(given[0]).astype(str, copy=False)
    inverse = np.asarray(given[1])
    if (
        names.ndim != 1
        or inverse.shape != codes.shape
        or not np.issubdtype(inverse.dtype, np.integer)
        or np.any(names[1:] <= names[:-1])
        or inverse.min() < 0
        or inverse.max() >= len(names)
        or not np.all(np.bincount(inverse, minlength=len(names)))
        or not _indexes(names, inverse, codes)
    ):
        raise ValueError("unit_index must be (sorted distinct unit codes, each row's index)")
    return names, inverse.astype(np.intp, copy=False)


def _indexes(names: NDArray[np.str_], inverse: NDArray[np.intp], codes: NDArray[np.str_]) -> bool:
    """``names[inverse] == codes`` everywhere, a block of rows at a time (no second array of a
    million texts is made)."""
    step = _BLOCK_CELLS
    return all(
        np.array_equal(names[inverse[start : start + step]], codes[start : start + step])
        for start in range(0, len(codes), step)
    )


def _check_populations(
    units: NDArray[np.str_], counts: NDArray[np.integer], populations: Mapping[str, int]
) -> None:
    """Every unit with answers needs a population at least its count of answers; one ValueError
    lists every unit that fails (one per line), not only the first."""
    problems: list[Said] = []
    for unit, count in zip(units.tolist(), counts.tolist(), strict=True):
        if unit not in populations:
            problems.append(
                say("unit %(unit)r has answers but no population (completed dossiers)", unit=unit)
            )
            continue
        size = populations[unit]
        if not np.isfinite(size) or size < count:
            problems.append(
                say(
                    "unit %(unit)r: population %(size)s is below its %(count)s answers (N must "
                    "count every completed dossier of the period)",
                    unit=unit,
                    size=size,
                    count=count,
                )
            )
    if problems:
        raise SaidError(*problems)


def _label_array(values: object) -> NDArray[np.str_]:
    """Strings, with None and NaN (a missing cell) as ""."""
    array = np.asarray(values)
    if array.dtype == object:
        array = np.array(
            ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in array]
        )
    return array.astype(str)


@dataclass(frozen=True, eq=False)
class PostStrata:
    """Known population counts per unit × cell, to post-stratify each unit to (module doc).

    ``labels`` (n,): each respondent's cell within its unit, e.g. the service field ("" for a
    missing cell: an error unless the unit has a count for cell ""); ``counts``: (unit code, cell)
    → N_hc, e.g. completed dossiers per service field, adding up to the unit's population;
    ``name``: what the cells are (written into ``method`` as ``poststratified(<name>)``).
    """

    labels: NDArray[np.str_]
    counts: Mapping[tuple[str, str], float]
    name: str = "cell"

    def __post_init__(self) -> None:
        labels = _label_array(self.labels)
        if labels.ndim != 1:
            raise ValueError(f"post-strata labels must be a 1-D array, got shape {labels.shape}")
        counts: dict[tuple[str, str], float] = {}
        for key, value in self.counts.items():
            if not isinstance(key, tuple) or len(key) != 2:
                raise ValueError(f"post-strata counts are keyed by (unit code, cell), not {key!r}")
            unit, cell = str(key[0]), str(key[1])
            try:
                size = float(value)
            except (TypeError, ValueError):
                size = float("nan")
            if not np.isfinite(size) or size < 0:
                raise ValueError(
                    f"unit {unit}, cell {cell!r}: count {value!r} must be a number ≥ 0"
                )
            counts[(unit, cell)] = size
        if not str(self.name):
            raise ValueError("post-strata need a name (what the cells are, e.g. service_field)")
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "name", str(self.name))


@dataclass(frozen=True)
class ResultRow:
    """One index of one unit, unit type or the province (``"ALL"``); percentages 0–100.

    ``n``: valid answers (item) or respondents with at least one valid answer (element, overall).
    ``deff``: against simple random sampling without replacement of n from N̂ (R ``deff = TRUE``,
    as :class:`analysis.estimators.Estimate`); ``n_eff`` = n/deff (Kish's (Σw)²/Σw² where deff is
    undefined, e.g. p̂ = 0 or 1). ``flag``: "" | "unreliable" | "suppressed".
    """

    unit_code: str
    level: str
    key: str
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_eff: float | None
    deff: float | None
    flag: str
    method: str
    group: str | None = None


@dataclass(frozen=True)
class SipasResult:
    """All rows (per group: units, then unit types, then ``"ALL"``; items, elements, SIPAS)."""

    rows: tuple[ResultRow, ...]
    aggregation: str
    ci_method: str
    notes: tuple[str, ...]

    def for_unit(self, code: str, group: str | None = None) -> tuple[ResultRow, ...]:
        """Every row of a unit, unit type or ``"ALL"`` (of one ``by`` group, or overall)."""
        return tuple(r for r in self.rows if r.unit_code == code and r.group == group)

    def overall(self, group: str | None = None) -> dict[str, ResultRow]:
        """unit_code → its SIPAS (overall) row."""
        return {r.unit_code: r for r in self.rows if r.level == "overall" and r.group == group}

    def row(self, code: str, key: str, group: str | None = None) -> ResultRow:
        """The row of one index (item id, element id or ``"SIPAS"``)."""
        for r in self.rows:
            if r.unit_code == code and r.key == key and r.group == group:
                return r
        raise KeyError(f"no row for unit {code!r}, key {key!r}, group {group!r}")


@dataclass(frozen=True)
class _Sums:
    """Per stratum (and group) sufficient statistics; axis 0 is the group (0 = everyone).

    ``totals`` give the estimates and Σ w z; ``variance_totals`` and ``squares`` the variance:
    the same T_h and Q_h without post-strata, those of x̃ = x − x̄_hc with them (module doc).
    """

    totals: NDArray[np.float64]  # (G, H, 2k): T_h = Σ w x
    variance_totals: NDArray[np.float64]  # (G, H, 2k): Σ w x̃
    squares: NDArray[np.float64]  # (G, H, 2k, 2k): Q_h = Σ w² x̃ x̃'
    linear_squares: NDArray[np.float64]  # (G, H, 2k, 2k): Σ w x x'
    counts: NDArray[np.float64]  # (G, H, m): respondents with a valid answer per statistic
    weighted: NDArray[np.float64]  # (G, H, m): their weights' sum
    weighted2: NDArray[np.float64]  # (G, H, m): their squared weights' sum


def _layout(k: int, elements: list[list[int]]) -> NDArray[np.float64]:
    """Counting matrix (k, m): which items a statistic's "valid answer" looks at."""
    m = k + len(elements) + 1
    layout = np.zeros((k, m))
    layout[np.arange(k), np.arange(k)] = 1
    for e, columns in enumerate(elements):
        layout[columns, k + e] = 1
        layout[columns, m - 1] = 1
    return layout


def _blocks(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """x's rows in blocks (b, block, columns), zero rows added at the end, small enough for BLAS
    to multiply each block on one thread.

    A thin product (38 columns, thousands of rows) split over threads stalls whenever another
    process holds a core (measured on the 2-core server: 0.35 s → 3.5 s for the benchmark);
    OpenBLAS keeps m·n·k below 2^18 on one thread.
    """
    rows, columns = x.shape
    block = max(16, (1 << 17) // max(columns * columns, 1))
    padded = np.concatenate([x, np.zeros((-rows % block, columns), dtype=x.dtype)])
    return padded.reshape(-1, block, columns)


def _gram(x: NDArray[np.float32]) -> NDArray[np.float64]:
    """x'x of a 0/1 matrix, summed over :func:`_blocks`: every product and partial sum is a
    whole number below 2^24, so single precision is exact (and twice as fast as double)."""
    blocks = _blocks(x)
    return np.matmul(blocks.transpose(0, 2, 1), blocks).sum(axis=0, dtype=np.float64)


@contextmanager
def _mapper(tasks: int) -> Iterator[Callable[..., Iterator[Any]]]:
    """``map`` over :data:`_THREADS` threads (numpy lets go of the GIL in each task's arrays), in
    order; the built-in ``map`` for one task or one core."""
    threads = min(_THREADS, tasks)
    if threads <= 1:
        yield map
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="sipas-sums") as pool:
        yield pool.map


def _stratum_sums(
    answers: NDArray[np.float64],
    weights: NDArray[np.float64],
    cells: NDArray[np.int64],
    bins: NDArray[np.int64],
    n_bins: int,
    layout: NDArray[np.float64],
    progress: Callable[[int, int], None] | None,
    steps: int,
) -> tuple[NDArray[np.float64], ...]:
    """Per cell (post-stratum × group, weight ``weights[cell]``): T = Σ w x and the counts; per
    bin (stratum × group, ``bins[cell]``): Q = Σ w² x x' and Σ w x x'. A cell's rows are summed
    :data:`_TASK_ROWS` at a time, on :data:`_THREADS` threads; the sums are added in cell order.
    """
    k = answers.shape[1]
    n_cells = len(weights)
    totals = np.zeros((n_cells, 2 * k))
    squares = np.zeros((n_bins, 2 * k, 2 * k))
    linear = np.zeros((n_bins, 2 * k, 2 * k))
    counts = np.zeros((n_cells, layout.shape[1]))
    order = np.argsort(cells, kind="stable")
    sizes = np.bincount(cells, minlength=n_cells)
    ends = np.cumsum(sizes)
    present = np.flatnonzero(sizes)
    looks = layout.astype(np.float32)
    pieces = [range(ends[c] - sizes[c], ends[c], _TASK_ROWS) for c in present.tolist()]
    tasks = [order[a : min(a + _TASK_ROWS, piece.stop)] for piece in pieces for a in piece]

    def sums(rows: NDArray[np.intp]) -> tuple[NDArray[np.float64], NDArray[np.float64], Any]:
        block = answers[rows]
        x = np.empty((len(rows), 2 * k), dtype=np.float32)  # [satisfied | valid], 0 or 1
        np.greater_equal(block, SATISFIED_FROM, out=x[:, :k])
        np.equal(block, block, out=x[:, k:])  # valid: NaN is the one value unequal to itself
        seen = np.matmul(_blocks(x[:, k:]), looks) > 0  # any valid answer the statistic counts
        return x.sum(axis=0, dtype=np.float64), _gram(x), seen.sum(axis=(0, 1))

    with _mapper(len(tasks)) as mapped:
        parts = mapped(sums, tasks)
        for done, (cell, piece) in enumerate(zip(present, pieces, strict=True)):
            # a cell's pieces add up exactly: whole numbers of 0/1 products
            total, gram, seen = next(parts)
            for _ in range(len(piece) - 1):
                more = next(parts)
                total, gram, seen = total + more[0], gram + more[1], seen + more[2]
            w = weights[cell]
            totals[cell] = w * total
            squares[bins[cell]] += (w * w) * gram
            linear[bins[cell]] += w * gram
            counts[cell] = seen
            if progress is not None:
                progress(done + 1, steps)
    return totals, squares, linear, counts


def _coefficients(
    totals: NDArray[np.float64], elements: list[list[int]], aggregation: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], Edges]:
    """Estimates θ (S, m), influence coefficients c (S, 2k, m) from scope totals (S, 2k), and
    which estimates sit exactly on an edge (:mod:`analysis.edges`).

    Items: θ_j = r_j, z = (y_j − r_j v_j)/D_j. Mean-of-items: θ = Σ_j a_j r_j with z = Σ_j a_j z_j.
    Pooled: θ_e = Σ_{j∈e} T_yj / Σ_{j∈e} T_vj, z = Σ_{j∈e} (y_j − θ_e v_j)/D_e.
    """
    k = totals.shape[1] // 2
    n_el = len(elements)
    m = k + n_el + 1
    scopes = totals.shape[0]
    sat, val = totals[:, :k], totals[:, k:]
    defined = val > 0
    den = np.where(defined, val, 1.0)
    ratio = np.where(defined, sat / den, 0.0)
    membership = np.zeros((k, n_el + 1))  # item → element (and the last column: SIPAS)
    for e, columns in enumerate(elements):
        membership[columns, e] = 1
        membership[columns, n_el] = 1
    coef_y = np.zeros((scopes, k, m))
    coef_v = np.zeros((scopes, k, m))
    estimate = np.full((scopes, m), np.nan)
    items = np.arange(k)
    coef_y[:, items, items] = defined / den
    coef_v[:, items, items] = -ratio * defined / den
    estimate[:, :k] = np.where(defined, ratio, np.nan)
    if aggregation == "pooled":
        sat_e, val_e = sat @ membership, val @ membership
        has = val_e > 0
        den_e = np.where(has, val_e, 1.0)
        pooled = np.where(has, sat_e / den_e, 0.0)
        coef_y[:, :, k:] = membership[None] * (has / den_e)[:, None, :]
        coef_v[:, :, k:] = -membership[None] * (pooled * has / den_e)[:, None, :]
        estimate[:, k:] = np.where(has, pooled, np.nan)
        counted = np.concatenate(
            [
                np.broadcast_to(np.eye(k, dtype=bool), (scopes, k, k)),
                (membership > 0)[None] & defined[:, :, None],
            ],
            axis=2,
        )
        edges = edges_of(ratio, defined, counted, pooled=True)
        return _snapped(estimate, edges), np.concatenate([coef_y, coef_v], axis=1), edges
    element_member = membership[:, :n_el]
    n_def = defined.astype(float) @ element_member  # (S, E) items with an index
    has_e = n_def > 0
    # a[s, j, e] = 1/n_def[s, e] for the defined items j of element e
    mean_a = defined[:, :, None] * element_member[None] / np.where(has_e, n_def, 1.0)[:, None, :]
    n_el_def = has_e.sum(axis=1)
    overall_a = (mean_a * has_e[:, None, :]).sum(axis=2) / np.maximum(n_el_def, 1)[:, None]
    a = np.concatenate([mean_a, overall_a[:, :, None]], axis=2)  # (S, k, E + 1)
    coef_y[:, :, k:] = a / den[:, :, None]
    coef_v[:, :, k:] = -a * (ratio / den)[:, :, None]
    has = np.concatenate([has_e, (n_el_def > 0)[:, None]], axis=1)
    estimate[:, k:] = np.where(has, np.einsum("sja,sj->sa", a, ratio), np.nan)
    counted = np.concatenate(
        [np.broadcast_to(np.eye(k, dtype=bool), (scopes, k, k)), a > 0], axis=2
    )
    edges = edges_of(ratio, defined, counted, pooled=False)
    return _snapped(estimate, edges), np.concatenate([coef_y, coef_v], axis=1), edges


def _snapped(estimate: NDArray[np.float64], edges: Edges) -> NDArray[np.float64]:
    """Estimates in [0, 1], exactly 1 or 0 where every item counted is (:mod:`analysis.edges`)."""
    snapped = np.where(edges.ones, 1.0, np.where(edges.zeros, 0.0, estimate))
    return np.where(np.isnan(snapped), np.nan, np.clip(snapped, 0.0, 1.0))


def _without_noise(moments: _Moments, exact: NDArray[np.bool_]) -> _Moments:
    """Moments set to exactly 0 where the variance is 0 by construction (``analysis.edges``)."""
    return _Moments(
        np.where(exact, 0.0, moments.variance),
        np.where(exact, 0.0, moments.sum_wz),
        np.where(exact, 0.0, moments.sum_wz2),
    )


@dataclass(frozen=True)
class _Moments:
    """Per scope and statistic (S, m): V̂ and the sums of w z and w z² over the respondents."""

    variance: NDArray[np.float64]
    sum_wz: NDArray[np.float64]
    sum_wz2: NDArray[np.float64]


def _quadratic(coef: NDArray[np.float64], squares: NDArray[np.float64]) -> NDArray[np.float64]:
    """c_s'A_s c_s per scope s and statistic (coef (S, 2k, m), squares (S, 2k, 2k))."""
    return np.einsum("sam,sam->sm", coef, squares @ coef)


def _unit_moments(
    coef: NDArray[np.float64],
    sums: _Sums,
    g: int,
    n_h: NDArray[np.float64],
    scale: NDArray[np.float64],
) -> _Moments:
    """Each unit's statistics: V = s_h [c_h'Q_h c_h − (c_h'T̃_h)²/n_h], Σ w z² = c'(Σ w x x')c."""
    quadratic = _quadratic(coef, sums.squares[g])
    between = np.einsum("ham,ha->hm", coef, sums.variance_totals[g]) ** 2 / n_h[:, None]
    variance = np.maximum(scale[:, None] * (quadratic - between), 0.0)
    linear = np.einsum("ham,ha->hm", coef, sums.totals[g])
    return _Moments(variance, linear, _quadratic(coef, sums.linear_squares[g]))


def _aggregate_moments(
    coef: NDArray[np.float64],
    members: NDArray[np.float64],
    sums: _Sums,
    g: int,
    n_h: NDArray[np.float64],
    scale: NDArray[np.float64],
) -> _Moments:
    """Aggregates over strata: V = Σ_h M_ah s_h [c_a'Q_h c_a − (c_a'T̃_h)²/n_h]."""
    weight = members * scale[None, :]
    quadratic = _quadratic(coef, np.einsum("sh,hab->sab", weight, sums.squares[g]))
    projected = np.einsum("sam,ha->shm", coef, sums.variance_totals[g])
    between = np.einsum("sh,shm->sm", weight / n_h[None, :], projected**2)
    variance = np.maximum(quadratic - between, 0.0)
    linear = np.einsum("sh,sam,ha->sm", members, coef, sums.totals[g])
    spread = _quadratic(coef, np.einsum("sh,hab->sab", members, sums.linear_squares[g]))
    return _Moments(variance, linear, spread)


@dataclass(frozen=True)
class _Group:
    """Estimates of one group (or everyone) for every scope (units, then aggregates): (S, m)."""

    estimate: NDArray[np.float64]  # 0–1 scale
    moments: _Moments
    exact: NDArray[np.bool_]  # variance 0 by construction (analysis.edges)
    counts: NDArray[np.float64]  # respondents with a valid answer in the statistic
    weighted: NDArray[np.float64]  # N̂: their weights' sum
    weighted2: NDArray[np.float64]  # their squared weights' sum
    df: NDArray[np.float64]  # respondents minus strata among them (R degf)


def _estimate_group(
    sums: _Sums,
    g: int,
    members: NDArray[np.float64],
    n_h: NDArray[np.float64],
    scale: NDArray[np.float64],
    elements: list[list[int]],
    aggregation: str,
) -> _Group:
    """Every statistic of every unit (diagonal, fast) and aggregate (``members`` (A, H))."""
    totals, counts = sums.totals[g], sums.counts[g]
    unit_estimate, unit_coef, unit_edges = _coefficients(totals, elements, aggregation)
    unit = _without_noise(_unit_moments(unit_coef, sums, g, n_h, scale), unit_edges.exact)
    agg_estimate, agg_coef, agg_edges = _coefficients(members @ totals, elements, aggregation)
    agg = _without_noise(
        _aggregate_moments(agg_coef, members, sums, g, n_h, scale), agg_edges.exact
    )

    def per_scope(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.concatenate([values, members @ values])  # units, then aggregates

    all_counts = per_scope(counts)
    return _Group(
        np.concatenate([unit_estimate, agg_estimate]),
        _Moments(
            np.concatenate([unit.variance, agg.variance]),
            np.concatenate([unit.sum_wz, agg.sum_wz]),
            np.concatenate([unit.sum_wz2, agg.sum_wz2]),
        ),
        np.concatenate([unit_edges.exact, agg_edges.exact]),
        all_counts,
        per_scope(sums.weighted[g]),
        per_scope(sums.weighted2[g]),
        all_counts - per_scope((counts > 0).astype(float)),
    )


def _design_effects(group: _Group) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """deff and n_eff as :class:`analysis.estimators.Estimate` has them (R ``deff = TRUE``).

    deff = V̂ / V_srs, V_srs = N̂² s²_z (1 − n/N̂)/n, s²_z = n/(n − 1) Σ w (z − z̄_w)²/N̂ over the
    n respondents with a valid answer (without the factor (1 − n/N̂) when N̂ ≤ n); n_eff = n/deff,
    or Kish's (Σ w)²/Σ w² where deff is not a positive number (p̂ = 0 or 1, n < 2).
    """
    n, big_n = group.counts, group.weighted
    moments = group.moments
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = moments.sum_wz2 - moments.sum_wz**2 / big_n
        s2 = n / (n - 1) * np.maximum(spread, 0.0) / big_n
        fraction = np.where(big_n > n, 1 - n / big_n, 1.0)
        srs = np.where(n >= 2, big_n**2 * s2 * fraction / n, np.nan)
        deff = moments.variance / srs
        kish = big_n**2 / group.weighted2
        n_eff = np.where(np.isfinite(deff) & (deff > 0), n / deff, kish)
    return np.where(np.isfinite(deff), deff, np.nan), n_eff


@dataclass(frozen=True)
class _Cells:
    """Weighting cells: the units themselves, or each unit's post-strata (unit × cell)."""

    codes: NDArray[np.int64]  # (n,): each respondent's cell
    unit: NDArray[np.int64]  # (P,): each cell's unit
    weights: NDArray[np.float64]  # (P,): N_h/n_h, or N_hc/n_hc when post-stratified
    fraction: NDArray[np.float64]  # (H,): n_h/N_h, 0 without populations
    weighting: str
    notes: list[str]
    residualise: bool = False


def _weighting(
    data: SipasData, units: list[str], stratum: NDArray[np.int64], n_h: NDArray[np.float64]
) -> _Cells:
    """Weights N_h/n_h and sampling fractions n_h/N_h per unit (1 and 0 without populations)."""
    cells = np.arange(len(units))
    if data.populations is None:
        note = say(
            "populations not given: no finite population correction, weight 1 per respondent; "
            "unit types and the province weight units by their numbers of respondents"
        )
        ones, zeros = np.ones(len(units)), np.zeros(len(units))
        return _Cells(stratum, cells, ones, zeros, WEIGHTING_NONE, [note])
    big_n = np.array([float(data.populations[u]) for u in units])
    absent = sorted(set(data.populations) - set(units))
    notes = [_unanswered(absent)] if absent else []
    return _Cells(stratum, cells, big_n / n_h, n_h / big_n, WEIGHTING_FPC, notes)


def _unanswered(units: list[str]) -> Said:
    """The note on units that have a population but no answers."""
    return say("units with a population but no answers (not estimated): %(units)s", units=units)


def _rows_text(rows: NDArray[np.int64]) -> str:
    shown = ", ".join(str(r + 1) for r in rows[:10].tolist())
    return (
        say("%(rows)s … (%(count)s in all)", rows=shown, count=len(rows))
        if len(rows) > 10
        else shown
    )


def _poststratification(
    data: SipasData,
    post: PostStrata,
    units: list[str],
    stratum: NDArray[np.int64],
    n_h: NDArray[np.float64],
) -> _Cells:
    """Cells unit × label with weights N_hc/n_hc, checked against the counts (module doc)."""
    n, name = len(stratum), post.name
    if post.labels.shape != (n,):
        raise ValueError(
            f"post-strata labels have shape {post.labels.shape}, expected ({n},): "
            "one cell per respondent"
        )
    names, label_code = np.unique(post.labels, return_inverse=True)
    pair = stratum.astype(np.int64) * len(names) + label_code.reshape(-1)
    per_pair = np.bincount(pair, minlength=len(units) * len(names))
    pairs = np.flatnonzero(per_pair)  # unit × label pairs with respondents, in order
    sizes = per_pair[pairs]
    number = np.zeros(len(per_pair), dtype=np.int64)
    number[pairs] = np.arange(len(pairs))
    codes = number[pair]
    cell_unit, cell_name = pairs // len(names), names[pairs % len(names)].tolist()
    problems: list[Said] = []
    targets = np.ones(len(pairs))
    for p, (h, cell, size) in enumerate(
        zip(cell_unit.tolist(), cell_name, sizes.tolist(), strict=True)
    ):
        count = post.counts.get((units[h], cell))
        if count is not None and count > 0:
            targets[p] = count
            continue
        rows = _rows_text(np.flatnonzero(codes == p))
        if count is None and cell == "":
            problems.append(
                say(
                    "unit %(unit)s: %(size)s respondent(s) without a %(name)s (rows %(rows)s): "
                    "give their %(name)s, or a count for cell ''",
                    unit=units[h],
                    size=size,
                    name=name,
                    rows=rows,
                )
            )
        elif count is None:
            problems.append(
                say(
                    "unit %(unit)s, cell %(cell)r: %(size)s respondent(s) (rows %(rows)s) but no "
                    "known count: add its count or correct their %(name)s",
                    unit=units[h],
                    cell=cell,
                    size=size,
                    rows=rows,
                    name=name,
                )
            )
        else:
            problems.append(
                say(
                    "unit %(unit)s, cell %(cell)r: %(size)s respondent(s) but a count of 0",
                    unit=units[h],
                    cell=cell,
                    size=size,
                )
            )
    index = {u: h for h, u in enumerate(units)}
    present = set(zip(cell_unit.tolist(), cell_name, strict=True))
    totals = np.zeros(len(units))
    for (unit, cell), count in post.counts.items():
        if unit not in index:
            continue
        totals[index[unit]] += count
        if count > 0 and (index[unit], cell) not in present:
            problems.append(
                say(
                    "unit %(unit)s, cell %(cell)r: %(count)s dossiers but no respondent: merge it "
                    "with another cell",
                    unit=unit,
                    cell=cell,
                    count=f"{count:g}",
                )
            )
    notes = [
        say(
            "post-stratified to the counts per %(name)s within each unit: weight N_hc/n_hc; SEs "
            "use the influence values minus their mean in each unit × %(name)s (R postStratify)",
            name=name,
        )
    ]
    if data.populations is not None:
        big_n = np.array([float(data.populations[u]) for u in units])
        for h in np.flatnonzero(np.abs(totals - big_n) > 0.5).tolist():
            problems.append(
                say(
                    "unit %(unit)s: its %(name)s counts add up to %(total)s, not to its "
                    "population %(population)s (completed dossiers)",
                    unit=units[h],
                    name=name,
                    total=f"{totals[h]:g}",
                    population=f"{big_n[h]:g}",
                )
            )
        absent = sorted(set(data.populations) - set(units))
        if absent:
            notes.append(_unanswered(absent))
    else:
        big_n = totals
        for h in np.flatnonzero(totals < n_h).tolist():
            problems.append(
                say(
                    "unit %(unit)s: its %(name)s counts add up to %(total)s, below its "
                    "%(answers)s answers",
                    unit=units[h],
                    name=name,
                    total=f"{totals[h]:g}",
                    answers=f"{n_h[h]:g}",
                )
            )
        notes.append(
            say(
                "populations not given: each unit's population is the sum of its %(name)s counts",
                name=name,
            )
        )
    if problems:
        raise SaidError(
            *(
                say("post-stratification by %(name)s: %(problem)s", name=name, problem=problem)
                for problem in problems
            )
        )
    unanswered = sorted({u for u, _ in post.counts} - set(units))
    if unanswered:
        notes.append(
            say(
                "units with %(name)s counts but no answers (not estimated): %(units)s",
                name=name,
                units=unanswered,
            )
        )
    light = [
        f"{units[h]}/{c}"
        for h, c, t, m in zip(cell_unit.tolist(), cell_name, targets, sizes, strict=True)
        if t < m
    ]
    if light:
        notes.append(
            say(
                "cells with fewer dossiers than respondents (weight below 1): %(cells)s",
                cells=light,
            )
        )
    weights = targets / sizes
    return _Cells(codes, cell_unit, weights, n_h / big_n, WEIGHTING_FPC, notes, residualise=True)


def _accumulate(
    data: SipasData,
    cells: _Cells,
    n_units: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[_Sums, list[str], int]:
    """Sums per unit, for everyone (index 0) and each ``by`` group (1..G); the progress steps.

    The rows are summed per weighting cell × group; the cells' totals are then added up per
    unit, and with post-strata Σ_c T_hc T_hc'/n_hc is taken off Q_h (module doc).
    """
    if data.groups is not None:
        labels, group = np.unique(data.groups, return_inverse=True)
        group = group.reshape(-1)
    else:
        labels, group = np.array([], dtype=str), np.zeros(len(cells.codes), dtype=np.int64)
    n_groups = max(len(labels), 1)
    n_cells = len(cells.unit)
    index = {item: j for j, item in enumerate(data.item_ids)}
    layout = _layout(len(index), [[index[i] for i in items] for _, items in data.elements])
    fine = cells.codes * n_groups + group
    bins = (cells.unit[:, None] * n_groups + np.arange(n_groups)[None, :]).reshape(-1)
    steps = np.count_nonzero(np.bincount(fine)) + 1
    t, q, lq, c = _stratum_sums(
        data.answers,
        np.repeat(cells.weights, n_groups),
        fine,
        bins,
        n_units * n_groups,
        layout,
        progress,
        steps,
    )
    t, c = (a.reshape(n_cells, n_groups, -1) for a in (t, c))
    q, lq = (a.reshape(n_units, n_groups, *a.shape[1:]) for a in (q, lq))
    if data.groups is not None:  # everyone first
        t, c, q, lq = (
            np.concatenate([a.sum(axis=1, keepdims=True), a], axis=1) for a in (t, c, q, lq)
        )
    member = np.zeros((n_units, n_cells))
    member[cells.unit, np.arange(n_cells)] = 1.0

    def per_unit(a: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.tensordot(member, a, axes=(1, 0)).swapaxes(0, 1)  # (P, G, …) → (G, H, …)

    totals = per_unit(t)
    squares = q.swapaxes(0, 1)
    variance_totals = totals
    if cells.residualise:
        sizes = np.bincount(cells.codes, minlength=n_cells).astype(float)
        squares = squares - per_unit(np.einsum("pga,pgb->pgab", t, t) / sizes[:, None, None, None])
        variance_totals = np.zeros_like(totals)
    w = cells.weights[:, None, None]
    sums = _Sums(
        totals,
        variance_totals,
        squares,
        lq.swapaxes(0, 1),
        per_unit(c),
        per_unit(c * w),
        per_unit(c * w**2),
    )
    return sums, labels.tolist(), steps


@dataclass(frozen=True)
class _Options:
    """What turns estimates into rows: the interval, the flags and the ``method`` text."""

    method: str
    ci_method: str
    confidence: float
    min_n: int
    reliable_n: int
    max_cv: float


def _rows(
    scopes: list[str],
    keys: list[str],
    levels: list[str],
    result: _Group,
    group: str | None,
    options: _Options,
) -> list[ResultRow]:
    """Result rows of one group from (S, m) arrays on the 0–1 scale: n_eff, deff, CI, flags.

    The interval's effective size is R ``svyciprop``'s n* = p̂(1 − p̂)/V̂ where 0 < p̂ < 1 and
    V̂ > 0, the row's n_eff otherwise (as :func:`analysis.intervals.proportion_ci`).
    """
    estimate, counts, df = result.estimate, result.counts, result.df
    variance = result.moments.variance
    se = np.sqrt(variance)
    deff, n_eff = _design_effects(result)
    shown = ~np.isnan(estimate) & (counts >= max(options.min_n, 1))
    p = np.where(shown, estimate, 0.5)
    inside = (p > 0) & (p < 1) & (variance > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(inside, p * (1 - p) / variance, n_eff)
        size = np.where(np.isfinite(size) & (size > 0), size, np.maximum(counts, 1))
        cv = np.where(p > 0, se / np.where(p > 0, p, 1.0), np.where(se > 0, np.inf, 0.0))
    low, high = np.full_like(p, np.nan), np.full_like(p, np.nan)
    # a mean of unanimous items that disagree: variance 0 by construction, not a census
    # (analysis.edges): Korn–Graubard with the row's n_eff, as items get at p̂ = 0 or 1
    split = shown & result.exact & (p > 0) & (p < 1)
    for chosen, method, census in (
        (shown & ~split, options.ci_method, None),
        (split, "korn-graubard", False),
    ):
        if chosen.any():
            low[chosen], high[chosen] = proportion_ci_arrays(
                p[chosen],
                se[chosen],
                size[chosen],
                df[chosen],
                method,
                options.confidence,
                n=counts[chosen],
                census=census,
            )
    unreliable = (counts < options.reliable_n) | (cv > options.max_cv)

    def cells(values: NDArray[np.float64], scale: float = 1.0) -> list[list[float | None]]:
        """The values (× ``scale``) as Python floats, None where not shown or NaN."""
        kept = np.where(shown & ~np.isnan(values), values * scale, np.nan)  # × 1.0 is exact
        return [[None if v != v else v for v in row] for row in kept.tolist()]

    columns = {
        "estimate": cells(p, 100.0),
        "se": cells(se, 100.0),
        "ci_low": cells(low, 100.0),
        "ci_high": cells(high, 100.0),
        "n_eff": cells(n_eff),
        "deff": cells(deff),
    }
    flags = np.where(shown, np.where(unreliable, FLAG_UNRELIABLE, ""), FLAG_SUPPRESSED).tolist()
    whole = counts.astype(np.int64).tolist()
    rows = []
    for s, scope in enumerate(scopes):
        for j, key in enumerate(keys):
            rows.append(
                ResultRow(
                    unit_code=scope,
                    level=levels[j],
                    key=key,
                    **{name: values[s][j] for name, values in columns.items()},
                    n=whole[s][j],
                    flag=flags[s][j],
                    method=options.method,
                    group=group,
                )
            )
    return rows


def analyze_sipas(
    data: SipasData,
    *,
    ci_method: str = "logit",
    aggregation: str = "mean-of-items",
    confidence: float = 0.95,
    min_n: int = 5,
    reliable_n: int = 30,
    max_cv: float = 0.2,
    progress: Callable[[int, int], None] | None = None,
    post_strata: PostStrata | None = None,
) -> SipasResult:
    """Every item, element and SIPAS index of every unit, unit type and ``"ALL"`` (see module).

    Flags: "suppressed" when n < ``min_n`` (estimate, se and interval left empty); otherwise
    "unreliable" when n < ``reliable_n`` or cv = se/estimate > ``max_cv``. ``progress(done,
    total)`` is called as blocks of answers are summed. ``post_strata``: post-stratify each unit
    to known counts per cell (:class:`PostStrata`; without populations, a unit's population is
    the sum of its cells' counts); a :class:`ValueError` names the unit and cell whose counts do
    not fit the answers.
    """
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method ({ci_method!r}) must be one of {', '.join(CI_METHODS)}")
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation ({aggregation!r}) must be one of {', '.join(AGGREGATIONS)}")
    if not 0 < confidence < 1:
        raise SaidError(say("confidence (%(confidence)s) must be in (0, 1)", confidence=confidence))
    if min_n < 0 or reliable_n < 0 or not max_cv > 0:
        raise SaidError(
            say(
                "min_n (%(min_n)s), reliable_n (%(reliable_n)s) ≥ 0 and max_cv (%(max_cv)s) > 0",
                min_n=min_n,
                reliable_n=reliable_n,
                max_cv=max_cv,
            )
        )
    index = {item: j for j, item in enumerate(data.item_ids)}
    elements = [[index[i] for i in items] for _, items in data.elements]
    k = len(data.item_ids)
    units, stratum = data.unit_index or _unit_index(data.unit_codes, None)  # set by SipasData
    n_units = len(units)
    n_h = np.bincount(stratum, minlength=n_units).astype(float)
    notes = [
        say(
            "confidence %(confidence)s%%; unreliable: n < %(reliable_n)s or se/estimate > "
            "%(max_cv)s%%; suppressed: n < %(min_n)s",
            confidence=f"{confidence * 100:.0f}",
            reliable_n=reliable_n,
            max_cv=f"{max_cv * 100:.0f}",
            min_n=min_n,
        )
    ]
    if post_strata is None:
        cells = _weighting(data, units.tolist(), stratum, n_h)
    else:
        cells = _poststratification(data, post_strata, units.tolist(), stratum, n_h)
    notes.extend(cells.notes)
    fraction = cells.fraction
    scale = np.divide((1 - fraction) * n_h, n_h - 1, out=np.zeros(n_units), where=n_h > 1)

    sums, labels, steps = _accumulate(data, cells, n_units, progress)
    type_names = sorted({data.unit_types[u] for u in units.tolist() if u in data.unit_types})
    members = np.array(
        [[data.unit_types.get(u) == name for u in units.tolist()] for name in type_names]
        + [[True] * n_units]
    ).astype(float)
    scope_names = [*units.tolist(), *type_names, PROVINCE]
    method = f"{aggregation}; {ci_method}; {cells.weighting}"
    if post_strata is not None:
        method += f"; poststratified({post_strata.name})"
    options = _Options(method, ci_method, confidence, min_n, reliable_n, max_cv)
    keys = [*data.item_ids, *(e for e, _ in data.elements), OVERALL_KEY]
    levels = [LEVELS[0]] * k + [LEVELS[1]] * len(elements) + [LEVELS[2]]
    group_names: list[str | None] = [None, *labels]
    rows: list[ResultRow] = []
    undefined = 0
    for g, group_name in enumerate(group_names[: sums.totals.shape[0]]):
        result = _estimate_group(sums, g, members, n_h, scale, elements, aggregation)
        undefined += int(np.isnan(result.estimate[:, :k]).sum())
        rows.extend(_rows(scope_names, keys, levels, result, group_name, options))
    if aggregation == "mean-of-items" and undefined:
        notes.append(
            say(
                "some items have no valid answer in a unit or group: an element's index is the "
                "mean of its items that have one, the SIPAS index the mean of elements that have "
                "one"
            )
        )
    if progress is not None:
        progress(steps, steps)
    return SipasResult(tuple(rows), aggregation, ci_method, tuple(notes))
