"""``sipas analyze --poststratify FILE [--cell COLUMN]``: weighting each unit to known counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from support import form_tokens, full_answers

from survey_app.cli.main import main

COUNTS = "unit_code,cell,count\nSNV,dat_dai,80\nSNV,ho_tich,40\nBDT,ho_tich,10\n"


def _answer(app: Flask, counter: str, value: str, field: str | None) -> None:
    phone = app.test_client()
    tokens = form_tokens(phone.get(f"/s/{counter}").get_data(as_text=True))
    extra = {"service_field": field} if field else {}
    response = phone.post(f"/s/{counter}", data={**tokens, **full_answers(value), **extra})
    assert response.status_code == 303


@pytest.fixture
def answered(app: Flask, survey: dict) -> dict:
    """SNV: 2 answers in dat_dai (all 5), 4 in ho_tich (one all 4, three all 2); BDT: 5 in ho_tich
    (all 4). Unweighted, SNV's indices are 3/6 = 50 %."""
    for value, field in [("5", "dat_dai"), ("5", "dat_dai"), ("4", "ho_tich")] + [
        ("2", "ho_tich")
    ] * 3:
        _answer(app, "SNV-1", value, field)
    for _ in range(5):
        _answer(app, "BDT-1", "4", "ho_tich")
    return survey


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def _rows(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    rows = csv.DictReader(path.open(encoding="utf-8"))
    return {(r["unit_code"], r["key"]): r for r in rows}


def _counts(tmp_path: Path, text: str = COUNTS) -> Path:
    path = tmp_path / "counts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_poststratified_round_moves_estimates_to_the_known_counts(
    sipas, answered: dict, tmp_path: Path
) -> None:
    plain, weighted = tmp_path / "plain.csv", tmp_path / "weighted.csv"
    assert sipas("analyze", "--round", "Đợt thử", "--out", str(plain)).exit_code == 0
    result = sipas(
        "analyze",
        "--round",
        "Đợt thử",
        "--poststratify",
        str(_counts(tmp_path)),
        "--out",
        str(weighted),
    )
    assert result.exit_code == 0, result.output
    before, after = _rows(plain), _rows(weighted)
    assert float(before["SNV", "SIPAS"]["estimate"]) == pytest.approx(50)
    # dat_dai: 80 dossiers over 2 answers (weight 40, all satisfied); ho_tich: 40 over 4 (weight
    # 10, one satisfied): (80 · 1 + 40 · 1/4) / 120 = 75 %
    assert float(after["SNV", "SIPAS"]["estimate"]) == pytest.approx(75)
    assert float(after["SNV", "q15"]["estimate"]) == pytest.approx(75)
    assert float(after["BDT", "SIPAS"]["estimate"]) == pytest.approx(100)
    # the province: (90 + 10) satisfied dossiers of 130
    assert float(after["ALL", "q15"]["estimate"]) == pytest.approx(100 * 100 / 130)
    assert float(before["ALL", "q15"]["estimate"]) == pytest.approx(100 * 8 / 11)
    assert {r["method"] for r in after.values()} == {
        "mean-of-items; logit; fpc; poststratified(service_field)"
    }
    assert "poststratified" not in before["SNV", "SIPAS"]["method"]
    assert "sum of its service_field counts" in result.output


def test_poststratified_export_file_gives_the_same_numbers(
    sipas, answered: dict, tmp_path: Path
) -> None:
    export = tmp_path / "responses.csv"
    assert sipas("export", "responses", "--round", "Đợt thử", "--out", str(export)).exit_code == 0
    counts = str(_counts(tmp_path))
    from_db, from_file = tmp_path / "a.csv", tmp_path / "b.csv"
    args = ("--poststratify", counts, "--cell", "service_field")
    assert sipas("analyze", "--round", "Đợt thử", *args, "--out", str(from_db)).exit_code == 0
    units = tmp_path / "units.csv"  # the file path opens no database: unit types come from here
    units.write_text("code,level\nSNV,department\nBDT,department\n", encoding="utf-8")
    result = sipas(
        "analyze",
        "--responses",
        str(export),
        "--units",
        str(units),
        "--questionnaire",
        "sipas-2023@1",
        *args,
        "--out",
        str(from_file),
    )
    assert result.exit_code == 0, result.output
    assert _rows(from_db) == _rows(from_file)


