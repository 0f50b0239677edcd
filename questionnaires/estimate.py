"""How long a questionnaire takes to answer, computed from its length (shown as "khoảng N phút").

A published questionnaire's intro may promise a duration in its own words ("khoảng một phút"); the
page states the computed estimate instead and leaves that sentence out (``intro_without_duration``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from questionnaires.model import Questionnaire

READING_WORDS_PER_MINUTE = 300
"""Silent reading on a phone screen, in words a minute (a Vietnamese word here is one syllable,
read faster than an English word; the same rate is used for both)."""
SECONDS_PER_CHOICE = 3
"""Deciding and tapping one answer, in seconds (every question, required or optional)."""
SECONDS_FOR_COMMENT = 20
"""The optional comment box: glancing at it or typing a sentence, in seconds."""
_DURATION = re.compile(r"[^.!?]*\b(phút|minutes?)\b[^.!?]*[.!?]\s*", re.IGNORECASE)


def _texts(questionnaire: Questionnaire, lang: str) -> Iterator[str]:
    """Every piece of text a person reads on the page, in ``lang``."""
    yield questionnaire.title.get(lang)
    yield questionnaire.intro.get(lang)
    yield questionnaire.privacy_note.get(lang)
    for element in questionnaire.elements:
        yield element.title.get(lang)
        for item in element.items:
            yield item.text.get(lang)
    for level in questionnaire.scale.choices:
        yield level.label.get(lang)  # read once, then recognised
    for question in questionnaire.choice_questions:
        yield question.label.get(lang)
        for option in question.options:
            yield option.label.get(lang)
    if questionnaire.comment is not None:
        yield questionnaire.comment.label.get(lang)


def word_count(questionnaire: Questionnaire, lang: str = "vi") -> int:
    """Words (whitespace-separated; one per syllable in Vietnamese) a person reads."""
    return sum(len(text.split()) for text in _texts(questionnaire, lang))


def question_count(questionnaire: Questionnaire) -> int:
    """Questions answered by a choice: every scale item plus every choice question."""
    return len(questionnaire.items) + len(questionnaire.choice_questions)


def minutes_to_answer(questionnaire: Questionnaire, lang: str = "vi") -> int:
    """Whole minutes to read and answer everything, rounded up, at least 1.

    seconds = words / READING_WORDS_PER_MINUTE × 60 + questions × SECONDS_PER_CHOICE
              + SECONDS_FOR_COMMENT (when there is a comment box);
    minutes = ceil(seconds / 60). For sipas-2023 v1 in Vietnamese (674 words from title to comment
    label, 19 items and 8 choice questions) that is 135 + 81 + 20 = 236 s: about 4 minutes.
    """
    seconds = word_count(questionnaire, lang) / READING_WORDS_PER_MINUTE * 60
    seconds += question_count(questionnaire) * SECONDS_PER_CHOICE
    if questionnaire.comment is not None:
        seconds += SECONDS_FOR_COMMENT
    return max(1, math.ceil(seconds / 60))


def intro_without_duration(intro: str) -> str:
    """The intro without its sentences about minutes (the page states the computed estimate)."""
    return _DURATION.sub("", intro).strip()
