"""The computation packages' messages said Vietnamese first through the catalogue (docs/decisions
0027, 0030, 0031): every template a package says (``analysis``, ``sampling``, ``questionnaires``,
``scoring_bridge``) has its Vietnamese in the app's table, each Vietnamese id has the template's
values, and the catalogue's English is the package's own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from analysis import SipasData
from analysis.said import SaidError, say
from sampling import SizeParams, Stratum
from survey_app.i18n import text_in
from survey_app.par import bridge_words
from survey_app.planning import sampling_words
from survey_app.results import analysis_words
from survey_app.survey import questionnaire_words

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)([sr])")
TABLES = {
    "analysis": analysis_words.WORDS,
    "sampling": sampling_words.WORDS,
    "questionnaires": questionnaire_words.WORDS,
    "scoring_bridge": bridge_words.WORDS,
}


def _templates(package: str) -> set[str]:
    """The first argument of every ``say(…)`` in ``package`` (a literal, or the test fails)."""
    found: set[str] = set()
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "say":
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path.name}:{node.lineno}"
                found.add(first.value)
    return found


@pytest.mark.parametrize("package", sorted(TABLES))
def test_every_template_a_package_says_has_its_vietnamese(package: str) -> None:
    templates, words = _templates(package), TABLES[package]
    assert templates
    assert sorted(templates - set(words)) == [], f"add their Vietnamese to {package}'s WORDS"
    assert sorted(set(words) - templates) == [], f"no longer said by {package}"


@pytest.mark.parametrize("package", sorted(TABLES))
def test_the_vietnamese_has_the_values_and_the_catalogue_the_english(package: str) -> None:
    for english, vietnamese in TABLES[package].items():
        assert sorted(PLACEHOLDER.findall(vietnamese)) == sorted(PLACEHOLDER.findall(english))
        assert vietnamese != english
        assert text_in("en", vietnamese) == english, vietnamese


def test_an_analysis_error_lists_each_unit_vietnamese_first() -> None:
    with pytest.raises(SaidError) as raised:
        SipasData(
            unit_codes=["A", "B", "B"],
            item_ids=("q1",),
            answers=[[4.0], [5.0], [3.0]],
            elements=(("e1", ("q1",)),),
            populations={"A": 10},
        )
    assert str(raised.value) == "unit 'B' has answers but no population (completed dossiers)"
    assert analysis_words.error_lines(raised.value) == [
        "đơn vị 'B' có câu trả lời nhưng chưa có số hồ sơ (số hồ sơ đã giải quyết) / "
        "unit 'B' has answers but no population (completed dossiers)"
    ]


def test_other_errors_are_listed_line_by_line_as_they_are() -> None:
    assert analysis_words.error_lines(ValueError("one\ntwo")) == ["one", "two"]
    unknown = say("a template no table knows: %(x)s", x=1)
    assert analysis_words.vi_en_said(unknown) == "a template no table knows: 1"


def test_a_sampling_error_says_the_parameter_by_its_name_on_the_form() -> None:
    with pytest.raises(ValueError) as raised:
        SizeParams(margin=1.5)
    assert str(raised.value) == "margin (1.5) must be in (0, 1)"
    assert sampling_words.error_text(raised.value) == (
        "Sai số (1.5) phải lớn hơn 0 và nhỏ hơn 1 / margin (1.5) must be in (0, 1)"
    )
    with pytest.raises(ValueError) as raised:
        Stratum("H01", 10, p=1.0)
    assert sampling_words.error_text(raised.value) == (
        "p dự kiến của đơn vị 'H01' (1.0) phải lớn hơn 0 và nhỏ hơn 1 / "
        "p of stratum 'H01' (1.0) must be in (0, 1)"
    )


def test_the_said_modules_of_the_packages_are_alike() -> None:
    def code(package: str) -> str:
        text = (ROOT / package / "said.py").read_text(encoding="utf-8")
        return text[text.index("from __future__") :]

    assert code("sampling") == code("analysis")
    assert code("questionnaires") == code("analysis")


def test_a_questionnaire_problem_is_said_vietnamese_first_its_words_inside_too() -> None:
    from questionnaires import load_questionnaire_text

    result = questionnaire_words.translated_result(
        load_questionnaire_text(b'{"id": "x", "version": "1", "elemnts": []}')
    )
    shown = {p.location: (p.message, p.hint) for p in result.problems}
    assert shown["version"] == (
        "phải là một số nguyên, nhưng đang là văn bản '1' / must be a whole number, got a "
        "string '1'",
        "hãy viết không có dấu ngoặc kép / write it without quotes",
    )
    assert shown["elemnts"] == (
        "khóa lạ 'elemnts' trong bộ câu hỏi / unknown key 'elemnts' in the questionnaire",
        "có phải 'elements'? / did you mean 'elements'?",
    )


def test_a_draw_error_says_the_unit_and_its_frame_vietnamese_first() -> None:
    from sampling import draw_sample

    with pytest.raises(ValueError) as raised:
        draw_sample({"A": ["d1", "d2"]}, {"A": 3}, seed=1)
    assert str(raised.value) == "size of unit 'A' (3) exceeds its frame (2 dossiers)"
    assert sampling_words.error_text(raised.value) == (
        "cỡ mẫu của đơn vị 'A' (3) lớn hơn danh sách hồ sơ (2 hồ sơ) / "
        "size of unit 'A' (3) exceeds its frame (2 dossiers)"
    )
    with pytest.raises(ValueError) as raised:
        draw_sample({"A": ["d1"]}, {"A": -1}, seed=1)
    assert sampling_words.error_text(raised.value) == (
        "cỡ mẫu của đơn vị 'A' (-1) phải là số nguyên không âm / "
        "size of unit 'A' (-1) must be a non-negative integer"
    )


def test_a_number_the_plan_form_cannot_read_is_named_as_the_form_names_it() -> None:
    from survey_app.planning.pages import PlanForm

    form = PlanForm({"margin": "năm"}, [])
    assert form.number("margin") is None
    assert form.errors == ["Sai số ('năm') phải là một số / margin ('năm') must be a number"]


def test_a_status_refusal_is_said_in_both_languages() -> None:
    from survey_app.par.labels import status_refusal

    assert status_refusal("published", "draft") == (
        "Không thể chuyển từ „Đã công bố” sang „Đang tự đánh giá”: đây là trạng thái cuối cùng / "
        "cannot go from 'Published' to 'Self-assessment in progress': it is final"
    )
