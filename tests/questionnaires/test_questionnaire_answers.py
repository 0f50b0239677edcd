"""parse_submission: a submitted form against the shipped SIPAS questionnaire."""

from __future__ import annotations

import pytest

from questionnaires.answers import (
    MESSAGES,
    ErrorCode,
    clean_comment,
    error_message,
    parse_submission,
)
from questionnaires.registry import get_questionnaire

Q = get_questionnaire("sipas-2023", 1)


def full_form(**changes: str) -> dict[str, str]:
    """Every item answered 4, plus the given fields."""
    form = {item_id: "4" for item_id in Q.item_ids}
    form.update(csrf_token="x", sid="y", lang="vi")
    form.update(changes)
    return form


def test_valid_submission() -> None:
    form = full_form(
        q15="1", q33="na", service_field="dat_dai", gender="nu", visit="lan_dau", comment="Tốt"
    )
    parsed = parse_submission(Q, form)
    assert parsed.ok
    assert parsed.errors == {}
    assert parsed.answers["q15"] == 1
    assert parsed.answers["q16"] == 4
    assert parsed.answers["q33"] == "na"
    assert list(parsed.answers) == list(Q.item_ids)
    assert parsed.service_field == "dat_dai"
    assert parsed.profile == {"gender": "nu", "visit": "lan_dau"}
    assert parsed.comment == "Tốt"


def test_optional_fields_may_be_absent_or_blank() -> None:
    parsed = parse_submission(Q, full_form(service_field="", gender="  ", comment=" \n "))
    assert parsed.ok
    assert (parsed.service_field, parsed.profile, parsed.comment) == (None, {}, None)


@pytest.mark.parametrize("value", ["7", "0", "abc", "05", "+5", "4.0", "NA", "1 2"])
def test_invalid_item_code(value: str) -> None:
    parsed = parse_submission(Q, full_form(q20=value))
    assert parsed.errors == {"q20": ErrorCode.INVALID_CHOICE}
    assert "q20" not in parsed.answers


@pytest.mark.parametrize("value", ["5", " 5 ", "na", " na"])
def test_accepted_item_codes(value: str) -> None:
    parsed = parse_submission(Q, full_form(q20=value))
    assert parsed.ok
    assert parsed.answers["q20"] == (5 if "5" in value else "na")


def test_missing_required_items() -> None:
    form = full_form(q18="")
    del form["q19"]
    parsed = parse_submission(Q, form)
    assert parsed.errors == {"q18": ErrorCode.REQUIRED, "q19": ErrorCode.REQUIRED}


def test_empty_form_requires_every_item_only() -> None:
    parsed = parse_submission(Q, {})
    assert parsed.errors == dict.fromkeys(Q.item_ids, ErrorCode.REQUIRED)


@pytest.mark.parametrize(
    ("field", "value"),
    [("service_field", "hai_quan"), ("gender", "khac"), ("age_group", "18-25"), ("visit", "1")],
)
def test_choice_not_in_options(field: str, value: str) -> None:
    parsed = parse_submission(Q, full_form(**{field: value}))
    assert parsed.errors == {field: ErrorCode.INVALID_CHOICE}
    assert field not in parsed.profile
    assert parsed.service_field is None


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  Rất tốt  ", "Rất tốt"),
        ("a\x00b\x07c\x1bd\x7fe", "abcde"),
        ("dòng 1\r\ndòng 2\rdòng 3", "dòng 1\ndòng 2\ndòng 3"),
        ("cột\tmột", "cột một"),
        ("x\u200by", "x\u200by"),
        ("\x00 \x01", None),
        ("", None),
    ],
)
def test_comment_cleaning(raw: str, cleaned: str | None) -> None:
    assert clean_comment(raw) == cleaned
    assert parse_submission(Q, full_form(comment=raw)).comment == cleaned


def test_comment_is_normalised_to_nfc() -> None:
    decomposed = "Ca\u0309m o\u031bn"  # "Cảm ơn" with combining marks
    parsed = parse_submission(Q, full_form(comment=decomposed))
    assert parsed.comment == "Cảm ơn"
    assert len(parsed.comment) == 6


@pytest.mark.parametrize(("length", "ok"), [(2000, True), (2001, False)])
def test_comment_length_limit(length: int, ok: bool) -> None:
    parsed = parse_submission(Q, full_form(comment="ă" * length))
    assert parsed.ok is ok
    assert parsed.errors == ({} if ok else {"comment": ErrorCode.TOO_LONG})
    assert parsed.comment is not None and len(parsed.comment) == length


def test_comment_length_counts_after_cleaning() -> None:
    padded = "  " + "a\x00" * 2000 + "  "
    parsed = parse_submission(Q, full_form(comment=padded))
    assert parsed.ok
    assert parsed.comment == "a" * 2000


def test_decomposed_comment_counts_composed_characters() -> None:
    parsed = parse_submission(Q, full_form(comment="a\u0301" * 2000))
    assert parsed.ok


@pytest.mark.parametrize(
    ("code", "lang", "expected"),
    [
        ("required", "vi", "Vui lòng chọn một câu trả lời cho câu hỏi này."),
        ("invalid_choice", "vi", "Câu trả lời không hợp lệ. Vui lòng chọn một trong các lựa chọn."),
        ("too_long", "vi", "Góp ý dài quá 2000 ký tự. Vui lòng rút gọn."),
        ("required", "en", "Please choose an answer to this question."),
        ("invalid_choice", "en", "This answer is not valid. Please choose one of the options."),
        ("too_long", "en", "Your comment is longer than 2000 characters. Please shorten it."),
        ("required", "fr", "Vui lòng chọn một câu trả lời cho câu hỏi này."),
    ],
)
def test_error_messages(code: str, lang: str, expected: str) -> None:
    assert error_message(code, lang) == expected


def test_error_message_uses_the_questionnaire_limit() -> None:
    assert "500 ký tự" in error_message(ErrorCode.TOO_LONG, "vi", max_length=500)
    message = error_message("too_long", "en", questionnaire=Q, field="comment")
    assert "2000 characters" in message


def test_every_error_code_has_vietnamese_and_english() -> None:
    assert set(MESSAGES) == set(ErrorCode)
    assert all(set(m) == {"vi", "en"} for m in MESSAGES.values())


def test_unknown_error_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="nope"):
        error_message("nope")