def test_a_bad_counts_file_lists_every_problem_and_writes_nothing(
    sipas, answered: dict, tmp_path: Path
) -> None:
    counts = _counts(
        tmp_path,
        "unit_code,cell,count\n"
        "SNV,dat_dai,80\n"
        "XYZ,dat_dai,5\n"  # row 3: unknown unit
        "SNV,ho_tich,12.5\n"  # row 4: not a whole number
        "BDT,ho_tich,-3\n"  # row 5: negative
        "SNV,dat_dai,10\n"  # row 6: the same unit × cell as row 2
        "BDT,,4\n",  # row 7: no cell
    )
    out = tmp_path / "out.csv"
    result = sipas(
        "analyze", "--round", "Đợt thử", "--poststratify", str(counts), "--out", str(out)
    )
    assert result.exit_code == 1
    for expected in [
        "counts.csv: dòng 3 · cột unit_code (row 3, column 'unit_code'): "
        "không có đơn vị mã 'XYZ' / no unit with code 'XYZ'",
        "counts.csv: dòng 4 · cột count (row 4, column 'count'): "
        "count ('12.5') phải là số hồ sơ, một số nguyên / "
        "count ('12.5') must be a whole number of dossiers",
        "counts.csv: dòng 5 · cột count (row 5, column 'count'): "
        "count (-3) không được âm / count (-3) must not be "
        "negative",
        "counts.csv: dòng 6 · cột cell (row 6, column 'cell'): "
        "đơn vị SNV, ô 'dat_dai' đã có ở dòng 2 / unit SNV, "
        "cell 'dat_dai' is also on row 2",
        "counts.csv: dòng 7 · cột cell (row 7, column 'cell'): "
        "thiếu ô: mỗi số hồ sơ là của một ô / the cell is "
        "missing",
        "5 error(s): không ghi, không lưu gì / nothing written or saved",
    ]:
        assert expected in result.output
    assert not out.exists()


def test_a_counts_file_without_its_columns_is_refused(
    sipas, answered: dict, tmp_path: Path
) -> None:
    counts = _counts(tmp_path, "unit,cell,count\nSNV,dat_dai,80\n")
    out = tmp_path / "out.csv"
    result = sipas(
        "analyze", "--round", "Đợt thử", "--poststratify", str(counts), "--out", str(out)
    )
    assert result.exit_code == 1
    assert (
        "thiếu cột bắt buộc 'unit_code' (đổi tên cột 'unit'?) / required column 'unit_code' is "
        "missing (did you mean to rename 'unit'?)"
    ) in result.output
    assert not out.exists()


def test_counts_that_do_not_fit_the_answers_are_refused(
    sipas, answered: dict, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    # a cell with dossiers but no respondent
    counts = _counts(tmp_path, COUNTS + "SNV,xay_dung,30\n")
    result = sipas(
        "analyze", "--round", "Đợt thử", "--poststratify", str(counts), "--out", str(out)
    )
    assert result.exit_code == 1
    assert (
        "unit SNV, cell 'xay_dung': 30 dossiers but no respondent: merge it with another cell"
        in result.output
    )
    # cells that do not add up to the unit's population
    populations = tmp_path / "populations.csv"
    populations.write_text("unit_code,population\nSNV,60\nBDT,10\n", encoding="utf-8")
    counts = _counts(tmp_path)
    result = sipas(
        "analyze",
        "--round",
        "Đợt thử",
        "--populations",
        str(populations),
        "--poststratify",
        str(counts),
        "--out",
        str(out),
    )
    assert result.exit_code == 1
    assert "unit SNV: its service_field counts add up to 120, not to its population 60" in (
        result.output
    )
    # respondents in a cell without a count, named by their rows of the responses
    counts = _counts(tmp_path, "unit_code,cell,count\nSNV,dat_dai,80\nBDT,ho_tich,10\n")
    result = sipas(
        "analyze", "--round", "Đợt thử", "--poststratify", str(counts), "--out", str(out)
    )
    assert result.exit_code == 1
    assert (
        "dòng 4 · cột service_field (row 4, column 'service_field'): "
        "đơn vị SNV, ô 'ho_tich': 4 người trả lời (dòng 4, 5, 6, "
        "7) nhưng tệp số hồ sơ không có số của ô này: hãy thêm vào, hoặc gộp ô với một ô khác / "
        "unit SNV, cell 'ho_tich': 4 respondent(s) (rows 4, 5, 6, 7) but no count in the counts "
        "file" in result.output
    )
    assert not out.exists()


def test_respondents_without_a_cell_and_a_missing_column_are_named(
    sipas, app: Flask, answered: dict, tmp_path: Path
) -> None:
    _answer(app, "SNV-1", "3", None)  # service_field is optional on the form
    out = tmp_path / "out.csv"
    counts = str(_counts(tmp_path))
    result = sipas("analyze", "--round", "Đợt thử", "--poststratify", counts, "--out", str(out))
    assert result.exit_code == 1
    assert (
        "dòng 13 · cột service_field (row 13, column 'service_field'): "
        "đơn vị SNV: 1 người trả lời không có service_field "
        "(dòng 13): hậu phân tầng cần biết ô của từng người trả lời / unit SNV: 1 respondent(s) "
        "without a service_field (rows 13)" in result.output
    )
    result = sipas(
        "analyze",
        "--round",
        "Đợt thử",
        "--poststratify",
        counts,
        "--cell",
        "linh_vuc",
        "--out",
        str(out),
    )
    assert result.exit_code == 1
    assert (
        "cột linh_vuc (row 1, column 'linh_vuc'): "
        "không có cột --cell 'linh_vuc' trong tệp; các cột: " in result.output
    )
    assert " / --cell column 'linh_vuc' is not in the file; columns: " in result.output
    assert not out.exists()


def test_cell_needs_poststratify(sipas, answered: dict, tmp_path: Path) -> None:
    result = sipas(
        "analyze", "--round", "Đợt thử", "--cell", "gender", "--out", str(tmp_path / "x.csv")
    )
    assert result.exit_code == 2
    assert "--cell needs --poststratify FILE" in result.output
