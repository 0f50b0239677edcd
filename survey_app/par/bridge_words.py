"""``scoring_bridge``'s messages, Vietnamese first and English second, through the catalogue.

``scoring_bridge`` (a computation package: it imports nothing of the web app) writes its problems
in English with ``scoring_bridge.problems.say``, which keeps each message's template and values.
`WORDS` gives each template its Vietnamese message id (the catalogue holds the English); the PAR
readers and services hand on every ``scoring_bridge`` problem through `translated`, so the pages
and the CLI show "Vietnamese / English". A test checks that every template ``scoring_bridge``
says is here (docs/decisions/0027).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TypeVar

from scoring_bridge import LoadResult, Problem, ProblemsError
from scoring_bridge.problems import Said
from survey_app import i18n
from survey_app.i18n import N_

T = TypeVar("T")

WORDS: dict[str, str] = {
    # words said inside other messages
    "catalog": N_("khung điểm"),
    "criterion": N_("tiêu chí"),
    "split": N_("phần chia điểm (split)"),
    "8.1 rule": N_("quy tắc 8.1"),
    "band": N_("mức (band)"),
    "the %(year)s %(unit_type)s catalog": N_("khung điểm %(unit_type)s năm %(year)s"),
    "a criterion code like '8.1'": N_("một mã tiêu chí như '8.1'"),
    "a code like 'department'": N_("một mã như 'department'"),
    "a whole number from 1990 to 2100": N_("một số nguyên từ 1990 đến 2100"),
    "a whole number ≥ 1": N_("một số nguyên ≥ 1"),
    "one of %(choices)s": N_("một trong %(choices)s"),
    "a number": N_("một số"),
    "true or false": N_("true hoặc false"),
    "a string": N_("văn bản"),
    "null or a whole number 0 to 6": N_("null hoặc một số nguyên từ 0 đến 6"),
    # hints
    "did you mean %(word)r?": N_("có phải %(word)r?"),
    "write it like '8' (area), '8.1' (criterion) or '8.1.1' (sub-criterion)": N_(
        "viết như '8' (lĩnh vực), '8.1' (tiêu chí) hoặc '8.1.1' (tiêu chí thành phần)"
    ),
    "the columns are: %(columns)s": N_("các cột là: %(columns)s"),
    "the rows name: %(types)s": N_("các dòng ghi: %(types)s"),
    "shipped: %(names)s": N_("có sẵn: %(names)s"),
    "allowed keys: %(keys)s": N_("các khóa được dùng: %(keys)s"),
    "add the area %(parent)r, or correct the code": N_("thêm lĩnh vực %(parent)r, hoặc sửa mã"),
    "add the criterion %(parent)r, or correct the code": N_(
        "thêm tiêu chí %(parent)r, hoặc sửa mã"
    ),
    "score the criterion directly, or add its other sub-criteria": N_(
        "chấm điểm thẳng tiêu chí, hoặc thêm các tiêu chí thành phần khác của nó"
    ),
    "check the source of each leaf": N_("kiểm tra nguồn điểm của từng tiêu chí được chấm điểm"),
    "leave the source empty above the leaves, or make them agree": N_(
        "để trống nguồn điểm ở mục trên các tiêu chí được chấm điểm, hoặc cho chúng giống nhau"
    ),
    "the SIPAS criterion of this catalog is %(sipas)r": N_(
        "tiêu chí SIPAS của khung điểm này là %(sipas)r"
    ),
    "save it as UTF-8": N_("hãy lưu tệp dạng UTF-8"),
    "a comma is probably missing between two entries before here": N_(
        "có lẽ thiếu dấu phẩy giữa hai mục trước chỗ này"
    ),
    "keys need double quotes, and no comma may come before '}'": N_(
        "khóa cần đặt trong dấu ngoặc kép, và không được có dấu phẩy ngay trước '}'"
    ),
    "a value is missing here (a comma before ']'? an empty file?)": N_(
        "thiếu một giá trị ở đây (dấu phẩy trước ']'? tệp rỗng?)"
    ),
    "put ':' between a key and its value": N_("đặt ':' giữa khóa và giá trị của nó"),
    "close the string with a double quote": N_("đóng chuỗi bằng một dấu ngoặc kép"),
    "a file holds exactly one JSON object; remove what follows it": N_(
        "mỗi tệp chỉ chứa đúng một đối tượng JSON; hãy xóa phần theo sau nó"
    ),
    "a catalog or a rule is only a few levels deep: check the brackets": N_(
        "khung điểm hay quy tắc chỉ lồng vài cấp: hãy kiểm tra các dấu ngoặc"
    ),
    "fix the JSON syntax; an editor with JSON support shows the exact spot": N_(
        "sửa cú pháp JSON; một trình soạn thảo hỗ trợ JSON chỉ đúng chỗ sai"
    ),
    "JSON has no NaN or Infinity; use a number": N_(
        "JSON không có NaN hay Infinity; hãy dùng một số"
    ),
    # reading JSON (scoring_bridge.problems)
    "nothing was loaded": N_("không đọc được gì"),
    "the file is not UTF-8 text (bad byte at offset %(byte)s)": N_(
        "tệp không phải văn bản UTF-8 (byte sai ở vị trí %(byte)s)"
    ),
    "invalid JSON: nested more than %(depth)s levels deep": N_(
        "JSON không hợp lệ: lồng sâu quá %(depth)s cấp"
    ),
    "invalid JSON: %(error)s": N_("JSON không hợp lệ: %(error)s"),
    "key %(key)r is given more than once": N_("khóa %(key)r có nhiều hơn một lần"),
    "unknown key %(key)r in the %(what)s": N_("khóa lạ %(key)r trong %(what)s"),
    "missing required key %(key)r in the %(what)s": N_(
        "thiếu khóa bắt buộc %(key)r trong %(what)s"
    ),
    "cannot read the file: %(reason)s": N_("không đọc được tệp: %(reason)s"),
    # catalogs (scoring_bridge.catalog)
    "no shipped catalog for unit type %(unit_type)r and year %(year)s": N_(
        "không có khung điểm sẵn cho loại đơn vị %(unit_type)r năm %(year)s"
    ),
    "the file holds the catalog of %(found)s, not of its file name": N_(
        "tệp chứa khung điểm của %(found)s, không phải của tên tệp"
    ),
    "a catalog must be a JSON object, got %(type)s": N_(
        "khung điểm phải là một đối tượng JSON, không phải %(type)s"
    ),
    "unit_type %(value)s must be a code like 'department'": N_(
        "unit_type %(value)s phải là một mã như 'department'"
    ),
    "year %(value)s must be a whole number from 1990 to 2100": N_(
        "year %(value)s phải là một số nguyên từ 1990 đến 2100"
    ),
    "version %(value)s must be a whole number ≥ 1": N_(
        "version %(value)s phải là một số nguyên ≥ 1"
    ),
    "illustrative %(value)s must be true or false": N_(
        "illustrative %(value)s phải là true hoặc false"
    ),
    "note %(value)s must be a string": N_("note %(value)s phải là văn bản"),
    "an illustrative catalog needs a note saying what is illustrative": N_(
        "khung điểm minh họa cần ghi chú nói rõ điều gì là minh họa"
    ),
    "decision %(value)s must be a string": N_("decision %(value)s phải là văn bản"),
    "sipas_criterion %(value)s must be a criterion code like '8.1'": N_(
        "sipas_criterion %(value)s phải là một mã tiêu chí như '8.1'"
    ),
    "split %(value)s must be null or {'appraisal': …, 'survey': …}": N_(
        "split %(value)s phải là null hoặc {'appraisal': …, 'survey': …}"
    ),
    "%(key)s %(value)s must be a number ≥ 0": N_("%(key)s %(value)s phải là một số ≥ 0"),
    "the split %(appraisal)s + %(survey)s = %(total)s, not 100": N_(
        "phần chia điểm %(appraisal)s + %(survey)s = %(total)s, không phải 100"
    ),
    "criteria must be a non-empty array of areas, criteria, sub-criteria": N_(
        "criteria phải là một danh sách không rỗng các lĩnh vực, tiêu chí, tiêu chí thành phần"
    ),
    "each entry must be an object, got %(value)s": N_(
        "mỗi mục phải là một đối tượng, không phải %(value)s"
    ),
    "code %(value)s is not a criterion code": N_("code %(value)s không phải mã tiêu chí"),
    "level %(value)s must be one of 'area', 'criterion', 'sub'": N_(
        "level %(value)s phải là một trong 'area', 'criterion', 'sub'"
    ),
    "name %(value)s must be a non-empty text": N_("name %(value)s phải là văn bản không rỗng"),
    "max_points %(value)s must be a number > 0": N_("max_points %(value)s phải là một số > 0"),
    "parent %(value)s is not a criterion code": N_("parent %(value)s không phải mã tiêu chí"),
    "source %(value)s must be one of 'appraisal', 'ministry_survey', 'district_offices', "
    "'sipas'": N_(
        "source %(value)s phải là một trong 'appraisal', 'ministry_survey', "
        "'district_offices', 'sipas'"
    ),
    "missing column %(column)r": N_("thiếu cột %(column)r"),
    "unknown column %(column)r is ignored": N_("cột lạ %(column)r được bỏ qua"),
    "a row must map column names to values, got %(value)s": N_(
        "mỗi dòng phải gán giá trị cho tên cột, không phải %(value)s"
    ),
    "unit_type is empty; write %(unit_type)r": N_("unit_type trống; hãy ghi %(unit_type)r"),
    "%(key)s %(value)s is a number; store codes as text (1.10 and 1.1 are different codes)": N_(
        "%(key)s %(value)s là một số; hãy lưu mã dạng văn bản (1.10 và 1.1 là hai mã khác nhau)"
    ),
    "%(key)s is empty": N_("%(key)s trống"),
    "no rows for unit type %(unit_type)r": N_("không có dòng nào cho loại đơn vị %(unit_type)r"),
    "duplicate code %(code)r: already used at %(first)s": N_(
        "mã %(code)r bị trùng: đã dùng ở %(first)s"
    ),
    "level %(level)r does not match the code %(code)r: a code with 1 part is an 'area'": N_(
        "level %(level)r không khớp với mã %(code)r: mã có 1 phần là 'area' (lĩnh vực)"
    ),
    "level %(level)r does not match the code %(code)r: a code with 2 parts is a 'criterion'": N_(
        "level %(level)r không khớp với mã %(code)r: mã có 2 phần là 'criterion' (tiêu chí)"
    ),
    "level %(level)r does not match the code %(code)r: a code with 3 parts is a 'sub'": N_(
        "level %(level)r không khớp với mã %(code)r: mã có 3 phần là 'sub' (tiêu chí thành phần)"
    ),
    "an area has no parent; got %(parent)r": N_(
        "lĩnh vực không có mục cấp trên; nhưng có %(parent)r"
    ),
    "parent %(parent)r does not match the code %(code)r: its parent is %(expected)r": N_(
        "parent %(parent)r không khớp với mã %(code)r: mục cấp trên của nó là %(expected)r"
    ),
    "the parent %(parent)r of %(code)r is not in the catalog": N_(
        "mục cấp trên %(parent)r của %(code)r không có trong khung điểm"
    ),
    "area %(code)r has no criteria": N_("lĩnh vực %(code)r không có tiêu chí nào"),
    "criterion %(code)r has a single sub-criterion %(sub)r": N_(
        "tiêu chí %(code)r chỉ có một tiêu chí thành phần %(sub)r"
    ),
    "%(code)r is a scored leaf, so it needs a source: 'appraisal', 'ministry_survey', "
    "'district_offices' or 'sipas'": N_(
        "%(code)r là tiêu chí được chấm điểm nên cần nguồn điểm (source): 'appraisal', "
        "'ministry_survey', 'district_offices' hoặc 'sipas'"
    ),
    "%(code)r has source 'sipas', which only criterion %(sipas)r and its sub-criteria may have": N_(
        "%(code)r có nguồn 'sipas', nguồn chỉ dành cho tiêu chí %(sipas)r và các tiêu chí thành "
        "phần của nó"
    ),
    "criterion %(sipas)r is scored from SIPAS, so its source must be 'sipas', not %(source)r": N_(
        "tiêu chí %(sipas)r được chấm từ SIPAS nên nguồn điểm phải là 'sipas', không phải "
        "%(source)r"
    ),
    "criterion %(sipas)r is scored from SIPAS, so the source of %(code)r must be 'sipas', not "
    "%(source)r": N_(
        "tiêu chí %(sipas)r được chấm từ SIPAS nên nguồn điểm của %(code)r phải là 'sipas', "
        "không phải %(source)r"
    ),
    "source %(source)r of %(code)r disagrees with its leaf %(leaf)r (%(leaf_source)r)": N_(
        "nguồn điểm %(source)r của %(code)r khác với tiêu chí %(leaf)r bên dưới (%(leaf_source)r)"
    ),
    "the maxima of the children of %(code)r add up to %(total)s, not its maximum %(maximum)s": N_(
        "điểm tối đa của các mục con của %(code)r cộng lại là %(total)s, không phải điểm tối đa "
        "%(maximum)s của nó"
    ),
    "there is no criterion %(code)r: SIPAS results will not be scored": N_(
        "không có tiêu chí %(code)r: kết quả SIPAS sẽ không được tính điểm"
    ),
    "the areas' maxima add up to %(total)s, not 100": N_(
        "điểm tối đa của các lĩnh vực cộng lại là %(total)s, không phải 100"
    ),
    "the appraisal leaves add up to %(got)s points, not the split's %(want)s": N_(
        "các tiêu chí thẩm định cộng lại là %(got)s điểm, không phải %(want)s như phần chia điểm"
    ),
    "the survey leaves (ministry_survey + sipas + …) add up to %(got)s points, not the split's "
    "%(want)s": N_(
        "các tiêu chí điều tra (ministry_survey + sipas + …) cộng lại là %(got)s điểm, không "
        "phải %(want)s như phần chia điểm"
    ),
    "the catalog has no criteria": N_("khung điểm không có tiêu chí nào"),
    # 8.1 rules (scoring_bridge.rule81)
    "no shipped 8.1 rule for unit type %(unit_type)r and year %(year)s": N_(
        "không có quy tắc 8.1 sẵn cho loại đơn vị %(unit_type)r năm %(year)s"
    ),
    "the file holds the rule of %(found)s, not of its file name": N_(
        "tệp chứa quy tắc của %(found)s, không phải của tên tệp"
    ),
    "an 8.1 rule must be a JSON object, got %(type)s": N_(
        "quy tắc 8.1 phải là một đối tượng JSON, không phải %(type)s"
    ),
    "%(key)s %(value)s must be %(what)s": N_("%(key)s %(value)s phải là %(what)s"),
    "bands %(value)s must be an array of {min_index, points}": N_(
        "bands %(value)s phải là một danh sách các {min_index, points}"
    ),
    "a band must be an object {min_index, points}, got %(value)s": N_(
        "mỗi mức phải là một đối tượng {min_index, points}, không phải %(value)s"
    ),
    "%(key)s %(value)s must be a number": N_("%(key)s %(value)s phải là một số"),
    "method %(value)s must be one of %(choices)s": N_(
        "method %(value)s phải là một trong %(choices)s"
    ),
    "feeds %(value)s must be one of %(choices)s": N_(
        "feeds %(value)s phải là một trong %(choices)s"
    ),
    "method 'bands' needs at least one band {min_index, points}": N_(
        "phương pháp 'bands' cần ít nhất một mức {min_index, points}"
    ),
    "min_index %(value)s must be from 0 to 100": N_("min_index %(value)s phải từ 0 đến 100"),
    "points %(value)s must be from 0 to max_points %(top)s": N_(
        "points %(value)s phải từ 0 đến max_points %(top)s"
    ),
    "bands must be in increasing order of min_index: %(value)s comes after %(before)s": N_(
        "các mức phải theo thứ tự min_index tăng dần: %(value)s đứng sau %(before)s"
    ),
    "a higher band must not give fewer points: %(value)s after %(before)s": N_(
        "mức cao hơn không được cho ít điểm hơn: %(value)s sau %(before)s"
    ),
    "no band gives the full %(top)s points": N_("không có mức nào cho đủ %(top)s điểm"),
    "bands are used only by method 'bands', not %(method)r": N_(
        "bands chỉ dùng với phương pháp 'bands', không phải %(method)r"
    ),
    "method 'linear' needs a floor and a ceiling (percent)": N_(
        "phương pháp 'linear' cần floor và ceiling (phần trăm)"
    ),
    "floor %(floor)s and ceiling %(ceiling)s must satisfy 0 ≤ floor < ceiling ≤ 100": N_(
        "floor %(floor)s và ceiling %(ceiling)s phải thỏa 0 ≤ floor < ceiling ≤ 100"
    ),
    "%(key)s is used only by method 'linear', not %(method)r": N_(
        "%(key)s chỉ dùng với phương pháp 'linear', không phải %(method)r"
    ),
    "an illustrative rule needs a note saying so": N_(
        "quy tắc minh họa cần ghi chú nói rõ điều đó"
    ),
    "the rule is for %(rule)r, the catalog for %(catalog)r": N_(
        "quy tắc dành cho %(rule)r, khung điểm dành cho %(catalog)r"
    ),
    "the rule is for %(rule)s, the catalog for %(catalog)s": N_(
        "quy tắc của năm %(rule)s, khung điểm của năm %(catalog)s"
    ),
    "criterion %(code)r is not in %(what)s": N_("tiêu chí %(code)r không có trong %(what)s"),
    "criterion %(code)r has sub-criteria in %(what)s; the rule scores one leaf": N_(
        "tiêu chí %(code)r có tiêu chí thành phần trong %(what)s; quy tắc chỉ chấm một tiêu chí "
        "được chấm điểm"
    ),
    "criterion %(code)r has source %(source)r in %(what)s, not 'sipas'": N_(
        "tiêu chí %(code)r có nguồn điểm %(source)r trong %(what)s, không phải 'sipas'"
    ),
    "the rule gives up to %(points)s points but criterion %(code)r of %(what)s has a maximum "
    "of %(maximum)s": N_(
        "quy tắc cho tối đa %(points)s điểm nhưng tiêu chí %(code)r của %(what)s có điểm tối đa "
        "%(maximum)s"
    ),
    # a unit's points (scoring_bridge.scores)
    "unit %(unit)r is of type %(unit_type)r but the catalog is for %(catalog)r": N_(
        "đơn vị %(unit)r thuộc loại %(unit_type)r nhưng khung điểm dành cho %(catalog)r"
    ),
    "unit %(unit)r: %(code)r is not a scored leaf; give points to %(subs)s": N_(
        "đơn vị %(unit)r: %(code)r không phải tiêu chí được chấm điểm; hãy cho điểm %(subs)s"
    ),
    "unit %(unit)r: unknown code %(code)r": N_(
        "đơn vị %(unit)r: không có tiêu chí mã %(code)r trong khung điểm"
    ),
    "unit %(unit)r, %(code)r: points %(value)s must be a number": N_(
        "đơn vị %(unit)r, %(code)r: điểm %(value)s phải là một số"
    ),
    "unit %(unit)r, %(code)r: %(points)s points is above the maximum %(top)s": N_(
        "đơn vị %(unit)r, %(code)r: %(points)s điểm vượt mức tối đa %(top)s"
    ),
    "unit %(unit)r, %(code)r: %(points)s points is below 0": N_(
        "đơn vị %(unit)r, %(code)r: %(points)s điểm nhỏ hơn 0"
    ),
    "unit %(unit)r: no points for %(code)r (maximum %(top)s)": N_(
        "đơn vị %(unit)r: chưa có điểm tiêu chí %(code)r (tối đa %(top)s điểm)"
    ),
    "unit %(unit)r: %(code)r is marked as last year's Ministry survey result but its source is "
    "%(source)r": N_(
        "đơn vị %(unit)r: %(code)r được đánh dấu lấy kết quả điều tra của Bộ năm trước nhưng "
        "nguồn điểm của nó là %(source)r"
    ),
    "no catalog for unit type %(unit_type)r": N_(
        "chưa có khung điểm cho loại đơn vị %(unit_type)r"
    ),
    # rules (scoring_bridge.rules)
    "rules": N_("phần quy tắc (rules)"),
    "bonus": N_("điểm thưởng"),
    "penalty": N_("điểm trừ"),
    "not-applicable rule": N_("quy tắc không áp dụng"),
    "%(what)s item": N_("mục %(what)s"),
    "the rules must be a JSON object, got %(value)s": N_(
        "phần quy tắc phải là một đối tượng JSON, không phải %(value)s"
    ),
    "adjust %(value)s must be 'index' (added to the index) or 'points' (added to the points)": N_(
        "adjust %(value)s phải là 'index' (cộng vào chỉ số) hoặc 'points' (cộng vào tổng điểm)"
    ),
    "illustrative rules need a note saying what is illustrative": N_(
        "quy tắc minh họa cần ghi chú nói rõ điều gì là minh họa"
    ),
    "not_applicable must be a list of criteria, got %(value)s": N_(
        "not_applicable phải là một danh sách các tiêu chí, không phải %(value)s"
    ),
    "no criterion %(code)s in the catalog": N_("không có tiêu chí %(code)s trong khung điểm"),
    "%(code)r is an area; only a criterion or sub-criterion may be not applicable": N_(
        "%(code)r là một lĩnh vực; chỉ tiêu chí hoặc tiêu chí thành phần mới có thể không áp dụng"
    ),
    "criterion %(sipas)s (SIPAS) applies to every unit": N_(
        "tiêu chí %(sipas)s (SIPAS) luôn được chấm cho mọi đơn vị"
    ),
    "%(code)r repeats or overlaps %(other)r at %(at)s": N_(
        "%(code)r trùng hoặc lồng với %(other)r ở %(at)s"
    ),
    "say when the criterion does not apply (a non-empty text)": N_(
        "ghi rõ khi nào tiêu chí không áp dụng (ví dụ: đơn vị không có thủ tục hành chính)"
    ),
    "units must be a list of unit codes (left out: any unit of the type)": N_(
        "units phải là danh sách mã đơn vị (bỏ trống: mọi đơn vị cùng loại)"
    ),
    "every criterion of area %(area)s may be not applicable, which would leave the area "
    "without a maximum; keep one that always applies": N_(
        "mọi tiêu chí của lĩnh vực %(area)s đều có thể không áp dụng: lĩnh vực sẽ không còn điểm "
        "tối đa; giữ lại ít nhất một tiêu chí luôn áp dụng"
    ),
    "%(what)s must be an object {'cap': …, 'items': [...]}, got %(value)s": N_(
        "%(what)s phải là {'cap': …, 'items': [...]}, không phải %(value)s"
    ),
    "%(what)s: items must be a non-empty list (code, name, max_points)": N_(
        "%(what)s: cần ít nhất một mục (mã, tên, điểm tối đa)"
    ),
    "code %(value)s must start with a letter, at most 20 characters (e.g. T1)": N_(
        "mã %(value)s không hợp lệ: bắt đầu bằng chữ cái, tối đa 20 ký tự (ví dụ T1)"
    ),
    "code %(code)r is already used at %(at)s": N_("mã %(code)r đã dùng ở %(at)s"),
    "the cap %(value)s on the %(what)s must be a number > 0, or null for no cap": N_(
        "mức trần tổng %(what)s %(value)s phải là một số > 0 (hoặc null: không có trần)"
    ),
    "clamp must be {'min': …, 'max': …} or null, got %(value)s": N_(
        "clamp phải là {'min': …, 'max': …} hoặc null, không phải %(value)s"
    ),
    "%(key)s %(value)s must be a number or null": N_("%(key)s %(value)s phải là một số hoặc null"),
    "min (%(low)s) must be below max (%(high)s)": N_("min (%(low)s) phải nhỏ hơn max (%(high)s)"),
    "classes must be an object {'bands': [...], 'decimals': 2}, got %(value)s": N_(
        "classes phải là {'bands': [...], 'decimals': 2}, không phải %(value)s"
    ),
    "decimals %(value)s must be a whole number from 0 to 6": N_(
        "decimals %(value)s phải là số nguyên từ 0 đến 6"
    ),
    "bands must be a non-empty list of {min_index, label}": N_(
        "cần ít nhất một mức xếp loại {min_index, label}"
    ),
    "min_index %(value)s must be a number from 0 to 100": N_(
        "ngưỡng min_index %(value)s phải là một số từ 0 đến 100"
    ),
    "bands go from the highest threshold down: %(value)s is not below %(before)s": N_(
        "các mức phải xếp từ cao xuống thấp: %(value)s không nhỏ hơn %(before)s ở mức trước"
    ),
    "label must be a non-empty text": N_("cần tên xếp loại (ví dụ: Xuất sắc)"),
    "label_en %(value)s must be a string": N_("label_en %(value)s phải là văn bản"),
    "the cap %(cap)s is not below the items' total (%(total)s): it has no effect": N_(
        "mức trần %(cap)s không nhỏ hơn tổng điểm tối đa các mục (%(total)s): trần không có tác "
        "dụng"
    ),
    # unit points (scoring_bridge.scores.check_unit_points)
    "unit %(unit)r, %(code)r: %(value)s points must be a number from 0 to %(top)s": N_(
        "đơn vị %(unit)r, %(code)r: %(value)s điểm phải là một số từ 0 đến %(top)s"
    ),
    "unit %(unit)r: %(code)r is marked not applicable but has points": N_(
        "đơn vị %(unit)r: %(code)r được đánh dấu không áp dụng nhưng vẫn có điểm"
    ),
    "remove the points or the mark": N_("bỏ điểm hoặc bỏ đánh dấu"),
    "unit %(unit)r: %(code)r cannot be marked not applicable: the catalog's rules do not allow "
    "it": N_(
        "đơn vị %(unit)r: tiêu chí %(code)r không thể đánh dấu không áp dụng (quy tắc của khung "
        "điểm không cho phép)"
    ),
    "the criteria that may be not applicable: %(codes)s": N_(
        "các tiêu chí có thể không áp dụng: %(codes)s"
    ),
    "unit %(unit)r: %(code)r may be not applicable only to %(units)s": N_(
        "đơn vị %(unit)r: tiêu chí %(code)r chỉ không áp dụng với %(units)s"
    ),
}
"""``scoring_bridge``'s English template → its Vietnamese message id."""


def said_in(language: str, text: object) -> str:
    """``text`` in ``language`` when it is a known `Said` (its words inside too), else as it is."""
    return i18n.said_in(language, text, WORDS)


def vi_en_said(text: str) -> str:
    """``"Vietnamese / English"`` of a `Said` message; any other text (or a template without
    Vietnamese) as it is."""
    return i18n.vi_en_said(text, WORDS)


def translated(problem: Problem) -> Problem:
    """The problem with its message and hint said in both languages."""
    if not isinstance(problem.message, Said) and not isinstance(problem.hint, Said):
        return problem
    hint = vi_en_said(problem.hint) if problem.hint is not None else None
    return replace(problem, message=vi_en_said(problem.message), hint=hint)


def translated_all(problems: Iterable[Problem]) -> list[Problem]:
    """`translated` of each problem."""
    return [translated(p) for p in problems]


def translated_result(result: LoadResult[T]) -> LoadResult[T]:
    """A loader's result with every problem and warning `translated`."""
    return LoadResult(
        result.value,
        tuple(translated_all(result.problems)),
        tuple(translated_all(result.warnings)),
    )


def translated_error(error: ProblemsError) -> ProblemsError:
    """The same error with every problem `translated`."""
    return ProblemsError(translated_all(error.problems))
