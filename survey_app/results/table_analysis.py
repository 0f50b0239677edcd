"""SIPAS results of a responses table (from a file or the database), without the database:
:class:`AnalysisOptions` and :func:`analyze_table`. ``sipas analyze --responses`` runs on this
alone, so it loads neither Flask nor SQLAlchemy; ``round_results`` adds the database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from analysis import SipasResult, analyze_sipas
from questionnaires import Questionnaire
from survey_app.csv_files import FileProblem
from survey_app.results import input_messages as messages
from survey_app.results.analysis_input import (  # AnalysisOptions lives there, re-exported
    DEFAULT_OPTIONS,
    AnalysisOptions,
    InputError,
    ResponsesTable,
    post_strata_of,
    to_sipas_data,
)


def only_channels(table: ResponsesTable, channels: Collection[str]) -> ResponsesTable:
    """The rows of ``table`` whose ``channel`` column is one of ``channels``."""
    if "channel" not in table.header:
        raise InputError([FileProblem(1, "channel", messages.no_channel_column())])
    wanted = set(channels)
    return ResponsesTable(table.header, [r for r in table.rows if r.get("channel") in wanted])


def analyze_table(
    table: ResponsesTable,
    questionnaire: Questionnaire,
    *,
    unit_types: Mapping[str, str],
    populations: Mapping[str, int] | None,
    options: AnalysisOptions = DEFAULT_OPTIONS,
    progress: Callable[[int, int], None] | None = None,
) -> SipasResult:
    """The SIPAS analysis of a responses table (from the database or an exported file)."""
    if options.exclude_flagged:
        raise ValueError(messages.flagged_needs_a_round())
    if options.channels is not None:
        table = only_channels(table, options.channels)
    data = to_sipas_data(
        table, questionnaire, unit_types=unit_types, populations=populations, by=options.by
    )
    post = None
    if options.cell_counts is not None:
        post = post_strata_of(table, options.cell_counts, options.cell_column)
    return analyze_sipas(
        data,
        ci_method=options.ci_method,
        aggregation=options.aggregation,
        min_n=options.min_n,
        progress=progress,
        post_strata=post,
    )
