"""XLSForm ⇄ JSON: the shipped questionnaire goes round unchanged; every bad cell is located."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest

from questionnaires.registry import definitions_root
from questionnaires.xlsform import language_of, load_xlsform, to_xlsform

Sheets = dict[str, list[list[object]]]


def shipped_data() -> dict:
    return json.loads(definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8"))


def sipas_sheets() -> Sheets:
    return to_xlsform(shipped_data())


def test_the_shipped_questionnaire_goes_round_unchanged() -> None:
    result, data = load_xlsform(sipas_sheets())
    assert result.ok and result.problems == ()
    assert data == shipped_data()
    assert result.value is not None and len(result.value.items) == 19


def _row(sheets: Sheets, sheet: str, name: str) -> list[object]:
    column = sheets[sheet][0].index("name")
    return next(r for r in sheets[sheet][1:] if r[column] == name)


def _set(sheet: str, name: str, column: str, value: object) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        _row(sheets, sheet, name)[sheets[sheet][0].index(column)] = value

    return change


def _settings(column: str, value: object) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        sheets["settings"][1][sheets["settings"][0].index(column)] = value

    return change


def _drop(sheet: str) -> Callable[[Sheets], None]:
    return lambda sheets: sheets.pop(sheet)


@pytest.mark.parametrize(
    ("change", "location", "words"),
    [
        (_settings("version", "v2"), "settings · dòng 2 · cột version", "whole number"),
        (_settings("form_id", "SIPAS 2023"), "settings · dòng 2 · cột form_id", "slug"),
        (_set("survey", "q20", "name", "q15"), "survey · dòng {q20} · cột name", "duplicate id"),
        (_set("survey", "q16", "type", "integer"), "survey · dòng {q16} · cột type", "supported"),
        (
            _set("survey", "q17", "type", "select_one stars"),
            "survey · dòng {q17} · cột type",
            "'stars'",
        ),
        (
            _set("survey", "q18", "label::Vietnamese (vi)", ""),
            "survey · dòng {q18} · cột label::Vietnamese (vi)",
            "Vietnamese",
        ),
        (_set("survey", "q19", "required", "maybe"), "survey · dòng {q19} · cột required", "yes"),
        (_set("choices", "nu", "name", "nam"), "choices", "duplicate"),
        (_drop("survey"), "survey", "no sheet named 'survey'"),
        (_drop("settings"), "settings", "missing"),
    ],
)
def test_a_bad_cell_is_reported_at_its_sheet_row_and_column(
    change: Callable[[Sheets], None], location: str, words: str
) -> None:
    sheets = copy.deepcopy(sipas_sheets())
    names = [row[1] for row in sheets["survey"]]
    location = location.format(
        **{n: names.index(n) + 1 for n in ("q16", "q17", "q18", "q19", "q20")}
    )
    change(sheets)
    result, data = load_xlsform(sheets)
    assert data is None and result.value is None
    found = [p for p in result.problems if p.location.startswith(location)]
    assert found, [str(p) for p in result.problems]
    assert any(words in str(p) for p in found), [str(p) for p in found]


def test_every_problem_is_listed_at_once() -> None:
    sheets = copy.deepcopy(sipas_sheets())
    _settings("version", "x")(sheets)
    _set("survey", "q16", "type", "date")(sheets)
    _set("survey", "q20", "name", "q15")(sheets)
    result, _ = load_xlsform(sheets)
    assert len(result.problems) >= 3


def test_metadata_rows_are_ignored_with_a_warning() -> None:
    sheets = copy.deepcopy(sipas_sheets())
    width = len(sheets["survey"][0])
    sheets["survey"].insert(1, ["start", "start", *[""] * (width - 2)])
    result, data = load_xlsform(sheets)
    assert result.ok and data == shipped_data()
    assert any("ignored" in w.message for w in result.warnings)


@pytest.mark.parametrize(
    ("suffix", "lang"),
    [("Vietnamese (vi)", "vi"), ("Vietnamese", "vi"), ("English", "en"), ("en", "en"), ("?", None)],
)
def test_language_columns(suffix: str, lang: str | None) -> None:
    assert language_of(suffix) == lang
