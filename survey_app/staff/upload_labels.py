"""What people read of an uploaded file's problems: where (row, column, line) and what, in
Vietnamese first, with the reader's English message as the gloss.

The file readers (`survey_app.csv_files`, the units, frame, populations and PAR readers, the
``questionnaires`` checks) keep their English messages, which the CLI prints; the upload pages
show each problem through `place` and `problem_text`, as the plan page does with
`survey_app.planning.labels` and the PAR pages with `survey_app.par.labels`. A message without a
pattern here is shown after `GENERAL`, its English kept beside it.
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


def _or_mean(text: str | None) -> str:
    return f" (có phải {_q(text)}?)" if text else ""


def _rename(text: str | None) -> str:
    return f" (đổi tên cột {_q(text)}?)" if text else ""


def _whose(unit: str | None, code: str | None) -> str:
    return f" (đơn vị {unit}, tiêu chí {code})" if unit else ""


_MESSAGES: tuple[tuple[str, Say], ...] = (
    # any table (survey_app.csv_files and the PAR and questionnaire readers)
    (r"the file is empty: it needs a header row", lambda _m: "tệp trống: cần dòng tiêu đề"),
    (r"the sheet is empty: it needs a header row", lambda _m: "trang tính trống: cần dòng tiêu đề"),
    (r"the file has no rows", lambda _m: "tệp không có dòng nào"),
    (r"the file holds no records", lambda _m: "tệp không có bản ghi nào"),
    (
        r"not UTF-8 text but a spreadsheet \(XLSX\) or ZIP file: .*",
        lambda _m: "đây là bảng tính XLSX (hoặc tệp ZIP), không phải CSV: hãy lưu dạng CSV UTF-8",
    ),
    (
        r"not UTF-8 text but a PDF document: .*",
        lambda _m: "đây là tài liệu PDF, không phải tệp dữ liệu: hãy chọn đúng tệp",
    ),
    (
        r"not UTF-8 text but UTF-16 text.*",
        lambda _m: "tệp là văn bản UTF-16 (Unicode Text của Excel): hãy lưu dạng CSV UTF-8",
    ),
    (
        r"(?:the file is )?not UTF-8 text.*",
        lambda _m: "tệp không phải văn bản UTF-8: hãy lưu lại dưới dạng CSV UTF-8",
    ),
    (r"not a CSV file: .*", lambda _m: "không phải tệp CSV: hãy lưu dạng CSV UTF-8"),
    (
        r"not an? \.?XLSX workbook.*",
        lambda _m: "không phải bảng tính .xlsx: hãy lưu từ Excel hoặc LibreOffice dạng .xlsx",
    ),
    (r"not a JSON file.*", lambda _m: "không phải tệp JSON"),
    (
        r"invalid JSON: .*",
        lambda _m: "không đọc được JSON (tệp cần là .json, hoặc bảng tính XLSForm .xlsx)",
    ),
    (
        r"(\d+) values but the header has (\d+) columns",
        lambda m: f"dòng có {m[1]} giá trị nhưng dòng tiêu đề có {m[2]} cột",
    ),
    (
        r"contains a NUL character .*",
        lambda _m: "có ký tự NUL (\\0), không lưu được: hãy xóa ký tự này",
    ),
    (
        r"required column '(.*?)' is missing(?: \(did you mean (?:to rename )?'(.*)'\?\))?",
        lambda m: f"thiếu cột bắt buộc {_q(m[1])}" + _rename(m[2]),
    ),
    (r"missing column '(.*)'", lambda m: f"thiếu cột {_q(m[1])}"),
    (
        r"unknown column '(.*?)'(?: \(did you mean '(.*)'\?\))?",
        lambda m: f"cột lạ {_q(m[1])}{_or_mean(m[2])}",
    ),
    (r"column ignored", lambda _m: "cột này được bỏ qua"),
    (
        r"the file has neither a self_points nor a final_points column",
        lambda _m: "tệp không có cột self_points hay final_points",
    ),
    # units (survey_app.survey.units_import)
    (r"the file has a header but no units", lambda _m: "tệp có dòng tiêu đề nhưng không có đơn vị"),
    (r"a unit needs a code", lambda _m: "đơn vị phải có mã"),
    (
        r"'(.*)' is not a valid code: .*",
        lambda m: f"mã {_q(m[1])} không hợp lệ: chỉ dùng chữ, số, '.', '_' hoặc '-'",
    ),
    (
        r"the name has (\d+) characters; at most (\d+)",
        lambda m: f"tên dài {m[1]} ký tự; tối đa {m[2]}",
    ),
    (
        r"a unit needs a level, one of: (.*)",
        lambda m: f"đơn vị phải có cấp (level): {m[1]}",
    ),
    (
        r"unknown unit type '(.*?)'(?: \(did you mean '(.*?)'\?\))?; known: (.*)",
        lambda m: f"không có loại đơn vị {_q(m[1])}{_or_mean(m[2])}; các loại: {m[3]}",
    ),
    (r"'(.*)' is not true or false", lambda m: f"{_q(m[1])} không phải true hoặc false"),
    (
        r"'(.*)' is not a date \(YYYY-MM-DD\)",
        lambda m: f"{_q(m[1])} không phải ngày tháng (YYYY-MM-DD)",
    ),
    (
        r"(\S+) is before valid_from (\S+)",
        lambda m: f"ngày kết thúc {m[1]} trước ngày bắt đầu hiệu lực {m[2]}",
    ),
    (
        r"unit '(.*)' cannot be its own parent",
        lambda m: f"đơn vị {m[1]} không thể trực thuộc chính nó",
    ),
    (
        r"unit '(.*)' valid from (\S+) is also on row (\d+)",
        lambda m: f"đơn vị {m[1]} (hiệu lực từ {m[2]}) đã có ở dòng {m[3]}",
    ),
    (
        r"unit '(.*)' valid from (\S+) is already in the database",
        lambda m: f"đơn vị {m[1]} (hiệu lực từ {m[2]}) đã có trong cơ sở dữ liệu",
    ),
    (
        r"unit '(.*)' already exists, valid from (\S+): import with --supersede to close it on "
        r"(\S+), or give another valid_from",
        lambda m: (
            f"đơn vị {m[1]} đã có (hiệu lực từ {m[2]}): chọn „Đóng phiên bản cũ cùng mã” để "
            f"đóng nó vào ngày {m[3]}, hoặc cho ngày hiệu lực khác"
        ),
    ),
    (
        r"parent '(.*)' is neither in this file nor a unit valid on (\S+): import the parent first",
        lambda m: (
            f"không có đơn vị cấp trên mã {m[1]} trong tệp hay còn hiệu lực ngày {m[2]}: "
            "hãy nhập đơn vị cấp trên trước"
        ),
    ),
    # frames and populations (planning.files, trust.frame_codes)
    (r"the dossier code is missing", lambda _m: "thiếu mã hồ sơ"),
    (r"the unit code is missing", lambda _m: "thiếu mã đơn vị"),
    (r"the criterion code is missing", lambda _m: "thiếu mã tiêu chí"),
    (r"dossier '(.*)' is also on row (\d+)", lambda m: f"hồ sơ {m[1]} đã có ở dòng {m[2]}"),
    (
        r"the dossier code is longer than (\d+) characters",
        lambda m: f"mã hồ sơ dài quá {m[1]} ký tự",
    ),
    (
        r"reserve \('(.*)'\) must be true or false",
        lambda m: f"reserve ({_q(m[1])}): true hoặc false",
    ),
    (
        r"unknown unit '(.*?)'(?: \(did you mean '(.*)'\?\))?",
        lambda m: f"không có đơn vị mã {m[1]}{_or_mean(m[2])}",
    ),
    (r"unit '(.*)' is not in round '(.*)'", lambda m: f"đơn vị {m[1]} không thuộc đợt {m[2]}"),
    (
        r"round '(.*)' is closed: its codes could not be used",
        lambda m: f"đợt {m[1]} đã đóng: mã cấp ra sẽ không dùng được",
    ),
    # PAR catalogs, rules and points (survey_app.par.files, scoring_bridge, par.scoring)
    (
        r"the parent '(.*)' of '(.*)' is not in the catalog",
        lambda m: f"mục cấp trên {_q(m[1])} của {_q(m[2])} không có trong khung điểm",
    ),
    (
        r"the maxima of the children of '(.*)' add up to (\S+), not its maximum (\S+)",
        lambda m: (
            f"điểm tối đa của các mục con của {_q(m[1])} cộng lại là {m[2]}, không phải {m[3]}"
        ),
    ),
    (
        r"the areas' maxima add up to (\S+), not (\S+)",
        lambda m: f"điểm tối đa của các lĩnh vực cộng lại là {m[1]}, không phải {m[2]}",
    ),
    (
        r"'(.*)' is a scored leaf, so it needs a source: .*",
        lambda m: f"{_q(m[1])} là tiêu chí được chấm điểm nên cần nguồn điểm (source)",
    ),
    (r"no catalog found in the file", lambda _m: "không tìm thấy khung điểm nào trong tệp"),
    (
        r"(self_points|final_points) '(.*)' is not a number(?: \(unit '(.*)', code '(.*)'\))?",
        lambda m: f"{m[1]} {_q(m[2])} không phải là số" + _whose(m[3], m[4]),
    ),
    (
        r"(self_points|final_points) (\S+) is below 0(?: \(unit '(.*)', code '(.*)'\))?",
        lambda m: f"{m[1]} {m[2]} nhỏ hơn 0" + _whose(m[3], m[4]),
    ),
    (r"(\S+) is not a number", lambda m: f"{m[1]} không phải là số"),
    (
        r"(\S+) is a date, not a number .*",
        lambda m: f"{m[1]} là ngày tháng, không phải số (Excel đã hiểu điểm thành ngày)",
    ),
    (
        r"unit '([^']*)', code '([^']*)': (.*)",
        lambda m: f"đơn vị {m[1]}, tiêu chí {m[2]}: " + (_said(m[3], _MESSAGE_PATTERNS) or m[3]),
    ),
    (
        r"unit '(.*)', code '(.*)' is given again \(first on row (\d+)\)",
        lambda m: f"đơn vị {m[1]}, tiêu chí {m[2]} có hai lần (lần đầu ở dòng {m[3]})",
    ),
    (
        r"unknown unit, or its type has no catalog",
        lambda _m: "không có đơn vị này trong năm, hoặc loại đơn vị của nó chưa có khung điểm",
    ),
    (
        r"'(.*)' is not a scored criterion of the (\S+) catalog",
        lambda m: f"{_q(m[1])} không phải tiêu chí được chấm điểm của khung điểm {_q(m[2])}",
    ),
    (
        r"8\.1 comes from SIPAS by the year's rule: .*",
        lambda _m: "tiêu chí 8.1 lấy từ kết quả SIPAS theo quy tắc của năm: bỏ dòng này khỏi tệp",
    ),
    (
        r"(self_points|final_points) (\S+) is outside 0–(\S+) \((.*)\)",
        lambda m: f"{m[1]} {m[2]} nằm ngoài khoảng 0–{m[3]} ({m[4]})",
    ),
    (
        r"method '(.*)' must be one of (.*)",
        lambda m: f"không có phương pháp {_q(m[1])}; chọn một trong: {m[2]}",
    ),
    (
        r"no (\S+) catalog for (\d+): import the catalog first",
        lambda m: (
            f"chưa có khung điểm năm {m[2]} cho loại đơn vị {_q(m[1])} của quy tắc: "
            "hãy nhập khung điểm trước"
        ),
    ),
    # questionnaires (questionnaires.loader, questionnaires.xlsform)
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
    (r"the columns are: (.*)", lambda m: f"các cột là: {m[1]}"),
    (
        r"add the (?:criterion|area) '(.*)', or correct the code",
        lambda m: f"thêm mục {_q(m[1])}, hoặc sửa mã",
    ),
    (r"keep one row per unit and code", lambda _m: "mỗi đơn vị và tiêu chí một dòng"),
    (r"fill it in, or delete the row", lambda _m: "điền vào, hoặc xóa dòng"),
    (r"save (?:it|the file) as (?:CSV )?UTF-8", lambda _m: "hãy lưu dạng UTF-8"),
    (r"e\.g\. 1, 2, 3", lambda _m: "ví dụ 1, 2, 3"),
    (r"give every element, item and question its own id", lambda _m: "mỗi mục cần một mã riêng"),
    (
        r"write the points as a number .*",
        lambda _m: "ghi điểm bằng một số từ 0 đến điểm tối đa, ví dụ 2,5",
    ),
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


def problem_text(message: str, hint: str | None = None) -> Markup:
    """A reader's problem: its Vietnamese words (and the hint's), then the English as a gloss.

    A message already in both languages (``"Vietnamese / English"``) keeps both.
    """
    english = message if not hint else f"{message} (hint: {hint})"
    if hint is None and (split := _HINT.match(message)):
        message, hint = split[1], split[2]
    if VIETNAMESE_LETTER.search(message):
        vietnamese, _, gloss = message.partition(" / ")
        return Markup('{} <span class="en">{}</span>').format(vietnamese, gloss or english)
    said = _said(message, _MESSAGE_PATTERNS)
    if said is None:
        return Markup('{}: <span class="en">{}</span>').format(GENERAL, english)
    hint_said = _said(hint, _HINT_PATTERNS) if hint else None
    if hint_said:
        said = f"{said} (gợi ý: {hint_said})"
    return Markup('{} <span class="en">{}</span>').format(said, english)
