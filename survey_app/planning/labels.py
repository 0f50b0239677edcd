"""What people read for a plan: its method's name with its formula, its errors in Vietnamese.

``sampling`` (a computation package, English only) keeps its English messages, which the CLI
prints; the plan page shows them Vietnamese first, the English message second. The populations
file's problems come Vietnamese first already (the gettext catalogue: docs/decisions/0023) and are
shown as they are. Plans keep their method codes (``per-unit``…) in files and in the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup

from survey_app.csv_files import FileProblem, place_words

METHODS: dict[str, tuple[str, str]] = {
    "per-unit": (
        "Cỡ mẫu riêng từng đơn vị theo sai số mong muốn (công thức Cochran, hiệu chỉnh "
        "quần thể hữu hạn)",
        "per unit, Cochran's formula",
    ),
    "yamane": ("Cỡ mẫu từng đơn vị theo công thức Yamane n = N / (1 + N·e²)", "Yamane"),
    "proportional": ("Chia tổng số phiếu theo tỷ lệ số hồ sơ", "proportional allocation"),
    "neyman": (
        "Chia tổng số phiếu theo phân bổ Neyman (tỷ lệ N × độ lệch chuẩn)",
        "Neyman allocation",
    ),
    "equal": ("Chia đều tổng số phiếu cho các đơn vị", "equal allocation"),
    "power": ("Chia tổng số phiếu theo lũy thừa N^a (phân bổ Bankier)", "power allocation"),
}
FIELDS: dict[str, str] = {
    "margin": "Sai số",
    "confidence": "Độ tin cậy",
    "p": "p dự kiến",
    "deff": "Hệ số thiết kế",
    "response_rate": "Tỷ lệ trả lời",
    "total": "Tổng số phiếu",
    "minimum": "Tối thiểu mỗi đơn vị",
    "maximum": "Tối đa mỗi đơn vị",
    "power": "Số mũ a",
    "population": "Số hồ sơ (population)",
    "sd": "Độ lệch chuẩn (sd)",
    "unit_code": "Mã đơn vị",
}


def method_label(method: str) -> str:
    """A plan method's Vietnamese name with its formula (the code itself when unknown)."""
    return METHODS[method][0] if method in METHODS else method


def _field(name: str) -> str:
    return FIELDS.get(name, name)


