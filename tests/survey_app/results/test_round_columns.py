"""The columnar analysis of a round (one query, no ORM object per answer) gives the results of the
export path it replaced, on SQLite and PostgreSQL, with every filter of the analysis.

A few thousand varied answers: two units, every channel, received/flagged/excluded, items 1–5,
"không áp dụng" (``na``), missing items and JSON nulls, service fields on the column or in the
profile, demographics present, empty or missing.
"""

from __future__ import annotations

import json
import math
import random
import secrets
from dataclasses import replace
from datetime import timedelta

import pytest
from factories import ITEMS, MONDAY_9
from flask import Flask
from sqlalchemy import insert, select

from analysis import SipasResult
from questionnaires.registry import get_questionnaire
from survey_app.db import get_db
from survey_app.db.levels import fill_levels
from survey_app.db.models import Counter, Response, SurveyRound, Unit
from survey_app.results import round_results
from survey_app.results.analysis_input import InputError, table_from_rows
from survey_app.results.files import results_json
from survey_app.results.round_results import (
    AnalysisOptions,
    analyze_round,
    analyze_table,
    round_populations,
    unit_types_of,
)
from survey_app.survey.export import response_rows

CHANNELS = ["counter_qr", "receipt", "public_link", "paper", "simulated"]
FIELDS = ["dat_dai", "ho_tich", "xay_dung"]


def reference_analysis(session, survey_round: SurveyRound, options: AnalysisOptions) -> SipasResult:
    """The analysis of a round as it was before issue 12: ORM rows of the export, then a table."""
    questionnaire = get_questionnaire(
        survey_round.questionnaire_id, survey_round.questionnaire_version
    )
    table = table_from_rows(
        *response_rows(
            session,
            survey_round.name,
            exclude_flagged=options.exclude_flagged,
            channels=options.channels,
        )
    )
    units = {unit.code: unit for unit in survey_round.units}
    return analyze_table(
        table,
        questionnaire,
        unit_types=unit_types_of(units),
        populations=round_populations(session, survey_round),
        options=replace(options, exclude_flagged=False, channels=None),
    )


def _answers(rng: random.Random, unit_level: float) -> dict[str, object]:
    answers: dict[str, object] = {}
    for item in ITEMS:
        roll = rng.random()
        if roll < 0.06:
            answers[item] = "na"
        elif roll < 0.08:
            continue  # not asked / not answered
        elif roll < 0.09:
            answers[item] = None
        else:
            answers[item] = 5 if rng.random() < unit_level else rng.choice([1, 2, 3, 4])
    return answers


@pytest.fixture
def varied(app: Flask, survey: dict) -> dict[tuple[str, str], int]:
    """3,000 answers; returns the counts of every (unit, service field) pair (post-strata)."""
    rng = random.Random(12)
    rows = []
    pairs: dict[tuple[str, str], int] = {}
    with app.app_context(), get_db().begin() as session:
        units = {
            u.code: u.id for u in session.scalars(select(Unit).where(Unit.code.in_(["SNV", "BDT"])))
        }
        counters = {c.unit_id: c.id for c in session.scalars(select(Counter))}
        for number in range(3000):
            code = "SNV" if rng.random() < 0.6 else "BDT"
            channel = rng.choice(CHANNELS)
            state = rng.choices(["received", "flagged", "excluded"], [0.8, 0.12, 0.08])[0]
            field = rng.choice(FIELDS)
            on_column = rng.random() < 0.5
            profile: dict[str, object] = {} if on_column else {"service_field": field}
            gender = rng.random()
            if gender < 0.45:
                profile["gender"] = "nam"
            elif gender < 0.9:
                profile["gender"] = "nu"
            elif gender < 0.95:
                profile["gender"] = ""
            pairs[code, field] = 100 + pairs.get((code, field), 0)
            rows.append(
                {
                    "submission_id": secrets.token_hex(16),
                    "round_id": survey["round_id"],
                    "unit_id": units[code],
                    "counter_id": counters[units[code]] if channel == "counter_qr" else None,
                    "channel": channel,
                    "submitted_at": MONDAY_9 + timedelta(seconds=number),
                    "questionnaire_id": "sipas-2023",
                    "questionnaire_version": 1,
                    "language": "vi",
                    "answers": _answers(rng, 0.7 if code == "SNV" else 0.85),
                    "service_field": field if on_column else None,
                    "profile": profile,
                    "state": state,
                    "flags": ["too_fast"] if state != "received" else [],
                    "comment": "góp ý" if number % 7 == 0 else None,
                }
            )
        session.execute(insert(Response), rows)
    return pairs


def _close(a: object, b: object, where: str = "") -> None:
    if isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12, where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{n}]")
    else:
        assert a == b, where


