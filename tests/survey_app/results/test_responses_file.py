"""The columnar responses reader (pyarrow, vectorised checks) against the row-by-row reference.

The reference is the path ``sipas analyze --responses`` took before: ``read_responses_file``
(``csv.DictReader``, ``clean_text`` on every cell) then ``round_results.analyze_table``
(``to_sipas_data``, ``only_channels``, ``post_strata_of``); both are still in the code (the
database path uses them). Same inputs → the same results file (every column, numbers to 1e-12)
or the same errors (messages, rows, columns, order; beyond 100 the first 100 and the count).
"""

from __future__ import annotations

import csv
import io
import math
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from questionnaires.registry import get_questionnaire
from survey_app.results.analysis_input import AnalysisOptions, InputError, read_responses_file
from survey_app.results.files import records
from survey_app.results.responses_checks import analyze_responses_file
from survey_app.results.round_results import analyze_table

QUESTIONNAIRE = get_questionnaire("sipas-2023", 1)
ITEMS = list(QUESTIONNAIRE.item_ids)
HEADER = [
    "response_id",
    "round",
    "unit_code",
    "counter_code",
    "channel",
    "submitted_at",
    "questionnaire",
    "questionnaire_version",
    *ITEMS,
    "service_field",
    "gender",
    "comment",
]
# NFD spellings of a unit code, cells with white space around the digit: cleaned like today
UNITS = ["SNV", "STC", "XÃ-01", unicodedata.normalize("NFD", "XÃ-01"), " BDT ", "H\u00a0TV"]
VALUES = ["1", "2", "3", "4", "5", "", "4", "5", " 3", "2\u00a0", "\t5 "]
COMMENTS = ["", "", "Tốt", 'Cán bộ "nhiệt tình", nhanh', "dòng một\ndòng hai", "  x  "]


