"""Upload problems as the pages show them: the place and the words in Vietnamese, the reader's
English message as the gloss, and a general Vietnamese phrase before a message not yet known."""

from __future__ import annotations

import pytest

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
    shown = problem_text("unknown unit type 'departmnt' (did you mean 'department'?); known: x")
    assert shown.startswith("không có loại đơn vị „departmnt” (có phải „department”?)")
    assert shown.endswith("known: x</span>")
    nested = problem_text("unit 'SNV', code '1.1.1': 'x' is not a number")
    assert nested.unescape().startswith("đơn vị SNV, tiêu chí 1.1.1: 'x' không phải là số")
    hinted = problem_text("version 'hai' must be a whole number", "e.g. 1, 2, 3")
    assert hinted.startswith("phiên bản „hai” phải là số nguyên (gợi ý: ví dụ 1, 2, 3)")
    assert "(hint: e.g. 1, 2, 3)</span>" in hinted


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
    shown = located("no department catalog for 2031: import the catalog first")
    assert shown.where == "tệp" and shown.message.startswith("chưa có khung điểm năm 2031")
