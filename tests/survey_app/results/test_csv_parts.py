"""A responses file parsed in parts by several threads reads exactly as in one pass, and a cut
that falls inside a quoted value (several lines in one cell) is found and the file read again in
one pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from survey_app.results import responses_file
from survey_app.results.csv_parts import cut_points, ends_inside_quotes
from survey_app.results.responses_file import ResponseColumns, read_columns
from tests.survey_app.results.test_responses_file import HEADER, ITEMS, rows, write

READ_IN_PARTS = responses_file._read_in_parts
WANTED = {"unit_code", "questionnaire", "questionnaire_version", "channel", "gender", *ITEMS}


def _cells(columns: ResponseColumns) -> dict[str, list[str]]:
    return {name: [c.values[i] for i in c.codes.tolist()] for name, c in columns.columns.items()}


def _read(
    path: Path, monkeypatch: pytest.MonkeyPatch, parts: int
) -> tuple[ResponseColumns, list[bool]]:
    """The file's columns read with at most ``parts`` parts of ≥ 1 KB; whether the parts' read
    was kept (True) or the file read again in one pass (False)."""
    monkeypatch.setattr(responses_file, "_PARTS", parts)
    monkeypatch.setattr(responses_file, "_PART_BYTES", 1024)
    kept: list[bool] = []

    def spy(*args: object) -> object:
        result = READ_IN_PARTS(*args)  # type: ignore[arg-type]
        kept.append(result is not None)
        return result

    monkeypatch.setattr(responses_file, "_read_in_parts", spy)
    return read_columns(path, WANTED), kept


def _same(a: ResponseColumns, b: ResponseColumns) -> None:
    assert a.header == b.header
    assert np.array_equal(a.rows, b.rows)
    assert _cells(a) == _cells(b)


@pytest.mark.parametrize("parts", [2, 3, 7])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_parts_read_as_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: int, newline: str
) -> None:
    """Comments with quotes and line breaks, 300 units (codes wider than a byte), blank lines:
    every cell of every column, and every row number, as one pass gives them."""
    body = rows(3000, seed=7)
    for i, row in enumerate(body):
        row[HEADER.index("unit_code")] = f"ĐV-{i % 300:04d}" if i % 3 else row[2]
    path = write(tmp_path / "r.csv", body, newline=newline)
    path.write_bytes(path.read_bytes().replace(b"\n5,", b"\n\n5,", 1))  # a blank line
    one, kept_one = _read(path, monkeypatch, 1)
    many, kept = _read(path, monkeypatch, parts)
    assert kept_one == [False] and kept == [True]  # the parts were read, and kept
    _same(one, many)
    assert len(many) == 3000


def _with_long_value(tmp_path: Path, column: str) -> tuple[Path, int, int]:
    """A file whose middle row holds, in ``column``, a quoted value of 3,000 lines that look like
    rows (as many values as the header, no quote: a cut is chosen there, and what follows it
    parses without error), and the byte range of that value."""
    body = rows(400, seed=9)
    row_like = ",".join(["4"] * len(HEADER))
    body[200][HEADER.index(column)] = "\n".join(f"{i}{row_like}" for i in range(3000))
    path = write(tmp_path / "r.csv", body, newline="\n")
    data = path.read_bytes()
    return path, data.index(f"0{row_like}".encode()), data.index(f"2999{row_like}".encode())


@pytest.mark.parametrize("column", ["comment", "service_field"], ids=["last", "not last"])
def test_a_cut_inside_a_quoted_value_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str
) -> None:
    """The cut falls inside the long value: in the last column the part ends with a line break
    kept in its last cell; in another column its last row is short and the parser refuses it.
    Either way the file is read again in one pass, with the same cells."""
    path, start, end = _with_long_value(tmp_path, column)
    cuts = cut_points(memoryview(path.read_bytes()), 2, 1024)
    assert len(cuts) == 3 and start < cuts[1] < end  # the case under test
    one, _ = _read(path, monkeypatch, 1)
    many, kept = _read(path, monkeypatch, 2)
    assert kept == [False]
    _same(one, many)
    assert len(many) == 400


def test_cuts_follow_line_breaks_and_avoid_quoted_lines() -> None:
    lines = [b'1,"a\nb",x\n', b"2,c,y\n", b"3,d,z\n"] * 2000
    data = b"".join(lines)
    cuts = cut_points(memoryview(data), 4, 1000)
    assert cuts[0] == 0 and cuts[-1] == len(data) and len(cuts) == 5
    assert cuts == sorted(set(cuts))
    for cut in cuts[1:-1]:
        assert data[cut - 1 : cut] == b"\n"
        before = data[data.rindex(b"\n", 0, cut - 1) + 1 : cut]
        after = data[cut : data.index(b"\n", cut) + 1]
        assert b'"' not in before + after and not before.startswith(b"b")
    assert cut_points(memoryview(data), 4, len(data)) == [0, len(data)]  # too small to cut
    assert cut_points(memoryview(b"x" * 5000), 4, 1000) == [0, 5000]  # no line break


def test_a_part_may_end_inside_quotes_only_with_a_line_break_last() -> None:
    assert ends_inside_quotes("dòng một\n") and ends_inside_quotes("a\r")
    assert not ends_inside_quotes("dòng") and not ends_inside_quotes("")
    assert not ends_inside_quotes(None)  # a part without a row


def test_a_pipe_is_read_as_its_file(tmp_path: Path) -> None:
    """``sipas analyze --responses <(…)``: a pipe can be read once; it is copied, then read as
    the file itself is."""
    import os
    import threading

    path = write(tmp_path / "r.csv", rows(500, seed=4))
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[ResponseColumns] = []
    reader = threading.Thread(target=lambda: got.append(read_columns(pipe, WANTED)), daemon=True)
    reader.start()
    pipe.write_bytes(path.read_bytes())  # waits for the reader to open the pipe
    reader.join(20)
    assert not reader.is_alive() and got  # not waiting for a second writer
    _same(read_columns(path, WANTED), got[0])
    assert len(got[0]) == 500


def test_a_file_that_cannot_be_mapped_is_read_from_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system that refuses mmap: the file is copied once and read by columns from the
    copy; where nothing can be mapped at all, Python's ``csv`` reads it — the same cells."""
    path = write(tmp_path / "r.csv", rows(300, seed=5))
    expected = read_columns(path, WANTED)
    mapping = responses_file._mapping
    refused: list[Path] = []

    def not_here(candidate: Path) -> object:
        if candidate == path:
            refused.append(candidate)
            return None
        return mapping(candidate)

    by_csv: list[Path] = []
    read_with_csv = responses_file._read_with_csv

    def spy(candidate: Path, wanted: object) -> object:
        by_csv.append(candidate)
        return read_with_csv(candidate, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(responses_file, "_read_with_csv", spy)
    monkeypatch.setattr(responses_file, "_mapping", not_here)
    _same(expected, read_columns(path, WANTED))
    assert refused and not by_csv  # the original not mapped; the copy read by columns
    monkeypatch.setattr(responses_file, "_mapping", lambda candidate: None)
    _same(expected, read_columns(path, WANTED))
    assert len(by_csv) == 1  # copied once, then the csv pass (no copy of the copy)
