"""scoring_bridge's messages said Vietnamese first through the catalogue
(``survey_app.par.bridge_words``, docs/decisions/0027): a problem, its hint and the words inside
them in both languages. That every template has its Vietnamese and the catalogue the package's
English is ``tests/survey_app/test_said_words.py``'s, as for the other packages."""

from __future__ import annotations

import json
from pathlib import Path

from scoring_bridge import load_catalog_data, load_catalog_text, load_rule81_text
from scoring_bridge.problems import Problem, Said, say
from survey_app.par.bridge_words import translated, translated_result, vi_en_said

CATALOGS = Path(__file__).resolve().parents[2] / "scoring_bridge" / "catalogs"


def test_every_problem_of_a_rules_section_is_said_in_both_languages() -> None:
    rules = {
        "not_applicable": [{"code": "1", "when": " "}, {"code": "1.3", "units": 2}],
        "bonus": {"cap": 0, "items": [{"code": "1.5", "name": "", "max_points": -1}, 3]},
        "penalty": "many",
        "adjust": "indx",
        "clamp": {"min": "low", "max": 0, "mid": 1},
        "classes": {"decimals": 9, "bands": [{"min_index": 50}, {"min_index": 80, "label": "x"}]},
        "illustrative": True,
    }
    data = json.loads((CATALOGS / "valid" / "tiny.json").read_text(encoding="utf-8"))
    result = translated_result(load_catalog_data(data | {"rules": rules}))
    assert len(result.problems) > 12
    for problem in result.problems:
        vietnamese, english = problem.message.split(" / ")
        assert vietnamese != english and not isinstance(problem.message, Said), problem
    shown = {p.location: (p.message, p.hint) for p in result.problems}
    assert shown["rules.adjust"] == (
        "adjust 'indx' phải là 'index' (cộng vào chỉ số) hoặc 'points' (cộng vào tổng điểm) / "
        "adjust 'indx' must be 'index' (added to the index) or 'points' (added to the points)",
        "có phải 'index'? / did you mean 'index'?",
    )
    assert shown["rules.bonus.cap"][0].startswith(
        "mức trần tổng điểm thưởng 0 phải là một số > 0 (hoặc null: không có trần) / the cap 0 "
        "on the bonus must be"
    )
    assert (
        shown["rules.clamp.mid"][0] == "khóa lạ 'mid' trong clamp / unknown key 'mid' in the clamp"
    )


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
