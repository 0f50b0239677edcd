"""The results workbook's ``about`` sheet keeps the method codes (a contract) and says them in
words, Vietnamese first, for the person who opens the file."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import load_workbook

from analysis import SipasData, analyze_sipas
from survey_app.results.files import results_xlsx


@pytest.mark.parametrize(
    ("aggregation", "ci_method", "words"),
    [
        ("mean-of-items", "logit", ("trung bình các tiêu chí", "khoảng tin cậy logit")),
        ("pooled", "korn-graubard", ("gộp mọi câu trả lời", "khoảng tin cậy Korn–Graubard")),
    ],
)
def test_the_about_sheet_says_the_method_in_words(
    aggregation: str, ci_method: str, words: tuple[str, str]
) -> None:
    answers = np.array([[5.0, 4.0], [3.0, np.nan], [4.0, 5.0], [2.0, 4.0]])
    data = SipasData(np.array(["A", "A", "B", "B"]), answers, ("q1", "q2"), (("e1", ("q1", "q2")),))
    result = analyze_sipas(data, aggregation=aggregation, ci_method=ci_method, min_n=1)
    book = load_workbook(io.BytesIO(results_xlsx(result)))
    every = list(book["about"].iter_rows(values_only=True))
    rows = {row[0]: row[1:] for row in every}
    notes = [row for row in every if row[0] == "note"]
    assert any(row[1].startswith("confidence 95%") and "Độ tin cậy 95" in row[2] for row in notes)
    assert rows["aggregation"][0] == aggregation
    assert rows["ci_method"][0] == ci_method
    said = rows["aggregation"][1] + " | " + rows["ci_method"][1]
    for word in words:
        assert word in said
    assert " / " in rows["aggregation"][1]  # English second
    assert aggregation not in rows["aggregation"][1].split(" / ")[0]  # no code in the Vietnamese
