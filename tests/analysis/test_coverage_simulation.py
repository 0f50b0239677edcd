"""Coverage of the item index's 95 % logit interval in repeated sampling (seeded, vectorised).

Four units with finite populations of completed dossiers N = 200, 600, 2000, 10000. In each,
10 % of the dossiers' holders would answer "không áp dụng" and, of the others, exactly 90 % are
satisfied (4 or 5), so the true item index is 0.9. A sample is an SRS without replacement of 50
dossiers per unit (multivariate hypergeometric counts of satisfied / not satisfied / not
applicable). 1,000 samples are analysed in one call: every (sample, unit) is a stratum of its
own, with its own N and fpc, so each unit-level row is exactly the analysis of one sample of one
unit. (p̂ = 1 happens in about 1 % of samples: the logit interval then falls back to
Korn–Graubard, analysis.intervals.)
"""

from __future__ import annotations

import numpy as np

from analysis import SipasData, analyze_sipas

POPULATIONS = (200, 600, 2000, 10_000)
SAMPLES = 1000
PER_UNIT = 50
TRUE_P = 0.9


def simulated_samples(seed: int) -> SipasData:
    rng = np.random.default_rng(seed)
    codes, answers, populations = [], [], {}
    for u, big_n in enumerate(POPULATIONS):
        # categories: satisfied (answer 5), not satisfied (answer 2), not applicable (NaN)
        colours = [int(0.81 * big_n), int(0.09 * big_n), int(0.10 * big_n)]
        counts = rng.multivariate_hypergeometric(colours, PER_UNIT, size=SAMPLES)
        for s, (sat, unsat, na) in enumerate(counts.tolist()):
            code = f"u{u}-s{s:04d}"
            populations[code] = big_n
            codes += [code] * PER_UNIT
            answers += [5.0] * sat + [2.0] * unsat + [np.nan] * na
    return SipasData(
        unit_codes=np.array(codes),
        answers=np.array(answers)[:, None],
        item_ids=("q1",),
        elements=(("E1", ("q1",)),),
        unit_types={},
        populations=populations,
        groups=None,
    )


def test_logit_intervals_of_the_item_index_cover_the_true_value_93_to_97_percent() -> None:
    result = analyze_sipas(simulated_samples(2024), ci_method="logit", min_n=1)
    rows = [r for r in result.rows if r.key == "q1" and r.unit_code != "ALL"]
    assert len(rows) == SAMPLES * len(POPULATIONS)
    for u, big_n in enumerate(POPULATIONS):
        mine = [r for r in rows if r.unit_code.startswith(f"u{u}-")]
        covered = [
            r.ci_low is not None and r.ci_low <= 100 * TRUE_P <= r.ci_high  # type: ignore[operator]
            for r in mine
        ]
        coverage = float(np.mean(covered))
        assert 0.93 <= coverage <= 0.97, f"N = {big_n}: coverage {coverage:.3f}"
