"""Stage 2 of loading: check the structure of a parsed definition against a declarative schema.

Reports missing keys, unknown keys (with a "did you mean" hint), duplicate keys and wrong types,
and returns a *cleaned* copy holding only well-typed values, so the next stage can check meaning
without re-checking types. Badly typed list entries become ``None`` to keep indices stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from questionnaires.problems import Path, Problems, did_you_mean, show
from questionnaires.said import say


class Kind(Enum):
    """The JSON type a value must have."""

    STRING = say("a string")
    INTEGER = say("a whole number")
    BOOLEAN = say("true or false")
    TEXT = say('an object of translations like {"vi": "…", "en": "…"}')
    OBJECT = say("an object")
    LIST = say("an array")


@dataclass(frozen=True)
class Field:
    """One key of an object: its kind, whether it is required, what a list holds."""

    key: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    of: Kind | Spec | None = None  # OBJECT: its Spec; LIST: the kind or Spec of its entries


@dataclass(frozen=True)
class Spec:
    """The keys an object may have; ``name`` is used in messages ("element", "option")."""

    name: str
    fields: tuple[Field, ...]

    def allowed(self) -> tuple[str, ...]:
        """The allowed keys, in the documented order."""
        return tuple(f.key for f in self.fields)


class JsonObject(dict[str, Any]):
    """A JSON object that remembers keys given more than once (``json`` keeps the last)."""

    duplicates: tuple[str, ...] = ()


def object_pairs(pairs: list[tuple[str, Any]]) -> JsonObject:
    """``object_pairs_hook`` for ``json.loads`` recording duplicate keys."""
    obj = JsonObject(pairs)
    seen: set[str] = set()
    duplicates: list[str] = []
    for key, _ in pairs:
        if key in seen:
            duplicates.append(key)
        seen.add(key)
    obj.duplicates = tuple(duplicates)
    return obj


_TEXT = Kind.TEXT
_OPTION = Spec(say("option"), (Field("code", Kind.STRING), Field("label", _TEXT)))
_LEVEL = Spec(say("level"), (Field("code", Kind.INTEGER), Field("label", _TEXT)))
_SCALE = Spec(
    say("scale"),
    (
        Field("levels", Kind.LIST, of=_LEVEL),
        Field("not_applicable", Kind.OBJECT, required=False, nullable=True, of=_OPTION),
    ),
)
_ITEM = Spec(
    say("item"), (Field("id", Kind.STRING), Field("text", _TEXT), Field("required", Kind.BOOLEAN))
)
_ELEMENT = Spec(
    say("element"),
    (Field("id", Kind.STRING), Field("title", _TEXT), Field("items", Kind.LIST, of=_ITEM)),
)
_CHOICE = Spec(
    say("choice question"),
    (
        Field("id", Kind.STRING),
        Field("label", _TEXT),
        Field("required", Kind.BOOLEAN),
        Field("options", Kind.LIST, of=_OPTION),
    ),
)
_COMMENT = Spec(
    say("comment"),
    (Field("id", Kind.STRING), Field("label", _TEXT), Field("max_length", Kind.INTEGER)),
)
QUESTIONNAIRE = Spec(
    say("questionnaire"),
    (
        Field("id", Kind.STRING),
        Field("version", Kind.INTEGER),
        Field("languages", Kind.LIST, of=Kind.STRING),
        Field("title", _TEXT),
        Field("intro", _TEXT),
        Field("privacy_note", _TEXT),
        Field("scale", Kind.OBJECT, of=_SCALE),
        Field("elements", Kind.LIST, of=_ELEMENT),
        Field("service_field", Kind.OBJECT, required=False, nullable=True, of=_CHOICE),
        Field("demographics", Kind.LIST, required=False, of=_CHOICE),
        Field("comment", Kind.OBJECT, required=False, nullable=True, of=_COMMENT),
    ),
)
"""The schema of a questionnaire definition (documented in definitions/README.md)."""


def json_type(value: object) -> str:
    """The JSON name of a Python value's type, for messages."""
    table: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, say("true/false")),
        (int, say("a whole number")),
        (float, say("a decimal number")),
        (str, say("a string")),
        (list, say("an array")),
        (dict, say("an object")),
        (type(None), "null"),
    )
    return next((name for kind, name in table if isinstance(value, kind)), type(value).__name__)


def check_structure(data: object, out: Problems) -> dict[str, Any] | None:
    """Check ``data`` against :data:`QUESTIONNAIRE`; return the cleaned copy, or None."""
    return _check_object(data, QUESTIONNAIRE, (), out)


