"""The columnar reader's whole-file UTF-8 check (Arrow's validation, chunk by chunk) decides as
Python's own decoder does, wherever a chunk ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app.results import responses_file

TEXT = "unit_code,q15\nUBND-XÃ-Ả,5\nSở Nội vụ 😀,4\n".encode()
BAD = [
    b"\xff",  # never a UTF-8 byte
    b"\xe1\xba",  # a character cut short
    b"\xed\xa0\x80",  # a surrogate
    b"\xc0\x80",  # an overlong NUL
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xa3",  # a lone continuation byte
]


def _utf8(path: Path) -> bool:
    """The reader's check of the whole file, on its mapping (an empty file: nothing to check)."""
    mapped = responses_file._mapping(path)
    if mapped is None:
        assert path.stat().st_size == 0
        return True
    try:
        return responses_file._utf8_of(mapped)
    finally:
        responses_file._unmap(mapped)


def _python_says(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 7, 64])
def test_every_chunk_size_decides_as_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(responses_file, "_UTF8_CHUNK", chunk)
    cases = [TEXT, TEXT[:-3], TEXT + b"a,\x00\n"]
    cases += [TEXT[:k] + bad + TEXT[k:] for bad in BAD for k in (0, 15, 17, len(TEXT))]
    for number, data in enumerate(cases):
        path = tmp_path / f"{number}.csv"
        path.write_bytes(data)
        assert _utf8(path) is _python_says(data), data


def test_what_cannot_be_mapped_is_copied_first(tmp_path: Path) -> None:
    """An empty file needs no mapping (the header check refuses it); a pipe cannot be mapped, so
    the reader copies it to a file first (tests/survey_app/results/test_csv_parts.py reads one)."""
    import os

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert responses_file._mapping(empty) is None and responses_file._mappable(empty)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert not responses_file._mappable(pipe)  # decided without opening it
    writer = os.open(pipe, os.O_RDWR | os.O_NONBLOCK)  # a reader may open it without waiting
    try:
        assert responses_file._mapping(pipe) is None
    finally:
        os.close(writer)
    text = tmp_path / "r.csv"
    text.write_bytes(TEXT)
    assert responses_file._mappable(text)
