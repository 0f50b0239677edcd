"""Upload problems as the pages show them: the place in Vietnamese, the reader's message
Vietnamese first with its English as the gloss (the questionnaires package's through its table),
and a general Vietnamese phrase before a message not yet known."""

from __future__ import annotations

import pytest
from support import xlsx

from survey_app.csv_files import read_csv
from survey_app.staff.upload_labels import GENERAL, place, problem_text
from survey_app.staff.uploads import located


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        ("row 4, column parent [1.1.1]", "dòng 4 · cột parent [1.1.1]"),
        ("row 1, column 'unit_code'", "dòng 1 · cột unit_code"),
        ("line 3, column 17", "dòng 3 · ký tự 17"),
        ("unit SNV, code 1.1.1", "đơn vị SNV · tiêu chí 1.1.1"),
        ("file", "tệp"),
        ("columns", "dòng tiêu đề"),
        ("survey · dòng 7 · cột type", "survey · dòng 7 · cột type"),
        ("languages", "languages"),
        (
            "sheet 'SNV', row 12, column D (Điểm đạt được)",
            "trang SNV · dòng 12 · cột D (Điểm đạt được)",
        ),
    ],
)
def test_places_read_in_vietnamese(english: str, vietnamese: str) -> None:
    assert place(english) == vietnamese


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"code,name\n\xff\xfeabc\n",
        "code,name\n1,2\n".encode("utf-16"),
        b"PK\x03\x04\x14\x00\x00\x00",
        b"%PDF-1.4\n",
        b"code,name\n1,2,3\n",
        b"code,name\n1,a\x00b\n",
    ],
)
def test_every_problem_of_the_csv_reader_has_vietnamese_words(data: bytes) -> None:
    _, _, problems = read_csv(data)
    assert problems
    for problem in problems:
        shown = located(problem)
        assert shown.where.startswith(("dòng", "tệp")), shown
        assert GENERAL not in shown.message and '<span class="en">' in shown.message, shown


def test_a_message_is_vietnamese_first_with_its_english_and_hint_as_the_gloss() -> None:
    shown = problem_text(
        "đơn vị 'SNV' có hai lần (lần đầu ở dòng 2) / unit 'SNV' is listed again (first on row 2)",
        "mỗi đơn vị một dòng / keep one row per unit",
    )
    assert shown == (
        "đơn vị &#39;SNV&#39; có hai lần (lần đầu ở dòng 2) (gợi ý: mỗi đơn vị một dòng) "
        '<span class="en">unit &#39;SNV&#39; is listed again (first on row 2) (hint: keep one '
        "row per unit)</span>"
    )
    printed = problem_text("thiếu mã tiêu chí / the criterion code is missing (hint: điền vào / x)")
    assert printed.startswith("thiếu mã tiêu chí (gợi ý: điền vào) <span")


def test_a_questionnaire_problem_is_shown_vietnamese_first() -> None:
    from survey_app.survey.questionnaire_files import check_upload

    checked = check_upload("form.xlsx", xlsx({"choices": [["list_name", "name"]]}))
    shown = located(checked.problems[0])
    assert shown.where == "survey"
    assert shown.message == (
        'bảng tính không có trang &#39;survey&#39; <span class="en">the workbook has no sheet '
        "named &#39;survey&#39;</span>"
    )
    checked = check_upload("form.json", b'{"version": "hai"}')
    hinted = {p.location: located(p).message for p in checked.problems}["version"]
    assert hinted.startswith(
        "phải là một số nguyên, nhưng đang là văn bản &#39;hai&#39; (gợi ý: hãy viết không có "
        "dấu ngoặc kép) <span"
    )
    assert "(hint: write it without quotes)</span>" in hinted


def test_an_unknown_message_keeps_its_english_after_the_general_phrase() -> None:
    shown = problem_text("something <new>")
    assert shown.startswith(GENERAL) and "something &lt;new&gt;</span>" in shown


def test_the_pages_own_bilingual_words_pass_through() -> None:
    shown = located("Chưa chọn tệp. / Choose a file.")
    assert shown.where == ""
    assert shown.message == 'Chưa chọn tệp. <span class="en">Choose a file.</span>'


def test_a_workbook_place_with_its_vietnamese_header_is_split_from_the_message() -> None:
    shown = located("sheet 'SNV', row 12, column D (Điểm đạt được): 'x' is not a number")
    assert shown.where == "trang SNV · dòng 12 · cột D (Điểm đạt được)"


def test_a_message_whose_head_is_not_a_place_is_not_split() -> None:
    shown = located("chưa có khung điểm năm 2031: hãy nhập / no catalog for 2031: import it")
    assert shown.where == "" and shown.message.startswith("chưa có khung điểm năm 2031")


def test_a_par_problem_shows_its_place_code_and_hint_in_vietnamese() -> None:
    from scoring_bridge import load_catalog_text
    from survey_app.par.bridge_words import translated_result

    problem = translated_result(load_catalog_text(b'{"splt": 1}')).problems[0]
    shown = located(problem)
    assert shown.where == "splt"
    assert shown.message.startswith(
        "khóa lạ &#39;splt&#39; trong khung điểm (gợi ý: có phải &#39;split&#39;?) <span"
    )
