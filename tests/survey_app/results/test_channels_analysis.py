"""Which answers the analysis counts: never excluded ones; flagged ones on request; by channel.

The hand-made set (unit SNV; every other item 4 or 5, so only q15 and q16 vary). An item's index
is the share of its 1–5 answers that are 4 or 5:

| answer | channel | state | q15 | q16 |
|---|---|---|---|---|
| a | counter_qr | received | 5 | 4 |
| b | counter_qr | received | 2 | 5 |
| c | receipt | received | 4 | 1 |
| d | paper | received | 5 | 2 |
| e | counter_qr | flagged | 1 | 1 |
| f | counter_qr | excluded | 1 | 1 |

- counted (a–e): q15 3/5 = 60 %, q16 2/5 = 40 %; had f counted: q15 3/6 = 50 %, q16 2/6 ≈ 33.3 %
- without flagged (a–d): q15 3/4 = 75 %, q16 2/4 = 50 %
- verified only (receipt, paper: c, d): q15 2/2 = 100 %, q16 0/2 = 0 %
- by channel: counter_qr (a, b, e) q15 1/3 ≈ 33.3 %; receipt (c) 100 %; paper (d) 100 %
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import VARIED, add_response
from flask import Flask
from sqlalchemy import select

from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import SurveyRound
from survey_app.results.pages import round_analysis
from survey_app.results.round_results import AnalysisOptions, analyze_round
from survey_app.survey.export import response_rows
from survey_app.trust.review import exclude

SET = [
    # (name, channel, state, q15, q16)
    ("a", "counter_qr", "received", 5, 4),
    ("b", "counter_qr", "received", 2, 5),
    ("c", "receipt", "received", 4, 1),
    ("d", "paper", "received", 5, 2),
    ("e", "counter_qr", "flagged", 1, 1),
    ("f", "counter_qr", "excluded", 1, 1),
]


@pytest.fixture
def handmade(app: Flask, survey: dict) -> dict[str, int]:
    ids = {}
    with app.app_context(), get_db().begin() as session:
        for name, channel, state, q15, q16 in SET:
            response = add_response(
                session,
                survey["round_id"],
                counter=None if channel in ("receipt", "paper") else "SNV-1",
                channel=channel,
                state=state,
                flags=["too_fast"] if state == "flagged" else [],
                answers={**VARIED, "q15": q15, "q16": q16},
            )
            ids[name] = response.id
    return ids


def _snv(app: Flask, **options: object) -> dict[str, tuple[float | None, int]]:
    """SNV's q15, q16 and SIPAS rows as (estimate, n)."""
    with app.app_context():
        session = get_db().session
        survey_round = session.scalar(select(SurveyRound))
        result = analyze_round(
            session, survey_round, options=AnalysisOptions(min_n=1, **options)
        ).result
        rows = {r.key: r for r in result.for_unit("SNV") if r.group is None}
        return {key: (rows[key].estimate, rows[key].n) for key in ("q15", "q16")}


def test_excluded_answers_stay_stored_but_never_enter_the_analysis(
    app: Flask, handmade: dict
) -> None:
    found = _snv(app)
    assert found["q15"][0] == pytest.approx(60.0) and found["q15"][1] == 5
    assert found["q16"][0] == pytest.approx(40.0)
    with app.app_context():
        session = get_db().session
        _, rows = response_rows(session, "Đợt thử")
        assert handmade["f"] not in [row[0] for row in rows]
        header, every = response_rows(session, "Đợt thử", include_excluded=True)
        assert handmade["f"] in [row[0] for row in every]  # still stored, exported on request
        assert header == response_rows(session, "Đợt thử")[0]  # the same columns


def test_restoring_brings_the_answer_back_into_the_analysis(app: Flask, handmade: dict) -> None:
    from survey_app.trust.review import restore

    with app.app_context(), get_db().begin() as session:
        restore(session, [handmade["f"]], "nhầm", "nv")
    found = _snv(app)
    assert found["q15"] == (pytest.approx(50.0), 6)
    assert found["q16"][0] == pytest.approx(100 / 3)


