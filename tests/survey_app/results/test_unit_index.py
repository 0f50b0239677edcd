"""The columnar reader hands the analysis its unit codes already factorised; the results are
those of the same answers given as plain codes, also when a filter leaves a unit out."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from analysis import SipasData, analyze_sipas
from questionnaires.registry import get_questionnaire
from survey_app.results.responses_checks import read_sipas_input

QUESTIONNAIRE = get_questionnaire("sipas-2023", 1)


def _write(path: Path) -> None:
    generator = np.random.default_rng(5)
    items = list(QUESTIONNAIRE.item_ids)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["response_id", "unit_code", "questionnaire", "questionnaire_version",
                         "channel", *items])  # fmt: skip
        for i in range(300):
            unit = ["B", " A", "A", "C"][i % 4]  # " A" and "A" are one unit once cleaned
            channel = "counter_qr" if unit == "C" or i % 3 == 0 else "receipt"
            answers = [str(v) for v in generator.integers(1, 6, len(items))]
            writer.writerow([i, unit, "sipas-2023", "1", channel, *answers])


@pytest.mark.parametrize("channels", [None, ("receipt",)])
def test_the_factorised_codes_give_the_plain_codes_results(
    tmp_path: Path, channels: tuple[str, ...] | None
) -> None:
    path = tmp_path / "responses.csv"
    _write(path)
    data, _ = read_sipas_input(
        path, QUESTIONNAIRE, unit_types={}, populations=None, channels=channels
    )
    names, _ = data.unit_index or ((), ())
    assert list(names) == (["A", "B", "C"] if channels is None else ["A", "B"])
    plain = replace(data, unit_codes=np.array(data.unit_codes.tolist()), unit_index=None)
    assert analyze_sipas(data) == analyze_sipas(plain)


def test_a_wrong_unit_index_is_refused() -> None:
    codes = np.array(["A", "B", "A"])
    answers = np.full((3, 1), 4.0)
    fields = {"answers": answers, "item_ids": ("q1",), "elements": (("e", ("q1",)),)}
    SipasData(codes, unit_index=(np.array(["A", "B"]), np.array([0, 1, 0])), **fields)
    for wrong in [
        (np.array(["B", "A"]), np.array([1, 0, 1])),  # not sorted
        (np.array(["A", "B"]), np.array([0, 0, 0])),  # not the codes
        (np.array(["A", "B", "C"]), np.array([0, 1, 0])),  # a unit without a row
    ]:
        with pytest.raises(ValueError, match="unit_index"):
            SipasData(codes, unit_index=wrong, **fields)


def test_an_index_wrong_in_a_late_block_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The codes are compared with the index a block of rows at a time: a mismatch in the last
    block is found too."""
    import analysis.sipas as sipas_module

    monkeypatch.setattr(sipas_module, "_BLOCK_CELLS", 2)
    codes = np.array(["A", "B", "A", "B", "A", "B", "A"])
    fields = {"answers": np.full((7, 1), 4.0), "item_ids": ("q1",), "elements": (("e", ("q1",)),)}
    names = np.array(["A", "B"])
    SipasData(codes, unit_index=(names, np.array([0, 1, 0, 1, 0, 1, 0])), **fields)
    with pytest.raises(ValueError, match="unit_index"):
        SipasData(codes, unit_index=(names, np.array([0, 1, 0, 1, 0, 1, 1])), **fields)
