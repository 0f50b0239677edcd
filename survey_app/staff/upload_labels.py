"""What people read of an uploaded file's problems: where (row, column, line) in Vietnamese, and
what, Vietnamese first with its English as the gloss.

The readers say their problems "Vietnamese / English" through the gettext catalogue (decision
0023; ``scoring_bridge``'s and ``questionnaires``'s through their tables, decisions 0027, 0031);
`problem_text` shows the Vietnamese and puts the English in ``<span class="en">``. An English
message without Vietnamese is shown after `GENERAL`, never hidden.
"""

from __future__ import annotations

import re

from markupsafe import Markup

GENERAL = "Tệp chưa đúng ở chỗ này (chi tiết bằng tiếng Anh)"
"""The Vietnamese shown before a message this module has no words for."""

VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)

_HINT = re.compile(r"^(.*?) \((?:gợi ý / )?hint: (.*)\)$", re.S)
_PLACES: tuple[tuple[str, str], ...] = (
    (r"\bline (\d+), column (\d+)\b", r"dòng \1 · ký tự \2"),
    (r"\brow (\d+)\b", r"dòng \1"),
    (r"\bline (\d+)\b", r"dòng \1"),
    (r"\bcolumn '([^']*)'", r"cột \1"),
    (r"\bcolumn\b", "cột"),
    (r"\bsheet '([^']*)'", r"trang \1"),
    (r"^unit '?([^',\s]+)'?", r"đơn vị \1"),
    (r", code\b", " · tiêu chí"),
    (r"^file$", "tệp"),
    (r"^columns$", "dòng tiêu đề"),
    (r"^criteria$", "khung điểm"),
    (r"^\(root\)$", "tệp"),
    (r", ", " · "),
)
_PLACE_PATTERNS = tuple((re.compile(p), to) for p, to in _PLACES)
_ENGLISH_PLACE = re.compile(r"\b(?:row|line|column|sheet|unit|file|columns|criteria)\b|\(root\)")


def place(where: str) -> str:
    """An English location (``row 4, column 'parent'``, ``line 1, column 2``, ``sheet 'SNV',
    row 5``, ``file``) in Vietnamese (``dòng 4 · cột parent``); a Vietnamese one or a key name
    unchanged."""
    text = where.strip()
    if not _ENGLISH_PLACE.search(text):
        return text
    for pattern, to in _PLACE_PATTERNS:
        text = pattern.sub(to, text)
    return text


def _two(text: str) -> tuple[str, str] | None:
    """(Vietnamese, English) of a text written "Vietnamese / English", else None."""
    vietnamese, separator, english = text.partition(" / ")
    if separator and VIETNAMESE_LETTER.search(vietnamese):
        return vietnamese, english
    return None


def problem_text(message: str, hint: str | None = None) -> Markup:
    """A reader's problem: its Vietnamese (and its hint's, "gợi ý"), then the English as a gloss.

    A message in English only (none is left among the readers) follows `GENERAL`, its English
    kept.
    """
    if hint is None and (split := _HINT.match(message)):
        message, hint = split[1], split[2]
    said = _two(message)
    hinted = _two(hint) if hint else None
    english = (said[1] if said else message) + (
        f" (hint: {hinted[1] if hinted else hint})" if hint else ""
    )
    if said is None:
        return Markup('{}: <span class="en">{}</span>').format(GENERAL, english)
    vietnamese = said[0] + (f" (gợi ý: {hinted[0]})" if hinted else "")
    return Markup('{} <span class="en">{}</span>').format(vietnamese, english)
