"""Scores: index and component indices worked by hand on the tiny catalog, ranking with ties and
units not ranked, last year's Ministry results, every problem of a points set named."""

from __future__ import annotations

import pytest

from scoring_bridge import (
    Catalog,
    Component,
    MinistryPoints,
    ProblemsError,
    RankRow,
    UnitPoints,
    UnitScore,
    change_since,
    check_unit_points,
    ministry_points,
    rank_units,
    round_half_up,
    score_unit,
    score_units,
)

# tiny: 1.1.1 ≤ 10, 1.1.2 ≤ 20, 1.2 ≤ 10, 8.1 ≤ 25 (SIPAS), 8.2.1 ≤ 15 (Ministry), 8.2.2 ≤ 20
A = {"1.1.1": 8, "1.1.2": 15, "1.2": 10, "8.1": 20, "8.2.1": 12, "8.2.2": 10}


def unit(code: str, points: dict[str, float], ranked: bool = True, **kw: object) -> UnitPoints:
    return UnitPoints(code, "department", ranked, points, **kw)  # type: ignore[arg-type]


def test_index_and_component_indices_by_hand(tiny: Catalog) -> None:
    score = score_unit(tiny, unit("SNV", A))
    # total 8 + 15 + 10 + 20 + 12 + 10 = 75 of 100 → index 75 %
    assert (score.total, score.max, score.index) == (75, 100, 75)
    # area 1: (8 + 15 + 10) / 40 = 33/40 = 82.5 %; area 8: (20 + 12 + 10) / 60 = 42/60 = 70 %
    assert score.areas == {"1": Component(33, 40, 82.5), "8": Component(42, 60, 70)}
    # 1.1: 23/30 = 76.67 %; 1.2: 10/10 = 100 %; 8.1: 20/25 = 80 %; 8.2: 22/35 = 62.86 %
    assert score.criteria["1.1"] == (23, 30, pytest.approx(76.6666666667))
    assert score.criteria["1.2"] == (10, 10, 100)
    assert score.criteria["8.1"] == (20, 25, 80)
    assert score.criteria["8.2"] == (22, 35, pytest.approx(62.8571428571))
    assert list(score.criteria) == ["1.1", "1.2", "8.1", "8.2"]
    assert (score.year, score.catalog_version, score.illustrative) == (2023, 1, False)
    assert score.from_previous_year == ()


def test_zero_and_full_points(tiny: Catalog) -> None:
    zero = score_unit(tiny, unit("Z", dict.fromkeys(A, 0)))
    full = score_unit(tiny, unit("F", {c.code: c.max_points for c in tiny.leaves}))
    assert (zero.index, full.index) == (0, 100)
    assert all(c.index == 100 for c in full.criteria.values())


def test_every_problem_of_a_points_set_is_named(tiny: Catalog) -> None:
    points = A | {"1.1.1": 12, "8.2.1": -1, "9.9": 1, "8.2": 3, "1.2": "mười"}
    del points["8.2.2"]
    with pytest.raises(ProblemsError) as caught:
        score_unit(tiny, unit("SNV", points, from_previous_year={"1.2"}))
    assert [(p.location, p.code, p.message) for p in caught.value.problems] == [
        ("unit SNV", "1.1.1", "unit 'SNV', '1.1.1': 12 points is above the maximum 10"),
        ("unit SNV", "1.2", "unit 'SNV', '1.2': points 'mười' must be a number"),
        ("unit SNV", "8.2.1", "unit 'SNV', '8.2.1': -1 points is below 0"),
        ("unit SNV", "9.9", "unit 'SNV': unknown code '9.9'"),
        ("unit SNV", "8.2", "unit 'SNV': '8.2' is not a scored leaf; give points to 8.2.1, 8.2.2"),
        ("unit SNV", "8.2.2", "unit 'SNV': no points for '8.2.2' (maximum 20)"),
        (
            "unit SNV",
            "1.2",
            "unit 'SNV': '1.2' is marked as last year's Ministry survey result but its source "
            "is 'appraisal'",
        ),
    ]
    assert "12 points is above the maximum 10" in str(caught.value)


def test_a_unit_of_another_type_is_refused(tiny: Catalog) -> None:
    district = UnitPoints("855", "district", True, A)
    assert [p.message for p in check_unit_points(tiny, district)] == [
        "unit '855' is of type 'district' but the catalog is for 'department'"
    ]


@pytest.mark.parametrize(
    ("this_year", "last_year", "expected"),
    [
        (12.0, 11.0, MinistryPoints(12.0, False)),  # this year's published: used
        (None, 11.0, MinistryPoints(11.0, True)),  # not yet published: last year's, flagged
        (0, None, MinistryPoints(0.0, False)),  # zero is a result, not a missing one
    ],
)
def test_ministry_points(
    this_year: float | None, last_year: float | None, expected: MinistryPoints
) -> None:
    assert ministry_points(this_year, last_year) == expected