_SAY: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (
        r"(\w+) \((.*)\) must be a (?:finite )?number",
        lambda m: f"{_field(m[1])} ({m[2]}) phải là một số",
    ),
    (
        r"(\w+) \((.*)\) must be in \(0, 1\)\]?",
        lambda m: f"{_field(m[1])} ({m[2]}) phải lớn hơn 0 và nhỏ hơn 1",
    ),
    (
        r"(\w+) \((.*)\) must be in \(0, 1\]",
        lambda m: f"{_field(m[1])} ({m[2]}) phải lớn hơn 0 và không quá 1",
    ),
    (r"(\w+) \((.*)\) must be in \[0, 1\]", lambda m: f"{_field(m[1])} ({m[2]}) phải từ 0 đến 1"),
    (r"(\w+) \((.*)\) must be > 0", lambda m: f"{_field(m[1])} ({m[2]}) phải lớn hơn 0"),
    (
        r"(\w+) \((.*)\) must be a non-negative integer",
        lambda m: f"{_field(m[1])} ({m[2]}) phải là số nguyên không âm",
    ),
    (r"minimum \((.*)\) must not be negative", lambda m: f"Tối thiểu ({m[1]}) không được âm"),
    (
        r"maximum \((.*)\) must be at least the minimum \((.*)\) and 1",
        lambda m: f"Tối đa ({m[1]}) phải ít nhất bằng tối thiểu ({m[2]}) và bằng 1",
    ),
    (
        r"minimum \((.*)\) exceeds maximum \((.*)\)",
        lambda m: f"Tối thiểu ({m[1]}) lớn hơn tối đa ({m[2]})",
    ),
    (
        r"method '(.*)' shares a fixed total: give the total",
        lambda m: (
            f"Phương pháp „{method_label(m[1])}” chia một tổng số phiếu: hãy nhập tổng số phiếu"
        ),
    ),
    (
        r"method \((.*)\) must be one of:? .*",
        lambda m: f"Phương pháp {m[1]} không có; hãy chọn một phương pháp trong danh sách",
    ),
    (
        r"total \((.*)\) exceeds the population \((.*)\)",
        lambda m: f"Tổng số phiếu ({m[1]}) lớn hơn tổng số hồ sơ ({m[2]})",
    ),
    (
        r"total \((.*)\) exceeds what maximum \((.*)\) allows: (.*)",
        lambda m: f"Tổng số phiếu ({m[1]}) vượt quá mức tối đa ({m[2]}) cho phép: {m[3]}",
    ),
    (
        r"total \((.*)\) is below what minimum \((.*)\) requires: (.*)",
        lambda m: f"Tổng số phiếu ({m[1]}) nhỏ hơn mức tối thiểu ({m[2]}) đòi hỏi: {m[3]}",
    ),
    (
        r"neyman allocation needs sd or p for every stratum; missing for: (.*)",
        lambda m: f"Phân bổ Neyman cần sd hoặc p cho mọi đơn vị; còn thiếu ở: {m[1]}",
    ),
    (
        r"neyman allocation needs the same kind of spread.*",
        lambda _m: (
            "Phân bổ Neyman cần cùng một loại số liệu cho mọi đơn vị: "
            "sd cho tất cả hoặc p cho tất cả"
        ),
    ),
    (
        r"n \((.*)\) exceeds the population \((.*)\)",
        lambda m: f"Cỡ mẫu ({m[1]}) lớn hơn số hồ sơ ({m[2]})",
    ),
    (r"strata \(empty\) must list at least one unit", lambda _m: "Tệp số hồ sơ chưa có đơn vị nào"),
)
_NOTES: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"(\S+): no dossiers \(N_h = 0\), size 0", lambda m: f"{m[1]}: không có hồ sơ nào, cỡ mẫu 0"),
    (r"(\S+): capped at maximum \((\d+)\)", lambda m: f"{m[1]}: giới hạn ở mức tối đa ({m[2]})"),
    (
        r"(\S+): capped at its population \((\d+)\): all dossiers",
        lambda m: f"{m[1]}: giới hạn ở số hồ sơ ({m[2]}): hỏi mọi hồ sơ",
    ),
    (
        r"(\S+): population \((\d+)\) is below minimum \((\d+)\): all dossiers",
        lambda m: f"{m[1]}: số hồ sơ ({m[2]}) ít hơn mức tối thiểu ({m[3]}): hỏi mọi hồ sơ",
    ),
    (r"(\S+): raised to minimum \((\d+)\)", lambda m: f"{m[1]}: nâng lên mức tối thiểu ({m[2]})"),
    (
        r"total \((.*)\) ignored: method '(.*)' sizes each unit itself",
        lambda m: f"Tổng số phiếu ({m[1]}) không dùng: phương pháp này tính cỡ mẫu từng đơn vị",
    ),
)
_PATTERNS = tuple((re.compile(p), say) for p, say in _SAY)
_NOTE_PATTERNS = tuple((re.compile(p), say) for p, say in _NOTES)


def _vietnamese(message: str) -> str | None:
    for pattern, say in _PATTERNS:
        found = pattern.fullmatch(message.strip())
        if found:
            return say(found)
    return None


def _bilingual(vietnamese: str, english: str) -> Markup:
    """Vietnamese text with its English gloss (both escaped)."""
    return Markup('{} <span class="en">{}</span>').format(vietnamese, english)


def _translated(text: str) -> tuple[str, str] | None:
    """(Vietnamese, English) of a message written "Vietnamese / English" (``i18n.vi_en``)."""
    vietnamese, separator, english = text.partition(" / ")
    if separator and any(c.isalpha() and not c.isascii() for c in vietnamese):
        return vietnamese, english
    return None


def plan_error(error: str | FileProblem) -> Markup:
    """A plan error or a populations file's problem (its place said in both languages),
    Vietnamese first, then the English message as a gloss."""
    if isinstance(error, FileProblem):
        vietnamese_place, english_place = place_words(error.row, error.column)
        both = _translated(error.message) or (error.message, error.message)
        return _bilingual(f"{vietnamese_place}: {both[0]}", f"{english_place}: {both[1]}")
    both = _translated(error)
    if both is not None:
        return _bilingual(*both)
    said = _vietnamese(error)
    if said is None:
        return _bilingual("Chưa lập được kế hoạch (tham số).", error)
    return _bilingual(said, error)


def plan_note(note: str) -> Markup:
    """A note of a plan (units capped or raised), Vietnamese first, then the English."""
    for pattern, say in _NOTE_PATTERNS:
        found = pattern.fullmatch(note.strip())
        if found:
            return _bilingual(say(found), note)
    return _bilingual("Ghi chú của kế hoạch:", note)
