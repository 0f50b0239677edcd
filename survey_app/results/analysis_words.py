"""``analysis``'s messages, Vietnamese first and English second, through the catalogue.

``analysis`` (a computation package: it imports nothing of the web app) says what a user's
file, option or data can get wrong in English with ``analysis.said.say``, which keeps each
message's template and values, and raises them as ``analysis.said.SaidError``. `WORDS` gives each
template its Vietnamese message id (the catalogue holds the English, the template itself); the
CLI and the pages say such an error with `error_lines`. A test checks that every template
``analysis`` says is here (docs/decisions/0027, 0030). Messages only a programmer meets (array
shapes) stay English.
"""

from __future__ import annotations

from survey_app import i18n
from survey_app.i18n import N_

WORDS: dict[str, str] = {
    "%(rows)s … (%(count)s in all)": N_("%(rows)s … (tất cả %(count)s dòng)"),
    "item %(item)r (row %(row)s) has the value %(value)s: answers are 1–5, or NaN when not "
    "valid": N_(
        "câu %(item)r (dòng %(row)s) có giá trị %(value)s: câu trả lời là 1–5, hoặc để trống "
        "khi không hợp lệ"
    ),
    "%(province)r and '' are not unit codes (ALL is the province)": N_(
        "%(province)r và '' không phải mã đơn vị (ALL là toàn tỉnh)"
    ),
    "unit type names %(names)s are also unit codes or %(province)r": N_(
        "tên loại đơn vị %(names)s trùng với mã đơn vị hoặc với %(province)r"
    ),
    "unit %(unit)r has answers but no population (completed dossiers)": N_(
        "đơn vị %(unit)r có câu trả lời nhưng chưa có số hồ sơ (số hồ sơ đã giải quyết)"
    ),
    "unit %(unit)r: population %(size)s is below its %(count)s answers (N must count every "
    "completed dossier of the period)": N_(
        "đơn vị %(unit)r: số hồ sơ %(size)s ít hơn %(count)s câu trả lời của đơn vị (N phải đếm "
        "mọi hồ sơ đã giải quyết trong kỳ)"
    ),
    "unit %(unit)s: %(size)s respondent(s) without a %(name)s (rows %(rows)s): give their "
    "%(name)s, or a count for cell ''": N_(
        "đơn vị %(unit)s: %(size)s người trả lời không có %(name)s (dòng %(rows)s): hãy ghi "
        "%(name)s của họ, hoặc số hồ sơ cho ô ''"
    ),
    "unit %(unit)s, cell %(cell)r: %(size)s respondent(s) (rows %(rows)s) but no known count: "
    "add its count or correct their %(name)s": N_(
        "đơn vị %(unit)s, ô %(cell)r: %(size)s người trả lời (dòng %(rows)s) nhưng không có số "
        "hồ sơ của ô này: hãy thêm số hồ sơ hoặc sửa %(name)s của họ"
    ),
    "unit %(unit)s, cell %(cell)r: %(size)s respondent(s) but a count of 0": N_(
        "đơn vị %(unit)s, ô %(cell)r: %(size)s người trả lời nhưng số hồ sơ là 0"
    ),
    "unit %(unit)s, cell %(cell)r: %(count)s dossiers but no respondent: merge it with another "
    "cell": N_(
        "đơn vị %(unit)s, ô %(cell)r: %(count)s hồ sơ nhưng không có người trả lời nào: hãy gộp "
        "ô này với một ô khác"
    ),
    "unit %(unit)s: its %(name)s counts add up to %(total)s, not to its population "
    "%(population)s (completed dossiers)": N_(
        "đơn vị %(unit)s: số hồ sơ theo %(name)s cộng lại là %(total)s, không bằng số hồ sơ "
        "%(population)s của đơn vị (số hồ sơ đã giải quyết)"
    ),
    "unit %(unit)s: its %(name)s counts add up to %(total)s, below its %(answers)s answers": N_(
        "đơn vị %(unit)s: số hồ sơ theo %(name)s cộng lại là %(total)s, ít hơn %(answers)s câu "
        "trả lời của đơn vị"
    ),
    "post-stratification by %(name)s: %(problem)s": N_("hậu phân tầng theo %(name)s: %(problem)s"),
    "confidence (%(confidence)s) must be in (0, 1)": N_(
        "độ tin cậy (%(confidence)s) phải lớn hơn 0 và nhỏ hơn 1"
    ),
    "min_n (%(min_n)s), reliable_n (%(reliable_n)s) ≥ 0 and max_cv (%(max_cv)s) > 0": N_(
        "cần min_n (%(min_n)s), reliable_n (%(reliable_n)s) ≥ 0 và max_cv (%(max_cv)s) > 0"
    ),
    # notes of a result (survey_app.results.labels.note_label)
    "confidence %(confidence)s%%; unreliable: n < %(reliable_n)s or se/estimate > "
    "%(max_cv)s%%; suppressed: n < %(min_n)s": N_(
        "Độ tin cậy %(confidence)s %%; kém tin cậy khi n < %(reliable_n)s hoặc SE/chỉ số > "
        "%(max_cv)s %%; không công bố khi n < %(min_n)s."
    ),
    "units with a population but no answers (not estimated): %(units)s": N_(
        "Đơn vị có số hồ sơ nhưng chưa có phiếu (không ước lượng): %(units)s."
    ),
    "units with %(name)s counts but no answers (not estimated): %(units)s": N_(
        "Đơn vị có số hồ sơ theo %(name)s nhưng chưa có phiếu (không ước lượng): %(units)s."
    ),
    "post-stratified to the counts per %(name)s within each unit: weight N_hc/n_hc; SEs use "
    "the influence values minus their mean in each unit × %(name)s (R postStratify)": N_(
        "Hậu phân tầng theo số hồ sơ từng %(name)s trong mỗi đơn vị: trọng số N_hc/n_hc; sai số "
        "chuẩn tính từ giá trị ảnh hưởng trừ trung bình của chúng trong mỗi đơn vị × %(name)s "
        "(như postStratify của R)."
    ),
    "populations not given: each unit's population is the sum of its %(name)s counts": N_(
        "Chưa có số hồ sơ (N): N của mỗi đơn vị là tổng số hồ sơ theo %(name)s."
    ),
    "populations not given: no finite population correction, weight 1 per respondent; unit "
    "types and the province weight units by their numbers of respondents": N_(
        "Chưa có số hồ sơ (N): không hiệu chỉnh quần thể hữu hạn, mỗi người trả lời trọng số 1; "
        "loại đơn vị và toàn tỉnh tính theo số người trả lời của từng đơn vị."
    ),
    "some items have no valid answer in a unit or group: an element's index is the mean of its "
    "items that have one, the SIPAS index the mean of elements that have one": N_(
        "Có câu hỏi không có câu trả lời hợp lệ ở một đơn vị hoặc nhóm: chỉ số yếu tố là trung "
        "bình các câu hỏi có câu trả lời, chỉ số SIPAS là trung bình các yếu tố có chỉ số."
    ),
    "cells with fewer dossiers than respondents (weight below 1): %(cells)s": N_(
        "Ô có ít hồ sơ hơn số người trả lời (trọng số dưới 1): %(cells)s."
    ),
}
"""``analysis``'s English template → its Vietnamese message id."""


def vi_en_said(text: str) -> str:
    """``"Vietnamese / English"`` of an ``analysis`` message; any other text as it is."""
    return i18n.vi_en_said(text, WORDS)


def error_lines(error: Exception) -> list[str]:
    """The messages of an error of the estimation, one a line, each "Vietnamese / English"
    when ``analysis`` said it (a ``SaidError``); another error's text line by line."""
    said = getattr(error, "messages", None)
    if said:
        return [vi_en_said(message) for message in said]
    text = str(error).strip("'\"")
    return [line for line in text.splitlines() if line.strip()] or [str(error)]