def _both(app: Flask, options: AnalysisOptions, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fallback(*_args: object, **_kwargs: object) -> SipasResult:
        raise AssertionError("the columnar path fell back to the export path")

    with app.app_context(), get_db().begin() as session:
        survey_round = session.scalar(select(SurveyRound))
        expected = reference_analysis(session, survey_round, options)
        with monkeypatch.context() as patch:
            patch.setattr(round_results, "_analyze_exported", no_fallback)
            got = analyze_round(session, survey_round, options=options).result
    _close(json.loads(results_json(got)), json.loads(results_json(expected)))


@pytest.mark.parametrize(
    "options",
    [
        AnalysisOptions(),
        AnalysisOptions(ci_method="wilson", aggregation="pooled"),
        AnalysisOptions(ci_method="korn-graubard", min_n=30),
        AnalysisOptions(channels=("receipt", "paper")),
        AnalysisOptions(exclude_flagged=True),
        AnalysisOptions(exclude_flagged=True, channels=("counter_qr", "simulated")),
        AnalysisOptions(by="gender"),
        AnalysisOptions(by="channel", exclude_flagged=True),
        AnalysisOptions(by="service_field", min_n=1),
    ],
    ids=lambda o: repr(o)[16:80],
)
def test_the_columnar_path_gives_the_export_paths_results(
    app: Flask, varied: dict, options: AnalysisOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    _both(app, options, monkeypatch)


def test_post_stratified_results_are_the_same(
    app: Flask, varied: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    _both(app, AnalysisOptions(cell_counts=varied), monkeypatch)
    _both(app, AnalysisOptions(cell_counts=varied, by="gender", channels=("paper",)), monkeypatch)


def _last_answer_gets(app: Flask, value: object) -> None:
    with app.app_context(), get_db().begin() as session:
        response = session.scalar(select(Response).order_by(Response.id.desc()).limit(1))
        response.answers = {**response.answers, "q20": value}


def _problems(app: Flask, options: AnalysisOptions | None = None) -> list[str]:
    options = options or AnalysisOptions()
    with app.app_context(), get_db().begin() as session:
        survey_round = session.scalar(select(SurveyRound))
        with pytest.raises(InputError) as caught:
            analyze_round(session, survey_round, options=options)
        with pytest.raises(InputError) as expected:
            reference_analysis(session, survey_round, options)
    assert [str(p) for p in caught.value.problems] == [str(p) for p in expected.value.problems]
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("value", [7, True, 0])
def test_a_stored_value_that_is_not_an_answer_is_reported_as_before(
    app: Flask, varied: dict, value: object
) -> None:
    _last_answer_gets(app, value)
    problems = _problems(app)
    assert len(problems) == 1 and "q20" in problems[0] and "not an answer 1–5" in problems[0]


def test_fractions_and_texts_count_as_no_answer_as_before(
    app: Flask, varied: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    _last_answer_gets(app, 4.5)
    _both(app, AnalysisOptions(), monkeypatch)
    _last_answer_gets(app, "5")
    _both(app, AnalysisOptions(), monkeypatch)


def test_respondents_without_a_count_are_reported_as_before(app: Flask, varied: dict) -> None:
    counts = dict(varied)
    counts.pop(next(iter(counts)))
    problems = _problems(app, AnalysisOptions(cell_counts=counts))
    assert problems and "no count in the counts file" in problems[0]


def test_a_round_without_answers_is_reported_as_before(app: Flask, survey: dict) -> None:
    assert _problems(app) == [
        "tệp (file): không có câu trả lời nào để phân tích / there are no responses to analyse"
    ]


def test_filled_in_levels_give_the_same_results_and_follow_changed_answers(
    app: Flask, varied: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan fills in ``levels`` (PostgreSQL); results stay the export path's; a changed
    answer empties its levels (a trigger), so a stale text is never read."""
    with app.app_context(), get_db().begin() as session:
        survey_round = session.scalar(select(SurveyRound))
        filled = fill_levels(session, survey_round.id, ITEMS, limit=10_000)
        postgresql = session.get_bind().dialect.name == "postgresql"
    assert filled == (3000 if postgresql else 0)
    _both(app, AnalysisOptions(), monkeypatch)
    _both(app, AnalysisOptions(by="gender", exclude_flagged=True), monkeypatch)
    _last_answer_gets(app, 1)
    with app.app_context():
        last = get_db().session.scalar(select(Response).order_by(Response.id.desc()).limit(1))
        assert last.levels is None
    _both(app, AnalysisOptions(), monkeypatch)
    if postgresql:
        with app.app_context(), get_db().begin() as session:
            session.execute(insert(Response), [{**_row_of(last), "levels": "5" * len(ITEMS)}])
            inserted = session.scalar(select(Response).order_by(Response.id.desc()).limit(1))
            assert inserted.levels is None  # no INSERT can bring its own levels


def _row_of(response: Response) -> dict[str, object]:
    columns = ("round_id", "unit_id", "channel", "submitted_at", "questionnaire_id")
    return {
        **{c: getattr(response, c) for c in columns},
        "submission_id": secrets.token_hex(16),
        "questionnaire_version": 1,
        "answers": dict(response.answers),
        "profile": {},
    }
