"""Parse a submitted survey form against a questionnaire: a pure function, no Flask.

Answers are validated strictly: an item accepts exactly the strings ``"1"``…``"5"`` (and the
scale's not-applicable code, ``"na"``); a choice accepts exactly one of its option codes.
Surrounding spaces are ignored. Unknown form fields (``csrf_token``, ``sid`` …) are ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from questionnaires.model import (
    COMMENT_MAX_LENGTH,
    DEFAULT_LANGUAGE,
    ChoiceQuestion,
    Questionnaire,
)


class ErrorCode(StrEnum):
    """Why a form field was rejected."""

    REQUIRED = "required"
    INVALID_CHOICE = "invalid_choice"
    TOO_LONG = "too_long"


MESSAGES: dict[ErrorCode, dict[str, str]] = {
    ErrorCode.REQUIRED: {
        "vi": "Vui lòng chọn một câu trả lời cho câu hỏi này.",
        "en": "Please choose an answer to this question.",
    },
    ErrorCode.INVALID_CHOICE: {
        "vi": "Câu trả lời không hợp lệ. Vui lòng chọn một trong các lựa chọn.",
        "en": "This answer is not valid. Please choose one of the options.",
    },
    ErrorCode.TOO_LONG: {
        "vi": "Góp ý dài quá {max} ký tự. Vui lòng rút gọn.",
        "en": "Your comment is longer than {max} characters. Please shorten it.",
    },
}
"""The message of each error code, by language; ``{max}`` is the comment's max_length."""


@dataclass(frozen=True, slots=True)
class ParsedSubmission:
    """A parsed form.

    ``answers``: item id → level (1..5) or the not-applicable code; unanswered optional items
    are absent. ``profile``: demographic id → option code, answered ones only. ``comment``: the
    cleaned comment or None (kept even when too long, so the form can show it again).
    ``errors``: field name → why it was rejected; the submission is valid when it is empty.
    """

    answers: dict[str, int | str]
    service_field: str | None
    profile: dict[str, str]
    comment: str | None
    errors: dict[str, ErrorCode]

    @property
    def ok(self) -> bool:
        """True when no field was rejected."""
        return not self.errors


def parse_submission(q: Questionnaire, form: Mapping[str, str]) -> ParsedSubmission:
    """Validate and convert the submitted ``form`` (field name → value) for questionnaire ``q``."""
    errors: dict[str, ErrorCode] = {}
    scale_codes: dict[str, int | str] = {str(level.code): level.code for level in q.scale.levels}
    if q.scale.not_applicable is not None:
        scale_codes[q.scale.not_applicable.code] = q.scale.not_applicable.code
    answers: dict[str, int | str] = {}
    for item in q.items:
        value = _value(form, item.id)
        if value is None:
            if item.required:
                errors[item.id] = ErrorCode.REQUIRED
        elif value in scale_codes:
            answers[item.id] = scale_codes[value]
        else:
            errors[item.id] = ErrorCode.INVALID_CHOICE
    service_field = None
    if q.service_field is not None:
        service_field = _choice(q.service_field, form, errors)
    profile: dict[str, str] = {}
    for question in q.demographics:
        if (code := _choice(question, form, errors)) is not None:
            profile[question.id] = code
    comment = None
    if q.comment is not None:
        comment = clean_comment(_raw(form, q.comment.id))
        if comment is not None and len(comment) > q.comment.max_length:
            errors[q.comment.id] = ErrorCode.TOO_LONG
    return ParsedSubmission(answers, service_field, profile, comment, errors)


def _raw(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _value(form: Mapping[str, str], name: str) -> str | None:
    """The stripped value of a choice field, or None when it is absent or blank."""
    return _raw(form, name).strip() or None


def _choice(
    question: ChoiceQuestion, form: Mapping[str, str], errors: dict[str, ErrorCode]
) -> str | None:
    value = _value(form, question.id)
    if value is None:
        if question.required:
            errors[question.id] = ErrorCode.REQUIRED
        return None
    if value not in question.option_codes:
        errors[question.id] = ErrorCode.INVALID_CHOICE
        return None
    return value


def clean_comment(text: str) -> str | None:
    """Clean a free-text comment; None when nothing is left.

    Line breaks become ``\\n`` and tabs spaces; other control characters (Unicode category Cc)
    and lone surrogates are removed; the text is normalised to NFC and stripped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    kept = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs"))
    cleaned = unicodedata.normalize("NFC", kept).strip()
    return cleaned or None


def error_message(
    code: ErrorCode | str,
    lang: str = DEFAULT_LANGUAGE,
    *,
    questionnaire: Questionnaire | None = None,
    field: str | None = None,
    max_length: int | None = None,
) -> str:
    """The message for ``code`` in ``lang`` (Vietnamese when ``lang`` has none).

    ``{max}`` in the too-long message is ``max_length``, else the questionnaire's comment limit,
    else 2000. ``field`` is accepted for callers that pass it; messages do not depend on it yet.
    """
    messages = MESSAGES[ErrorCode(code)]
    template = messages.get(lang, messages[DEFAULT_LANGUAGE])
    if max_length is None:
        comment = questionnaire.comment if questionnaire is not None else None
        max_length = comment.max_length if comment is not None else COMMENT_MAX_LENGTH
    return template.format(max=max_length)