@pytest.mark.parametrize(
    ("this_year", "last_year", "message"),
    [
        (None, None, "no Ministry survey result this year nor last year"),
        (-1, 3, "this year's Ministry survey points -1 must be a number ≥ 0"),
        (None, float("nan"), "last year's Ministry survey points nan must be a number ≥ 0"),
    ],
)
def test_ministry_points_refused(
    this_year: float | None, last_year: float | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ministry_points(this_year, last_year)


def test_last_years_ministry_result_is_flagged_in_every_output(tiny: Catalog) -> None:
    used = ministry_points(None, 11.0)  # 2023's Ministry survey not published: 2022's 11 points
    points = A | {"8.2.1": used.points}
    flagged = {"8.2.1"} if used.from_previous_year else set()
    score = score_unit(tiny, unit("SNV", points, from_previous_year=flagged))
    # total 75 − 12 + 11 = 74
    assert (score.total, score.from_previous_year) == (74, ("8.2.1",))
    (row,) = rank_units([score])
    assert row.from_previous_year is True
    assert row.as_record()["from_previous_year"] is True


def _score(
    code: str, index: float, ranked: bool = True, unit_type: str = "department"
) -> UnitScore:
    return UnitScore(code, unit_type, ranked, index, 100, index, {}, {})


def test_ties_share_a_rank_and_units_not_ranked_come_last() -> None:
    scores = [
        _score("TTT", 95, ranked=False),  # Thanh tra tỉnh: scored, not ranked (mục II.2)
        _score("SYT", 75),
        _score("STP", 80),
        _score("SNV", 75),
        _score("BDT", 50, ranked=False),  # Ban Dân tộc
        _score("SXD", 60),
    ]
    rows = rank_units(scores)
    # 80 → 1; 75, 75 → 2, 2 (by code); 60 → 4; then the units not ranked, by index
    assert [(r.rank, r.unit_code) for r in rows] == [
        (1, "STP"),
        (2, "SNV"),
        (2, "SYT"),
        (4, "SXD"),
        (None, "TTT"),
        (None, "BDT"),
    ]
    assert [r.ranked for r in rows] == [True, True, True, True, False, False]


def test_ranking_is_within_each_unit_type() -> None:
    scores = [_score("D1", 70), _score("H1", 90, unit_type="district"), _score("D2", 80)]
    rows = rank_units(scores)
    assert [(r.unit_type, r.rank, r.unit_code) for r in rows] == [
        ("department", 1, "D2"),
        ("department", 2, "D1"),
        ("district", 1, "H1"),
    ]


def test_ties_are_decided_on_the_published_figure() -> None:
    # 85.004 and 84.996 are both published as 85.00 %: same rank at 2 decimals, not at 3
    scores = [_score("A", 85.004), _score("B", 84.996), _score("C", 84.99)]
    assert [r.rank for r in rank_units(scores)] == [1, 1, 3]
    assert [r.rank for r in rank_units(scores, decimals=3)] == [1, 2, 3]
    assert (round_half_up(84.125), round_half_up(2.675), round(2.675, 2)) == (84.13, 2.68, 2.67)


def test_a_unit_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="unit 'A' is listed more than once"):
        rank_units([_score("A", 1), _score("A", 2)])


def test_a_rank_row_as_a_flat_record(tiny: Catalog) -> None:
    (row,) = rank_units([score_unit(tiny, unit("SNV", A))])
    assert row.as_record() == {
        "unit_type": "department",
        "rank": 1,
        "unit_code": "SNV",
        "total": 75,
        "max": 100,
        "index": 75,
        "area_1_points": 33,
        "area_1_index": 82.5,
        "area_8_points": 42,
        "area_8_index": 70,
        "ranked": True,
        "from_previous_year": False,
        "illustrative": False,
    }


def test_score_units_collects_the_problems_of_every_unit(tiny: Catalog) -> None:
    good = unit("SNV", A)
    bad = unit("STP", A | {"1.2": 11})
    stray = UnitPoints("855", "district", True, A)
    with pytest.raises(ProblemsError) as caught:
        score_units([tiny], [good, bad, stray])
    assert [p.message for p in caught.value.problems] == [
        "unit 'STP', '1.2': 11 points is above the maximum 10",
        "no catalog for unit type 'district'",
    ]
    assert [s.unit_code for s in score_units([tiny], [good])] == ["SNV"]


def test_change_since_last_year() -> None:
    previous = {"SNV": 80.5, "STP": 70.0, "OLD": 60.0}
    current = [_score("SNV", 82.0), _score("STP", 69.5), _score("NEW", 75.0)]
    # 82.0 − 80.5 = +1.5; 69.5 − 70.0 = −0.5; NEW had no index last year; OLD is left out
    assert change_since(previous, current) == {"SNV": 1.5, "STP": -0.5, "NEW": None}
    rows: list[RankRow] = rank_units(current)
    assert change_since(previous, rows) == {"SNV": 1.5, "NEW": None, "STP": -0.5}
    assert change_since(previous, {"SNV": 80.0}) == {"SNV": -0.5}
    with pytest.raises(ValueError, match="the index of unit 'SNV' must be a number"):
        change_since(previous, {"SNV": "80"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "department", True, {}), "unit_code '' must be a non-empty string"),
        (("SNV", "department", "yes", {}), "ranked 'yes' must be True or False"),
        (("SNV", "department", True, [1]), "points must map leaf codes to points"),
    ],
)
def test_unit_points_are_checked(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UnitPoints(*args)  # type: ignore[arg-type]
