"""Checking a responses file's columns (:mod:`responses_file`) vectorised, and analysing it.

The same checks, messages and order as ``analysis_input.to_sipas_data``, ``only_channels`` and
``post_strata_of`` on rows: an item cell holds 1–5 or nothing ("không áp dụng"); a row of
another questionnaire or version is one error on its ``questionnaire`` column; errors come in
file order (row, then the questionnaire's item order), the first :data:`MAX_LISTED` listed and
all counted. One difference: with ``channels``, rows keep their numbers in the file (the row
path numbered the rows left after choosing channels).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from analysis import PostStrata, SipasData, SipasResult, analyze_sipas
from questionnaires import Questionnaire
from survey_app.csv_files import FileProblem, clean_text
from survey_app.results import input_messages as messages
from survey_app.results.analysis_input import (
    DEFAULT_OPTIONS,
    FIXED,
    AnalysisOptions,
    InputError,
)
from survey_app.results.responses_file import MAX_LISTED, Coded, ResponseColumns, read_columns

_ROWS_AT_A_TIME = 1 << 14
_THREADS = min(4, os.cpu_count() or 1)  # the answers matrix's threads
_NONE = np.array([], dtype=np.intp)
_REFUSED = np.float32(np.inf)  # an item's table entry for a value that is not an answer
_DIGITS = {"1": 1.0, "2": 2.0, "3": 3.0, "4": 4.0, "5": 5.0}


def _item_table(column: Coded) -> tuple[NDArray[np.float32], dict[int, str]]:
    """An item column's table: code → 1.0–5.0, NaN for an empty cell, :data:`_REFUSED` for a
    value that is not an answer; and those values cleaned, by code.

    Decided once per distinct raw value: ``1``–``5`` or empty as they are; any other goes
    through ``clean_text``: white space around a digit is fine, anything else is an error.
    """
    table = np.full(len(column.values), np.nan, dtype=np.float32)
    wrong: dict[int, str] = {}
    for code, raw in enumerate(column.values):
        if raw in _DIGITS:
            table[code] = _DIGITS[raw]
        elif raw != "":
            cleaned = clean_text(raw)
            if cleaned in _DIGITS:
                table[code] = _DIGITS[cleaned]
            elif cleaned != "":
                table[code], wrong[code] = _REFUSED, cleaned
    return table, wrong


def _answers(
    tables: Sequence[NDArray[np.float32]], codes: Sequence[Coded]
) -> tuple[NDArray[np.float32], NDArray[np.intp]]:
    """The (rows, items) matrix ``answers[i, j] = tables[j][codes[j][i]]``, filled a block of rows
    at a time (each block stays in the processor's cache while its columns are written; blocks on
    :data:`_THREADS` threads: numpy lets go of the GIL), and the flat index ``i·items + j`` of
    every :data:`_REFUSED` cell, in row then item order."""
    n, k = (len(codes[0]) if codes else 0), len(tables)
    answers = np.empty((n, k), dtype=np.float32)  # 1–5 and NaN are exact in 4 bytes

    def fill(start: int) -> NDArray[np.intp]:
        block = answers[start : start + _ROWS_AT_A_TIME]
        for j, (table, column) in enumerate(zip(tables, codes, strict=True)):
            np.take(table, column.codes[start : start + _ROWS_AT_A_TIME], out=block[:, j])
        return np.flatnonzero(np.isinf(block)) + start * k

    starts = range(0, n, _ROWS_AT_A_TIME)
    if _THREADS > 1 and len(starts) > 1:
        with ThreadPoolExecutor(_THREADS, thread_name_prefix="answers") as pool:
            refused = list(pool.map(fill, starts))
    else:
        refused = list(map(fill, starts))
    return answers, np.concatenate([_NONE, *refused])


def _factorised(column: Coded) -> tuple[NDArray[np.str_], NDArray[np.intp]]:
    """(sorted distinct cleaned cells of the rows, each row's index into them), from the
    column's codes: ``clean_text`` and the sort per distinct value used, none per row."""
    used = np.flatnonzero(np.bincount(column.codes, minlength=len(column.values)))
    cleaned = np.array([clean_text(column.values[i]) for i in used.tolist()] or [""], dtype=str)
    names, small = np.unique(cleaned, return_inverse=True)
    lookup = np.zeros(len(column.values), dtype=np.intp)
    lookup[used] = small.reshape(-1)
    return names, lookup[column.codes]


def to_sipas_data_columns(
    columns: ResponseColumns,
    questionnaire: Questionnaire,
    *,
    unit_types: Mapping[str, str],
    populations: Mapping[str, int] | None,
    by: str | None = None,
) -> SipasData:
    """:func:`analysis_input.to_sipas_data` on columns: the same checks, messages and order."""
    problems: list[FileProblem] = []
    items = list(questionnaire.item_ids)
    for item in items:
        if item not in columns.header:
            problems.append(
                FileProblem(
                    1, item, messages.missing_item(item, questionnaire.id, questionnaire.version)
                )
            )
    if by is not None and by not in columns.header:
        problems.append(FileProblem(1, by, messages.missing_by(by, columns.header)))
    if problems:
        raise InputError(problems)
    n = len(columns)
    wanted = (questionnaire.id, str(questionnaire.version))
    names, versions = columns.columns["questionnaire"], columns.columns["questionnaire_version"]
    name_of = [clean_text(v) for v in names.values]  # per distinct value, not per row
    version_of = [clean_text(v) for v in versions.values]
    other = (
        np.array([v != wanted[0] for v in name_of], dtype=bool)[names.codes]
        | np.array([v != wanted[1] for v in version_of], dtype=bool)[versions.codes]
    )
    # (row index, item index or -1 for the questionnaire, its value): messages are said for the
    # listed ones only (a file can have millions of bad cells)
    found: list[tuple[int, int, str]] = [(i, -1, "") for i in np.flatnonzero(other).tolist()]
    coded = [columns.columns[item] for item in items]
    tables, wrong = zip(*map(_item_table, coded), strict=True) if coded else ((), ())
    answers, refused = _answers(tables, coded)
    rows, places = np.divmod(refused, len(items))
    kept = ~other[rows]
    found += [
        (i, j, wrong[j][int(coded[j].codes[i])])
        for i, j in zip(rows[kept].tolist(), places[kept].tolist(), strict=True)
    ]
    if found:
        found.sort(key=lambda entry: (entry[0], entry[1]))

        def problem(i: int, j: int, value: str) -> FileProblem:
            row = int(columns.rows[i])
            if j >= 0:
                return FileProblem(row, items[j], messages.not_an_answer(value))
            found_id = name_of[names.codes[i]]
            found_version = version_of[versions.codes[i]]
            return FileProblem(
                row, "questionnaire", messages.other_questionnaire(found_id, found_version, wanted)
            )

        raise InputError([problem(*entry) for entry in found[:MAX_LISTED]], total=len(found))
    if n == 0:
        raise InputError([FileProblem(None, None, messages.no_responses())])
    units, unit_of = _factorised(columns.columns["unit_code"])
    return SipasData(
        unit_codes=units[unit_of],
        unit_index=(units, unit_of),
        answers=answers,
        item_ids=tuple(items),
        elements=tuple((e.id, tuple(i.id for i in e.items)) for e in questionnaire.elements),
        unit_types=dict(unit_types),
        populations=dict(populations) if populations is not None else None,
        groups=columns.labels(by, "(trống)") if by else None,
    )


def only_channels_columns(columns: ResponseColumns, channels: Collection[str]) -> ResponseColumns:
    """The rows whose ``channel`` is one of ``channels`` (row numbers stay the file's)."""
    if "channel" not in columns.header:
        raise InputError([FileProblem(1, "channel", messages.no_channel_column())])
    return columns.take(np.isin(columns.labels("channel"), list(channels)))


def post_strata_columns(
    columns: ResponseColumns, counts: Mapping[tuple[str, str], float], column: str
) -> PostStrata:
    """:func:`analysis_input.post_strata_of` on columns: the same problems and messages."""
    if column not in columns.header:
        raise InputError(
            [FileProblem(1, column, messages.missing_cell_column(column, columns.header))]
        )
    labels = columns.labels(column)
    units = columns.labels("unit_code")
    _, unit_of = np.unique(units, return_inverse=True)
    cell_names, cell_of = np.unique(labels, return_inverse=True)
    pairs, first, inverse = np.unique(
        unit_of.astype(np.int64) * len(cell_names) + cell_of, return_index=True, return_inverse=True
    )
    missing = [
        k for k in range(len(pairs)) if (str(units[first[k]]), str(labels[first[k]])) not in counts
    ]
    problems = []
    for k in sorted(missing, key=lambda k: first[k]):
        unit, cell = str(units[first[k]]), str(labels[first[k]])
        numbers = columns.rows[np.flatnonzero(inverse == k)].tolist()
        problems.append(
            FileProblem(numbers[0], column, messages.uncounted_cell(unit, cell, numbers, column))
        )
    if problems:
        raise InputError(problems)
    return PostStrata(labels, dict(counts), name=column)


def needed_columns(questionnaire: Questionnaire, extra: Sequence[str | None]) -> set[str]:
    """The columns the analysis reads: the export's fixed ones but ``response_id`` (only its
    presence is checked), the items, ``channel`` and ``extra``."""
    fixed = [c for c in FIXED if c != "response_id"]
    return {*fixed, *questionnaire.item_ids, "channel", *(e for e in extra if e)}


def read_sipas_input(
    path: Path,
    questionnaire: Questionnaire,
    *,
    unit_types: Mapping[str, str],
    populations: Mapping[str, int] | None,
    by: str | None = None,
    channels: Collection[str] | None = None,
    cell_counts: Mapping[tuple[str, str], float] | None = None,
    cell_column: str = "service_field",
) -> tuple[SipasData, PostStrata | None]:
    """A responses CSV → the analysis input (and post-strata when ``cell_counts`` are given)."""
    wanted = needed_columns(questionnaire, [by, cell_column if cell_counts is not None else None])
    columns = read_columns(path, wanted, texts=wanted - set(questionnaire.item_ids))  # not answers
    if channels is not None:
        columns = only_channels_columns(columns, channels)
    data = to_sipas_data_columns(
        columns, questionnaire, unit_types=unit_types, populations=populations, by=by
    )
    post = None
    if cell_counts is not None:
        post = post_strata_columns(columns, cell_counts, cell_column)
    return data, post


def analyze_responses_file(
    path: Path,
    questionnaire: Questionnaire,
    *,
    unit_types: Mapping[str, str],
    populations: Mapping[str, int] | None,
    options: AnalysisOptions = DEFAULT_OPTIONS,
    progress: Callable[[int, int], None] | None = None,
) -> SipasResult:
    """The SIPAS analysis of a responses CSV (``round_results.analyze_table``'s, by columns)."""
    if options.exclude_flagged:
        raise ValueError(messages.flagged_needs_a_round())
    data, post = read_sipas_input(
        path,
        questionnaire,
        unit_types=unit_types,
        populations=populations,
        by=options.by,
        channels=options.channels,
        cell_counts=options.cell_counts,
        cell_column=options.cell_column,
    )
    return analyze_sipas(
        data,
        ci_method=options.ci_method,
        aggregation=options.aggregation,
        min_n=options.min_n,
        progress=progress,
        post_strata=post,
    )
