"""Answers to analysis input: the responses export (file or database) → ``analysis.SipasData``.

Item columns hold 1–5, empty for no answer or "không áp dụng" (the export contract); empty becomes
NaN, "not a valid answer". Unit types come from the unit registry when it knows the codes.
Post-stratification: a counts file ``unit_code,cell,count`` (known dossiers per unit × cell) and a
column of the export holding each respondent's cell (e.g. ``service_field``) →
``analysis.PostStrata``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis import PostStrata, SipasData
from questionnaires import Questionnaire
from survey_app.csv_files import FileProblem, read_csv
from survey_app.i18n import vi_en
from survey_app.results import input_messages as messages

FIXED = ("response_id", "unit_code", "questionnaire", "questionnaire_version")
COUNT_COLUMNS = ("unit_code", "cell", "count")


class InputError(ValueError):
    """Input that cannot be analysed; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[FileProblem], total: int | None = None) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        """How many problems there are (``problems`` may list only the first of them)."""


@dataclass(frozen=True)
class AnalysisOptions:
    """How to analyse: interval, aggregation, grouping, suppression, post-stratification, and
    which answers: ``channels`` (None: all), ``exclude_flagged`` (flagged answers left out too).
    """

    ci_method: str = "logit"
    aggregation: str = "mean-of-items"
    by: str | None = None
    min_n: int = 5
    cell_counts: Mapping[tuple[str, str], int] | None = None
    cell_column: str = "service_field"
    exclude_flagged: bool = False
    channels: tuple[str, ...] | None = None


DEFAULT_OPTIONS = AnalysisOptions()


@dataclass(frozen=True)
class ResponsesTable:
    """The rows of a responses export as plain dictionaries, with their header."""

    header: list[str]
    rows: list[dict[str, str]]


def parse_questionnaire_ref(text: str) -> tuple[str, int]:
    """``sipas-2023@1`` → (``sipas-2023``, 1)."""
    name, _, version = text.partition("@")
    if not name or not version.isdigit():
        raise ValueError(
            vi_en("bảng hỏi (%(text)r) phải viết dạng MÃ@PHIÊN_BẢN, ví dụ sipas-2023@1", text=text)
        )
    return name, int(version)


def read_responses_file(path: Path) -> ResponsesTable:
    """The responses CSV (UTF-8, with or without BOM)."""
    header, rows, problems = read_csv(path)
    for column in FIXED:  # the same words as responses_file's columnar reader (tests compare them)
        if header and column not in header:
            problems.append(FileProblem(1, column, messages.missing_fixed(column)))
    if problems:
        raise InputError(problems)
    return ResponsesTable(header, rows)


def table_from_rows(header: Sequence[str], rows: Iterable[Sequence[object]]) -> ResponsesTable:
    """A table from the export's header and value rows (the database path)."""
    return ResponsesTable(
        list(header),
        [
            {k: "" if v is None else str(v) for k, v in zip(header, row, strict=True)}
            for row in rows
        ],
    )


def to_sipas_data(
    table: ResponsesTable,
    questionnaire: Questionnaire,
    *,
    unit_types: Mapping[str, str],
    populations: Mapping[str, int] | None,
    by: str | None = None,
) -> SipasData:
    """Check the table against the questionnaire and build the analysis input.

    Rows of another questionnaire or version are an error (one analysis, one questionnaire).
    """
    problems: list[FileProblem] = []
    items = list(questionnaire.item_ids)
    for item in items:
        if item not in table.header:
            problems.append(
                FileProblem(
                    1, item, messages.missing_item(item, questionnaire.id, questionnaire.version)
                )
            )
    if by is not None and by not in table.header:
        problems.append(FileProblem(1, by, messages.missing_by(by, table.header)))
    if problems:
        raise InputError(problems)
    answers = np.full((len(table.rows), len(items)), np.nan)
    wanted = (questionnaire.id, str(questionnaire.version))
    for number, row in enumerate(table.rows):
        if (row.get("questionnaire"), row.get("questionnaire_version")) != wanted:
            problems.append(
                FileProblem(
                    number + 2,
                    "questionnaire",
                    messages.other_questionnaire(
                        row.get("questionnaire"), row.get("questionnaire_version"), wanted
                    ),
                )
            )
            continue
        for column, item in enumerate(items):
            value = row.get(item, "")
            if value == "":
                continue
            if value not in {"1", "2", "3", "4", "5"}:
                problems.append(FileProblem(number + 2, item, messages.not_an_answer(value)))
                continue
            answers[number, column] = float(value)
        if len(problems) > 50:
            break
    if problems:
        raise InputError(problems)
    if not table.rows:
        raise InputError([FileProblem(None, None, messages.no_responses())])
    return SipasData(
        unit_codes=np.array([row["unit_code"] for row in table.rows]),
        answers=answers,
        item_ids=tuple(items),
        elements=tuple((e.id, tuple(i.id for i in e.items)) for e in questionnaire.elements),
        unit_types=dict(unit_types),
        populations=dict(populations) if populations is not None else None,
        groups=np.array([row.get(by, "") or "(trống)" for row in table.rows]) if by else None,
    )


