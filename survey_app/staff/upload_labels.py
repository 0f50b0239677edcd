"""What people read of an uploaded file's problems: where (row, column, line) in Vietnamese, and
what, Vietnamese first with its English as the gloss.

The readers say their problems "Vietnamese / English" through the gettext catalogue (decision
0023; the PAR readers also for ``scoring_bridge``'s, decision 0027); `problem_text` shows the
Vietnamese and puts the English in ``<span class="en">``. Only the ``questionnaires`` package (a
computation package that imports nothing of the app) still writes English: `_MESSAGES` gives its
messages on the questionnaire upload page their Vietnamese; any other English message is shown
after `GENERAL`, never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup

GENERAL = "Tệp chưa đúng ở chỗ này (chi tiết bằng tiếng Anh)"
"""The Vietnamese shown before a message this module has no words for."""

VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)

Say = Callable[[re.Match[str]], str]


def _q(text: str) -> str:
    """A quoted value or code as the Vietnamese text shows it: „x”."""
    return f"„{text}”"


_MESSAGES: tuple[tuple[str, Say], ...] = (
    # the questionnaires package (questionnaires.loader, .structure, .xlsform)
    (
        r"(?:the file is )?not UTF-8 text.*",
        lambda _m: "tệp không phải văn bản UTF-8: hãy lưu lại dưới dạng UTF-8",
    ),
    (
        r"invalid JSON: .*",
        lambda _m: "không đọc được JSON (tệp cần là .json, hoặc bảng tính XLSForm .xlsx)",
    ),
    (r"required column '(.*?)' is missing", lambda m: f"thiếu cột bắt buộc {_q(m[1])}"),
    (r"the workbook has no sheet named '(.*)'", lambda m: f"bảng tính không có trang {_q(m[1])}"),
    (r"version '(.*)' must be a whole number", lambda m: f"phiên bản {_q(m[1])} phải là số nguyên"),
    (r"type '(.*)' is not supported", lambda m: f"không dùng được kiểu câu hỏi {_q(m[1])}"),
    (
        r"duplicate id '(.*)': already used at (.*)",
        lambda m: f"mã {_q(m[1])} bị trùng: đã dùng ở {place(m[2])}",
    ),
    (
        r"the (\w+) must be an object, got .*",
        lambda m: f"{_q(m[1])} phải là một đối tượng JSON (object)",
    ),
    (
        r"languages \[(.*)\] must include 'vi'",
        lambda m: f"ngôn ngữ [{m[1]}] phải có tiếng Việt ('vi')",
    ),
)
_HINTS: tuple[tuple[str, Say], ...] = (
    (r"did you mean '(.*)'\?", lambda m: f"có phải {_q(m[1])}?"),
    (r"e\.g\. 1, 2, 3", lambda _m: "ví dụ 1, 2, 3"),
    (r"give every element, item and question its own id", lambda _m: "mỗi mục cần một mã riêng"),
)
_MESSAGE_PATTERNS = tuple((re.compile(p), say) for p, say in _MESSAGES)
_HINT_PATTERNS = tuple((re.compile(p), say) for p, say in _HINTS)
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


def _said(message: str, patterns: tuple[tuple[re.Pattern[str], Say], ...]) -> str | None:
    for pattern, say in patterns:
        found = pattern.fullmatch(message.strip())
        if found:
            return say(found)
    return None


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


def _both(text: str, patterns: tuple[tuple[re.Pattern[str], Say], ...]) -> tuple[str, str] | None:
    """(Vietnamese, English) of a reader's text: said in both, or an English one with words."""
    both = _two(text)
    if both is not None:
        return both
    said = _said(text, patterns)
    return (said, text) if said is not None else None


def problem_text(message: str, hint: str | None = None) -> Markup:
    """A reader's problem: its Vietnamese (and its hint's, "gợi ý"), then the English as a gloss.

    A message in English only with no Vietnamese words here follows `GENERAL`, its English kept.
    """
    if hint is None and (split := _HINT.match(message)):
        message, hint = split[1], split[2]
    said = _both(message, _MESSAGE_PATTERNS)
    hinted = _both(hint, _HINT_PATTERNS) if hint else None
    english = (said[1] if said else message) + (
        f" (hint: {hinted[1] if hinted else hint})" if hint else ""
    )
    if said is None:
        return Markup('{}: <span class="en">{}</span>').format(GENERAL, english)
    vietnamese = said[0] + (f" (gợi ý: {hinted[0]})" if hinted else "")
    return Markup('{} <span class="en">{}</span>').format(vietnamese, english)
