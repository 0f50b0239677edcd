"""The PAR index as people read it: problems (Vietnamese first, the English as a gloss),
workflow statuses and refusals, where a SIPAS figure came from.

The problems come said in both languages ("Vietnamese / English": the scoring service's own, and
``scoring_bridge``'s through `survey_app.par.bridge_words`); the pages split them.
"""

from __future__ import annotations

from markupsafe import Markup

from scoring_bridge import Problem
from scoring_bridge.workflow import STATUS_LABELS, TRANSITIONS, as_status
from survey_app.i18n import LANGUAGES, N_, text_in, vi_en_of
from survey_app.par.bridge_words import translated
from survey_app.staff.upload_labels import place


def problem_label(problem: Problem) -> Markup:
    """A scoring problem: where (in Vietnamese) and what, Vietnamese first with the English as a
    gloss; a message in one language only is shown as it is."""
    problem = translated(problem)
    where = place(problem.location or "")
    vietnamese, _, english = problem.message.partition(" / ")
    text = vietnamese if vietnamese.startswith("đơn vị") or not where else f"{where}: {vietnamese}"
    if not english:
        return Markup("{}").format(text)
    return Markup('{} <span class="en">{}</span>').format(text, english)


SOURCE_WORDS = (("round ", "đợt "), ("file ", "tệp "))
"""How a stored SIPAS source ("round SIPAS 2024", "file results.csv") reads in Vietnamese."""


def source_label(source: str) -> str:
    """``"round SIPAS 2024"`` → ``"đợt SIPAS 2024"``; other sources unchanged."""
    for english, vietnamese in SOURCE_WORDS:
        if source.startswith(english):
            return vietnamese + source[len(english) :]
    return source


def status_label(status: str, language: int = 0) -> str:
    """The name of a workflow status (0: Vietnamese, 1: English; the code itself if unknown)."""
    labels = {str(k): v for k, v in STATUS_LABELS.items()}
    return labels[status][language] if status in labels else status


UNKNOWN_CURRENT = N_("Trạng thái hiện tại %(status)r không hợp lệ")
UNKNOWN_STATUS = N_("Không có trạng thái %(status)r: chọn một trong %(names)s")
CANNOT_MOVE = N_("Không thể chuyển từ %(current)s sang %(new)s: %(after)s")
NEXT_ONLY = N_("trạng thái tiếp theo chỉ có thể là %(names)s")
FINAL = N_("đây là trạng thái cuối cùng")
OR = N_(" hoặc ")
_QUOTES = ("„%s”", "'%s'")
"""How a status's name is quoted in Vietnamese and in English."""


def status_refusal(current: str, new: str) -> str:
    """Why a status cannot move from ``current`` to ``new``: Vietnamese / English."""
    try:
        allowed = sorted(s.value for s in TRANSITIONS[as_status(current)])
    except ValueError:
        return vi_en_of(UNKNOWN_CURRENT, status=current)

    def named(status: str, language: int) -> str:
        return _QUOTES[language] % status_label(status, language)

    def said(language: int) -> str:
        code = LANGUAGES[language]
        if new not in {str(s) for s in STATUS_LABELS}:
            names = ", ".join(named(s, language) for s in STATUS_LABELS)
            return text_in(code, UNKNOWN_STATUS, status=new, names=names)
        if allowed:
            names = text_in(code, OR).join(named(s, language) for s in allowed)
            after = text_in(code, NEXT_ONLY, names=names)
        else:
            after = text_in(code, FINAL)
        return text_in(
            code,
            CANNOT_MOVE,
            current=named(current, language),
            new=named(new, language),
            after=after,
        )

    return f"{said(0)} / {said(1)}"
