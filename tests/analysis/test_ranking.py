"""Ranking units: competition ranks, bootstrap rank intervals, indistinguishable pairs."""

from __future__ import annotations

import pytest

from analysis import RankRow, rank_units


def test_the_same_seed_gives_the_same_rows() -> None:
    estimates = {f"u{i}": (80 + 0.5 * i, 2.0) for i in range(12)}
    assert rank_units(estimates, seed=7) == rank_units(estimates, seed=7)
    one, other = rank_units(estimates, seed=7), rank_units(estimates, seed=8)
    assert [r.rank for r in one] == [r.rank for r in other]  # only the intervals may move


def test_clearly_separated_units_get_exact_ranks_and_no_neighbours() -> None:
    rows = rank_units({"c": (70.0, 0.5), "a": (90.0, 0.5), "b": (80.0, 0.5), "d": (60.0, 0.5)})
    assert [r.unit_code for r in rows] == ["a", "b", "c", "d"]  # highest first
    assert [(r.rank, r.rank_low, r.rank_high) for r in rows] == [(i, i, i) for i in range(1, 5)]
    assert all(r.indistinguishable == () and r.ranked for r in rows)


def test_two_equal_units_share_the_best_rank_and_cannot_be_told_apart() -> None:
    rows = rank_units({"x": (80.0, 2.0), "y": (80.0, 2.0), "top": (95.0, 0.1)})
    by_code = {r.unit_code: r for r in rows}
    assert by_code["top"].rank == 1
    assert by_code["x"].rank == by_code["y"].rank == 2  # ties share the best rank ("1224")
    assert by_code["x"].indistinguishable == ("y",)
    assert by_code["y"].indistinguishable == ("x",)
    assert (by_code["x"].rank_low, by_code["x"].rank_high) == (2, 3)
    assert [r.unit_code for r in rows] == ["top", "x", "y"]  # ties in code order


def test_ties_share_the_best_rank() -> None:
    rows = rank_units({"a": (90.0, 0.0), "b": (90.0, 0.0), "c": (80.0, 0.0), "d": (70.0, 0.0)})
    assert [r.rank for r in rows] == [1, 1, 3, 4]
    assert [(r.rank_low, r.rank_high) for r in rows] == [(1, 1), (1, 1), (3, 3), (4, 4)]


def test_indistinguishable_when_the_difference_interval_contains_zero() -> None:
    # se 3 and 4: sd of the difference = 5; 95 %: 1.959964 · 5 = 9.79982
    close = rank_units({"a": (80.0, 3.0), "b": (70.21, 4.0)})
    apart = rank_units({"a": (80.0, 3.0), "b": (70.19, 4.0)})
    assert close[0].indistinguishable == ("b",)
    assert apart[0].indistinguishable == ()
    wider = rank_units({"a": (80.0, 3.0), "b": (70.19, 4.0)}, confidence=0.99)  # 2.5758 · 5
    assert wider[0].indistinguishable == ("b",)


def test_rank_intervals_widen_with_uncertainty() -> None:
    estimates = {f"u{i}": (70 + i, 0.1) for i in range(10)}
    estimates["wide"] = (75.5, 20.0)
    rows = {r.unit_code: r for r in rank_units(estimates, draws=2000, seed=1)}
    wide = rows["wide"]
    assert wide.rank == 5  # 79, 78, 77, 76 are above 75.5
    assert wide.rank_low == 1 and wide.rank_high == 11  # 2.5 % and 97.5 % of its ranks
    assert len(wide.indistinguishable) == 10
    assert rows["u9"].rank_low == 1 and rows["u9"].rank_high == 2  # only "wide" can pass it


def test_units_scored_but_not_ranked_are_listed_without_a_rank() -> None:
    estimates = {"a": (90.0, 1.0), "b": (85.0, 1.0), "c": (80.0, 1.0)}
    rows = rank_units(estimates, not_ranked={"b"})
    assert [r.unit_code for r in rows] == ["a", "b", "c"]
    assert rows[1] == RankRow("b", 85.0, None, None, None, (), False)
    assert [r.rank for r in rows if r.ranked] == [1, 2]  # c is second among the ranked
    assert rank_units(estimates, not_ranked={"a", "b", "c"})[0].rank is None


@pytest.mark.parametrize(
    ("estimates", "options", "message"),
    [
        ({"a": (80.0, -1.0)}, {}, "unit 'a': estimate (80.0) and se (-1.0)"),
        ({"a": (float("nan"), 1.0)}, {}, "must be finite"),
        ({"a": (80.0, 1.0)}, {"not_ranked": {"z"}}, "without an estimate: ['z']"),
        ({"a": (80.0, 1.0)}, {"confidence": 1.0}, "confidence (1.0) must be in (0, 1)"),
        ({"a": (80.0, 1.0)}, {"draws": 0}, "draws (0) must be at least 1"),
    ],
)
def test_bad_input_is_a_value_error(estimates: dict, options: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        rank_units(estimates, **options)
    assert message in str(error.value)


def test_no_units_no_rows() -> None:
    assert rank_units({}) == []


@pytest.mark.parametrize("shape", [(1,), (7,), (40, 13), (200, 150)])
@pytest.mark.parametrize("tied", [False, True])
def test_competition_ranks_are_scipys_min_ranks_of_the_negated_values(
    shape: tuple[int, ...], tied: bool
) -> None:
    """The numpy ranking (no scipy.stats import on the command line) against
    ``scipy.stats.rankdata(-v, method="min", axis=-1)``, with and without ties."""
    import numpy as np
    from scipy import stats

    from analysis.ranking import _competition_ranks

    generator = np.random.default_rng(sum(shape) + tied)
    for _ in range(20):
        if tied:
            values = generator.integers(0, 4, size=shape).astype(float)
        else:
            values = generator.normal(80, 5, size=shape)
        expected = stats.rankdata(-values, method="min", axis=-1).astype(np.int64)
        assert np.array_equal(_competition_ranks(values), expected)
