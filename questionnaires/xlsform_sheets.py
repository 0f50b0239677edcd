"""Reading XLSForm sheets: cells and their places, language columns, translations, yes/no.

The building blocks of `questionnaires.xlsform`; standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from questionnaires.problems import Problem
from questionnaires.said import say

Rows = Sequence[Sequence[object]]
Path = tuple[str | int, ...]

LANGUAGE_WORDS = {
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "tieng viet": "vi",
    "english": "en",
    "tiếng anh": "en",
}
LANGUAGE_NAMES = {"vi": "Vietnamese (vi)", "en": "English (en)"}
TRUE_WORDS = frozenset({"yes", "true", "true()", "1", "có", "x"})
FALSE_WORDS = frozenset({"", "no", "false", "false()", "0", "không"})


@dataclass(frozen=True)
class Cell:
    """Where a value came from: sheet, row (1 = header) and column name."""

    sheet: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.sheet]
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.column:
            parts.append(f"cột {self.column}")
        return " · ".join(parts)


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class Out:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    where: dict[str, Cell] = field(default_factory=dict)

    def add(self, cell: Cell, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(str(cell), message, hint))

    def warn(self, cell: Cell, message: str, hint: str | None = None) -> None:
        self.warnings.append(Problem(str(cell), message, hint))

    def at(self, path: Path, cell: Cell) -> None:
        self.where[render(path)] = cell


def render(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_sheet(rows: Rows | None, name: str) -> Sheet | None:
    if rows is None:
        return None
    listed = list(rows)
    if not listed:
        return Sheet(name, [], [])
    header = [cell_text(h) for h in listed[0]]
    body = []
    for number, raw in enumerate(listed[1:], start=2):
        values = {h: cell_text(v) for h, v in zip(header, raw, strict=False) if h}
        if any(values.values()):
            body.append((number, values))
    return Sheet(name, header, body)


def language_of(suffix: str) -> str | None:
    """``Vietnamese (vi)`` / ``Vietnamese`` / ``vi`` → ``vi``; None when not recognised."""
    suffix = suffix.strip()
    found = re.search(r"\(([a-z]{2})\)\s*$", suffix)
    if found:
        return found.group(1)
    lowered = suffix.lower()
    if lowered in LANGUAGE_WORDS:
        return LANGUAGE_WORDS[lowered]
    if re.fullmatch(r"[a-z]{2}", lowered):
        return lowered
    return None


def text_columns(sheet: Sheet, stem: str, out: Out) -> dict[str, str]:
    """language → column name of the ``stem`` (``label``, ``form_title``) columns."""
    columns: dict[str, str] = {}
    for column in sheet.header:
        if column == stem:
            columns.setdefault("vi", column)
        elif column.startswith(f"{stem}::"):
            lang = language_of(column.split("::", 1)[1])
            if lang is None:
                out.add(
                    Cell(sheet.name, 1, column),
                    say("the language of column %(column)r is not recognised", column=column),
                    say(
                        "write it as %(stem)s::Vietnamese (vi) or %(stem)s::English (en)",
                        stem=stem,
                    ),
                )
            elif lang in columns:
                out.add(
                    Cell(sheet.name, 1, column),
                    say("a second %(language)r %(stem)s column", language=lang, stem=stem),
                )
            else:
                columns[lang] = column
    return columns


def translations(
    sheet: Sheet, number: int, row: dict[str, str], columns: dict[str, str], path: Path, out: Out
) -> dict[str, str]:
    text = {}
    out.at(path, Cell(sheet.name, number, next(iter(columns.values()), None)))
    for lang, column in columns.items():
        out.at((*path, lang), Cell(sheet.name, number, column))
        if row.get(column):
            text[lang] = row[column]
    return text


def required(sheet: Sheet, number: int, row: dict[str, str], out: Out) -> bool:
    value = row.get("required", "").lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        out.add(
            Cell(sheet.name, number, "required"), say("%(value)r is not yes or no", value=value)
        )
    return False