def read_cell_counts(
    source: Path | str | bytes, known_units: Collection[str] | None = None
) -> dict[tuple[str, str], int]:
    """(unit code, cell) → known count, from a CSV ``unit_code,cell,count`` (UTF-8).

    Every bad row is a :class:`FileProblem` by row and column: an empty or unknown unit (not in
    ``known_units`` when given), an empty cell, a count that is not a whole number ≥ 0, the same
    unit × cell twice. Raises :class:`InputError` with all of them.
    """
    header, rows, problems = read_csv(source)
    for column in COUNT_COLUMNS:
        if header and column not in header:
            close = difflib.get_close_matches(column, header, n=1)
            problems.append(
                FileProblem(
                    1,
                    column,
                    vi_en(
                        "thiếu cột bắt buộc %(column)r (đổi tên cột %(close)r?)",
                        column=column,
                        close=close[0],
                    )
                    if close
                    else vi_en("thiếu cột bắt buộc %(column)r", column=column),
                )
            )
    if not problems and not rows:
        problems.append(FileProblem(None, None, vi_en("tệp có dòng tiêu đề nhưng không có số nào")))
    if problems:
        raise InputError(problems)
    known = None if known_units is None else set(known_units)
    counts: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        unit, cell, raw = row["unit_code"], row["cell"], row["count"]
        before = len(problems)
        if not unit:
            problems.append(FileProblem(number, "unit_code", vi_en("thiếu mã đơn vị")))
        elif known is not None and unit not in known:
            close = difflib.get_close_matches(unit, sorted(known), n=1)
            problems.append(
                FileProblem(
                    number,
                    "unit_code",
                    vi_en(
                        "không có đơn vị mã %(code)r (có phải %(close)r?)",
                        code=unit,
                        close=close[0],
                    )
                    if close
                    else vi_en("không có đơn vị mã %(code)r", code=unit),
                )
            )
        if not cell:
            problems.append(
                FileProblem(number, "cell", vi_en("thiếu ô: mỗi số hồ sơ là của một ô"))
            )
        elif unit and (unit, cell) in seen:
            problems.append(
                FileProblem(
                    number,
                    "cell",
                    vi_en(
                        "đơn vị %(unit)s, ô %(cell)r đã có ở dòng %(row)s",
                        unit=unit,
                        cell=cell,
                        row=seen[unit, cell],
                    ),
                )
            )
        else:
            seen[unit, cell] = number
        if re.fullmatch(r"-?[0-9]+", raw) is None:
            problems.append(
                FileProblem(
                    number,
                    "count",
                    vi_en("count (%(value)r) phải là số hồ sơ, một số nguyên", value=raw),
                )
            )
        elif int(raw) < 0:
            problems.append(
                FileProblem(number, "count", vi_en("count (%(value)s) không được âm", value=raw))
            )
        if len(problems) == before:
            counts[unit, cell] = int(raw)
    if problems:
        raise InputError(problems)
    return counts


def post_strata_of(
    table: ResponsesTable, counts: Mapping[tuple[str, str], float], column: str
) -> PostStrata:
    """Each respondent's cell from ``column`` of the table, with the known counts.

    A missing column, respondents without a cell (no count for cell "") and respondents in a
    cell without a count are :class:`FileProblem` s (one per unit × cell, naming its rows);
    counts that do not fit the answers are left to :func:`analysis.analyze_sipas`.
    """
    if column not in table.header:
        raise InputError(
            [FileProblem(1, column, messages.missing_cell_column(column, table.header))]
        )
    labels = [row.get(column, "") for row in table.rows]
    rows_of: dict[tuple[str, str], list[int]] = {}
    for number, (row, cell) in enumerate(zip(table.rows, labels, strict=True), start=2):
        key = (row.get("unit_code", ""), cell)
        if key not in counts:
            rows_of.setdefault(key, []).append(number)
    problems = [
        FileProblem(numbers[0], column, messages.uncounted_cell(unit, cell, numbers, column))
        for (unit, cell), numbers in rows_of.items()
    ]
    if problems:
        raise InputError(problems)
    return PostStrata(np.array(labels, dtype=str), dict(counts), name=column)