def test_exclude_flagged_leaves_flagged_answers_out_too(app: Flask, handmade: dict) -> None:
    found = _snv(app, exclude_flagged=True)
    assert found["q15"] == (pytest.approx(75.0), 4)
    assert found["q16"][0] == pytest.approx(50.0)


def test_channels_keep_only_answers_of_those_channels(app: Flask, handmade: dict) -> None:
    found = _snv(app, channels=("receipt", "paper"))
    assert found["q15"] == (pytest.approx(100.0), 2)
    assert found["q16"] == (pytest.approx(0.0), 2)


def test_the_results_pages_recompute_when_a_state_changes(app: Flask, handmade: dict) -> None:
    with app.app_context():
        survey_round = get_db().session.scalar(select(SurveyRound))
        before = round_analysis(survey_round).result.row("SNV", "q15")
        with get_db().begin() as session:
            exclude(session, [handmade["a"]], "thử", "nv")
        after = round_analysis(survey_round).result.row("SNV", "q15")
        assert (before.n, after.n) == (5, 4)
        flagged_out = round_analysis(survey_round, exclude_flagged=True).result.row("SNV", "q15")
        assert flagged_out.n == 3


# --- sipas analyze ----------------------------------------------------------------------------
@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _snv_rows(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(r.get("group", ""), r["key"]): r for r in _rows(path) if r["unit_code"] == "SNV"}


def test_verified_only_uses_only_receipt_and_paper_answers(
    sipas, handmade: dict, tmp_path: Path
) -> None:
    out = tmp_path / "verified.csv"
    result = sipas(
        "analyze", "--round", "Đợt thử", "--verified-only", "--min-n", "1", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = _snv_rows(out)
    assert float(rows["", "q15"]["estimate"]) == pytest.approx(100.0)
    assert float(rows["", "q16"]["estimate"]) == pytest.approx(0.0)
    assert rows["", "q15"]["n"] == "2"
    # the same from the exported file, filtered on its channel column
    export = tmp_path / "responses.csv"
    assert sipas("export", "responses", "--round", "Đợt thử", "--out", str(export)).exit_code == 0
    from_file = tmp_path / "from-file.csv"
    result = sipas(
        "analyze", "--responses", str(export), "--questionnaire", "sipas-2023@1",
        "--channels", "receipt,paper", "--min-n", "1", "--out", str(from_file),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _snv_rows(from_file) == rows


def test_exclude_flagged_from_the_command_line(sipas, handmade: dict, tmp_path: Path) -> None:
    out = tmp_path / "clean.csv"
    result = sipas(
        "analyze", "--round", "Đợt thử", "--exclude-flagged", "--min-n", "1", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert float(_snv_rows(out)["", "q15"]["estimate"]) == pytest.approx(75.0)


def test_analysis_reports_by_channel(sipas, handmade: dict, tmp_path: Path) -> None:
    out = tmp_path / "by-channel.csv"
    result = sipas(
        "analyze", "--round", "Đợt thử", "--by", "channel", "--min-n", "1", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = _snv_rows(out)
    assert float(rows["counter_qr", "q15"]["estimate"]) == pytest.approx(100 / 3)
    assert rows["counter_qr", "q15"]["n"] == "3"  # the excluded answer is not among them
    assert float(rows["receipt", "q15"]["estimate"]) == pytest.approx(100.0)
    assert float(rows["paper", "q15"]["estimate"]) == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--responses", "{export}", "--questionnaire", "sipas-2023@1", "--exclude-flagged"],
         "--exclude-flagged needs --round"),
        (["--round", "Đợt thử", "--channels", "receipt", "--verified-only"], "not both"),
        (["--round", "Đợt thử", "--channels", "receipt,sms"], "channels are counter_qr"),
    ],
)  # fmt: skip
def test_bad_channel_options_are_usage_errors(
    sipas, handmade: dict, tmp_path: Path, args: list[str], message: str
) -> None:
    export = tmp_path / "responses.csv"
    export.write_text("response_id,unit_code,questionnaire,questionnaire_version\n", "utf-8")
    argv = [a.replace("{export}", str(export)) for a in args]
    result = sipas("analyze", *argv, "--out", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    assert message in result.output
