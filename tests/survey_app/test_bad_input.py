"""Bad input that used to give a traceback or a 500 (issue 11, item 7).

- a NUL character in a cell of an imported CSV file (PostgreSQL text cannot hold one): refused
  with its row and column, by every CSV import (units, populations, frames, catalogs, points);
- JSON nested 100,000 levels deep (``RecursionError``): refused with a clear problem by the 8.1
  rule, catalog and questionnaire loaders, and by ``sipas par rule-import``;
- ``RATELIMIT_ENABLED=False``: the citizen's pages work (the app keeps its limiter).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from support import form_tokens, full_answers

from questionnaires.loader import load_questionnaire_text
from scoring_bridge import load_catalog_text, load_rule81_text
from survey_app.cli.main import main
from survey_app.csv_files import read_csv
from survey_app.db import get_db
from survey_app.db.models import ParPoints, Response, Unit
from survey_app.par.files import read_catalogs_csv, read_points_csv
from survey_app.planning.files import read_frame
from survey_app.planning.populations import read_populations

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable:
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


# --- NUL in CSV files ----------------------------------------------------------------------------


def test_a_nul_in_a_unit_name_is_refused_with_its_row_and_column(
    app: Flask, sipas: Callable, tmp_path: Path
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,level,parent_code\n86,Tỉnh,province,\nX1,Xã\x00 1,commune,86\n",
        encoding="utf-8",
    )
    result = sipas("units", "import", str(units))
    assert result.exit_code == 1, result.output
    assert "units.csv: dòng 3 · cột name (row 3, column 'name')" in result.output
    assert "NUL" in result.output and "nothing imported" in result.output
    with app.app_context():
        assert get_db().session.scalar(select(Unit)) is None


def test_a_nul_in_a_points_note_is_refused(
    app: Flask, survey: dict, sipas: Callable, tmp_path: Path
) -> None:
    points = tmp_path / "points.csv"
    points.write_text(
        "unit_code,code,self_points,final_points,note\nSNV,1.1,1,1,ghi\x00chú\n", encoding="utf-8"
    )
    result = sipas("par", "points-import", str(points), "--year", "2025")
    assert result.exit_code == 1, result.output
    assert "row 2" in result.output and "note" in result.output and "NUL" in result.output
    with app.app_context():
        assert get_db().session.scalar(select(ParPoints)) is None


def _problems(reader: Callable[[bytes], object]) -> str:
    """Every problem a reader reports, as one text (the readers return different shapes)."""
    result = reader(
        b"code,name,x\nA\x00,b,c\n"
        if reader is read_csv
        else b"unit_code,dossier_code,population,criterion,unit_type,code,name\n"
        b"SNV,HS\x00-1,1,1.1,department,1.1,n\x00ame\n"
    )
    return repr(result)


@pytest.mark.parametrize(
    "reader",
    [
        read_csv,
        read_frame,
        lambda raw: read_populations(raw, {"SNV"}, {"SNV"}),
        lambda raw: read_catalogs_csv(raw, year=2025),
        lambda raw: read_points_csv(raw),
    ],
    ids=["read_csv", "frame", "populations", "catalogs", "points"],
)
def test_every_csv_import_reports_a_nul(reader: Callable[[bytes], object]) -> None:
    text = _problems(reader)
    assert "NUL" in text, text[:2000]
    assert "row=2" in text or "row 2" in text, text[:2000]


# --- JSON nested too deeply ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [DEEP, '{"a": ' * 65 + "1" + "}" * 65, '{"a": "[[[[' + "[" * 200 + '"}'],
    ids=["100000", "65", "brackets-in-a-string"],
)
def test_json_nested_too_deeply_is_a_problem_not_a_crash(text: str) -> None:
    deep = text != '{"a": "[[[[' + "[" * 200 + '"}'
    for load in (load_rule81_text, load_catalog_text):
        result = load(text)
        assert result.value is None
        messages = " ".join(str(p) for p in result.problems)
        assert ("nested" in messages) is deep, messages
    result = load_questionnaire_text(text)
    assert result.value is None
    messages = " ".join(str(p) for p in result.problems)
    assert ("nested" in messages) is deep, messages


def test_rule_import_of_a_deep_file_says_so(app: Flask, sipas: Callable, tmp_path: Path) -> None:
    rule = tmp_path / "rule.json"
    rule.write_text(DEEP, encoding="utf-8")
    result = sipas("par", "rule-import", str(rule))
    assert result.exit_code == 1
    assert "rule.json" in result.output and "nested more than 64 levels" in result.output
    assert "JSON không hợp lệ: lồng sâu quá 64 cấp / invalid JSON" in result.output


# --- rate limits switched off --------------------------------------------------------------------


def test_the_citizens_form_works_with_rate_limits_switched_off(survey_factory) -> None:
    app = survey_factory({"RATELIMIT_ENABLED": False, "SUBMIT_LIMIT_PER_FORM": "1 per hour"})
    client = app.test_client()
    for _ in range(3):
        page = client.get("/s/SNV-1")
        assert page.status_code == 200
        reply = client.post(
            "/s/SNV-1", data={**form_tokens(page.get_data(as_text=True)), **full_answers()}
        )
        assert reply.status_code == 303
    with app.app_context():
        assert get_db().session.query(Response).count() == 3
