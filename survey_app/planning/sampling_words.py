"""``sampling``'s messages, Vietnamese first and English second, through the catalogue.

``sampling`` (a computation package: it imports nothing of the web app) says what a planner's
parameters or populations get wrong, and its plans' notes, in English with ``sampling.said.say``,
which keeps each message's template and values (errors are ``sampling.said.SaidError``). `WORDS`
gives each template its Vietnamese message id (the catalogue holds the English, the template
itself); a parameter's code (``margin``) is said by its name on the form in Vietnamese (`FIELDS`).
A test checks that every template ``sampling`` says is here (docs/decisions/0027, 0030).
"""

from __future__ import annotations

from survey_app.i18n import N_, said_in

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
    "n": "Cỡ mẫu (n)",
    "seed": "Hạt giống ngẫu nhiên (seed)",
    "reserve_ratio": "Tỷ lệ dự phòng",
}
"""A parameter's code → its name on the plan form (Vietnamese)."""

WORDS: dict[str, str] = {
    # parameters (sampling._checks), the name first
    "%(name)s (%(value)r) must be a number": N_("%(name)s (%(value)r) phải là một số"),
    "%(name)s (%(value)r) must be a finite number": N_(
        "%(name)s (%(value)r) phải là một số hữu hạn"
    ),
    "%(name)s (%(value)r) must be in (0, 1)": N_(
        "%(name)s (%(value)r) phải lớn hơn 0 và nhỏ hơn 1"
    ),
    "%(name)s (%(value)r) must be > 0": N_("%(name)s (%(value)r) phải lớn hơn 0"),
    "%(name)s (%(value)r) must be a non-negative integer": N_(
        "%(name)s (%(value)r) phải là số nguyên không âm"
    ),
    "population of stratum %(code)r": N_("số hồ sơ của đơn vị %(code)r"),
    "p of stratum %(code)r": N_("p dự kiến của đơn vị %(code)r"),
    "sd of stratum %(code)r": N_("độ lệch chuẩn (sd) của đơn vị %(code)r"),
    "response_rate (%(rate)r) must be in (0, 1]": N_(
        "tỷ lệ trả lời (%(rate)r) phải lớn hơn 0 và không quá 1"
    ),
    "n (%(n)s) exceeds the population (%(population)s)": N_(
        "cỡ mẫu (%(n)s) lớn hơn số hồ sơ (%(population)s)"
    ),
    # strata and allocation (sampling.allocation)
    "strata (empty) must list at least one unit": N_("tệp số hồ sơ chưa có đơn vị nào"),
    "stratum code (%(code)r) appears more than once": N_("mã đơn vị (%(code)r) có hơn một lần"),
    "neyman allocation needs sd or p for every stratum; missing for: %(codes)s": N_(
        "phân bổ Neyman cần sd hoặc p cho mọi đơn vị; còn thiếu ở: %(codes)s"
    ),
    "neyman allocation needs the same kind of spread for every stratum: give sd to all of them "
    "or p to all of them, not a mix": N_(
        "phân bổ Neyman cần cùng một loại số liệu cho mọi đơn vị: sd cho tất cả hoặc p cho tất "
        "cả, không trộn lẫn"
    ),
    "method (%(method)r) must be one of %(methods)s": N_(
        "không có phương pháp %(method)r; hãy chọn một trong %(methods)s"
    ),
    "minimum (%(minimum)s) exceeds maximum (%(maximum)s)": N_(
        "tối thiểu (%(minimum)s) lớn hơn tối đa (%(maximum)s)"
    ),
    "power (%(power)r) must be in [0, 1]": N_("số mũ a (%(power)r) phải từ 0 đến 1"),
    "total (%(total)s) exceeds the population (%(population)s)": N_(
        "tổng số phiếu (%(total)s) lớn hơn tổng số hồ sơ (%(population)s)"
    ),
    "total (%(total)s) exceeds what maximum (%(maximum)s) allows: %(most)s = Σ min(maximum, "
    "N_h)": N_(
        "tổng số phiếu (%(total)s) vượt quá mức tối đa (%(maximum)s) cho phép: %(most)s = "
        "Σ min(tối đa, N_h)"
    ),
    "total (%(total)s) is below what minimum (%(minimum)s) requires: %(least)s = Σ min(minimum, "
    "N_h) over %(units)s units": N_(
        "tổng số phiếu (%(total)s) nhỏ hơn mức tối thiểu (%(minimum)s) đòi hỏi: %(least)s = "
        "Σ min(tối thiểu, N_h) trên %(units)s đơn vị"
    ),
    # notes of an allocation
    "%(code)s: no dossiers (N_h = 0), size 0": N_("%(code)s: không có hồ sơ nào, cỡ mẫu 0"),
    "%(code)s: capped at maximum (%(size)s)": N_("%(code)s: giới hạn ở mức tối đa (%(size)s)"),
    "%(code)s: capped at its population (%(size)s): all dossiers": N_(
        "%(code)s: giới hạn ở số hồ sơ (%(size)s): hỏi mọi hồ sơ"
    ),
    "%(code)s: population (%(size)s) is below minimum (%(minimum)s): all dossiers": N_(
        "%(code)s: số hồ sơ (%(size)s) ít hơn mức tối thiểu (%(minimum)s): hỏi mọi hồ sơ"
    ),
    "%(code)s: raised to minimum (%(size)s)": N_("%(code)s: nâng lên mức tối thiểu (%(size)s)"),
    # plans (sampling.plan)
    "method (%(method)r) must be one of: %(methods)s": N_(
        "không có phương pháp %(method)r; hãy chọn một trong: %(methods)s"
    ),
    "minimum (%(minimum)s) must not be negative": N_("tối thiểu (%(minimum)s) không được âm"),
    "maximum (%(maximum)s) must be at least the minimum (%(minimum)s) and 1": N_(
        "tối đa (%(maximum)s) phải ít nhất bằng tối thiểu (%(minimum)s) và bằng 1"
    ),
    "method %(method)r shares a fixed total: give the total": N_(
        "phương pháp %(method)r chia một tổng số phiếu: hãy nhập tổng số phiếu"
    ),
    "total (%(total)s) ignored: method %(method)r sizes each unit itself": N_(
        "tổng số phiếu (%(total)s) không dùng: phương pháp %(method)r tính cỡ mẫu từng đơn vị"
    ),
    # draws (sampling.draws)
    "frame of unit %(unit)r (%(frame)r) must be a sequence of codes": N_(
        "danh sách hồ sơ của đơn vị %(unit)r (%(frame)r) phải là một dãy mã hồ sơ"
    ),
    "dossier code (%(code)r) of unit %(unit)r must be a string": N_(
        "mã hồ sơ (%(code)r) của đơn vị %(unit)r phải là văn bản"
    ),
    "dossier code (%(code)r) appears twice in the frame of unit %(unit)r": N_(
        "mã hồ sơ (%(code)r) có hai lần trong danh sách hồ sơ của đơn vị %(unit)r"
    ),
    "reserve_ratio (%(ratio)r) must be >= 0": N_("tỷ lệ dự phòng (%(ratio)r) không được âm"),
    "unit code (%(unit)r) must be a string": N_("mã đơn vị (%(unit)r) phải là văn bản"),
    "unit (%(unit)r) has a sample size but no frame": N_(
        "đơn vị (%(unit)r) có cỡ mẫu nhưng không có danh sách hồ sơ"
    ),
    "size of unit %(unit)r": N_("cỡ mẫu của đơn vị %(unit)r"),
    "size of unit %(unit)r (%(n)s) exceeds its frame (%(frame)s dossiers)": N_(
        "cỡ mẫu của đơn vị %(unit)r (%(n)s) lớn hơn danh sách hồ sơ (%(frame)s hồ sơ)"
    ),
}
"""``sampling``'s English template → its Vietnamese message id."""


def both(text: str) -> tuple[str, str] | None:
    """(Vietnamese, English) of a ``sampling`` message (a parameter's code said by its name on
    the form), or None for any other text."""
    if getattr(text, "template", None) not in WORDS:
        return None
    values = getattr(text, "values", {})
    named = values.get("name")
    vietnamese = text
    if isinstance(named, str) and named in FIELDS:
        vietnamese = type(text)(text.template, {**values, "name": FIELDS[named]})  # type: ignore[call-arg]
    return said_in("vi", vietnamese, WORDS), said_in("en", text, WORDS)


def vi_en_said(text: str) -> str:
    """``"Vietnamese / English"`` of a ``sampling`` message; any other text as it is."""
    said = both(text)
    return text if said is None else f"{said[0]} / {said[1]}"


def error_text(error: Exception) -> str:
    """A ``sampling`` error's message, Vietnamese first where ``sampling`` said it."""
    said = getattr(error, "messages", None)
    if said:
        return "\n".join(vi_en_said(message) for message in said)
    return str(error)