def _check_object(data: object, spec: Spec, path: Path, out: Problems) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        out.add(
            path,
            say(
                "the %(name)s must be %(kind)s, got %(got)s",
                name=spec.name,
                kind=Kind.OBJECT.value,
                got=json_type(data),
            ),
        )
        return None
    for key in getattr(data, "duplicates", ()):
        out.add(
            (*path, key),
            say("key %(key)r is given more than once (only the last would count)", key=key),
            say("keep only one of them"),
        )
    clean: dict[str, Any] = {}
    for key in data:
        if key not in spec.allowed():
            allowed = ", ".join(spec.allowed())
            hint = did_you_mean(key, spec.allowed()) or say(
                "the keys of a %(name)s are: %(keys)s", name=spec.name, keys=allowed
            )
            message = say("unknown key %(key)r in the %(name)s", key=key, name=spec.name)
            out.add((*path, key), message, hint)
    for field in spec.fields:
        if field.key not in data:
            if field.required:
                out.add(
                    (*path, field.key),
                    say(
                        "missing required key %(key)r in the %(name)s",
                        key=field.key,
                        name=spec.name,
                    ),
                    say("add %(key)r: %(kind)s", key=field.key, kind=field.kind.value),
                )
            continue
        value = _check_value(data[field.key], field, (*path, field.key), out)
        if value is not None:
            clean[field.key] = value
    return clean


def _check_value(value: object, field: Field, path: Path, out: Problems) -> Any:
    if value is None and field.nullable:
        return None
    if field.kind is Kind.OBJECT and isinstance(field.of, Spec):
        return _check_object(value, field.of, path, out)
    if field.kind is Kind.LIST:
        return _check_list(value, field, path, out)
    return _check_scalar(value, field.kind, path, out)


def _check_list(value: object, field: Field, path: Path, out: Problems) -> list[Any] | None:
    if not isinstance(value, list):
        out.add(
            path,
            say(
                "%(key)r must be an array, got %(got)s %(value)s",
                key=field.key,
                got=json_type(value),
                value=show(value),
            ),
        )
        return None
    entries: list[Any] = []
    for index, entry in enumerate(value):
        if isinstance(field.of, Spec):
            entries.append(_check_object(entry, field.of, (*path, index), out))
        elif isinstance(field.of, Kind):
            entries.append(_check_scalar(entry, field.of, (*path, index), out))
    return entries


def _check_scalar(value: object, kind: Kind, path: Path, out: Problems) -> Any:
    if kind is Kind.TEXT:
        return _check_text(value, path, out)
    expected = {Kind.STRING: str, Kind.INTEGER: int, Kind.BOOLEAN: bool}[kind]
    if isinstance(value, expected) and not (kind is Kind.INTEGER and isinstance(value, bool)):
        return value
    quoted = isinstance(value, str) and kind is not Kind.STRING
    hint = say("write it without quotes") if quoted else None
    out.add(path, _must_be(kind, value), hint)
    return None


def _check_text(value: object, path: Path, out: Problems) -> dict[str, str | None] | None:
    """A translations object; a non-string translation is kept as None (already reported)."""
    if not isinstance(value, dict):
        out.add(path, _must_be(Kind.TEXT, value))
        return None
    for key in getattr(value, "duplicates", ()):
        out.add(
            (*path, key),
            say("language %(language)r is given more than once", language=key),
            say("keep only one"),
        )
    clean: dict[str, str | None] = {}
    for lang, text in value.items():
        clean[lang] = text if isinstance(text, str) else None
        if not isinstance(text, str):
            out.add((*path, lang), _must_be(Kind.STRING, text))
    return clean


def _must_be(kind: Kind, value: object) -> str:
    """ "must be a string, got a whole number 3"."""
    return say(
        "must be %(kind)s, got %(got)s %(value)s",
        kind=kind.value,
        got=json_type(value),
        value=show(value),
    )


MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a JSON input may have (real files have a handful)."""
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> tuple[int, int] | None:
    """(line, column) where ``text`` nests arrays and objects past ``limit``, else None.

    A scan before ``json.loads``, whose parser recurses: 100,000 levels raise ``RecursionError``.
    Brackets inside strings do not count.
    """
    blanked = _JSON_STRING.sub(lambda m: " " * len(m.group()), text)
    depth = 0
    for match in _JSON_BRACKET.finditer(blanked):
        depth += 1 if match.group() in "[{" else -1
        if depth > limit:
            start = match.start()
            line = text.count("\n", 0, start) + 1
            return line, start - (text.rfind("\n", 0, start) + 1) + 1
    return None
