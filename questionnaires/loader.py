"""Load a questionnaire definition in named stages, collecting every problem.

read (file or text → JSON) → check structure → check meaning → build (frozen dataclasses).

Each stage records problems and carries on where it can, so one run reports all of them; the
questionnaire is built only when there are none. A bad definition never raises: every entry point
returns a :class:`~questionnaires.problems.LoadResult`.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path as FilePath
from typing import Any

from questionnaires.meaning import check_meaning
from questionnaires.model import (
    ChoiceQuestion,
    CommentQuestion,
    Element,
    Item,
    Level,
    Option,
    Questionnaire,
    Scale,
    Text,
)
from questionnaires.problems import LoadResult, Problem, Problems, format_problems
from questionnaires.said import Said, say
from questionnaires.structure import MAX_JSON_DEPTH, check_structure, object_pairs, too_deep

__all__ = [
    "LoadResult",
    "Problem",
    "format_problems",
    "load_questionnaire",
    "load_questionnaire_data",
    "load_questionnaire_file",
    "load_questionnaire_text",
]

# How to fix the common JSON syntax errors, keyed by the start of json's message.
_JSON_HINTS: tuple[tuple[str, Said], ...] = (
    ("Expecting ',' delimiter", say("a comma is probably missing between two entries before here")),
    (
        "Expecting property name enclosed in double quotes",
        say("keys need double quotes, and no comma may come before '}'"),
    ),
    ("Expecting value", say("a value is missing here (a comma before ']'? an empty file?)")),
    ("Expecting ':' delimiter", say("put ':' between a key and its value")),
    ("Unterminated string", say("close the string with a double quote")),
    ("Invalid control character", say("write a line break inside a string as \\n")),
    ("Invalid \\escape", say("a backslash in a string must be doubled (\\\\)")),
    ("Extra data", say("a definition is exactly one JSON object; remove what follows it")),
)


def load_questionnaire(source: str | bytes | os.PathLike[str]) -> LoadResult:
    """Load from a file path, or from JSON text when ``source`` looks like JSON (starts with ``{``).

    A path's problems are located with the path as given, e.g. ``defs/x/1.json:elements[0].id``.
    """
    if isinstance(source, bytes):
        return load_questionnaire_text(source)
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        return load_questionnaire_text(source)
    return load_questionnaire_file(source)


def load_questionnaire_file(path: str | os.PathLike[str]) -> LoadResult:
    """Read and load the definition at ``path``; read errors are problems too."""
    name = os.fspath(path)
    try:
        raw = FilePath(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        hint = say("check the path") if isinstance(exc, FileNotFoundError) else None
        message = say("cannot read the file: %(reason)s", reason=reason)
        return LoadResult(None, (Problem(name, message, hint),))
    return load_questionnaire_text(raw, source=name)


def load_questionnaire_text(text: str | bytes, source: str | None = None) -> LoadResult:
    """Load a definition from JSON text (bytes must be UTF-8)."""
    out = Problems()
    data = read_json(text, out)
    result = _finish(out, None) if data is _UNREADABLE else load_questionnaire_data(data, out=out)
    return result.located_in(source) if source else result


def load_questionnaire_data(
    data: object, source: str | None = None, *, out: Problems | None = None
) -> LoadResult:
    """Check and build an already parsed definition (a dict as from ``json.loads``)."""
    out = out if out is not None else Problems()
    clean = check_structure(data, out)
    if clean is not None:
        check_meaning(clean, out)
    value = None
    if clean is not None and not out.problems:
        value = _build_safely(clean, out)
    result = _finish(out, value)
    return result.located_in(source) if source else result


_UNREADABLE = object()


def read_json(text: str | bytes, out: Problems) -> Any:
    """Stage 1: decode and parse JSON; on failure record a problem and return a sentinel."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            out.add(
                (),
                say(
                    "the file is not UTF-8 text (bad byte %(byte)r at offset %(offset)s)",
                    byte=text[exc.start : exc.start + 1],
                    offset=exc.start,
                ),
                say("save it as UTF-8"),
            )
            return _UNREADABLE
    if text.startswith("\ufeff"):
        out.warn(
            (),
            say("the text starts with a byte-order mark (BOM)"),
            say("save it as UTF-8 without BOM"),
        )
        text = text[1:]
    deep = too_deep(text)
    if deep is not None:
        out.problems.append(
            Problem(
                f"line {deep[0]}, column {deep[1]}",
                say("invalid JSON: nested more than %(depth)s levels deep", depth=MAX_JSON_DEPTH),
                say("a definition is only a few levels deep: check the brackets"),
            )
        )
        return _UNREADABLE
    try:
        return json.loads(text, object_pairs_hook=object_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        hint = next((h for start, h in _JSON_HINTS if exc.msg.startswith(start)), None)
        out.problems.append(
            Problem(
                f"line {exc.lineno}, column {exc.colno}",
                say(
                    "invalid JSON: %(reason)s at line %(line)s, column %(column)s",
                    reason=exc.msg,
                    line=exc.lineno,
                    column=exc.colno,
                ),
                hint
                or say("fix the JSON syntax; an editor with JSON support shows the exact spot"),
            )
        )
    except ValueError as exc:
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        out.add(
            (),
            say("invalid JSON: %(reason)s", reason=reason),
            say("JSON has no NaN or Infinity; use a number"),
        )
    except RecursionError:
        out.add(
            (),
            say("invalid JSON: nested too deeply"),
            say("a definition is only a few levels deep"),
        )
    return _UNREADABLE


def _reject_constant(name: str) -> Any:
    raise ValueError(say("%(name)s is not allowed", name=name))


def _finish(out: Problems, value: Questionnaire | None) -> LoadResult:
    return LoadResult(value, tuple(out.problems), tuple(out.warnings))


def _build_safely(clean: dict[str, Any], out: Problems) -> Questionnaire | None:
    """Stage 4, guarded: a model invariant the checks missed becomes a problem, not a crash."""
    try:
        return build(clean)
    except (ValueError, KeyError, TypeError) as exc:
        out.add(
            (),
            say("cannot build the questionnaire: %(error)s", error=str(exc)),
            say("please report this loader bug"),
        )
        return None


def build(data: dict[str, Any]) -> Questionnaire:
    """Stage 4: build the frozen model from a cleaned definition that has no problems."""
    service_field = data.get("service_field")
    comment = data.get("comment")
    return Questionnaire(
        id=data["id"],
        version=data["version"],
        languages=tuple(data["languages"]),
        title=_text(data["title"]),
        intro=_text(data["intro"]),
        privacy_note=_text(data["privacy_note"]),
        elements=tuple(_element(e) for e in data["elements"]),
        service_field=_choice(service_field) if service_field is not None else None,
        demographics=tuple(_choice(q) for q in data.get("demographics", ())),
        comment=_comment(comment) if comment is not None else None,
        scale=_scale(data["scale"]),
    )


def _text(value: dict[str, str]) -> Text:
    return Text(tuple((lang, unicodedata.normalize("NFC", s)) for lang, s in value.items()))


def _option(value: dict[str, Any]) -> Option:
    return Option(code=value["code"], label=_text(value["label"]))


def _scale(value: dict[str, Any]) -> Scale:
    levels = tuple(Level(code=v["code"], label=_text(v["label"])) for v in value["levels"])
    not_applicable = value.get("not_applicable")
    return Scale(levels, _option(not_applicable) if not_applicable is not None else None)


def _element(value: dict[str, Any]) -> Element:
    items = tuple(
        Item(id=v["id"], text=_text(v["text"]), required=v["required"]) for v in value["items"]
    )
    return Element(id=value["id"], title=_text(value["title"]), items=items)


def _choice(value: dict[str, Any]) -> ChoiceQuestion:
    return ChoiceQuestion(
        id=value["id"],
        label=_text(value["label"]),
        options=tuple(_option(v) for v in value["options"]),
        required=value["required"],
    )


def _comment(value: dict[str, Any]) -> CommentQuestion:
    return CommentQuestion(
        id=value["id"], label=_text(value["label"]), max_length=value["max_length"]
    )