def rows(n: int, seed: int = 1) -> list[list[str]]:
    """``n`` answers over :data:`UNITS` (every unit at least twice), all of them valid."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        unit = UNITS[i % len(UNITS)] if i < 2 * len(UNITS) else rng.choice(UNITS)
        out.append(
            [
                str(i + 1),
                "Đợt 1",
                unit,
                f"{unit}-1",
                rng.choice(["counter_qr", "receipt", "paper"]),
                "2026-03-02T08:15:00+07:00",
                "sipas-2023",
                "1",
                *(rng.choice(VALUES) for _ in ITEMS),
                rng.choice(["dat_dai", "ho_tich"]),
                rng.choice(["nam", "nu", "", " nữ "]),
                rng.choice(COMMENTS),
            ]
        )
    return out


def write(
    path: Path,
    body: list[list[str]],
    header: list[str] = HEADER,
    *,
    bom: bool = True,
    newline: str = "\r\n",
) -> Path:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(body)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode("utf-8"))
    return path


def reference(path: Path, options: AnalysisOptions, populations=None, unit_types=None):
    return analyze_table(
        read_responses_file(path),
        QUESTIONNAIRE,
        unit_types=unit_types or {},
        populations=populations,
        options=options,
    )


def columnar(path: Path, options: AnalysisOptions, populations=None, unit_types=None):
    return analyze_responses_file(
        path,
        QUESTIONNAIRE,
        unit_types=unit_types or {},
        populations=populations,
        options=options,
    )


def assert_same_results(old, new) -> None:
    """Every column of every results row: text equal, numbers within 1e-12 (relative)."""
    a, b = records(old), records(new)
    assert len(a) == len(b) and old.notes == new.notes
    for x, y in zip(a, b, strict=True):
        assert list(x) == list(y)
        for column, value in x.items():
            other = y[column]
            if isinstance(value, float) and isinstance(other, float):
                if math.isnan(value):
                    assert math.isnan(other), column
                else:
                    assert other == pytest.approx(value, rel=1e-12, abs=1e-12), column
            else:
                assert value == other, (column, value, other)


# --- the same results ----------------------------------------------------------------------
POPULATIONS = {unicodedata.normalize("NFC", " ".join(u.split())): 5000 for u in UNITS}
COUNTS = {(u, c): 2500 for u in POPULATIONS for c in ("dat_dai", "ho_tich")}


@pytest.mark.parametrize(
    ("options", "populations", "types"),
    [
        (AnalysisOptions(), None, None),
        (AnalysisOptions(ci_method="wilson", aggregation="pooled"), POPULATIONS, None),
        (AnalysisOptions(ci_method="korn-graubard", by="gender", min_n=1), None, None),
        (AnalysisOptions(channels=("receipt", "paper")), POPULATIONS, {"SNV": "department"}),
        (AnalysisOptions(cell_counts=COUNTS), POPULATIONS, None),
    ],
    ids=["default", "pooled-wilson-fpc", "by-gender", "channels", "poststratified"],
)
@pytest.mark.parametrize("shape", ["bom-crlf", "plain-lf"])
def test_same_results_as_the_row_reader(
    tmp_path: Path, options: AnalysisOptions, populations, types, shape: str
) -> None:
    path = write(
        tmp_path / "r.csv",
        rows(3000),
        bom=shape == "bom-crlf",
        newline="\r\n" if shape == "bom-crlf" else "\n",
    )
    assert_same_results(
        reference(path, options, populations, types), columnar(path, options, populations, types)
    )


def test_same_results_when_arrow_cannot_read_the_file(tmp_path: Path) -> None:
    """Short rows and blank lines (csv pads and skips them; pyarrow refuses): the csv pass."""
    body = rows(400)
    body[10] = body[10][: len(HEADER) - 3]  # no service_field, gender, comment
    path = write(tmp_path / "r.csv", body)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r\n\r\n", 5))
    options = AnalysisOptions(by="gender", min_n=1)
    assert_same_results(reference(path, options), columnar(path, options))


# --- the same errors -----------------------------------------------------------------------
def _cell(body: list[list[str]], row: int, column: str, value: str) -> list[list[str]]:
    body[row][HEADER.index(column)] = value
    return body


def _other_questionnaire(body: list[list[str]]) -> list[list[str]]:
    body[3][HEADER.index("questionnaire")] = "sipas-2024"
    body[7][HEADER.index("questionnaire_version")] = "2"
    body[7][HEADER.index("q16")] = "x"  # not reported: the row is of another questionnaire
    body[9][HEADER.index("q20")] = "7"
    return body


def _many_bad(body: list[list[str]]) -> list[list[str]]:
    for i in range(0, 300, 2):
        body[i][HEADER.index("q15")] = "6"
        body[i][HEADER.index("q33")] = "0"
    return body


def _drop(column: str) -> Callable[[Path], Path]:
    def change(path: Path) -> Path:
        keep = [i for i, name in enumerate(HEADER) if name != column]
        body = [[r[i] for i in keep] for r in rows(50)]
        return write(path, body, [HEADER[i] for i in keep])

    return change


def _bytes(old: bytes, new: bytes, count: int = 1) -> Callable[[Path], Path]:
    def change(path: Path) -> Path:
        write(path, rows(50))
        path.write_bytes(path.read_bytes().replace(old, new, count))
        return path

    return change


def _byte_in(column: str) -> Callable[[Path], Path]:
    """A lone byte 0xFF (not UTF-8) as a whole cell of ``column``, a column the reader reads."""

    def change(path: Path) -> Path:
        write(path, _cell(rows(50), 3, column, "\x01"))
        path.write_bytes(path.read_bytes().replace(b"\x01", b"\xff"))
        return path

    return change


def _raw(data: bytes) -> Callable[[Path], Path]:
    def change(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return change


def _body(edit: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[Path], Path]:
    return lambda path: write(path, edit(rows(400)))


def _long_rows(count: int) -> Callable[[Path], Path]:
    def edit(body: list[list[str]]) -> list[list[str]]:
        for i in range(count):
            body[i * 2] = [*body[i * 2], "thừa"]
        return body

    return _body(edit)


BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "bad value 9": _body(lambda b: _cell(b, 0, "q16", "9")),
    "bad value 0": _body(lambda b: _cell(b, 5, "q33", "0")),
    "bad value 4.0 and text": _body(lambda b: _cell(_cell(b, 5, "q20", "4.0"), 5, "q15", "tốt")),
    "bad value NFD text": _body(lambda b: _cell(b, 2, "q17", unicodedata.normalize("NFD", "Ố"))),
    "empty unit": _body(lambda b: _cell(b, 4, "unit_code", "  ")),
    "unit ALL": _body(lambda b: _cell(b, 4, "unit_code", "ALL")),
    "missing item column": _drop("q20"),
    "missing response_id": _drop("response_id"),
    "missing questionnaire_version": _drop("questionnaire_version"),
    "wrong questionnaire rows": _body(_other_questionnaire),
    "other questionnaire's columns": lambda p: write(
        p, rows(20), [*HEADER[:8], *(f"x{i}" for i in range(len(ITEMS))), *HEADER[-3:]]
    ),
    "not UTF-8 in a comment": _bytes("Tốt".encode(), b"T\xff"),
    "not UTF-8 in the header": _bytes(b"unit_code", b"unit_c\xe9de"),
    "not UTF-8 in a unit code": _bytes(b"SNV", b"S\xffV"),
    "not UTF-8 in an item": _byte_in("q21"),
    "Latin-1 file": _raw("response_id,unit_code\nx,Hà\n".encode("latin-1")),
    "two BOMs": _bytes(b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf"),
    "NUL in an item": _body(lambda b: _cell(b, 1, "q18", "4\x00")),
    "NUL in a comment": _body(lambda b: _cell(b, 1, "comment", "a\x00b")),
    "row with too many values": _long_rows(3),
    "150 rows with too many values": _long_rows(150),
    "whitespace line": _bytes(b"\r\n", b"\r\n   \r\n"),
    "blank first line": _bytes(b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"),
    "empty file": _raw(b""),
    "only a BOM": _raw(b"\xef\xbb\xbf"),
    "header only": lambda p: write(p, []),
    "unterminated quote": _bytes(b"\r\n2,", b'\r\n"2,'),
    "repeated header name": lambda p: write(p, [[*r, "9"] for r in rows(20)], [*HEADER, "q15"]),
    "more than 100 bad cells": _body(_many_bad),
}


def _outcome(run: Callable[[], object]) -> tuple[str, object]:
    try:
        result = run()
    except InputError as exc:
        return "problems", exc
    except ValueError as exc:
        return "value", str(exc)
    return "ok", result


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_same_errors_as_the_row_reader(tmp_path: Path, name: str) -> None:
    path = BAD_FILES[name](tmp_path / "bad.csv")
    options = AnalysisOptions()
    old_kind, old = _outcome(lambda: reference(path, options))
    new_kind, new = _outcome(lambda: columnar(path, options))
    assert new_kind == old_kind, (old, new)
    if old_kind == "ok":
        assert_same_results(old, new)
    elif old_kind == "value":
        assert new == old
    else:
        assert isinstance(old, InputError) and isinstance(new, InputError)
        assert new.problems[: len(old.problems)] == old.problems[:100]
        if name != "more than 100 bad cells":  # the row reader stopped after 50 bad cells
            assert new.total == len(old.problems)
        assert len(new.problems) == min(new.total, 100)


def test_more_than_100_bad_cells_are_counted(tmp_path: Path) -> None:
    path = BAD_FILES["more than 100 bad cells"](tmp_path / "bad.csv")
    with pytest.raises(InputError) as caught:
        columnar(path, AnalysisOptions())
    assert caught.value.total == 300 and len(caught.value.problems) == 100
    first = caught.value.problems[:3]
    assert [(p.row, p.column) for p in first] == [(2, "q15"), (2, "q33"), (4, "q15")]
    assert str(first[0]) == (
        "dòng 2 · cột q15 (row 2, column 'q15'): '6' không phải câu trả lời 1–5 (hoặc để trống) / "
        "'6' is not an answer 1–5 (or empty)"
    )
    assert caught.value.problems[-1].row == 2 + 2 * 49


def test_a_bad_cell_keeps_its_file_row_with_channels(tmp_path: Path) -> None:
    """Choosing channels does not renumber the rows (the row reader numbered the rows left)."""
    body = rows(20)
    for row in body:
        row[HEADER.index("channel")] = "paper"
    body[0][HEADER.index("channel")] = "receipt"
    body[5][HEADER.index("q20")] = "8"
    path = write(tmp_path / "r.csv", body)
    with pytest.raises(InputError) as caught:
        columnar(path, AnalysisOptions(channels=("paper",)))
    assert [(p.row, p.column) for p in caught.value.problems] == [(7, "q20")]


def test_sipas_analyze_lists_the_first_100_and_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey_app.cli.main import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    path = BAD_FILES["more than 100 bad cells"](tmp_path / "bad.csv")
    result = runner.invoke(
        main,
        [
            "analyze",
            "--responses",
            str(path),
            "--questionnaire",
            "sipas-2023@1",
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "analysing" not in line]
    first = (
        "lỗi / error: bad.csv: dòng 2 · cột q15 (row 2, column 'q15'): "
        "'6' không phải câu trả lời 1–5 (hoặc để trống)"
        " / '6' is not an answer 1–5 (or empty)"
    )
    assert lines[0] == first
    assert sum(line.startswith("lỗi / error: bad.csv: dòng") for line in lines) == 100
    assert (
        "lỗi / error: bad.csv: … và 200 lỗi khác, không liệt kê / … and 200 more, not listed"
        in lines
    )
    assert lines[-1] == "300 lỗi / 300 error(s): không ghi, không lưu gì / nothing written or saved"
    assert not (tmp_path / "x.csv").exists()


# --- read a block at a time, as codes ------------------------------------------------------------
def _many_units(count: int) -> list[list[str]]:
    """Answers of ``count`` units (more than a one-byte code holds)."""
    body = rows(6 * count, seed=3)
    for i, row in enumerate(body):
        row[HEADER.index("unit_code")] = f"ĐV-{i % count:04d}"
    return body


@pytest.mark.parametrize("short_row", [False, True], ids=["arrow, blocks", "csv pass, blocks"])
def test_blocks_and_wide_codes_give_the_same_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, short_row: bool
) -> None:
    """Tiny blocks (many of them) and 300 distinct unit codes and bad values (codes widened from
    one byte to two between blocks): the same results, and the same errors, as the row reader."""
    import survey_app.results.responses_file as responses_file

    monkeypatch.setattr(responses_file, "_BLOCK_BYTES", 4096)
    monkeypatch.setattr(responses_file, "_CSV_BLOCK", 50)
    body = _many_units(300)
    if short_row:
        body[7] = body[7][: len(HEADER) - 2]  # pyarrow refuses the file: the csv pass
    path = write(tmp_path / "r.csv", body)
    options = AnalysisOptions(by="gender", min_n=1)
    assert_same_results(reference(path, options), columnar(path, options))
    columns = responses_file.read_columns(path, {"unit_code", "q21"})
    assert columns.columns["unit_code"].codes.dtype == np.uint16
    assert columns.columns["q21"].codes.dtype == np.uint8
    assert len(set(columns.labels("unit_code").tolist())) == 300
    for i in (len(body) - 40, len(body) - 3):  # bad cells in late blocks
        body[i][HEADER.index("q21")] = f"sai {i}"
    write(path, body)
    old_kind, old = _outcome(lambda: reference(path, options))
    new_kind, new = _outcome(lambda: columnar(path, options))
    assert old_kind == new_kind == "problems"
    assert new.problems == old.problems and len(new.problems) == 2
