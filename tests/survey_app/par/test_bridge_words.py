"""scoring_bridge's messages said Vietnamese first through the catalogue
(``survey_app.par.bridge_words``, docs/decisions/0027): every template has its Vietnamese, and
the catalogue's English is the package's own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from scoring_bridge import load_catalog_text, load_rule81_text
from scoring_bridge.problems import Problem, say
from survey_app.i18n import text_in
from survey_app.par.bridge_words import WORDS, translated, translated_result, vi_en_said

PACKAGE = Path(__file__).resolve().parents[3] / "scoring_bridge"
PLACEHOLDER = re.compile(r"%\((\w+)\)([sr])")


def _templates() -> set[str]:
    """The first argument of every ``say(…)`` in scoring_bridge (a literal, or the test fails)."""
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "say":
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path.name}:{node.lineno}"
                found.add(first.value)
    return found


def test_every_template_scoring_bridge_says_has_its_vietnamese() -> None:
    templates = _templates()
    assert len(templates) > 100
    assert sorted(templates - set(WORDS)) == [], "add their Vietnamese to bridge_words.WORDS"
    assert sorted(set(WORDS) - templates) == [], "no longer said by scoring_bridge"


def test_the_vietnamese_has_the_templates_values_and_the_catalogue_its_english() -> None:
    for english, vietnamese in WORDS.items():
        assert sorted(PLACEHOLDER.findall(vietnamese)) == sorted(PLACEHOLDER.findall(english))
        assert vietnamese != english
        assert text_in("en", vietnamese) == english, vietnamese


def test_a_problem_and_its_hint_are_said_in_both_languages_with_words_inside() -> None:
    result = translated_result(load_catalog_text(b'{"unit_type": "department", "splt": 1}'))
    unknown = next(p for p in result.problems if p.location == "splt")
    assert unknown.message == "khóa lạ 'splt' trong khung điểm / unknown key 'splt' in the catalog"
    assert unknown.hint == "có phải 'split'? / did you mean 'split'?"
    rule = translated_result(load_rule81_text(b'{"method": "bandz"}'))
    method = next(p for p in rule.problems if p.location == "method")
    assert method.message.startswith("method 'bandz' phải là một trong proportional, bands")
    assert method.message.endswith(" / method 'bandz' must be one of proportional, bands, linear")


def test_other_text_passes_unchanged() -> None:
    plain = Problem("row 2", "đã có / already there", None, "gợi ý / hint")
    assert translated(plain) is plain
    assert vi_en_said("any text") == "any text"
    unknown = say("a template the table does not know: %(x)s", x=1)
    assert vi_en_said(unknown) == unknown == "a template the table does not know: 1"
