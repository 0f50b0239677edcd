"""A column's blocks coded into one ``Coded`` give back every cell, whichever way each block was
coded (one-byte cells from their bytes, longer ones through Arrow's dictionary)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from survey_app.results.responses_file import _Coder

BLOCKS = [
    ["5", "", "4", "1", "5", ""],  # one byte or empty: coded from the bytes
    ["", "", ""],  # all empty
    [" 5", "5", "na", "Ả", "6", ""],  # longer cells: the dictionary
    ["3", "x", "5"],  # one byte again, with a new value
    ["", "ab"],  # as many bytes as cells, yet not one byte each
    [],
]


@pytest.mark.parametrize("first", ["short first", "long first"])
@pytest.mark.parametrize("sliced", [False, True])
def test_every_cell_comes_back(sliced: bool, first: str) -> None:
    """Short cells first: their codes are their bytes; longer cells first: the bytes are mapped
    to codes as they come. Either way every cell comes back."""
    blocks = BLOCKS if first == "short first" else BLOCKS[::-1]
    coder = _Coder()
    for cells in blocks:
        array = (
            pa.array(["pad", *cells, "pad"], pa.string())[1 : len(cells) + 1]
            if sliced
            else (pa.array(cells, pa.string()))
        )
        coder.add_arrow(array)
    coded = coder.done()
    expected = [cell for cells in blocks for cell in cells]
    assert [coded.values[c] for c in coded.codes.tolist()] == expected
    assert len(set(coded.values)) == len(coded.values)  # each value once


def test_codes_widen_past_256_values() -> None:
    coder = _Coder()
    coder.add_arrow(pa.array(list("12345"), pa.string()))
    coder.add_arrow(pa.array([f"u{i}" for i in range(300)], pa.string()))
    coded = coder.done()
    assert coded.codes.dtype.itemsize == 2
    assert [coded.values[c] for c in coded.codes.tolist()] == [
        *"12345",
        *(f"u{i}" for i in range(300)),
    ]
