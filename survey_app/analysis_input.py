"""Answers to analysis input: the responses export (file or database) → ``analysis.SipasData``.

Item columns hold 1–5, empty for no answer or "không áp dụng" (the export contract); empty becomes
NaN, "not a valid answer". Unit types come from the unit registry when it knows the codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis import SipasData
from questionnaires import Questionnaire
from survey_app.csv_files import FileProblem, read_csv

FIXED = ("response_id", "unit_code", "questionnaire", "questionnaire_version")


class InputError(ValueError):
    """Input that cannot be analysed; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = list(problems)


@dataclass(frozen=True)
class ResponsesTable:
    """The rows of a responses export as plain dictionaries, with their header."""

    header: list[str]
    rows: list[dict[str, str]]


def parse_questionnaire_ref(text: str) -> tuple[str, int]:
    """``sipas-2023@1`` → (``sipas-2023``, 1)."""
    name, _, version = text.partition("@")
    if not name or not version.isdigit():
        raise ValueError(f"questionnaire ({text!r}) must be written ID@VERSION, e.g. sipas-2023@1")
    return name, int(version)


def read_responses_file(path: Path) -> ResponsesTable:
    """The responses CSV (UTF-8, with or without BOM)."""
    header, rows, problems = read_csv(path)
    for column in FIXED:
        if header and column not in header:
            problems.append(
                FileProblem(
                    1, column, f"required column {column!r} is missing: is this a responses export?"
                )
            )
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
                    1,
                    item,
                    f"item column {item!r} of {questionnaire.id} "
                    f"v{questionnaire.version} is missing",
                )
            )
    if by is not None and by not in table.header:
        problems.append(
            FileProblem(
                1, by, f"--by column {by!r} is not in the file; columns: {', '.join(table.header)}"
            )
        )
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
                    f"answers to "
                    f"{row.get('questionnaire')} v"
                    f"{row.get('questionnaire_version')}, not {wanted[0]} "
                    f"v{wanted[1]}",
                )
            )
            continue
        for column, item in enumerate(items):
            value = row.get(item, "")
            if value == "":
                continue
            if value not in {"1", "2", "3", "4", "5"}:
                problems.append(
                    FileProblem(number + 2, item, f"{value!r} is not an answer 1–5 (or empty)")
                )
                continue
            answers[number, column] = float(value)
        if len(problems) > 50:
            break
    if problems:
        raise InputError(problems)
    if not table.rows:
        raise InputError([FileProblem(None, None, "there are no responses to analyse")])
    return SipasData(
        unit_codes=np.array([row["unit_code"] for row in table.rows]),
        answers=answers,
        item_ids=tuple(items),
        elements=tuple((e.id, tuple(i.id for i in e.items)) for e in questionnaire.elements),
        unit_types=dict(unit_types),
        populations=dict(populations) if populations is not None else None,
        groups=np.array([row.get(by, "") or "(trống)" for row in table.rows]) if by else None,
    )
