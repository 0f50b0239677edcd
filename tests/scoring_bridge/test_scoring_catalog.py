"""Catalogs: valid ones load cleanly, each invalid one gives exactly its problems, the shipped
2023 catalogs match Decision 1877/QĐ-UBND (sipas-methodology.md §1), rows round-trip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring_bridge import (
    ROW_COLUMNS,
    Catalog,
    LoadResult,
    Split,
    catalog_from_rows,
    catalog_to_data,
    catalog_to_rows,
    load_catalog,
    load_catalog_data,
    load_catalog_file,
    load_catalog_text,
    shipped_catalogs,
)

HERE = Path(__file__).parent / "catalogs"
VALID = sorted((HERE / "valid").glob("*.json"))
INVALID = HERE / "invalid"


def _found(result: LoadResult) -> list[tuple[str, str | None, str]]:
    return [(p.location, p.code, p.message) for p in result.problems]


# file in invalid/ → every expected problem: (location, criterion code, message).
EXPECTED: dict[str, list[tuple[str, str | None, str]]] = {
    "children_do_not_add_up.json": [
        # 1.1.1 = 10 and 1.1.2 = 15: 10 + 15 = 25 ≠ 30; appraisal leaves 10 + 15 + 10 + 20 = 55
        (
            "criteria[1].max_points",
            "1.1",
            "the maxima of the children of '1.1' add up to 25, not its maximum 30",
        ),
        ("split.appraisal", None, "the appraisal leaves add up to 55 points, not the split's 60"),
    ],
    "wrong_split.json": [
        ("split.appraisal", None, "the appraisal leaves add up to 60 points, not the split's 66"),
        (
            "split.survey",
            None,
            "the survey leaves (ministry_survey + sipas + …) add up to 40 points, "
            "not the split's 34",
        ),
    ],
    "total_not_100.json": [("criteria", None, "the areas' maxima add up to 90, not 100")],
    "sipas_misplaced.json": [
        (
            "criteria[4].source",
            "1.2",
            "'1.2' has source 'sipas', which only criterion '8.1' and its sub-criteria may have",
        ),
        (
            "criteria[6].source",
            "8.1",
            "criterion '8.1' is scored from SIPAS, so its source must be 'sipas', not 'appraisal'",
        ),
    ],
    "levels_and_parents.json": [
        (
            "criteria[2].level",
            "1.1.1",
            "level 'criterion' does not match the code '1.1.1': a code with 3 parts is a 'sub'",
        ),
        (
            "criteria[4].parent",
            "1.2",
            "parent '8' does not match the code '1.2': its parent is '1'",
        ),
        ("criteria[5].parent", "8", "an area has no parent; got '1'"),
        ("criteria[10].parent", "9.1", "the parent '9' of '9.1' is not in the catalog"),
    ],
    "duplicates.json": [
        ("criteria[10].code", "1.2", "duplicate code '1.2': already used at criteria[4]"),
    ],
    "bad_values.json": [
        (
            "criteria[2].source",
            "1.1.1",
            "source 'apraisal' must be one of 'appraisal', 'ministry_survey', 'district_offices', "
            "'sipas'",
        ),
        ("criteria[4].level", "1.2", "level 'subb' must be one of 'area', 'criterion', 'sub'"),
        ("criteria[8].max_points", "8.2.1", "max_points -1 must be a number > 0"),
        ("criteria[9].name", "8.2.2", "name ' ' must be a non-empty text"),
        ("criteria[10].code", None, "code '1.a' is not a criterion code"),
    ],
    "unknown_keys.json": [
        ("splt", None, "unknown key 'splt' in the catalog"),
        ("split", None, "missing required key 'split' in the catalog"),
        ("criteria[4].max_point", "1.2", "unknown key 'max_point' in the criterion"),
        ("criteria[4].max_points", "1.2", "missing required key 'max_points' in the criterion"),
    ],
    "area_without_criteria.json": [
        (
            "criteria[4].source",
            "1.2",
            "'1.2' is a scored leaf, so it needs a source: 'appraisal', 'ministry_survey', "
            "'district_offices' or 'sipas'",
        ),
        ("criteria[5]", "2", "area '2' has no criteria"),
    ],
    "source_disagrees.json": [
        (
            "criteria[1].source",
            "1.1",
            "source 'ministry_survey' of '1.1' disagrees with its leaf '1.1.1' ('appraisal')",
        ),
    ],
    "bad_header.json": [
        ("unit_type", None, "unit_type 'Sở' must be a code like 'department'"),
        ("year", None, "year '2023' must be a whole number from 1990 to 2100"),
        ("version", None, "version 0 must be a whole number ≥ 1"),
        ("note", None, "an illustrative catalog needs a note saying what is illustrative"),
        ("split", None, "the split 60 + 30 = 90, not 100"),
    ],
    "syntax_error.json": [("line 3, column 3", None, "invalid JSON: Expecting ',' delimiter")],
    "not_an_object.json": [("", None, "a catalog must be a JSON object, got list")],
}

HINTS = {
    ("bad_values.json", "criteria[2].source"): "did you mean 'appraisal'?",
    ("bad_values.json", "criteria[4].level"): "did you mean 'sub'?",
    ("unknown_keys.json", "splt"): "did you mean 'split'?",
    ("unknown_keys.json", "criteria[4].max_point"): "did you mean 'max_points'?",
    ("levels_and_parents.json", "criteria[10].parent"): "add the area '9', or correct the code",
}


def test_every_invalid_file_has_expectations() -> None:
    assert sorted(p.name for p in INVALID.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_catalogs_load_cleanly(path: Path) -> None:
    result = load_catalog_file(path)
    assert result.problems == ()
    assert result.warnings == ()
    assert isinstance(result.value, Catalog)
    assert result.value.total == 100


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_catalogs_give_exactly_their_problems(name: str) -> None:
    result = load_catalog_text((INVALID / name).read_bytes())
    assert result.value is None
    assert not result.ok
    assert _found(result) == EXPECTED[name]
    for problem in result.problems:
        if (name, problem.location) in HINTS:
            assert problem.hint == HINTS[(name, problem.location)]


def test_a_file_location_is_prefixed_and_unwrap_lists_every_problem() -> None:
    result = load_catalog_file(INVALID / "wrong_split.json")
    assert [p.location for p in result.problems] == [
        f"{INVALID / 'wrong_split.json'}:split.appraisal",
        f"{INVALID / 'wrong_split.json'}:split.survey",
    ]
    with pytest.raises(ValueError, match=r"(?s)split's 66.*split's 34"):
        result.unwrap()
    missing = load_catalog_file(INVALID / "nope.json")
    assert "cannot read the file" in missing.problems[0].message


def test_a_criterion_with_a_single_sub_is_a_warning(tiny: Catalog) -> None:
    data = catalog_to_data(tiny)
    data["criteria"] = [c for c in data["criteria"] if c["code"] != "1.1.2"]
    data["criteria"][1]["max_points"] = 10  # 1.1 = its only sub 1.1.1 = 10
    data["criteria"][0]["max_points"] = 20  # area 1 = 10 + 10; total 80 → area 8 absorbs 20
    data["criteria"][4]["max_points"] = 80
    data["criteria"][5]["max_points"] = 45  # 8.1: 45 + 8.2: 35 = 80
    data["split"] = None
    result = load_catalog_data(data)
    assert result.ok
    assert [(w.code, w.message) for w in result.warnings] == [
        ("1.1", "criterion '1.1' has a single sub-criterion '1.1.1'")
    ]


def test_the_tiny_catalog_helpers(tiny: Catalog) -> None:
    assert [a.code for a in tiny.areas] == ["1", "8"]
    assert [c.code for c in tiny.children("1")] == ["1.1", "1.2"]
    # leaves: the subs, plus the criteria without subs (1.2, 8.1)
    assert [c.code for c in tiny.leaves] == ["1.1.1", "1.1.2", "1.2", "8.1", "8.2.1", "8.2.2"]
    assert tiny.subs == tiny.leaves
    assert [c.code for c in tiny.leaves_under("8")] == ["8.1", "8.2.1", "8.2.2"]
    assert tiny.is_leaf("1.2") and not tiny.is_leaf("1.1") and not tiny.is_leaf("1")
    assert tiny.get("8.1").source == "sipas"
    assert tiny.get("1.1").source == "appraisal"  # every leaf below is appraisal
    assert tiny.get("8.2").source is None  # mixed
    assert tiny.area_of("8.2.1").code == "8"
    assert tiny.split == Split(60, 40)
    assert (tiny.leaf_total("appraisal"), tiny.leaf_total("ministry_survey", "sipas")) == (60, 40)
    assert tiny.counts() == {"1": (2, 2), "8": (2, 2)}
    with pytest.raises(KeyError, match=re.escape("did you mean '8.1'")):
        tiny.get("8.11")


def test_a_catalog_refuses_duplicate_codes_and_missing_parents(tiny: Catalog) -> None:
    with pytest.raises(ValueError, match=re.escape("'1.2' is given more than once")):
        Catalog("department", 2023, 1, False, "", None, (*tiny.criteria, tiny.get("1.2")))
    with pytest.raises(
        ValueError, match=re.escape("the parent '1' of '1.1' is not in the catalog")
    ):
        Catalog("department", 2023, 1, False, "", None, tiny.criteria[1:])


# --- the shipped 2023 catalogs -------------------------------------------------------------

AREA_NAMES = [
    "Công tác chỉ đạo, điều hành cải cách hành chính",
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
    "Tác động của CCHC đến người dân, tổ chức và phát triển KT-XH",
]
# sipas-methodology.md §1 (= Decision 1877/QĐ-UBND, mục III.1.a, III.2.a, III.3.a):
# area → (criteria, sub-criteria) for departments · districts · communes
COUNTS = {
    "department": [(8, 10), (4, 11), (5, 15), (3, 12), (6, 18), (3, 14), (3, 14), (2, 5)],
    "district": [(9, 12), (4, 11), (5, 16), (3, 11), (6, 18), (3, 14), (4, 17), (4, 9)],
    "commune": [(9, 11), (3, 7), (5, 15), (3, 2), (5, 11), (3, 10), (3, 14), (4, 9)],
}
TOTALS = {"department": (34, 99), "district": (38, 108), "commune": (35, 79)}
SPLITS = {"department": (66, 34), "district": (66, 34), "commune": (79, 21)}


def test_the_shipped_catalogs_are_the_three_of_2023() -> None:
    assert shipped_catalogs() == ((2023, "commune"), (2023, "department"), (2023, "district"))


@pytest.mark.parametrize("unit_type", sorted(COUNTS))
def test_shipped_catalogs_load_cleanly(unit_type: str) -> None:
    result = load_catalog(unit_type, 2023)
    assert (result.problems, result.warnings) == ((), ())


@pytest.mark.parametrize("unit_type", sorted(COUNTS))
def test_shipped_catalogs_match_the_decision(unit_type: str, shipped: dict[str, Catalog]) -> None:
    catalog = shipped[unit_type]
    assert [a.name for a in catalog.areas] == AREA_NAMES
    assert list(catalog.counts().values()) == COUNTS[unit_type]
    levels = [c.level for c in catalog.criteria]
    assert (levels.count("criterion"), levels.count("sub")) == TOTALS[unit_type]
    assert catalog.total == 100
    assert catalog.split == SPLITS[unit_type]
    appraisal, survey = SPLITS[unit_type]
    assert catalog.leaf_total("appraisal") == appraisal
    assert catalog.leaf_total("ministry_survey", "district_offices", "sipas") == survey
    # a commune's areas 5–7 survey criteria are assessed by the district's offices (mục III.3.b)
    offices = {c.code.split(".")[0] for c in catalog.leaves if c.source == "district_offices"}
    assert offices == ({"5", "6", "7"} if unit_type == "commune" else set())
    sipas = catalog.get("8.1")
    assert (sipas.name, sipas.source, catalog.is_leaf("8.1")) == (
        "Kết quả chỉ số hài lòng (SIPAS)",
        "sipas",
        True,
    )
    assert [c.code for c in catalog.leaves if c.source == "sipas"] == ["8.1"]
    assert catalog.illustrative
    assert "MINH HỌA" in catalog.note and "ILLUSTRATIVE" in catalog.note
    assert "1877/QĐ-UBND" in catalog.decision


def test_the_commune_area_4_oddity_is_kept_as_data(shipped: dict[str, Catalog]) -> None:
    # "03 tiêu chí và 02 tiêu chí thành phần": 4.1 has both sub-criteria, 4.2 and 4.3 have none
    commune = shipped["commune"]
    assert [(c.code, len(commune.children(c.code))) for c in commune.children("4")] == [
        ("4.1", 2),
        ("4.2", 0),
        ("4.3", 0),
    ]
    assert [c.code for c in commune.leaves_under("4")] == ["4.1.1", "4.1.2", "4.2", "4.3"]


def test_no_shipped_catalog_for_an_unknown_year_or_type() -> None:
    result = load_catalog("departmnt", 2023)
    assert result.value is None
    assert (
        result.problems[0].message == "no shipped catalog for unit type 'departmnt' and year 2023"
    )
    assert result.problems[0].hint == "did you mean 'department'?"
    assert "shipped: 2023 commune" in (load_catalog("commune", 2031).problems[0].hint or "")


# --- rows (the CSV/XLSX form the web layer reads and writes) ---------------------------------


@pytest.mark.parametrize("unit_type", sorted(COUNTS))
def test_rows_round_trip(unit_type: str, shipped: dict[str, Catalog]) -> None:
    catalog = shipped[unit_type]
    rows = catalog_to_rows(catalog)
    assert all(tuple(row) == ROW_COLUMNS for row in rows)
    back = catalog_from_rows(
        unit_type,
        rows,
        year=2023,
        version=catalog.version,
        split=catalog.split,
        illustrative=True,
        note=catalog.note,
        decision=catalog.decision,
    )
    assert back.problems == ()
    assert back.value == catalog
    assert load_catalog_data(catalog_to_data(catalog)).value == catalog


def _rows() -> list[dict[str, object]]:
    """The tiny catalog as a spreadsheet gives it: text cells, decimal commas, blank parents."""
    return [
        {"unit_type": "department", "code": "1", "parent": "", "level": "area",
         "name": "Chỉ đạo", "max_points": "40", "source": ""},
        {"unit_type": "department", "code": "1.1", "parent": "1", "level": "criterion",
         "name": "Kế hoạch", "max_points": 30, "source": None},
        {"unit_type": "district", "code": "1", "parent": "", "level": "area",
         "name": "Huyện", "max_points": 100, "source": ""},
        {"unit_type": "department", "code": "1.1.1", "parent": "", "level": "sub",
         "name": "Ban hành", "max_points": "12,5", "source": "appraisal"},
        {"unit_type": "", "code": "", "parent": "", "level": "", "name": "", "max_points": "",
         "source": ""},
        {"unit_type": "department", "code": "1.1.2", "parent": "1.1", "level": "sub",
         "name": "Thực hiện", "max_points": "17.5", "source": "appraisal"},
        {"unit_type": "department", "code": "1.2", "parent": "1", "level": "criterion",
         "name": "Báo cáo", "max_points": 10, "source": "appraisal"},
        {"unit_type": "department", "code": 8, "parent": "", "level": "area",
         "name": "Tác động", "max_points": 60, "source": ""},
        {"unit_type": "department", "code": "8.1", "parent": "8", "level": "criterion",
         "name": "SIPAS", "max_points": 60, "source": "sipas"},
    ]  # fmt: skip


def test_rows_with_decimal_commas_other_unit_types_and_blank_rows() -> None:
    result = catalog_from_rows("department", _rows(), year=2023)
    assert result.problems == ()
    catalog = result.value
    assert catalog is not None
    assert [c.code for c in catalog.criteria] == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "8", "8.1"]
    assert catalog.get("1.1.1").max_points == 12.5
    assert catalog.get("1.1.1").parent == "1.1"  # blank parent: taken from the code
    assert catalog.split is None


def test_row_problems_name_the_spreadsheet_row_and_column() -> None:
    rows = _rows()
    rows[3] = rows[3] | {"max_points": "mười"}  # spreadsheet row 5
    rows[6] = rows[6] | {"code": 1.2}  # row 8: a number, so "1.20" and "1.2" cannot be told apart
    rows[8] = rows[8] | {"source": "sipa"}  # row 10
    result = catalog_from_rows("department", rows, year=2023, split=(50, 50))
    assert [(p.location, p.code, p.message, p.hint) for p in result.problems] == [
        ("row 5, column max_points", "1.1.1", "max_points 'mười' must be a number > 0", None),
        (
            "row 8, column code",
            None,
            "code 1.2 is a number; store codes as text (1.10 and 1.1 are different codes)",
            None,
        ),
        (
            "row 10, column source",
            "8.1",
            "source 'sipa' must be one of 'appraisal', 'ministry_survey', 'district_offices', "
            "'sipas'",
            "did you mean 'sipas'?",
        ),
        # 1.2 is lost, so area 1's children add up to 30 only
        ("row 2, column max_points", "1", "the maxima of the children of '1' add up to 30, not its "
         "maximum 40", None),
    ]  # fmt: skip


def test_rows_missing_a_column_or_a_unit_type() -> None:
    rows = [{k: v for k, v in r.items() if k != "max_points"} | {"max_point": 1} for r in _rows()]
    result = catalog_from_rows("department", rows, year=2023)
    assert [(p.location, p.message, p.hint) for p in result.problems] == [
        ("columns", "missing column 'max_points'", "did you mean 'max_point'?"),
    ]
    assert [w.message for w in result.warnings] == ["unknown column 'max_point' is ignored"]
    none = catalog_from_rows("commune", _rows(), year=2023)
    assert [(p.message, p.hint) for p in none.problems] == [
        ("no rows for unit type 'commune'", "the rows name: department, district")
    ]
