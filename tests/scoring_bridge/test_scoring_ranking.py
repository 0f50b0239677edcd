"""``rank_units`` (one sort per unit type) against the quadratic ranking it replaced.

The reference below is the former code: a unit's rank is 1 + the number of ranked units of its
type shown with a higher index (half-up to 2 decimals), each unit compared with every other.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring_bridge import UnitScore, rank_units
from scoring_bridge.problems import round_half_up
from scoring_bridge.scores import RankRow, _row


def quadratic_rank_units(scores: list[UnitScore], decimals: int = 2) -> list[RankRow]:
    """The former ``rank_units``, kept as the reference."""
    seen: set[str] = set()
    for s in scores:
        if s.unit_code in seen:
            raise ValueError(f"unit {s.unit_code!r} is listed more than once")
        seen.add(s.unit_code)
    types = list(dict.fromkeys(s.unit_type for s in scores))
    rows: list[RankRow] = []
    for unit_type in types:
        group = [s for s in scores if s.unit_type == unit_type]
        shown = {s.unit_code: round_half_up(s.index, decimals) for s in group}
        ranked = sorted(
            (s for s in group if s.ranked), key=lambda s: (-shown[s.unit_code], s.unit_code)
        )
        others = sorted(
            (s for s in group if not s.ranked), key=lambda s: (-shown[s.unit_code], s.unit_code)
        )
        for s in ranked:
            rank = 1 + sum(1 for o in ranked if shown[o.unit_code] > shown[s.unit_code])
            rows.append(_row(s, rank))
        rows += [_row(s, None) for s in others]
    return rows


def _score(code: str, unit_type: str, index: float, ranked: bool) -> UnitScore:
    return UnitScore(
        unit_code=code,
        unit_type=unit_type,
        ranked=ranked,
        total=index,
        max=100.0,
        index=index,
        areas=MappingProxyType({}),
        criteria=MappingProxyType({}),
    )


# indices from a few values (many exact ties), values that tie only once rounded (84.125 and
# 84.13, 84.124 and 84.12), and any value in [0, 100]
INDICES = st.one_of(
    st.sampled_from([0.0, 50.0, 75.0, 84.125, 84.13, 84.124, 84.12, 100.0, 2.675, 2.68]),
    st.floats(min_value=0, max_value=100, allow_nan=False),
)
UNITS = st.lists(
    st.tuples(st.sampled_from(["department", "district", "commune"]), INDICES, st.booleans()),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(UNITS, st.randoms(use_true_random=False), st.sampled_from([0, 1, 2, 3]))
def test_the_sort_ranks_like_the_quadratic_comparison(units, rnd, decimals: int) -> None:
    scores = [_score(f"U{i:03d}", t, index, ranked) for i, (t, index, ranked) in enumerate(units)]
    rnd.shuffle(scores)
    assert rank_units(scores, decimals=decimals) == quadratic_rank_units(scores, decimals)


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    scores = [
        _score("A", "commune", 90.0, True),
        _score("B", "commune", 84.125, True),
        _score("C", "commune", 84.13, True),
        _score("D", "commune", 70.0, True),
        _score("E", "commune", 99.0, False),
    ]
    assert [(r.unit_code, r.rank) for r in rank_units(scores)] == [
        ("A", 1),
        ("B", 2),
        ("C", 2),
        ("D", 4),
        ("E", None),
    ]


def test_a_unit_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="listed more than once"):
        rank_units([_score("A", "commune", 1.0, True), _score("A", "district", 2.0, True)])
