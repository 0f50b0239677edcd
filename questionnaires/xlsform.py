"""XLSForm (the spreadsheet ODK and KoBoToolbox users write) ⇄ the questionnaire JSON model.

Takes already-read rows (``sheet name → rows of cell values``, the header first), so it needs
no spreadsheet library; ``survey_app`` reads the ``.xlsx`` with openpyxl. The form:

- ``settings``: ``form_id`` (the questionnaire id), ``version`` (a whole number),
  ``form_title::<language>`` (the title).
- ``survey``: ``type``, ``name``, ``label::<language>`` (``label::Vietnamese (vi)``,
  ``label::Vietnamese``, ``label::vi`` or plain ``label`` for Vietnamese), ``required``,
  ``constraint``. A ``begin group`` … ``end group`` is an element; each ``select_one LIST``
  inside it an item on the scale ``LIST``. Outside groups, ``select_one`` named
  ``service_field`` is the service field, other ``select_one`` rows are demographic questions,
  one ``text`` row is the comment (its length from ``string-length(.) <= N``, else 1000), and
  ``note`` rows named ``intro`` and ``privacy_note`` give those texts. Metadata rows (``start``,
  ``end``, ``deviceid``, …) are ignored with a warning; other types are refused.
- ``choices``: ``list_name``, ``name``, ``label::<language>``. The scale's list has whole-number
  names (the levels) and at most one other (``không áp dụng``, not applicable).

Loading is staged like the JSON loader (read → structure → meaning → build) and collects every
problem; each is located by sheet, row and column (``survey · dòng 7 · cột name``), including the
problems the JSON loader finds in the converted definition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from questionnaires.loader import load_questionnaire_data
from questionnaires.problems import LoadResult, Problem
from questionnaires.said import Said, say
from questionnaires.xlsform_sheets import (
    Cell,
    Out,
    Path,
    Rows,
    Sheet,
    language_of,
    read_sheet,
    required,
    text_columns,
    translations,
)
from questionnaires.xlsform_writer import to_xlsform

__all__ = ["Cell", "convert_xlsform", "language_of", "load_xlsform", "to_xlsform"]

METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "email",
        "audit",
        "calculate",
        "start-geopoint",
    }
    | {"phonenumber", "simserial", "subscriberid", "hidden"}
)
IGNORED_COLUMNS = ("hint", "relevant", "appearance", "constraint_message", "default", "media")
DEFAULT_COMMENT_LENGTH = 1000
_LENGTH = re.compile(r"string-length\(\s*\.\s*\)\s*<=?\s*(\d+)")
_TAIL = re.compile(r"(\.[^.\[]+|\[\d+\])$")
_PATH = re.compile(r"\b[a-z_]+(?:\[\d+\]|\.[a-z_]+)+")


@dataclass
class _Survey:
    languages: dict[str, str]
    choice_columns: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    scale_list: str | None = None
    scale_cell: Cell | None = None


def _options(
    choices: dict[str, list[tuple[int, dict[str, str]]]],
    list_name: str,
    cell: Cell,
    path: Path,
    survey: _Survey,
    sheet_name: str,
    out: Out,
) -> list[dict[str, Any]]:
    if list_name not in choices:
        out.add(cell, say("list %(name)r is not in the choices sheet", name=list_name))
        return []
    sheet = Sheet(sheet_name, [], [])
    options = []
    for index, (number, row) in enumerate(choices[list_name]):
        option_path = (*path, index)
        out.at((*option_path, "code"), Cell(sheet_name, number, "name"))
        label = translations(
            sheet, number, row, survey.choice_columns, (*option_path, "label"), out
        )
        options.append({"code": row.get("name", ""), "label": label})
    return options


def _scale(
    choices: dict[str, list[tuple[int, dict[str, str]]]], survey: _Survey, out: Out
) -> dict[str, Any]:
    levels: list[dict[str, Any]] = []
    not_applicable = None
    sheet = Sheet("choices", [], [])
    for number, row in choices.get(survey.scale_list or "", []):
        name = row.get("name", "")
        if re.fullmatch(r"-?\d+", name):
            path: Path = ("scale", "levels", len(levels))
            out.at((*path, "code"), Cell("choices", number, "name"))
            label = translations(sheet, number, row, survey.choice_columns, (*path, "label"), out)
            levels.append({"code": int(name), "label": label})
        elif not_applicable is None:
            path = ("scale", "not_applicable")
            out.at((*path, "code"), Cell("choices", number, "name"))
            label = translations(sheet, number, row, survey.choice_columns, (*path, "label"), out)
            not_applicable = {"code": name, "label": label}
        else:
            out.add(
                Cell("choices", number, "name"),
                say(
                    "the scale %(scale)r has a second choice that is not a number (%(name)r)",
                    scale=survey.scale_list,
                    name=name,
                ),
                say("a scale has whole-number levels and at most one 'not applicable' choice"),
            )
    return {"levels": levels, "not_applicable": not_applicable}


def _read_settings(settings: Sheet | None, out: Out) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if settings is None or not settings.rows:
        out.add(
            Cell("settings"),
            say("the settings sheet is missing or empty"),
            say("add form_id, version"),
        )
        return data
    number, row = settings.rows[0]
    for key, column in (("id", "form_id"), ("version", "version")):
        cell = Cell("settings", number, column)
        out.at((key,), cell)
        if not row.get(column):
            out.add(cell, say("%(column)s is missing", column=column))
        elif key == "version":
            if re.fullmatch(r"\d+", row[column]):
                data[key] = int(row[column])
            else:
                out.add(
                    cell,
                    say("version %(version)r must be a whole number", version=row[column]),
                    say("e.g. 1, 2, 3"),
                )
        else:
            data[key] = row[column]
    titles = text_columns(settings, "form_title", out)
    data["title"] = translations(settings, number, row, titles, ("title",), out)
    return data


def _survey_row(
    sheet: Sheet,
    number: int,
    row: dict[str, str],
    survey: _Survey,
    choices: dict[str, list[tuple[int, dict[str, str]]]],
    state: dict[str, Any],
    out: Out,
) -> None:
    kind = row.get("type", "").lower().replace("_", " ")
    name = row.get("name", "")
    data = survey.data
    type_cell = Cell(sheet.name, number, "type")
    if kind == "begin group":
        if state["element"] is not None:
            out.add(
                type_cell,
                say("groups inside groups are not supported"),
                say("end the group first"),
            )
            return
        index = len(data["elements"])
        out.at(("elements", index, "id"), Cell(sheet.name, number, "name"))
        title = translations(
            sheet, number, row, survey.languages, ("elements", index, "title"), out
        )
        state["element"] = {"id": name, "title": title, "items": []}
        data["elements"].append(state["element"])
        return
    if kind == "end group":
        if state["element"] is None:
            out.add(type_cell, say("'end group' without 'begin group'"))
        state["element"] = None
        return
    if kind.startswith("select one"):
        parts = row.get("type", "").split()
        list_name = parts[1] if len(parts) > 1 and parts[0].lower() == "select_one" else ""
        if not list_name:
            out.add(type_cell, say("write select_one and the list's name, e.g. 'select_one scale'"))
            return
        if parts[-1] == "or_other":
            out.add(
                type_cell,
                say("'or_other' is not supported"),
                say("add an 'other' choice instead"),
            )
        element = state["element"]
        if element is not None:
            if survey.scale_list is None:
                survey.scale_list, survey.scale_cell = list_name, type_cell
            elif list_name != survey.scale_list:
                out.add(
                    type_cell,
                    say(
                        "item %(item)r uses list %(name)r, other items %(scale)r",
                        item=name,
                        name=list_name,
                        scale=survey.scale_list,
                    ),
                    say("every item of a SIPAS questionnaire is on the same scale"),
                )
            if list_name not in choices:
                out.add(type_cell, say("list %(name)r is not in the choices sheet", name=list_name))
            e_index = data["elements"].index(element)
            path: Path = ("elements", e_index, "items", len(element["items"]))
            out.at((*path, "id"), Cell(sheet.name, number, "name"))
            out.at((*path, "required"), Cell(sheet.name, number, "required"))
            text = translations(sheet, number, row, survey.languages, (*path, "text"), out)
            element["items"].append(
                {"id": name, "text": text, "required": required(sheet, number, row, out)}
            )
            return
        if name == "service_field":
            path = ("service_field",)
        else:
            path = ("demographics", len(data["demographics"]))
        out.at((*path, "id"), Cell(sheet.name, number, "name"))
        out.at((*path, "required"), Cell(sheet.name, number, "required"))
        question = {
            "id": name,
            "label": translations(sheet, number, row, survey.languages, (*path, "label"), out),
            "required": required(sheet, number, row, out),
            "options": _options(
                choices, list_name, type_cell, (*path, "options"), survey, "choices", out
            ),
        }
        if name == "service_field":
            data["service_field"] = question
        else:
            data["demographics"].append(question)
        return
    if kind == "text":
        if state["element"] is not None or "comment" in data:
            out.add(
                type_cell, say("only one text question is supported: the comment, outside groups")
            )
            return
        found = _LENGTH.search(row.get("constraint", ""))
        out.at(("comment", "id"), Cell(sheet.name, number, "name"))
        out.at(("comment", "max_length"), Cell(sheet.name, number, "constraint"))
        data["comment"] = {
            "id": name,
            "label": translations(sheet, number, row, survey.languages, ("comment", "label"), out),
            "max_length": int(found.group(1)) if found else DEFAULT_COMMENT_LENGTH,
        }
        return
    if kind == "note" and name in ("intro", "privacy_note"):
        data[name] = translations(sheet, number, row, survey.languages, (name,), out)
        return
    if kind == "note" or kind in METADATA_TYPES:
        out.warn(type_cell, say("row %(name)r of type %(kind)r is ignored", name=name, kind=kind))
        return
    out.add(
        type_cell,
        say("type %(kind)r is not supported", kind=row.get("type", "")),
        say(
            "use begin group/end group, select_one LIST, text (the comment) or note "
            "(intro, privacy_note)"
        ),
    )


def convert_xlsform(sheets: Mapping[str, Rows]) -> tuple[dict[str, Any] | None, Out]:
    """Stages read and structure: the definition as JSON data, and the located problems."""
    out = Out()
    lowered = {name.strip().lower(): rows for name, rows in sheets.items()}
    survey_sheet = read_sheet(lowered.get("survey"), "survey")
    choices_sheet = read_sheet(lowered.get("choices"), "choices")
    settings_sheet = read_sheet(lowered.get("settings"), "settings")
    if survey_sheet is None:
        out.add(Cell("survey"), say("the workbook has no sheet named 'survey'"))
        return None, out
    for column in ("type", "name"):
        if column not in survey_sheet.header:
            out.add(Cell("survey", 1), say("required column %(column)r is missing", column=column))
    for column in survey_sheet.header:
        if column.split("::")[0] in IGNORED_COLUMNS:
            out.warn(Cell("survey", 1, column), say("column %(column)r is ignored", column=column))
    languages = text_columns(survey_sheet, "label", out)
    if not languages:
        out.add(Cell("survey", 1), say("no label column"), say("add label::Vietnamese (vi)"))
    choice_columns: dict[str, str] = {}
    choices: dict[str, list[tuple[int, dict[str, str]]]] = {}
    if choices_sheet is not None:
        choice_columns = text_columns(choices_sheet, "label", out)
        for column in ("list_name", "name"):
            if column not in choices_sheet.header:
                out.add(
                    Cell("choices", 1), say("required column %(column)r is missing", column=column)
                )
        for number, row in choices_sheet.rows:
            choices.setdefault(row.get("list_name", ""), []).append((number, row))
    if out.problems:
        return None, out
    ordered = sorted(languages, key=lambda lang: (lang != "vi", lang))
    survey = _Survey(languages, choice_columns)
    out.at(("languages",), Cell("survey", 1, languages[ordered[0]]))
    survey.data = {
        **_read_settings(settings_sheet, out),
        "languages": ordered,
        "elements": [],
        "demographics": [],
    }
    state: dict[str, Any] = {"element": None}
    for number, row in survey_sheet.rows:
        _survey_row(survey_sheet, number, row, survey, choices, state, out)
    if state["element"] is not None:
        out.add(Cell("survey"), say("group %(id)r has no 'end group'", id=state["element"]["id"]))
    for key in ("intro", "privacy_note"):
        if key not in survey.data:
            out.add(
                Cell("survey"),
                say("no note named %(key)r", key=key),
                say("add a row: type note, name %(key)s", key=key),
            )
    if survey.scale_list is None:
        out.add(Cell("survey"), say("no item: put select_one rows inside a begin group/end group"))
    survey.data["scale"] = _scale(choices, survey, out)
    data = {
        key: survey.data[key]
        for key in (
            "id",
            "version",
            "languages",
            "title",
            "intro",
            "privacy_note",
            "scale",
            "elements",
            "service_field",
            "demographics",
            "comment",
        )
        if key in survey.data
    }
    return data, out


def _cell_of(location: str, where: dict[str, Cell]) -> Cell | None:
    while location:
        if location in where:
            return where[location]
        shorter = _TAIL.sub("", location)
        if shorter == location:
            return None
        location = shorter
    return None


def _locate(problem: Problem, where: dict[str, Cell]) -> Problem:
    """The problem with its JSON path (and those its message names) as sheet, row, column."""

    def in_message(found: re.Match[str]) -> str:
        cell = _cell_of(found.group(0), where)
        return str(cell) if cell is not None else found.group(0)

    def moved(text: str) -> str:
        """The text with its JSON paths as cells (a said message's values, not its template)."""
        values = getattr(text, "values", None)
        if not isinstance(text, Said) or values is None:
            return _PATH.sub(in_message, text)
        return Said(
            text.template,
            {
                name: moved(value) if isinstance(value, str) else value
                for name, value in values.items()
            },
        )

    cell = _cell_of(problem.location, where)
    location = str(cell) if cell is not None else problem.location
    return replace(problem, location=location, message=moved(problem.message))


def load_xlsform(sheets: Mapping[str, Rows]) -> tuple[LoadResult, dict[str, Any] | None]:
    """Every problem of an XLSForm, located by sheet, row and column; and its JSON data.

    The questionnaire is built (``result.value``) only when there is no problem.
    """
    data, out = convert_xlsform(sheets)
    if data is None:
        return LoadResult(None, tuple(out.problems), tuple(out.warnings)), None
    result = load_questionnaire_data(data)
    located = [_locate(p, out.where) for p in result.problems]
    reported = {p.location for p in out.problems}  # a cell's conversion problem says enough
    problems = tuple(out.problems) + tuple(p for p in located if p.location not in reported)
    warnings = tuple(out.warnings) + tuple(_locate(w, out.where) for w in result.warnings)
    if problems:
        return LoadResult(None, problems, warnings), None
    return LoadResult(result.value, (), warnings), data
