"""A province's rules in the catalog: not applicable criteria (index over the applicable maximum,
rescaled to 100), bonus and penalty with caps, classification bands. Hand-computed cases on the
tiny catalog, every loading problem located and said with its template, and properties."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring_bridge import (
    Catalog,
    ProblemsError,
    UnitPoints,
    catalog_to_data,
    check_unit_points,
    classify,
    load_catalog,
    load_catalog_data,
    rank_units,
    score_unit,
)
from scoring_bridge.rules import Rules, rules_text

HERE = Path(__file__).parent
TINY = json.loads((HERE / "catalogs" / "valid" / "tiny.json").read_text(encoding="utf-8"))
RULES: dict[str, Any] = {
    "not_applicable": [
        {"code": "1.1.2", "when": "Đơn vị không có thủ tục hành chính"},
        {"code": "8.2.1", "when": "Không có kết quả điều tra", "units": ["SNV"]},
    ],
    "bonus": {
        "cap": 3,
        "items": [
            {"code": "T1", "name": "Sáng kiến CCHC được công nhận", "max_points": 2},
            {"code": "T2", "name": "Mô hình mới", "max_points": 2},
        ],
    },
    "penalty": {
        "cap": 4,
        "items": [
            {"code": "D1", "name": "Bị phê bình", "max_points": 3},
            {"code": "D2", "name": "Trễ hạn báo cáo", "max_points": 3},
        ],
    },
    "adjust": "index",
    "clamp": {"min": 0, "max": 100},
    "classes": {
        "bands": [
            {"min_index": 90, "label": "Xuất sắc", "label_en": "Excellent"},
            {"min_index": 80, "label": "Tốt"},
            {"min_index": 65, "label": "Khá"},
            {"min_index": 50, "label": "Trung bình"},
            {"min_index": 0, "label": "Yếu"},
        ]
    },
}
ALL = {"1.1.1": 8.0, "1.1.2": 16.0, "1.2": 10.0, "8.1": 20.0, "8.2.1": 15.0, "8.2.2": 10.0}


def with_rules(rules: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    data["rules"] = copy.deepcopy(rules if rules is not None else RULES) | changes
    return data


def catalog(rules: dict[str, Any] | None = None, **changes: Any) -> Catalog:
    return load_catalog_data(with_rules(rules, **changes)).unwrap()


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    result = load_catalog_data(data)
    assert result.value is None
    return [(p.location, p.message) for p in result.problems]


def score(cat: Catalog, points: dict[str, float], marked: set[str] = frozenset(), unit="SNV"):
    return score_unit(cat, UnitPoints(unit, "department", True, points, frozenset(), marked))


# --- hand-computed ------------------------------------------------------------------------


def test_not_applicable_rescales_over_the_applicable_maximum() -> None:
    points = {k: v for k, v in ALL.items() if k != "1.1.2"}
    s = score(catalog(), points, {"1.1.2"})
    # applicable maximum 100 − 20 = 80; points 8 + 10 + 20 + 15 + 10 = 63
    assert (s.total, s.max, s.full_max) == (63.0, 80.0, 100.0)
    assert s.base_index == s.index == pytest.approx(78.75)
    assert s.areas["1"] == (18.0, 20.0, 90.0)  # 1.1.1 (10) + 1.2 (10)
    assert s.criteria["1.1"] == (8.0, 10.0, 80.0)  # 1.1.1 only
    assert s.areas["8"].index == 75.0
    assert "1.1.2" in s.not_applicable and s.band is not None and s.band.label == "Khá"


def test_a_criterion_wholly_not_applicable_has_no_component() -> None:
    points = {k: v for k, v in ALL.items() if k != "8.2.1"}
    s = score(catalog(), points, {"8.2.1"})
    assert s.max == 85.0 and s.total == 64.0  # 8 + 16 + 10 + 20 + 10
    assert s.criteria["8.2"] == (10.0, 20.0, 50.0)
    data = with_rules()
    data["rules"]["not_applicable"] = [{"code": "8.2", "when": "…"}]
    cat = load_catalog_data(data).unwrap()
    s = score(cat, {k: v for k, v in ALL.items() if not k.startswith("8.2")}, {"8.2"})
    assert "8.2" not in s.criteria and {"8.2", "8.2.1", "8.2.2"} <= s.not_applicable
    assert s.areas["8"] == (20.0, 25.0, 80.0)
    leaves = {"8.2.1", "8.2.2"}  # marking the leaves beneath a rule's criterion: the same
    assert score(cat, {k: v for k, v in ALL.items() if k not in leaves}, leaves) == s


def test_bonus_and_penalty_are_capped_then_added_to_the_index() -> None:
    points = ALL | {"T1": 2, "T2": 2, "D1": 1}
    s = score(catalog(), points)
    # base 79; bonus 4 claimed, 3 counted; penalty 1
    assert s.base_index == 79.0
    assert (s.bonus_claimed, s.bonus, s.penalty) == (4.0, 3.0, 1.0)
    assert s.index == 81.0 and s.band.label == "Tốt"
    s = score(catalog(), ALL | {"D1": 3, "D2": 3})
    assert (s.penalty_claimed, s.penalty, s.index) == (6.0, 4.0, 75.0)


def test_adjust_points_adds_to_the_points_before_rescaling() -> None:
    points = {k: v for k, v in ALL.items() if k != "1.1.2"} | {"T1": 2, "T2": 2, "D1": 1}
    s = score(catalog(adjust="points"), points, {"1.1.2"})
    assert s.index == pytest.approx(100 * (63 + 3 - 1) / 80)  # 81.25
    s = score(catalog(), points, {"1.1.2"})
    assert s.index == pytest.approx(78.75 + 3 - 1)


def test_the_index_is_clamped_as_the_data_says() -> None:
    top = {"1.1.1": 10, "1.1.2": 20, "1.2": 10, "8.1": 25, "8.2.1": 15, "8.2.2": 19}
    assert score(catalog(), top | {"T1": 2}).index == 100.0  # 99 + 2, clamped
    assert score(catalog(clamp={"min": 0, "max": None}), top | {"T1": 2}).index == 101.0
    zero = dict.fromkeys(ALL, 0.0)
    assert score(catalog(), zero | {"D1": 3}).index == 0.0
    assert score(catalog(clamp=None), zero | {"D1": 3}).index == -3.0
    assert score(catalog(), zero | {"D1": 3}).band.label == "Yếu"


def test_bands_use_the_published_figure() -> None:
    rules = catalog().rules
    assert classify(rules, 89.994).label == "Tốt"
    assert classify(rules, 89.995).label == "Xuất sắc"  # shown as 90.00
    higher = catalog(classes={"bands": [{"min_index": 50, "label": "Đạt"}]}).rules
    assert classify(higher, 49.0) is None


def test_without_rules_nothing_changes(tiny: Catalog) -> None:
    s = score_unit(tiny, UnitPoints("SNV", "department", True, ALL))
    assert s.index == 79.0 and not s.has_rules and s.base_index is None and s.band is None
    assert "base_index" not in rank_units([s])[0].as_record()
    ruled = score(catalog(), ALL)
    assert (ruled.index, ruled.areas, ruled.criteria) == (s.index, s.areas, s.criteria)
    assert rank_units([ruled])[0].as_record()["class"] == "Khá"


def test_marks_and_items_are_checked_against_the_rules(tiny: Catalog) -> None:
    cat = catalog()
    marked = {k: v for k, v in ALL.items() if k != "1.2"}
    found = check_unit_points(
        cat, UnitPoints("SNV", "department", True, marked, frozenset(), {"1.2"})
    )
    assert any("'1.2' cannot be marked not applicable" in p.message for p in found)
    other = {k: v for k, v in ALL.items() if k != "8.2.1"}
    found = check_unit_points(
        cat, UnitPoints("STC", "department", True, other, frozenset(), {"8.2.1"})
    )
    assert any("may be not applicable only to SNV" in p.message for p in found)
    found = check_unit_points(
        cat, UnitPoints("SNV", "department", True, ALL, frozenset(), {"1.1.2"})
    )
    assert any("is marked not applicable but has points" in p.message for p in found)
    found = check_unit_points(cat, UnitPoints("SNV", "department", True, ALL | {"T1": 2.5}))
    assert [p.code for p in found] == ["T1"] and "from 0 to 2" in found[0].message
    with pytest.raises(ProblemsError, match="cannot be marked not applicable"):
        score_unit(tiny, UnitPoints("SNV", "department", True, marked, frozenset(), {"1.2"}))
    found = check_unit_points(tiny, UnitPoints("SNV", "department", True, ALL | {"T1": 1}))
    assert [p.code for p in found] == ["T1"]  # no rules: an unknown code, as before


def test_rules_read_back_from_the_catalog_data() -> None:
    cat = catalog()
    again = load_catalog_data(json.loads(json.dumps(catalog_to_data(cat)))).unwrap()
    assert again.rules == cat.rules and again == cat
    assert rules_text(cat.rules)[0].startswith("Tiêu chí 1.1.2 có thể không áp dụng")


# --- problems, located, said with their templates ----------------------------------------------


@pytest.mark.parametrize(
    ("change", "location", "words"),
    [
        (
            {"not_applicable": [{"code": "1.3", "when": "x"}]},
            "rules.not_applicable[0].code",
            "no criterion '1.3' in the catalog",
        ),
        (
            {"not_applicable": [{"code": "1", "when": "x"}]},
            "rules.not_applicable[0].code",
            "is an area",
        ),
        (
            {"not_applicable": [{"code": "8.1", "when": "x"}]},
            "rules.not_applicable[0].code",
            "criterion 8.1 (SIPAS) applies to every unit",
        ),
        (
            {"not_applicable": [{"code": "1.1", "when": "x"}, {"code": "1.2", "when": "y"}]},
            "rules.not_applicable",
            "every criterion of area 1 may be not applicable",
        ),
        (
            {"not_applicable": [{"code": "1.1", "when": "x"}, {"code": "1.1.2", "when": "y"}]},
            "rules.not_applicable[1].code",
            "repeats or overlaps '1.1' at rules.not_applicable[0]",
        ),
        (
            {"not_applicable": [{"code": "1.1.2", "when": " "}]},
            "rules.not_applicable[0].when",
            "say when the criterion does not apply",
        ),
        (
            {"bonus": {"cap": 0, "items": [{"code": "T1", "name": "a", "max_points": 1}]}},
            "rules.bonus.cap",
            "the cap 0 on the bonus must be a number > 0",
        ),
        (
            {"bonus": {"items": [{"code": "1.5", "name": "a", "max_points": 1}]}},
            "rules.bonus.items[0].code",
            "must start with a letter",
        ),
        (
            {"penalty": {"items": [{"code": "T1", "name": "a", "max_points": 1}]}},
            "rules.penalty.items[0].code",
            "is already used at rules.bonus.items[0]",
        ),
        (
            {"penalty": {"items": [{"code": "D1", "name": "a", "max_points": -1}]}},
            "rules.penalty.items[0].max_points",
            "max_points -1 must be a number > 0",
        ),
        ({"adjust": "total"}, "rules.adjust", "'index'"),
        ({"clamp": {"min": 100, "max": 0}}, "rules.clamp", "min (100) must be below max (0)"),
        (
            {
                "classes": {
                    "bands": [{"min_index": 50, "label": "Khá"}, {"min_index": 80, "label": "Tốt"}]
                }
            },
            "rules.classes.bands[1].min_index",
            "80 is not below 50",
        ),
        (
            {"classes": {"bands": [{"min_index": 50, "label": ""}]}},
            "rules.classes.bands[0].label",
            "label must be a non-empty text",
        ),
        ({"illustrative": True, "note": ""}, "rules.note", "illustrative rules need a note"),
    ],
)
def test_every_problem_is_located_and_said_with_its_template(change, location, words) -> None:
    result = load_catalog_data(with_rules(RULES | change))
    assert result.value is None
    assert any(
        p.location == location and words in p.message and p.message.template
        for p in result.problems
    ), result.problems


def test_an_unknown_key_of_the_rules_is_said_with_its_template() -> None:
    found = problems(with_rules(RULES | {"bands": []}))
    assert ("rules.bands", "unknown key 'bands' in the rules") in found
    result = load_catalog_data(with_rules(RULES | {"bands": []}))
    said = next(p.message for p in result.problems if p.location == "rules.bands")
    assert said.template == "unknown key %(key)r in the %(what)s"
    assert said.values["what"].template == "rules"


def test_problems_of_a_file_name_the_file(tmp_path: Path) -> None:
    from scoring_bridge import load_catalog_file

    path = tmp_path / "department.json"
    path.write_text(json.dumps(with_rules(RULES | {"adjust": 3})), encoding="utf-8")
    result = load_catalog_file(path)
    assert result.value is None
    assert result.problems[0].location == f"{path}:rules.adjust"


def test_the_shipped_2023_catalogs_have_no_rules() -> None:
    """Decision 1877 states no bonus, penalty, bands or not-applicable criteria (decision 0025)."""
    for unit_type in ("department", "district", "commune"):
        assert load_catalog(unit_type, 2023).unwrap().rules is None


# --- properties -----------------------------------------------------------------------------

SHIPPED = load_catalog("department", 2023).unwrap()
FAST = settings(max_examples=60, deadline=None)


def _shipped_with(rules: dict[str, Any]) -> Catalog:
    data = catalog_to_data(SHIPPED)
    data["rules"] = rules
    return load_catalog_data(data).unwrap()


NA_CODES = [c.code for c in SHIPPED.criteria if c.level == "criterion" and c.source == "appraisal"][
    ::3
]
SHIPPED_RULE_DATA: dict[str, Any] = {
    "not_applicable": [{"code": code, "when": "thử"} for code in NA_CODES],
    "bonus": {
        "cap": 3,
        "items": [
            {"code": "T1", "name": "a", "max_points": 2},
            {"code": "T2", "name": "b", "max_points": 2.5},
        ],
    },
    "penalty": {
        "cap": 5,
        "items": [
            {"code": "D1", "name": "c", "max_points": 4},
            {"code": "D2", "name": "d", "max_points": 4},
        ],
    },
    "classes": RULES["classes"],
}
SHIPPED_RULES = _shipped_with(SHIPPED_RULE_DATA)
ADJUST_POINTS = _shipped_with(SHIPPED_RULE_DATA | {"adjust": "points"})


@st.composite
def leaf_points(draw: st.DrawFn, cat: Catalog) -> dict[str, float]:
    rnd = draw(st.randoms(use_true_random=False))
    return {
        leaf.code: (0.0 if (r := rnd.random()) < 0.1 else 1.0 if r < 0.2 else rnd.random())
        * leaf.max_points
        for leaf in cat.leaves
    }


@FAST
@given(leaf_points(SHIPPED))
def test_rescaling_equals_the_plain_index_when_everything_applies(points) -> None:
    plain = score_unit(SHIPPED, UnitPoints("U", "department", True, points))
    ruled = score_unit(SHIPPED_RULES, UnitPoints("U", "department", True, points))
    assert ruled.index == plain.index == ruled.base_index
    assert ruled.areas == plain.areas and ruled.criteria == plain.criteria


@FAST
@given(leaf_points(SHIPPED), st.sets(st.sampled_from(NA_CODES)))
def test_the_index_is_the_applicable_share(points, marked) -> None:
    skipped = {leaf.code for code in marked for leaf in SHIPPED.leaves_under(code)}
    kept = {c: v for c, v in points.items() if c not in skipped}
    s = score_unit(SHIPPED_RULES, UnitPoints("U", "department", True, kept, frozenset(), marked))
    top = math.fsum(c.max_points for c in SHIPPED.leaves if c.code not in skipped)
    assert s.index == pytest.approx(100 * math.fsum(kept.values()) / top, abs=1e-9)
    assert 0 <= s.index <= 100
    for component in (*s.areas.values(), *s.criteria.values()):
        assert 0 <= component.index <= 100 + 1e-9


@FAST
@given(
    leaf_points(SHIPPED),
    st.fixed_dictionaries(
        {},
        optional={
            "T1": st.floats(0, 2),
            "T2": st.floats(0, 2.5),
            "D1": st.floats(0, 4),
            "D2": st.floats(0, 4),
        },
    ),
    st.sampled_from(["index", "points"]),
)
def test_caps_bound_bonus_and_penalty(points, items, adjust) -> None:
    cat = SHIPPED_RULES if adjust == "index" else ADJUST_POINTS
    s = score_unit(cat, UnitPoints("U", "department", True, points | items))
    assert 0 <= s.bonus <= 3 and s.bonus <= s.bonus_claimed + 1e-12
    assert 0 <= s.penalty <= 5 and s.penalty <= s.penalty_claimed + 1e-12
    assert 0 <= s.index <= 100
    assert s.base_index - 5 * 100 / s.max - 1e-9 <= s.index <= s.base_index + 3 * 100 / s.max + 1e-9


@FAST
@given(st.floats(-10, 110), st.floats(-10, 110))
def test_bands_are_monotone(a, b) -> None:
    rules: Rules = SHIPPED_RULES.rules
    order = {band.label: i for i, band in enumerate(reversed(rules.bands))}

    def rank(x: float) -> int:
        band = classify(rules, x)
        return -1 if band is None else order[band.label]

    low, high = sorted((a, b))
    assert rank(low) <= rank(high)


@FAST
@given(
    leaf_points(SHIPPED),
    st.sampled_from([c.code for c in SHIPPED.leaves if c.source == "appraisal"]),
    st.floats(0, 1),
)
def test_more_points_never_lower_the_class(points, code, share) -> None:
    lower = score_unit(SHIPPED_RULES, UnitPoints("U", "department", True, points))
    more = points | {code: max(points[code], share * SHIPPED.get(code).max_points)}
    higher = score_unit(SHIPPED_RULES, UnitPoints("U", "department", True, more))
    bands = list(SHIPPED_RULES.rules.bands)
    assert higher.index >= lower.index
    assert bands.index(higher.band) <= bands.index(lower.band)
