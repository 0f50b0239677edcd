"""The PAR index as people read it: problems (Vietnamese first, the English message as a gloss),
workflow statuses and refusals, where a SIPAS figure came from.

``scoring_bridge`` (a computation package) and the scoring service keep their English problems,
which the CLI prints; the PAR pages show these words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from markupsafe import Markup

from scoring_bridge import Problem
from scoring_bridge.workflow import STATUS_LABELS, TRANSITIONS, as_status

Say = Callable[[re.Match[str], Mapping[str, str]], str]
_SAY: tuple[tuple[str, Say], ...] = (
    (
        r"no SIPAS result for (\d+): analyse the round or import a results file",
        lambda m, _t: Markup(
            "chưa có kết quả SIPAS năm {} cho tiêu chí 8.1: chạy "
            "<code>sipas par sipas --year {} --round …</code> hoặc nhập tệp kết quả"
        ).format(m[1], m[1]),
    ),
    (
        r"no 8\.1 rule for '(.+)' in (\d+)",
        lambda m, t: f"chưa có quy tắc tính điểm 8.1 của {t.get(m[1], m[1])} năm {m[2]}",
    ),
    (
        r"no catalog for unit type '(.+?)'(?: in (\d+))?",
        lambda m, t: (
            f"chưa có khung điểm của {t.get(m[1], m[1])}" + (f" năm {m[2]}" if m[2] else "")
        ),
    ),
    (
        r"unit '(.+)': no points for '(.+)' \(maximum (.+)\)",
        lambda m, _t: f"đơn vị {m[1]}: chưa có điểm tiêu chí {m[2]} (tối đa {m[3]} điểm)",
    ),
    (
        r"unit '(.+)', '(.+)': (.+) points is above the maximum (.+)",
        lambda m, _t: f"đơn vị {m[1]}, tiêu chí {m[2]}: {m[3]} điểm vượt mức tối đa {m[4]}",
    ),
    (
        r"unit '(.+)', '(.+)': (.+) points is below 0",
        lambda m, _t: f"đơn vị {m[1]}, tiêu chí {m[2]}: {m[3]} điểm nhỏ hơn 0",
    ),
    (
        r"unit '(.+)': unknown code '(.+)'",
        lambda m, _t: f"đơn vị {m[1]}: không có tiêu chí mã {m[2]} trong khung điểm",
    ),
)
_PATTERNS = tuple((re.compile(p), say) for p, say in _SAY)


def problem_label(problem: Problem, type_names: Mapping[str, str] | None = None) -> Markup:
    """A scoring problem in Vietnamese (where it is, what to do) with the English as a gloss."""
    names = type_names or {}
    where = re.sub(r"^unit ", "đơn vị ", problem.location or "")
    vietnamese, _, english = problem.message.partition(" / ")
    if english:  # the province rules' problems are said in both languages already
        text = (
            vietnamese if vietnamese.startswith("đơn vị") or not where else f"{where}: {vietnamese}"
        )
        return Markup('{} <span class="en">{}</span>').format(text, english)
    for pattern, say in _PATTERNS:
        found = pattern.fullmatch(problem.message)
        if found:
            text = say(found, names)
            if not text.startswith("đơn vị") and where:
                text = Markup("{}: {}").format(where, text)
            return Markup('{} <span class="en">{}</span>').format(text, str(problem))
    return Markup('Vấn đề ({}) <span class="en">{}</span>').format(where or "dữ liệu", problem)


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


def status_refusal(current: str, new: str) -> str:
    """Why a status cannot move from ``current`` to ``new``: Vietnamese / English."""
    try:
        allowed = sorted(s.value for s in TRANSITIONS[as_status(current)])
    except ValueError:
        return f"Trạng thái hiện tại {current!r} không hợp lệ / unknown current status"
    if new not in {str(s) for s in STATUS_LABELS}:
        names = ", ".join(f"„{status_label(s)}”" for s in STATUS_LABELS)
        return f"Không có trạng thái {new!r}: chọn một trong {names} / unknown status"
    if allowed:
        after = "trạng thái tiếp theo chỉ có thể là " + " hoặc ".join(
            f"„{status_label(s)}”" for s in allowed
        )
        after_en = "the next status can only be " + " or ".join(
            f"'{status_label(s, 1)}'" for s in allowed
        )
    else:
        after, after_en = "đây là trạng thái cuối cùng", "it is final"
    return (
        f"Không thể chuyển từ „{status_label(current)}” sang „{status_label(new)}”: {after} / "
        f"cannot go from '{status_label(current, 1)}' to '{status_label(new, 1)}': {after_en}"
    )
