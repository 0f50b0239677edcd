"""The PAR index's problems as people read them: Vietnamese first, the English message as a gloss.

``scoring_bridge`` (a computation package) and the scoring service keep their English problems,
which the CLI prints; the PAR pages show these words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from markupsafe import Markup

from scoring_bridge import Problem

Say = Callable[[re.Match[str], Mapping[str, str]], str]
_SAY: tuple[tuple[str, Say], ...] = (
    (
        r"no SIPAS result for (\d+): analyse the round or import a results file",
        lambda m, _t: (
            f"chưa có kết quả SIPAS năm {m[1]} cho tiêu chí 8.1: chạy "
            f"sipas par sipas --year {m[1]} --round … hoặc nhập tệp kết quả"
        ),
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
    for pattern, say in _PATTERNS:
        found = pattern.fullmatch(problem.message)
        if found:
            text = say(found, names)
            if not text.startswith("đơn vị") and where:
                text = f"{where}: {text}"
            return Markup('{} <span class="en">{}</span>').format(text, str(problem))
    return Markup('Vấn đề ({}) <span class="en">{}</span>').format(where or "dữ liệu", problem)
