"""``scoring_bridge`` re-exports its names and ships its data (imports: tests/test_project.py)."""

from __future__ import annotations

from pathlib import Path

import scoring_bridge

PACKAGE = Path(scoring_bridge.__file__).parent


def test_the_package_reexports_its_public_names() -> None:
    for name in scoring_bridge.__all__:
        assert hasattr(scoring_bridge, name), name


def test_the_data_is_json_beside_the_code() -> None:
    data = PACKAGE / "data"
    assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*.json")) == [
        "catalogs/2023/commune.json",
        "catalogs/2023/department.json",
        "catalogs/2023/district.json",
        "rules81/2023/commune.json",
        "rules81/2023/department.json",
        "rules81/2023/district.json",
        "workflow/appraisers.json",
        "workflow/deadlines.json",
    ]


def test_a_said_message_is_its_english_text_and_keeps_its_template() -> None:
    import pickle

    from scoring_bridge.problems import Said, say

    word = say("catalog")
    said = say("unknown key %(key)r in the %(what)s", key="x", what=word)
    assert said == "unknown key 'x' in the catalog" and isinstance(said, str)
    assert said.template == "unknown key %(key)r in the %(what)s"
    assert said.values == {"key": "x", "what": word} and isinstance(said.values["what"], Said)
    again = pickle.loads(pickle.dumps(said))
    assert again == said and again.template == said.template
