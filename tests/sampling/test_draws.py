"""Draws of dossiers: reproducible, independent per unit, sizes honoured, reserves, errors."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from sampling import Draw, draw_sample
from sampling.draws import _systematic

FRAME = {
    "UBND-A": [f"A-{i:04d}" for i in range(200)],
    "UBND-B": [f"B-{i:04d}" for i in range(57)],
    "SO-TP": [f"T-{i:04d}" for i in range(10)],
}
SIZES = {"UBND-A": 30, "UBND-B": 12, "SO-TP": 10}


@pytest.mark.parametrize("method", ["srs", "systematic"])
def test_same_seed_same_sample_other_seed_other_sample(method: str) -> None:
    first = draw_sample(FRAME, SIZES, seed=2024, method=method)
    assert first == draw_sample(FRAME, SIZES, seed=2024, method=method)
    other = draw_sample(FRAME, SIZES, seed=2025, method=method)
    assert [d.selected for d in first if d.unit_code != "SO-TP"] != [
        d.selected for d in other if d.unit_code != "SO-TP"
    ]  # SO-TP is a census (10 of 10): the same whatever the seed


@pytest.mark.parametrize("method", ["srs", "systematic"])
@pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 1.0])
def test_sizes_honoured_reserves_disjoint_and_counted(method: str, ratio: float) -> None:
    for draw in draw_sample(FRAME, SIZES, seed=7, method=method, reserve_ratio=ratio):
        frame = FRAME[draw.unit_code]
        n = SIZES[draw.unit_code]
        assert len(draw.selected) == len(set(draw.selected)) == n
        assert set(draw.selected) <= set(frame)
        assert not set(draw.selected) & set(draw.reserves)
        assert set(draw.reserves) <= set(frame)
        # ceil(ratio × n) — 0.2 × 30 is 6.000000000000001 in floating point, and means 6 —
        # but never more dossiers than are left.
        assert len(draw.reserves) == min(math.ceil(round(ratio * n, 9)), len(frame) - n)


def test_reserve_ratio_only_lengthens_the_reserve_list() -> None:
    short = draw_sample(FRAME, SIZES, seed=11, reserve_ratio=0.2)
    long = draw_sample(FRAME, SIZES, seed=11, reserve_ratio=1.0)
    for a, b in zip(short, long, strict=True):
        assert a.selected == b.selected
        assert b.reserves[: len(a.reserves)] == a.reserves  # the same order, extended


def test_results_are_sorted_by_unit_and_drawn_only_for_sized_units() -> None:
    draws = draw_sample(FRAME, {"UBND-B": 3, "SO-TP": 0}, seed=1)
    assert [d.unit_code for d in draws] == ["SO-TP", "UBND-B"]
    assert draws[0] == Draw("SO-TP", (), ())


def test_srs_draw_ignores_the_order_of_the_frame_and_of_the_units() -> None:
    rng = random.Random(3)
    shuffled = {unit: rng.sample(codes, len(codes)) for unit, codes in reversed(FRAME.items())}
    sizes = dict(reversed(SIZES.items()))
    assert draw_sample(shuffled, sizes, seed=99) == draw_sample(FRAME, SIZES, seed=99)


def test_a_units_draw_does_not_depend_on_the_other_units() -> None:
    alone = draw_sample({"UBND-B": FRAME["UBND-B"]}, {"UBND-B": 12}, seed=5)
    together = draw_sample(FRAME, SIZES, seed=5)
    assert alone[0] == next(d for d in together if d.unit_code == "UBND-B")


def test_census_selects_everything_and_has_no_reserves() -> None:
    (draw,) = draw_sample({"SO-TP": FRAME["SO-TP"]}, {"SO-TP": 10}, seed=1, method="srs")
    assert sorted(draw.selected) == FRAME["SO-TP"]
    assert draw.reserves == ()


@pytest.mark.parametrize(("population", "n"), [(57, 12), (200, 30), (10, 10), (100, 7), (9, 1)])
def test_systematic_sample_has_interval_n_over_N_in_frame_order(population: int, n: int) -> None:
    frame = {"u": [f"d{i:03d}" for i in range(population)]}
    for seed in range(20):
        (draw,) = draw_sample(frame, {"u": n}, seed=seed, method="systematic")
        positions = [frame["u"].index(code) for code in draw.selected]
        assert positions == sorted(positions)
        gaps = set(np.diff(positions).tolist())
        assert gaps <= {population // n, -(-population // n)}  # ⌊N/n⌋ or ⌈N/n⌉


def test_systematic_keeps_the_frame_order_given() -> None:
    frame = {"u": [f"d{i:03d}" for i in range(40)]}
    backwards = {"u": list(reversed(frame["u"]))}
    a = draw_sample(frame, {"u": 4}, seed=1, method="systematic")[0].selected
    b = draw_sample(backwards, {"u": 4}, seed=1, method="systematic")[0].selected
    assert [frame["u"].index(c) for c in a] == [backwards["u"].index(c) for c in b]


class FixedStart:
    """A stand-in generator whose random start is ``r``."""

    def __init__(self, r: int) -> None:
        self.r = r

    def integers(self, high: int) -> int:
        return self.r

    def permutation(self, n: int) -> np.ndarray:
        return np.arange(n)


@pytest.mark.parametrize(("population", "n"), [(10, 3), (57, 12), (7, 7), (13, 5)])
def test_systematic_gives_every_dossier_probability_n_over_N(population: int, n: int) -> None:
    # Over the N equally likely starts r, each position is selected exactly n times: π = n/N.
    hits: Counter[int] = Counter()
    for r in range(population):
        chosen, rest = _systematic(FixedStart(r), population, n)  # type: ignore[arg-type]
        assert len(set(chosen)) == n and not set(chosen) & set(rest)
        hits.update(chosen)
    assert hits == dict.fromkeys(range(population), n)


def test_srs_is_roughly_uniform() -> None:
    # 2000 draws of 3 of 10: each dossier expected 600 times; 5 sd ≈ 5 × sqrt(2000·.3·.7) ≈ 102.
    frame = {"u": [f"d{i}" for i in range(10)]}
    counts: Counter[str] = Counter()
    for seed in range(2000):
        counts.update(draw_sample(frame, {"u": 3}, seed=seed, reserve_ratio=0)[0].selected)
    assert all(abs(c - 600) < 102 for c in counts.values())


@pytest.mark.parametrize(
    ("frame", "sizes", "kwargs", "message"),
    [
        (FRAME, {"UBND-B": 58}, {}, "size of unit 'UBND-B' (58) exceeds its frame (57 dossiers)"),
        (FRAME, {"UBND-Z": 5}, {}, "unit ('UBND-Z') has a sample size but no frame"),
        (FRAME, {"UBND-B": -1}, {}, "size of unit 'UBND-B' (-1) must be a non-negative integer"),
        (FRAME, SIZES, {"seed": -1}, "seed (-1) must be a non-negative integer"),
        (FRAME, SIZES, {"method": "pps"}, "method ('pps') must be one of srs, systematic"),
        (FRAME, SIZES, {"reserve_ratio": -0.1}, "reserve_ratio (-0.1) must be >= 0"),
        (
            {"u": ["a", "b", "a"]},
            {"u": 1},
            {},
            "dossier code ('a') appears twice in the frame of unit 'u'",
        ),
        ({"u": "abc"}, {"u": 1}, {}, "frame of unit 'u' ('abc') must be a sequence of codes"),
        ({7: ["a"]}, {7: 1}, {}, "unit code (7) must be a string"),
    ],
)
def test_draw_refuses_bad_input_and_repeats_it(frame, sizes, kwargs, message: str) -> None:
    kwargs = {"seed": 1, **kwargs}
    with pytest.raises(ValueError) as error:
        draw_sample(frame, sizes, **kwargs)
    assert str(error.value) == message
