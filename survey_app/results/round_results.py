"""SIPAS results of a round from the database: the analysis input, the indices, the ranking.

Excluded answers never enter the analysis (the query leaves them out, ``round_columns``);
``AnalysisOptions.exclude_flagged`` also leaves out flagged ones (database only: a file has no
review state), ``AnalysisOptions.channels`` keeps answers of those channels only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import SipasResult, analyze_sipas
from questionnaires import Questionnaire
from survey_app.db.models import RoundPopulation, SurveyRound, Unit
from survey_app.results.analysis_input import DEFAULT_OPTIONS, table_from_rows
from survey_app.results.round_columns import NotColumnar, round_columns
from survey_app.results.table_analysis import AnalysisOptions, analyze_table, only_channels
from survey_app.survey.export import response_rows
from survey_app.survey.questionnaire_store import questionnaire_of

__all__ = [  # the table analysis is re-exported: pages and tests import it from here
    "AnalysisOptions",
    "RoundAnalysis",
    "analyze_round",
    "analyze_table",
    "only_channels",
    "round_populations",
    "unit_types_of",
]


@dataclass(frozen=True)
class RoundAnalysis:
    """A round's results and what they were computed from."""

    survey_round: SurveyRound
    questionnaire: Questionnaire
    result: SipasResult
    units: dict[str, Unit]
    with_populations: bool


def round_populations(session: Session, survey_round: SurveyRound) -> dict[str, int] | None:
    """N per unit code saved with the round's plan, or None when none was saved."""
    rows = session.scalars(
        select(RoundPopulation).where(RoundPopulation.round_id == survey_round.id)
    ).all()
    return {row.unit.code: row.population for row in rows} or None


def unit_types_of(units: Mapping[str, Unit]) -> dict[str, str]:
    """unit_code → unit type code (the aggregates' ``unit_code``)."""
    return {code: unit.unit_type.code for code, unit in units.items()}


def analyze_round(
    session: Session,
    survey_round: SurveyRound,
    *,
    populations: Mapping[str, int] | None = None,
    options: AnalysisOptions = DEFAULT_OPTIONS,
    progress: Callable[[int, int], None] | None = None,
) -> RoundAnalysis:
    """Every item, element and overall index of the round's units, types and province.

    Without ``populations``, the ones saved with the round's plan are used (if any). Excluded
    answers are left out; flagged ones too with ``options.exclude_flagged``.
    """
    questionnaire = questionnaire_of(survey_round)
    units = {unit.code: unit for unit in survey_round.units}
    if populations is None:
        populations = round_populations(session, survey_round)
    try:
        columns = round_columns(
            session,
            survey_round,
            questionnaire,
            unit_types=unit_types_of(units),
            populations=populations,
            by=options.by,
            cell_counts=options.cell_counts,
            cell_column=options.cell_column,
            exclude_flagged=options.exclude_flagged,
            channels=options.channels,
        )
    except NotColumnar:  # the export path decides and names every problem
        result = _analyze_exported(
            session, survey_round, questionnaire, units, populations, options, progress
        )
    else:
        result = analyze_sipas(
            columns.data,
            ci_method=options.ci_method,
            aggregation=options.aggregation,
            min_n=options.min_n,
            progress=progress,
            post_strata=columns.post_strata,
        )
    return RoundAnalysis(survey_round, questionnaire, result, units, populations is not None)


def _analyze_exported(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    units: Mapping[str, Unit],
    populations: Mapping[str, int] | None,
    options: AnalysisOptions,
    progress: Callable[[int, int], None] | None,
) -> SipasResult:
    """The round's analysis through the responses export's rows (slow; exact problem reports)."""
    table = table_from_rows(
        *response_rows(
            session,
            survey_round.name,
            exclude_flagged=options.exclude_flagged,
            channels=options.channels,
        )
    )
    return analyze_table(
        table,
        questionnaire,
        unit_types=unit_types_of(units),
        populations=populations,
        options=replace(options, exclude_flagged=False, channels=None),
        progress=progress,
    )
