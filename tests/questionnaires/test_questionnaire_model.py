"""The frozen model: Text fallback, hashability, lookups."""

from __future__ import annotations

import dataclasses

import pytest

from questionnaires.model import (
    SIPAS_SCALE,
    ChoiceQuestion,
    Element,
    Item,
    Option,
    Questionnaire,
    Text,
)


def small() -> Questionnaire:
    items = (Item("a1", Text.of(vi="Một"), True), Item("a2", Text.of(vi="Hai"), False))
    return Questionnaire(
        id="nho",
        version=1,
        languages=("vi",),
        title=Text.of(vi="Nhỏ"),
        intro=Text.of(vi="Giới thiệu"),
        privacy_note=Text.of(vi="Ẩn danh"),
        elements=(Element("E1", Text.of(vi="Yếu tố"), items),),
        service_field=None,
        demographics=(
            ChoiceQuestion(
                "gender",
                Text.of(vi="Giới tính"),
                (Option("nam", Text.of(vi="Nam")), Option("nu", Text.of(vi="Nữ"))),
                False,
            ),
        ),
        comment=None,
    )


@pytest.mark.parametrize(
    ("lang", "expected"), [("vi", "Đất đai"), ("en", "Land"), ("fr", "Đất đai")]
)
def test_text_falls_back_to_vietnamese(lang: str, expected: str) -> None:
    assert Text.of(vi="Đất đai", en="Land").get(lang) == expected


def test_text_is_canonical_and_hashable() -> None:
    a = Text.of(en="Land", vi="Đất đai")
    b = Text.of({"vi": "Đất đai", "en": "Land"})
    assert a == b and hash(a) == hash(b)
    assert a.languages == ("vi", "en")
    assert a.as_dict() == {"vi": "Đất đai", "en": "Land"}
    assert str(a) == "Đất đai"


@pytest.mark.parametrize(
    "pairs", [(("en", "Land"),), (("vi", "a"), ("vi", "b"))], ids=["no-vi", "twice"]
)
def test_text_rejects_bad_pairs(pairs: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(ValueError, match="Text"):
        Text(pairs)


def test_questionnaire_is_frozen_and_hashable() -> None:
    q = small()
    assert hash(q) == hash(small())
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.version = 2  # type: ignore[misc]


def test_lookups() -> None:
    q = small()
    assert q.key == ("nho", 1)
    assert q.item_ids == ("a1", "a2")
    assert q.item("a2").required is False
    assert q.element_of("a1").id == "E1"
    assert q.field_names == ("a1", "a2", "gender")
    assert q.choice_questions == q.demographics
    assert q.demographics[0].option("nu").label.vi == "Nữ"
    assert q.scale is SIPAS_SCALE
    assert SIPAS_SCALE.level_codes == (1, 2, 3, 4, 5)
    assert [c.code for c in SIPAS_SCALE.choices] == [1, 2, 3, 4, 5, "na"]


@pytest.mark.parametrize("call", ["item", "element_of", "option"])
def test_lookup_of_unknown_id_raises_key_error(call: str) -> None:
    q = small()
    target = q.demographics[0] if call == "option" else q
    with pytest.raises(KeyError, match="zz"):
        getattr(target, call)("zz")
