"""The loader: valid definitions load cleanly; each invalid one gives exactly its problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from questionnaires.loader import (
    load_questionnaire,
    load_questionnaire_data,
    load_questionnaire_file,
    load_questionnaire_text,
)
from questionnaires.problems import LoadResult, Problem, format_problems
from questionnaires.registry import definitions_root, relative_path, shipped

HERE = Path(__file__).parent
VALID = sorted((HERE / "valid").glob("*.json"))
INVALID = HERE / "invalid"
SHIPPED = [Path(str(definitions_root() / relative_path(qid, v))) for qid, v in shipped()]

MISSING_EN = "the English ('en') text is missing"

# file in invalid/ → every expected problem: (location, a substring of its message).
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "syntax_error.json": [("line 4, column 3", "invalid JSON: Expecting ',' delimiter")],
    "trailing_comma.json": [("line 5, column 22", "invalid JSON: Expecting value")],
    "not_an_object.json": [("", "the questionnaire must be an object, got an array")],
    "missing_keys.json": [
        ("intro", "missing required key 'intro'"),
        ("scale", "missing required key 'scale'"),
        ("elements[0].title", "missing required key 'title' in the element"),
    ],
    "unknown_key.json": [
        ("titel", "unknown key 'titel' in the questionnaire"),
        ("title", "missing required key 'title'"),
        ("elements[0].items[0].requried", "unknown key 'requried' in the item"),
        ("elements[0].items[0].required", "missing required key 'required' in the item"),
    ],
    "duplicate_key.json": [
        ("id", "key 'id' is given more than once"),
        ("title.vi", "language 'vi' is given more than once"),
        ("intro", "missing required key 'intro'"),
        ("privacy_note", "missing required key 'privacy_note'"),
        ("scale", "missing required key 'scale'"),
        ("elements", "missing required key 'elements'"),
    ],
    "wrong_types.json": [
        ("version", "must be a whole number, got a string '1'"),
        ("elements[0].items[0].required", "must be true or false, got a string 'yes'"),
        ("demographics", "'demographics' must be an array, got an object"),
    ],
    "duplicate_item_id.json": [
        ("elements[0].items[1].id", "duplicate id 'q1': already used at elements[0].items[0].id"),
    ],
    "scale_not_1_to_5.json": [
        ("scale.levels", "exactly the levels 1, 2, 3, 4, 5 in that order; got [1, 2, 3, 5]"),
    ],
    "missing_vi.json": [
        ("elements[0].items[1].text.vi", "the Vietnamese ('vi') text is missing"),
        ("service_field.options[1].label.vi", "the Vietnamese ('vi') text is missing"),
    ],
    "missing_en.json": [
        ("intro.en", MISSING_EN),
        ("scale.levels[2].label.en", MISSING_EN),
        ("comment.label.en", MISSING_EN),
    ],
    "languages_without_vi.json": [
        ("languages", "language 'en' is listed more than once"),
        ("languages", "languages ['en', 'en'] must include 'vi'"),
    ],
    "comment_max_length.json": [
        ("comment.max_length", "max_length 5000 is out of range: it must be from 1 to 2000"),
    ],
    "non_nfc.json": [
        ("elements[0].title.vi", "is not in Unicode NFC form (character 4 is U+0302"),
    ],
    "element_no_items.json": [("elements[1].items", "element 'E2' has no items")],
    "no_elements.json": [("elements", "the questionnaire has no elements")],
    "reserved_name.json": [
        ("elements[0].items[1].id", "id 'lang' is reserved by the survey form"),
        ("demographics[0].id", "id 'giới tính' is not a valid field name"),
    ],
    "several_problems.json": [
        ("comment.lable", "unknown key 'lable' in the comment"),
        ("comment.label", "missing required key 'label' in the comment"),
        ("id", "questionnaire id 'Mini Survey' is not a slug"),
        ("version", "version 0 must be a positive whole number"),
        ("elements[0].items[1].id", "duplicate id 'q1'"),
        ("elements[0].items[1].text.en", MISSING_EN),
        ("elements[0].items[1].text.fr", "language 'fr' is not in languages ['vi', 'en']"),
        ("elements[1].items", "element 'E2' has no items"),
        ("service_field.options[1].code", "duplicate option code 'dat_dai'"),
        ("demographics[0].options[1].label.vi", "text 'Nu\u031b\u0303' is not in Unicode NFC"),
        ("comment.max_length", "max_length 0 is out of range"),
    ],
}

HINTS: list[tuple[str, str, str]] = [
    ("unknown_key.json", "titel", "did you mean 'title'?"),
    ("unknown_key.json", "elements[0].items[0].requried", "did you mean 'required'?"),
    ("several_problems.json", "comment.lable", "did you mean 'label'?"),
    ("syntax_error.json", "line 4, column 3", "a comma is probably missing"),
    ("wrong_types.json", "version", "write it without quotes"),
]


def _relative(result: LoadResult, path: Path) -> list[tuple[str, str]]:
    """(location without the file prefix, message) of every problem."""
    pairs = []
    for problem in result.problems:
        assert problem.location.startswith(str(path)), problem.location
        pairs.append((problem.location[len(str(path)) :].removeprefix(":"), problem.message))
    return pairs


@pytest.mark.parametrize("path", VALID + SHIPPED, ids=lambda p: p.name)
def test_valid_definitions_load_cleanly(path: Path) -> None:
    result = load_questionnaire(path)
    assert result.ok, format_problems(result)
    assert result.problems == ()
    assert result.warnings == ()
    assert result.value is not None


def test_every_invalid_file_has_expectations() -> None:
    assert sorted(p.name for p in INVALID.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_definition_reports_exactly_its_problems(name: str) -> None:
    path = INVALID / name
    result = load_questionnaire_file(path)
    assert not result.ok
    assert result.value is None
    found = _relative(result, path)
    assert [loc for loc, _ in found] == [loc for loc, _ in EXPECTED[name]], format_problems(result)
    for (_, message), (_, expected) in zip(found, EXPECTED[name], strict=True):
        assert expected in message


@pytest.mark.parametrize(("name", "location", "hint"), HINTS)
def test_problem_hints(name: str, location: str, hint: str) -> None:
    path = INVALID / name
    result = load_questionnaire_file(path)
    hints = {p.location: p.hint for p in result.problems}
    assert hint in (hints[f"{path}:{location}"] or "")


def test_several_problems_also_warns_about_required_demographics() -> None:
    result = load_questionnaire_file(INVALID / "several_problems.json")
    assert [w.location.rsplit(":", 1)[1] for w in result.warnings] == ["demographics[0].required"]


def test_text_source_has_unprefixed_locations() -> None:
    text = (INVALID / "duplicate_item_id.json").read_text(encoding="utf-8")
    result = load_questionnaire(text)
    assert [p.location for p in result.problems] == ["elements[0].items[1].id"]


def test_source_name_prefixes_locations() -> None:
    result = load_questionnaire_text('{"id": 1}', source="x.json")
    assert result.problems[0] == Problem(
        "x.json:id", "must be a string, got a whole number 1", None
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe{}", "the file is not UTF-8 text"),
        (b"", "invalid JSON: Expecting value"),
        (b'{"version": NaN}', "invalid JSON: NaN is not allowed"),
        (b"[" * 100_000, "invalid JSON"),
    ],
)
def test_unreadable_text_is_a_problem_not_an_exception(raw: bytes, expected: str) -> None:
    result = load_questionnaire_text(raw)
    assert result.value is None
    assert expected in result.problems[0].message


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    result = load_questionnaire(path)
    assert [(p.location, p.hint) for p in result.problems] == [(str(path), "check the path")]
    assert "cannot read the file" in result.problems[0].message


def test_byte_order_mark_is_a_warning() -> None:
    raw = b"\xef\xbb\xbf" + (HERE / "valid" / "minimal_vi_only.json").read_bytes()
    result = load_questionnaire_text(raw)
    assert result.ok
    assert "byte-order mark" in result.warnings[0].message


def test_surrounding_spaces_in_text_are_a_warning() -> None:
    data = json.loads((HERE / "valid" / "minimal_vi_only.json").read_text(encoding="utf-8"))
    data["title"]["vi"] = " Khảo sát "
    result = load_questionnaire_data(data)
    assert result.ok
    assert [(w.location, w.message) for w in result.warnings] == [
        ("title.vi", "text ' Khảo sát ' has leading or trailing spaces")
    ]


def test_control_characters_in_text_are_a_problem() -> None:
    data = json.loads((HERE / "valid" / "minimal_vi_only.json").read_text(encoding="utf-8"))
    data["intro"]["vi"] = "Một\x00phút"
    result = load_questionnaire_data(data)
    assert [(p.location, p.message) for p in result.problems] == [
        ("intro.vi", "text 'Một\\x00phút' contains control characters U+0000")
    ]


def test_format_problems_one_line_each() -> None:
    result = load_questionnaire_file(INVALID / "unknown_key.json")
    lines = format_problems(result).splitlines()
    assert len(lines) == 4
    assert lines[0] == (
        f"{INVALID / 'unknown_key.json'}:titel: unknown key 'titel' in the questionnaire "
        "(hint: did you mean 'title'?)"
    )


def test_format_problems_lists_warnings_after_problems() -> None:
    result = load_questionnaire_file(INVALID / "several_problems.json")
    last = format_problems(result).splitlines()[-1]
    assert last.endswith(
        "demographics[0].required: warning: demographic question 'gender' is required "
        "(hint: demographics should be optional on an anonymous counter survey)"
    )
