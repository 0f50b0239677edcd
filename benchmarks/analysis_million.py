"""Benchmark of the SIPAS analysis: 1,000,000 responses × 19 items × 150 units, against samplics.

Run from the project root::

    .venv/bin/python benchmarks/analysis_million.py [--responses N] [--units H] [--seed S]
                                                     [--samplics-rows M]

It generates SIPAS-like answers (elements of 4, 4, 5, 3, 3 items; a person effect makes one
respondent's items correlated; element V mostly "không áp dụng"; 2 % blanks elsewhere), 150 units
of three types with populations N_h, then

(a) times the full ``analyze_sipas`` (every item, element and SIPAS index of every unit, unit type
    and the province, with SEs, logit intervals and flags; the median of ``--repeat`` runs) and
    its peak memory (tracemalloc, in one more run, so that tracing does not slow the timed ones);
(b) times samplics 0.6 doing the per-unit item indices only: for each of the 19 items,
    ``TaylorEstimator(PopParam.ratio).estimate(y=satisfied, x=valid, samp_weight=w,
    stratum=unit, by=unit, fpc={unit: 1 − n_h/N_h})`` (``by`` is samplics' fast path; its
    ``domain=unit`` gives the same SEs but took 6 s instead of 0.07 s per item on 30,000 rows
    here), on the first ``--samplics-rows`` responses (default: all), extrapolated linearly to
    all responses when that is a subset;
(c) checks that both give the same item SEs on the rows samplics saw, and prints the speed ratio.
"""

from __future__ import annotations

import argparse
import platform
import resource
import shlex
import statistics
import sys
import time
import tracemalloc
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np

from analysis import SipasData, analyze_sipas

ELEMENT_SIZES = (4, 4, 5, 3, 3)


def generate(responses: int, units: int, seed: int) -> SipasData:
    """SIPAS-like answers: unit level p_u ~ U(0.72, 0.98), a person effect, item effects."""
    rng = np.random.default_rng(seed)
    k = sum(ELEMENT_SIZES)
    item_ids = tuple(f"q{15 + j}" for j in range(k))
    elements, start = [], 0
    for e, size in enumerate(ELEMENT_SIZES):
        elements.append((f"E{e + 1}", item_ids[start : start + size]))
        start += size
    codes = np.array([f"U{h:03d}" for h in range(units)])
    share = rng.dirichlet(np.full(units, 8.0))
    sizes = rng.multinomial(responses - 30 * units, share) + 30
    unit = np.repeat(np.arange(units), sizes)
    level = rng.uniform(0.72, 0.98, units)
    logit = np.log(level / (1 - level))[unit][:, None] + rng.normal(0, 0.6, (responses, 1))
    logit = logit + rng.normal(0, 0.3, k)[None, :]
    satisfied = rng.random((responses, k)) < 1 / (1 + np.exp(-logit))
    answers = np.where(
        satisfied, rng.integers(4, 6, (responses, k)), rng.integers(1, 4, (responses, k))
    )
    answers = answers.astype(float)
    answers[rng.random((responses, k)) < 0.02] = np.nan
    answers[:, -3:][rng.random((responses, 3)) < 0.7] = np.nan  # element V: "không áp dụng"
    populations = {
        code: int(n * rng.uniform(1.5, 20)) for code, n in zip(codes, sizes, strict=True)
    }
    types = {code: ("sở", "huyện", "xã")[h % 3] for h, code in enumerate(codes)}
    return SipasData(codes[unit], answers, item_ids, tuple(elements), types, populations, None)


def samplics_item_ratios(data: SipasData, rows: int) -> tuple[float, dict[str, dict[str, float]]]:
    """Seconds for samplics' per-unit ratio of every item on the first ``rows`` responses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "samplics is archived" FutureWarning
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        unit = data.unit_codes[:rows]
        answers = data.answers[:rows]
        codes, n_h = np.unique(unit, return_counts=True)
        populations = data.populations or {}
        weight_of = {c: populations[c] / n for c, n in zip(codes.tolist(), n_h, strict=True)}
        fpc = {c: 1 - n / populations[c] for c, n in zip(codes.tolist(), n_h, strict=True)}
        weights = np.array([weight_of[c] for c in unit.tolist()])
        ses: dict[str, dict[str, float]] = {}
        start = time.perf_counter()
        for j, item in enumerate(data.item_ids):
            valid = (~np.isnan(answers[:, j])).astype(float)
            satisfied = (answers[:, j] >= 4).astype(float)
            estimator = TaylorEstimator(PopParam.ratio)
            estimator.estimate(
                y=satisfied, x=valid, samp_weight=weights, stratum=unit, by=unit, fpc=fpc
            )
            ses[item] = {str(c): float(v) for c, v in estimator.stderror.items()}
        return time.perf_counter() - start, ses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of analyze_sipas")
    parser.add_argument("--samplics-rows", type=int, default=None, help="default: all responses")
    args = parser.parse_args()
    print("$", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"samplics {version('samplics')}, {platform.machine()}"
    )
    start = time.perf_counter()
    data = generate(args.responses, args.units, args.seed)
    print(
        f"data: {len(data.unit_codes):,} responses × {len(data.item_ids)} items, "
        f"{args.units} units (generated in {time.perf_counter() - start:.1f} s)"
    )

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = analyze_sipas(data)
        times.append(time.perf_counter() - start)
    ours = statistics.median(times)
    tracemalloc.start()
    analyze_sipas(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"analyze_sipas (all {len(result.rows):,} rows: items, elements, SIPAS; units, types, "
        f"ALL; SEs, logit CIs): median {ours:.2f} s of {args.repeat} runs (fastest "
        f"{min(times):.2f} s), peak memory {peak / 2**20:.0f} MiB "
        f"(input answers {data.answers.nbytes / 2**20:.0f} MiB)"
    )

    rows = min(args.samplics_rows or len(data.unit_codes), len(data.unit_codes))
    seconds, ses = samplics_item_ratios(data, rows)
    scale = len(data.unit_codes) / rows
    label = "" if rows == len(data.unit_codes) else f" on the first {rows:,} rows"
    print(f"samplics, per-unit item ratios only{label}: {seconds:.2f} s")
    if scale > 1:
        print(f"  extrapolated linearly to all responses: {seconds * scale:.1f} s (× {scale:.1f})")
    subset = data if rows == len(data.unit_codes) else _head(data, rows)
    check = result if subset is data else analyze_sipas(subset)
    worst = max(
        abs(check.row(unit, item).se / 100 - se) / se
        for item, by_unit in ses.items()
        for unit, se in by_unit.items()
        if se > 0
    )
    print(f"item SEs, ours vs samplics: largest relative difference {worst:.1e}")
    print(f"speed ratio (samplics / ours, all responses): {seconds * scale / ours:.0f}×")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # KiB on Linux
    print(f"process peak RSS (data, both analyses, samplics): {rss:.0f} MiB")


def _head(data: SipasData, rows: int) -> SipasData:
    """The first ``rows`` responses (populations kept)."""
    return SipasData(
        data.unit_codes[:rows],
        data.answers[:rows],
        data.item_ids,
        data.elements,
        data.unit_types,
        data.populations,
        None,
    )


if __name__ == "__main__":
    main()
