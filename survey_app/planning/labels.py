"""What people read for a plan: its method's name with its formula, its errors in Vietnamese.

``sampling`` (a computation package) says its messages in English keeping their templates;
`survey_app.planning.sampling_words` says them Vietnamese first (decision 0030), and the plan page
shows the English as a gloss. The populations file's problems come Vietnamese first already (the
gettext catalogue: docs/decisions/0023), their row and column said here. Plans keep their
method codes (``per-unit``…) in files and in the database.
"""

from __future__ import annotations

from markupsafe import Markup

from survey_app.csv_files import FileProblem, place_words
from survey_app.planning.sampling_words import both

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


def method_label(method: str) -> str:
    """A plan method's Vietnamese name with its formula (the code itself when unknown)."""
    return METHODS[method][0] if method in METHODS else method


def _bilingual(vietnamese: str, english: str) -> Markup:
    """Vietnamese text with its English gloss (both escaped)."""
    return Markup('{} <span class="en">{}</span>').format(vietnamese, english)


def _translated(text: str) -> tuple[str, str] | None:
    """(Vietnamese, English) of a message written "Vietnamese / English" (``i18n.vi_en``)."""
    vietnamese, separator, english = text.partition(" / ")
    if separator and any(c.isalpha() and not c.isascii() for c in vietnamese):
        return vietnamese, english
    return None


def plan_error(error: str | FileProblem | Exception) -> Markup:
    """A plan error (``sampling``'s, or the page's own "Vietnamese / English") or a populations
    file's problem (its place said in both languages), Vietnamese first, the English as a gloss.
    """
    if isinstance(error, FileProblem):
        vietnamese_place, english_place = place_words(error.row, error.column)
        said = _translated(error.message) or (error.message, error.message)
        return _bilingual(f"{vietnamese_place}: {said[0]}", f"{english_place}: {said[1]}")
    messages = getattr(error, "messages", None) or ((error,) if isinstance(error, str) else ())
    shown = [both(m) or _translated(m) for m in messages]
    if not shown or None in shown:
        return _bilingual("Chưa lập được kế hoạch (tham số).", str(error))
    return Markup("<br>").join(
        _bilingual(said[0][:1].upper() + said[0][1:], said[1]) for said in shown if said
    )


def plan_note(note: str) -> Markup:
    """A note of a plan (units capped or raised), Vietnamese first, then the English."""
    said = both(note)
    return _bilingual(*said) if said else _bilingual("Ghi chú của kế hoạch:", note)
