"""``questionnaires``'s messages, Vietnamese first and English second, through the catalogue.

``questionnaires`` (a computation package, standard library only) says what a definition (JSON or
XLSForm) gets wrong, and how to fix it, in English with ``questionnaires.said.say``, which keeps
each message's template and values. `WORDS` gives each template its Vietnamese message id (the
catalogue holds the English, the template itself); the upload page and ``sipas questionnaire
check`` read a definition's problems through `translated_result`, so they say "Vietnamese /
English". A test checks that every template ``questionnaires`` says is here (docs/decisions/0027,
0030, 0031).
"""

from __future__ import annotations

from dataclasses import replace

from questionnaires.problems import LoadResult, Problem
from survey_app import i18n
from survey_app.i18n import N_

WORDS: dict[str, str] = {
    # words said inside other messages: JSON kinds, parts of a definition, languages
    "a string": N_("văn bản"),
    "a whole number": N_("một số nguyên"),
    "a decimal number": N_("một số thập phân"),
    "true or false": N_("true hoặc false"),
    "true/false": N_("true/false (đúng/sai)"),
    'an object of translations like {"vi": "…", "en": "…"}': N_(
        'một đối tượng bản dịch như {"vi": "…", "en": "…"}'
    ),
    "an object": N_("một đối tượng JSON (object)"),
    "an array": N_("một mảng JSON (array)"),
    "option": N_("lựa chọn (option)"),
    "level": N_("mức của thang đo (level)"),
    "scale": N_("thang đo (scale)"),
    "item": N_("câu hỏi (item)"),
    "element": N_("nhóm câu hỏi (element)"),
    "choice question": N_("câu hỏi lựa chọn"),
    "comment": N_("câu góp ý (comment)"),
    "questionnaire": N_("bộ câu hỏi"),
    "Vietnamese ('vi')": N_("tiếng Việt ('vi')"),
    "English ('en')": N_("tiếng Anh ('en')"),
    "every text needs one": N_("mọi văn bản đều cần tiếng Việt"),
    "%(language)r is in languages": N_("%(language)r có trong languages"),
    "character %(index)s is %(code)s %(name)s": N_("ký tự thứ %(index)s là %(code)s %(name)s"),
    "a later character combines with its neighbour": N_(
        "một ký tự phía sau ghép với ký tự bên cạnh"
    ),
    "%(name)s is not allowed": N_("không được dùng %(name)s"),
    # reading the file (questionnaires.loader)
    "cannot read the file: %(reason)s": N_("không đọc được tệp: %(reason)s"),
    "check the path": N_("kiểm tra lại đường dẫn"),
    "the file is not UTF-8 text (bad byte %(byte)r at offset %(offset)s)": N_(
        "tệp không phải văn bản UTF-8 (byte lỗi %(byte)r ở vị trí %(offset)s)"
    ),
    "save it as UTF-8": N_("hãy lưu lại dưới dạng UTF-8"),
    "the text starts with a byte-order mark (BOM)": N_("văn bản bắt đầu bằng dấu BOM"),
    "save it as UTF-8 without BOM": N_("hãy lưu lại dưới dạng UTF-8 không có BOM"),
    "invalid JSON: nested more than %(depth)s levels deep": N_(
        "JSON không hợp lệ: lồng nhau sâu hơn %(depth)s cấp"
    ),
    "a definition is only a few levels deep: check the brackets": N_(
        "một bộ câu hỏi chỉ lồng vài cấp: hãy kiểm tra các dấu ngoặc"
    ),
    "invalid JSON: %(reason)s at line %(line)s, column %(column)s": N_(
        "JSON không hợp lệ: %(reason)s ở dòng %(line)s, ký tự %(column)s"
    ),
    "fix the JSON syntax; an editor with JSON support shows the exact spot": N_(
        "hãy sửa cú pháp JSON; một trình soạn thảo hỗ trợ JSON chỉ ra đúng chỗ sai"
    ),
    "a comma is probably missing between two entries before here": N_(
        "có lẽ thiếu dấu phẩy giữa hai mục trước chỗ này"
    ),
    "keys need double quotes, and no comma may come before '}'": N_(
        "khóa phải nằm trong ngoặc kép, và không được có dấu phẩy trước '}'"
    ),
    "a value is missing here (a comma before ']'? an empty file?)": N_(
        "thiếu một giá trị ở đây (dấu phẩy trước ']'? tệp rỗng?)"
    ),
    "put ':' between a key and its value": N_("hãy đặt ':' giữa khóa và giá trị"),
    "close the string with a double quote": N_("hãy đóng chuỗi bằng dấu ngoặc kép"),
    "write a line break inside a string as \\n": N_("trong một chuỗi, hãy viết xuống dòng là \\n"),
    "a backslash in a string must be doubled (\\\\)": N_(
        "dấu gạch chéo ngược trong chuỗi phải viết hai lần (\\\\)"
    ),
    "a definition is exactly one JSON object; remove what follows it": N_(
        "một bộ câu hỏi là đúng một đối tượng JSON; hãy xóa phần phía sau"
    ),
    "invalid JSON: %(reason)s": N_("JSON không hợp lệ: %(reason)s"),
    "JSON has no NaN or Infinity; use a number": N_(
        "JSON không có NaN hay Infinity; hãy dùng một số"
    ),
    "invalid JSON: nested too deeply": N_("JSON không hợp lệ: lồng nhau quá sâu"),
    "a definition is only a few levels deep": N_("một bộ câu hỏi chỉ lồng vài cấp"),
    "cannot build the questionnaire: %(error)s": N_("không dựng được bộ câu hỏi: %(error)s"),
    "please report this loader bug": N_("hãy báo lỗi này của bộ đọc cho người phát triển"),
    # structure (questionnaires.structure)
    "the %(name)s must be %(kind)s, got %(got)s": N_(
        "%(name)s phải là %(kind)s, nhưng đang là %(got)s"
    ),
    "key %(key)r is given more than once (only the last would count)": N_(
        "khóa %(key)r có hơn một lần (chỉ lần cuối được tính)"
    ),
    "keep only one of them": N_("chỉ giữ một lần"),
    "unknown key %(key)r in the %(name)s": N_("khóa lạ %(key)r trong %(name)s"),
    "did you mean %(word)r?": N_("có phải %(word)r?"),
    "the keys of a %(name)s are: %(keys)s": N_("các khóa của %(name)s là: %(keys)s"),
    "missing required key %(key)r in the %(name)s": N_(
        "thiếu khóa bắt buộc %(key)r trong %(name)s"
    ),
    "add %(key)r: %(kind)s": N_("hãy thêm %(key)r: %(kind)s"),
    "%(key)r must be an array, got %(got)s %(value)s": N_(
        "%(key)r phải là một mảng JSON (array), nhưng đang là %(got)s %(value)s"
    ),
    "must be %(kind)s, got %(got)s %(value)s": N_(
        "phải là %(kind)s, nhưng đang là %(got)s %(value)s"
    ),
    "write it without quotes": N_("hãy viết không có dấu ngoặc kép"),
    "language %(language)r is given more than once": N_("ngôn ngữ %(language)r có hơn một lần"),
    "keep only one": N_("chỉ giữ một"),
    # meaning (questionnaires.meaning)
    "demographic question %(id)r is required": N_("câu hỏi nhân khẩu %(id)r là bắt buộc"),
    "demographics should be optional on an anonymous counter survey": N_(
        "câu hỏi nhân khẩu nên để không bắt buộc trong một khảo sát ẩn danh tại quầy"
    ),
    "questionnaire id %(id)r is not a slug": N_(
        "mã bộ câu hỏi %(id)r không đúng dạng (chữ thường, số và '-')"
    ),
    "use lowercase letters, digits and single '-' (at most 80), e.g. 'sipas-2023'": N_(
        "dùng chữ thường, chữ số và từng dấu '-' (tối đa 80 ký tự), ví dụ 'sipas-2023'"
    ),
    "version %(version)s must be a positive whole number": N_(
        "phiên bản %(version)s phải là số nguyên dương"
    ),
    "start at 1": N_("bắt đầu từ 1"),
    "language %(language)r is not a language code": N_("%(language)r không phải mã ngôn ngữ"),
    "use a lowercase ISO 639-1 code such as 'vi' or 'en'": N_(
        "dùng mã ISO 639-1 viết thường như 'vi' hoặc 'en'"
    ),
    "language %(language)r is listed more than once": N_(
        "ngôn ngữ %(language)r được liệt kê hơn một lần"
    ),
    "list it once": N_("chỉ liệt kê một lần"),
    "languages %(languages)s must include 'vi'": N_(
        "ngôn ngữ %(languages)s phải có tiếng Việt ('vi')"
    ),
    'every questionnaire is Vietnamese first: "languages": ["vi", ...]': N_(
        'mọi bộ câu hỏi đều có tiếng Việt trước: "languages": ["vi", ...]'
    ),
    "the %(language)s text is missing (%(why)s)": N_("thiếu văn bản %(language)s (%(why)s)"),
    'add "vi": "…"': N_('hãy thêm "vi": "…"'),
    'add "%(language)s": "…", or remove it from languages': N_(
        'hãy thêm "%(language)s": "…", hoặc bỏ nó khỏi languages'
    ),
    "language %(language)r is not in languages %(languages)s": N_(
        "ngôn ngữ %(language)r không có trong languages %(languages)s"
    ),
    "add %(language)r to languages or remove this text": N_(
        "hãy thêm %(language)r vào languages hoặc bỏ văn bản này"
    ),
    "the text is empty (%(text)s)": N_("văn bản trống (%(text)s)"),
    "write the text, or remove the key": N_("hãy viết văn bản, hoặc bỏ khóa này"),
    "text %(text)s is not in Unicode NFC form (%(where)s)": N_(
        "văn bản %(text)s không ở dạng Unicode NFC (%(where)s)"
    ),
    "save it precomposed: unicodedata.normalize('NFC', text)": N_(
        "hãy lưu ở dạng dựng sẵn: unicodedata.normalize('NFC', text)"
    ),
    "text %(text)s contains control characters %(characters)s": N_(
        "văn bản %(text)s có ký tự điều khiển %(characters)s"
    ),
    "remove them; only a line break (\\n) is allowed": N_(
        "hãy xóa chúng; chỉ được dùng ký tự xuống dòng (\\n)"
    ),
    "text %(text)s has leading or trailing spaces": N_(
        "văn bản %(text)s có khoảng trắng ở đầu hoặc cuối"
    ),
    "remove them": N_("hãy xóa chúng"),
    "id %(id)r is not a valid field name": N_("mã %(id)r không phải tên trường hợp lệ"),
    "start with a letter, then letters, digits or '_' (at most 64), e.g. 'q15'": N_(
        "bắt đầu bằng một chữ cái, sau đó là chữ, số hoặc '_' (tối đa 64 ký tự), ví dụ 'q15'"
    ),
    "id %(id)r is reserved by the survey form (%(reserved)s)": N_(
        "mã %(id)r đã được biểu mẫu khảo sát dùng riêng (%(reserved)s)"
    ),
    "choose another id": N_("hãy chọn mã khác"),
    "duplicate id %(id)r: already used at %(place)s": N_("mã %(id)r bị trùng: đã dùng ở %(place)s"),
    "give every element, item and question its own id": N_(
        "mỗi nhóm, mỗi câu hỏi cần một mã riêng"
    ),
    "the scale must have exactly the levels 1, 2, 3, 4, 5 in that order; got %(codes)s": N_(
        "thang đo phải có đúng các mức 1, 2, 3, 4, 5 theo thứ tự đó; đang có %(codes)s"
    ),
    "SIPAS rates every item from 1 (Rất không hài lòng) to 5 (Rất hài lòng)": N_(
        "SIPAS chấm mọi câu hỏi từ 1 (Rất không hài lòng) đến 5 (Rất hài lòng)"
    ),
    "not-applicable code %(code)r must be a lowercase code that is not a number": N_(
        "mã „không áp dụng” %(code)r phải là mã chữ thường, không phải một số"
    ),
    "use 'na'": N_("hãy dùng 'na'"),
    "the questionnaire has no elements": N_("bộ câu hỏi chưa có nhóm câu hỏi nào"),
    "add at least one element": N_("hãy thêm ít nhất một nhóm câu hỏi"),
    "element %(id)r has no items": N_("nhóm %(id)r chưa có câu hỏi nào"),
    "add at least one item, or remove the element": N_(
        "hãy thêm ít nhất một câu hỏi, hoặc bỏ nhóm này"
    ),
    "question %(id)r has %(count)s option(s)": N_("câu hỏi %(id)r chỉ có %(count)s lựa chọn"),
    "a choice needs at least two options": N_("một câu hỏi lựa chọn cần ít nhất hai lựa chọn"),
    "option code %(code)r is not valid": N_("mã lựa chọn %(code)r không hợp lệ"),
    "use lowercase letters, digits and '_' (at most 64), e.g. 'dat_dai'": N_(
        "dùng chữ thường, chữ số và '_' (tối đa 64 ký tự), ví dụ 'dat_dai'"
    ),
    "duplicate option code %(code)r: already used by option %(index)s": N_(
        "mã lựa chọn %(code)r bị trùng: lựa chọn %(index)s đã dùng"
    ),
    "give every option of a question its own code": N_(
        "mỗi lựa chọn của một câu hỏi cần một mã riêng"
    ),
    "max_length %(length)s is out of range: it must be from 1 to %(most)s": N_(
        "max_length %(length)s nằm ngoài khoảng cho phép: phải từ 1 đến %(most)s"
    ),
    "use %(most)s or less": N_("hãy dùng %(most)s trở xuống"),
    # XLSForm (questionnaires.xlsform, .xlsform_sheets)
    "the workbook has no sheet named 'survey'": N_("bảng tính không có trang 'survey'"),
    "required column %(column)r is missing": N_("thiếu cột bắt buộc %(column)r"),
    "column %(column)r is ignored": N_("cột %(column)r được bỏ qua"),
    "no label column": N_("không có cột label"),
    "add label::Vietnamese (vi)": N_("hãy thêm cột label::Vietnamese (vi)"),
    "the settings sheet is missing or empty": N_("thiếu trang settings, hoặc trang này trống"),
    "add form_id, version": N_("hãy thêm form_id, version"),
    "%(column)s is missing": N_("thiếu %(column)s"),
    "version %(version)r must be a whole number": N_("phiên bản %(version)r phải là số nguyên"),
    "e.g. 1, 2, 3": N_("ví dụ 1, 2, 3"),
    "groups inside groups are not supported": N_("không dùng được nhóm lồng trong nhóm"),
    "end the group first": N_("hãy kết thúc nhóm trước (end group)"),
    "'end group' without 'begin group'": N_("có 'end group' nhưng không có 'begin group'"),
    "write select_one and the list's name, e.g. 'select_one scale'": N_(
        "hãy viết select_one và tên danh sách, ví dụ 'select_one scale'"
    ),
    "'or_other' is not supported": N_("không dùng được 'or_other'"),
    "add an 'other' choice instead": N_("hãy thêm một lựa chọn „khác” thay vào đó"),
    "item %(item)r uses list %(name)r, other items %(scale)r": N_(
        "câu hỏi %(item)r dùng danh sách %(name)r, các câu hỏi khác dùng %(scale)r"
    ),
    "every item of a SIPAS questionnaire is on the same scale": N_(
        "mọi câu hỏi của bộ câu hỏi SIPAS dùng cùng một thang đo"
    ),
    "list %(name)r is not in the choices sheet": N_(
        "danh sách %(name)r không có trong trang choices"
    ),
    "only one text question is supported: the comment, outside groups": N_(
        "chỉ dùng được một câu hỏi dạng text: câu góp ý, đặt ngoài các nhóm"
    ),
    "row %(name)r of type %(kind)r is ignored": N_("dòng %(name)r kiểu %(kind)r được bỏ qua"),
    "type %(kind)r is not supported": N_("không dùng được kiểu câu hỏi %(kind)r"),
    "use begin group/end group, select_one LIST, text (the comment) or note "
    "(intro, privacy_note)": N_(
        "hãy dùng begin group/end group, select_one LIST, text (câu góp ý) hoặc note "
        "(intro, privacy_note)"
    ),
    "group %(id)r has no 'end group'": N_("nhóm %(id)r không có 'end group'"),
    "no note named %(key)r": N_("không có dòng note tên %(key)r"),
    "add a row: type note, name %(key)s": N_("hãy thêm một dòng: type note, name %(key)s"),
    "no item: put select_one rows inside a begin group/end group": N_(
        "chưa có câu hỏi nào: hãy đặt các dòng select_one giữa begin group và end group"
    ),
    "the scale %(scale)r has a second choice that is not a number (%(name)r)": N_(
        "thang đo %(scale)r có lựa chọn thứ hai không phải số (%(name)r)"
    ),
    "a scale has whole-number levels and at most one 'not applicable' choice": N_(
        "thang đo gồm các mức là số nguyên và nhiều nhất một lựa chọn „không áp dụng”"
    ),
    "%(value)r is not yes or no": N_("%(value)r không phải có (yes) hay không (no)"),
    "the language of column %(column)r is not recognised": N_(
        "không nhận ra ngôn ngữ của cột %(column)r"
    ),
    "write it as %(stem)s::Vietnamese (vi) or %(stem)s::English (en)": N_(
        "hãy viết %(stem)s::Vietnamese (vi) hoặc %(stem)s::English (en)"
    ),
    "a second %(language)r %(stem)s column": N_("cột %(stem)s %(language)r thứ hai"),
}
"""``questionnaires``'s English template → its Vietnamese message id."""


def vi_en_said(text: str) -> str:
    """``"Vietnamese / English"`` of a ``questionnaires`` message; any other text as it is."""
    return i18n.vi_en_said(text, WORDS)


def translated(problem: Problem) -> Problem:
    """The problem with its message and hint said in both languages."""
    hint = vi_en_said(problem.hint) if problem.hint is not None else None
    return replace(problem, message=vi_en_said(problem.message), hint=hint)


def translated_result(result: LoadResult) -> LoadResult:
    """A definition's result with every problem and warning `translated`."""
    return LoadResult(
        result.value,
        tuple(translated(p) for p in result.problems),
        tuple(translated(p) for p in result.warnings),
    )
