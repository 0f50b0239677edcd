"""What people read for the results file's codes: flags, levels, methods, notes, item names.

The results FILE keeps its codes (``item``, ``unreliable``, ``mean-of-items``…: a contract other
tools read); pages and charts show these Vietnamese names instead, English second.
"""

from __future__ import annotations

import re

from questionnaires import Questionnaire
from survey_app.i18n import N_, said_in, text_in
from survey_app.results import analysis_words

FLAGS: dict[str, tuple[str, str]] = {
    "unreliable": ("kém tin cậy", "unreliable"),
    "suppressed": ("không công bố: quá ít phiếu", "suppressed"),
}
LEVELS: dict[str, tuple[str, str]] = {
    "overall": ("chỉ số chung", "overall"),
    "element": ("yếu tố", "element"),
    "item": ("câu hỏi", "item"),
}
AGGREGATIONS: dict[str, str] = {
    "mean-of-items": N_("trung bình các tiêu chí (mỗi câu hỏi nặng như nhau)"),
    "pooled": N_("gộp mọi câu trả lời của các câu hỏi"),
}
"""How the SIPAS index is made of its items (message ids: `method_label` says them)."""
CI_METHODS: dict[str, str] = {
    "logit": "logit",
    "wilson": "Wilson",
    "korn-graubard": "Korn–Graubard",
}
"""The interval methods' names (the same in every language)."""
CI_WORDS = N_("khoảng tin cậy %(method)s")
POSTSTRATIFIED = N_("hậu phân tầng theo %(column)s")
WEIGHTINGS: dict[str, str] = {
    "fpc": N_("trọng số N/n theo số hồ sơ, có hiệu chỉnh quần thể hữu hạn"),
    "no-fpc equal-weights": N_("trọng số bằng nhau, không hiệu chỉnh quần thể hữu hạn"),
}

SHORT_ITEMS: dict[tuple[str, str], str] = {
    ("sipas-2023", "q15"): "Thông tin dễ tiếp cận",
    ("sipas-2023", "q16"): "Biển hiệu, hướng dẫn",
    ("sipas-2023", "q17"): "Trụ sở sạch sẽ",
    ("sipas-2023", "q18"): "Trang thiết bị",
    ("sipas-2023", "q19"): "Niêm yết công khai",
    ("sipas-2023", "q20"): "Hồ sơ đúng quy định",
    ("sipas-2023", "q21"): "Phí, lệ phí đúng",
    ("sipas-2023", "q22"): "Thời hạn đúng",
    ("sipas-2023", "q23"): "Thái độ lịch sự",
    ("sipas-2023", "q24"): "Trả lời kịp thời",
    ("sipas-2023", "q25"): "Hướng dẫn một lần",
    ("sipas-2023", "q26"): "Tuân thủ quy định",
    ("sipas-2023", "q27"): "Tận tình",
    ("sipas-2023", "q28"): "Trả kết quả đúng hẹn",
    ("sipas-2023", "q29"): "Kết quả đầy đủ, chính xác",
    ("sipas-2023", "q30"): "Công bằng",
    ("sipas-2023", "q31"): "Kênh góp ý dễ dàng",
    ("sipas-2023", "q32"): "Xử lý góp ý đúng",
    ("sipas-2023", "q33"): "Báo kết quả góp ý",
}
"""Short names of the shipped questionnaire's items for chart axes (the definition files are
versioned and checksummed, so these live here). Other questionnaires: :func:`derived_short`."""
SHORT_WORDS = 6


def derived_short(text: str, words: int = SHORT_WORDS) -> str:
    """The first ``words`` words of an item's text (without a trailing comma), "…" if cut."""
    parts = text.split()
    short = " ".join(parts[:words]).rstrip(",.;:")
    return short + ("…" if len(parts) > words else "")


def short_item(questionnaire: Questionnaire, item_id: str) -> str:
    """A few words naming an item: from `SHORT_ITEMS`, else the start of its Vietnamese text."""
    known = SHORT_ITEMS.get((questionnaire.id, item_id))
    if known:
        return known
    texts = {i.id: i.text.get("vi") or "" for i in questionnaire.items}
    return derived_short(texts.get(item_id, "")) or item_id


def flag_label(flag: str | None) -> str:
    """Vietnamese name of a result flag ('' when none)."""
    return FLAGS[flag][0] if flag in FLAGS else (flag or "")


def level_label(level: str) -> str:
    return LEVELS[level][0] if level in LEVELS else level


def aggregation_label(aggregation: str, language: str = "vi") -> str:
    """An aggregation's name in ``language`` (the code itself when unknown)."""
    known = AGGREGATIONS.get(aggregation)
    return text_in(language, known) if known else aggregation


def method_label(method: str, language: str = "vi") -> str:
    """``"mean-of-items; logit; fpc"`` → the same in words, in ``language``."""
    shown = []
    for part in (p.strip() for p in method.split(";")):
        post = re.fullmatch(r"poststratified\((.+)\)", part)
        if post:
            shown.append(text_in(language, POSTSTRATIFIED, column=post.group(1)))
        elif part in CI_METHODS:
            shown.append(text_in(language, CI_WORDS, method=CI_METHODS[part]))
        elif part in WEIGHTINGS:
            shown.append(text_in(language, WEIGHTINGS[part]))
        else:
            shown.append(aggregation_label(part, language))
    return "; ".join(shown)


def note_label(note: str) -> tuple[str, str]:
    """(Vietnamese, English) of an analysis note (said by ``analysis``, its Vietnamese from
    `analysis_words.WORDS`); another text after a general heading."""
    if getattr(note, "template", None) in analysis_words.WORDS:
        return said_in("vi", note, analysis_words.WORDS), said_in("en", note, analysis_words.WORDS)
    return "Ghi chú của phân tích:", note
