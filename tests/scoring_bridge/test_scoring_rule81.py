"""Criterion 8.1: rules load and check as data; points at, below and above each threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring_bridge import (
    Band,
    Catalog,
    ProblemsError,
    Rule81,
    SipasFigure,
    check_rule81,
    load_rule81,
    load_rule81_file,
    load_rule81_text,
    points_81,
    shipped_rules81,
)

HERE = Path(__file__).parent / "rules81"
UNIT_TYPES = ("commune", "department", "district")

PROPORTIONAL = Rule81("8.1", "department", 2023, "proportional", 25)
BANDS = Rule81(
    "8.1", "department", 2023, "bands", 25, bands=(Band(70, 10), Band(80, 20), Band(90, 25))
)
LINEAR = Rule81("8.1", "department", 2023, "linear", 25, floor=70, ceiling=95)


def fig(estimate: float, low: float | None = None, high: float | None = None) -> SipasFigure:
    return SipasFigure(
        estimate, estimate if low is None else low, estimate if high is None else high
    )


@pytest.mark.parametrize(
    ("rule", "sipas", "points"),
    [
        # proportional: 25 × S / 100
        (PROPORTIONAL, 0, 0),
        (PROPORTIONAL, 80, 20),  # 25 × 0.80
        (PROPORTIONAL, 87.3, 21.825),  # 25 × 0.873
        (PROPORTIONAL, 100, 25),
        # bands ≥ 70: 10, ≥ 80: 20, ≥ 90: 25, below 70: 0
        (BANDS, 69.99, 0),  # below the lowest threshold
        (BANDS, 70, 10),  # at a threshold: that band
        (BANDS, 79.99, 10),
        (BANDS, 80, 20),
        (BANDS, 89.999, 20),
        (BANDS, 90, 25),
        (BANDS, 100, 25),  # above the top threshold
        # linear: 0 at ≤ 70, 25 at ≥ 95, 25 × (S − 70) / 25 = S − 70 between
        (LINEAR, 50, 0),  # below the floor: clamped
        (LINEAR, 70, 0),  # at the floor
        (LINEAR, 82.5, 12.5),  # 25 × 12.5 / 25
        (LINEAR, 94, 24),  # 25 × 24 / 25
        (LINEAR, 95, 25),  # at the ceiling
        (LINEAR, 99, 25),  # above: clamped
    ],
)
def test_points_at_below_and_above_the_thresholds(
    rule: Rule81, sipas: float, points: float
) -> None:
    result = points_81(rule, fig(sipas))
    assert result.points == pytest.approx(points, abs=1e-12)
    assert result.figure_used == sipas
    assert result.feeds == "estimate"


def test_a_rule_may_feed_on_the_lower_confidence_bound() -> None:
    # estimate 85 would be band 80 → 20; the lower bound 79 is band 70 → 10
    prudent = Rule81("8.1", "department", 2023, "bands", 25, bands=BANDS.bands, feeds="ci_low")
    result = points_81(prudent, SipasFigure(85, 79, 90))
    assert (result.points, result.figure_used, result.feeds) == (10, 79, "ci_low")
    assert points_81(BANDS, (85, 79, 90)).points == 20  # a plain tuple works too


def test_the_figure_may_be_rounded_as_published_first() -> None:
    # 79.996 is shown as 80.00 %: rounded half-up to 2 decimals it reaches the 80 band
    rounded = Rule81("8.1", "department", 2023, "bands", 25, bands=BANDS.bands, figure_decimals=2)
    assert points_81(BANDS, fig(79.996)).points == 10
    assert points_81(rounded, fig(79.996)).points == 20


def test_rule_text_is_one_line_vietnamese_then_english() -> None:
    assert points_81(BANDS, fig(85)).rule_text == (
        "Tiêu chí 8.1 theo mức của chỉ số SIPAS: ≥ 90 %: 25 điểm; ≥ 80 %: 20 điểm; "
        "≥ 70 %: 10 điểm; dưới 70 %: 0 điểm; chỉ số SIPAS = 85 % → 20 điểm | "
        "Criterion 8.1 by bands of the SIPAS index: ≥ 90%: 25 points; ≥ 80%: 20 points; "
        "≥ 70%: 10 points; below 70%: 0 points; SIPAS index = 85% → 20 points"
    )
    assert points_81(PROPORTIONAL, fig(87.3)).rule_text == (
        "Tiêu chí 8.1: điểm = 25 × chỉ số SIPAS / 100; chỉ số SIPAS = 87,3 % → 21,83 điểm | "
        "Criterion 8.1: points = 25 × SIPAS index / 100; SIPAS index = 87.3% → 21.83 points"
    )
    assert LINEAR.text == (
        "Tiêu chí 8.1: 0 điểm khi chỉ số SIPAS ≤ 70 %, 25 điểm khi ≥ 95 %, tuyến tính ở giữa | "
        "Criterion 8.1: 0 points at SIPAS index ≤ 70%, 25 at ≥ 95%, linear in between"
    )
    assert "\n" not in points_81(LINEAR, fig(80)).rule_text


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((101, 90, 100), "SIPAS figures must be numbers from 0 to 100; got (101, 90, 100)"),
        ((80, 85, 90), "SIPAS interval (85, 90) does not contain the estimate 80"),
        ((float("nan"), 0, 100), "SIPAS figures must be numbers from 0 to 100"),
    ],
)
def test_sipas_figures_are_checked(values: tuple[float, float, float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SipasFigure(*values)


# --- loading ----------------------------------------------------------------------------------

EXPECTED: dict[str, list[tuple[str, str]]] = {
    "bands_unsorted.json": [
        ("bands[1].min_index", "bands must be in increasing order of min_index: 80 comes after 90"),
        ("bands[1].points", "a higher band must not give fewer points: 20 after 25"),
    ],
    "band_above_max.json": [("bands[1].points", "points 30 must be from 0 to max_points 25")],
    "floor_not_below_ceiling.json": [
        ("floor", "floor 95 and ceiling 70 must satisfy 0 ≤ floor < ceiling ≤ 100"),
    ],
    "linear_with_bands.json": [("bands", "bands are used only by method 'bands', not 'linear'")],
    "unknown_method.json": [
        ("method", "method 'proportionnal' must be one of proportional, bands, linear"),
        ("feeds", "feeds 'ci_lo' must be one of estimate, ci_low"),
    ],
    "missing_and_wrong_types.json": [
        ("criterion", "criterion '8' must be a criterion code like '8.1'"),
        ("max_points", "max_points '25' must be a number"),
        ("illustrative", "illustrative 'no' must be true or false"),
        ("bands[0].min_index", "min_index '70' must be a number"),
    ],
    "missing_keys.json": [
        ("criterion", "missing required key 'criterion' in the 8.1 rule"),
        ("max_points", "missing required key 'max_points' in the 8.1 rule"),
    ],
    "no_bands.json": [("bands", "method 'bands' needs at least one band {min_index, points}")],
}


def test_every_invalid_rule_has_expectations() -> None:
    assert sorted(p.name for p in (HERE / "invalid").glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_rules_give_exactly_their_problems(name: str) -> None:
    result = load_rule81_text((HERE / "invalid" / name).read_bytes())
    assert result.value is None
    assert [(p.location, p.message) for p in result.problems] == EXPECTED[name]


@pytest.mark.parametrize("path", sorted((HERE / "valid").glob("*.json")), ids=lambda p: p.name)
def test_valid_rules_load_cleanly(path: Path) -> None:
    result = load_rule81_file(path)
    assert (result.problems, result.warnings) == ((), ())
    assert isinstance(result.value, Rule81)


def test_a_loaded_rule_has_its_defaults_and_values() -> None:
    rule = load_rule81_file(HERE / "valid" / "linear_ci_low.json").unwrap()
    assert (rule.method, rule.floor, rule.ceiling, rule.feeds, rule.figure_decimals) == (
        "linear",
        70.0,
        95.0,
        "ci_low",
        2,
    )
    assert load_rule81_file(HERE / "valid" / "proportional.json").unwrap().bands == ()


def test_a_rule_built_in_code_is_checked_too() -> None:
    with pytest.raises(ProblemsError) as caught:
        Rule81("8.1", "department", 2023, "linear", 10, floor=90, ceiling=80, bands=(Band(1, 1),))
    assert [p.location for p in caught.value.problems] == ["bands", "floor"]


def test_a_bands_rule_that_never_gives_full_points_is_a_warning() -> None:
    result = load_rule81_text(
        '{"criterion": "8.1", "unit_type": "commune", "year": 2023, "method": "bands", '
        '"max_points": 10, "bands": [{"min_index": 90, "points": 8}], "illustrative": false, '
        '"note": ""}'
    )
    assert result.ok
    assert [w.message for w in result.warnings] == ["no band gives the full 10 points"]


# --- rule vs catalog ---------------------------------------------------------------------------


def test_the_shipped_rules_agree_with_the_shipped_catalogs(shipped: dict[str, Catalog]) -> None:
    assert shipped_rules81() == tuple((2023, t) for t in UNIT_TYPES)
    for unit_type in UNIT_TYPES:
        result = load_rule81(unit_type, 2023)
        assert (result.problems, result.warnings) == ((), ())
        rule = result.unwrap()
        assert rule.illustrative and "MINH HỌA" in rule.note and "ILLUSTRATIVE" in rule.note
        assert check_rule81(rule, shipped[unit_type]) == ()
        assert rule.max_points == shipped[unit_type].get("8.1").max_points


def test_a_rule_whose_maximum_differs_from_the_catalog_is_named(tiny: Catalog) -> None:
    # tiny's 8.1 maximum is 25
    rule = Rule81("8.1", "department", 2023, "proportional", 12)
    assert [(p.location, p.code, p.message) for p in check_rule81(rule, tiny)] == [
        (
            "max_points",
            "8.1",
            "the rule gives up to 12 points but criterion '8.1' of the 2023 department catalog "
            "has a maximum of 25",
        )
    ]


def test_a_rule_for_another_unit_type_year_or_criterion(tiny: Catalog) -> None:
    rule = Rule81("8.3", "district", 2024, "proportional", 25)
    assert [(p.location, p.message, p.hint) for p in check_rule81(rule, tiny)] == [
        ("unit_type", "the rule is for 'district', the catalog for 'department'", None),
        ("year", "the rule is for 2024, the catalog for 2023", None),
        (
            "criterion",
            "criterion '8.3' is not in the 2023 department catalog",
            "the SIPAS criterion of this catalog is '8.1'",
        ),
    ]
    not_leaf = Rule81("8.2", "department", 2023, "proportional", 35)
    assert [p.message for p in check_rule81(not_leaf, tiny)] == [
        "criterion '8.2' has sub-criteria in the 2023 department catalog; the rule scores one leaf"
    ]
    not_sipas = Rule81("1.2", "department", 2023, "proportional", 10)
    assert [p.message for p in check_rule81(not_sipas, tiny)] == [
        "criterion '1.2' has source 'appraisal' in the 2023 department catalog, not 'sipas'"
    ]


def test_no_shipped_rule_for_an_unknown_year() -> None:
    result = load_rule81("department", 2030)
    assert result.problems[0].message == (
        "no shipped 8.1 rule for unit type 'department' and year 2030"
    )
