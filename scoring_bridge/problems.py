"""Problems found in data (catalogs, 8.1 rules, points), the loaders' result, shared helpers.

Every loader here returns a :class:`LoadResult` and never raises on bad data: it collects every
problem with its location (``criteria[5].max_points``, ``row 7, column max_points``) and, where
there is one, the criterion code concerned, as ONS eq-questionnaire-validator and pyxform do.

A problem's message and hint are said with :func:`say`: English text that also keeps its template
and named values, so that an application can say it in another language (the web app's
``survey_app.par.bridge_words``).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Generic, TypeVar

from analysis.said import Said as Said  # messages keep their template (the app says them
from analysis.said import say as say  # in Vietnamese: survey_app.par.bridge_words)

T = TypeVar("T")

UNIT_TYPE_RE = re.compile(r"[a-z][a-z0-9_]*")
"""A unit type code: ``department``, ``district``, ``commune``, ``vertical_agency``."""

TOLERANCE = 1e-9
"""Two point totals closer than this are equal (sums of decimal fractions are not exact)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: where, which criterion code (if any), what, and how to fix it."""

    location: str
    message: str
    code: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.location or "(root)"
        code = f" [{self.code}]" if self.code else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{code}: {self.message}{hint}"


class ProblemsError(ValueError):
    """Raised by the computing functions (and :meth:`LoadResult.unwrap`) with every problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class LoadResult(Generic[T]):
    """What a loader gave: the value (None when there is any problem), problems and warnings."""

    value: T | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the value was built without problems (warnings allowed)."""
        return self.value is not None and not self.problems

    def unwrap(self) -> T:
        """The value, or :class:`ProblemsError` listing every problem."""
        if self.value is None or self.problems:
            raise ProblemsError(self.problems or (Problem("", say("nothing was loaded")),))
        return self.value

    def located_in(self, source: str) -> LoadResult[T]:
        """The same result with every location prefixed by ``source`` (a file name)."""

        def prefix(problem: Problem) -> Problem:
            where = f"{source}:{problem.location}" if problem.location else source
            return replace(problem, location=where)

        return LoadResult(
            self.value,
            tuple(prefix(p) for p in self.problems),
            tuple(prefix(p) for p in self.warnings),
        )


class Problems:
    """A collector of problems and warnings."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(
        self, location: str, message: str, code: str | None = None, hint: str | None = None
    ) -> None:
        """Record a problem (the data cannot be used)."""
        self.problems.append(Problem(location, message, code, hint))

    def warn(
        self, location: str, message: str, code: str | None = None, hint: str | None = None
    ) -> None:
        """Record a warning (the data can be used, but something looks wrong)."""
        self.warnings.append(Problem(location, message, code, hint))

    def result(self, value: T | None) -> LoadResult[T]:
        """The :class:`LoadResult`; the value is dropped when there is any problem."""
        return LoadResult(
            None if self.problems else value, tuple(self.problems), tuple(self.warnings)
        )


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean 'x'?" hint for a misspelt word or code, or None if nothing is close."""
    matches = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return say("did you mean %(word)r?", word=matches[0]) if matches else None


def show(value: object, limit: int = 60) -> str:
    """A short rendering of a bad value for a message: ``'abc'``, ``12.5``, ``True``."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def num(value: float) -> str:
    """A number for a message: ``100.0`` → ``100``, ``2.2500000000001`` → ``2.25``."""
    r = round(value, 9)
    return str(int(r)) if r == int(r) else repr(r)


def round_half_up(value: float, decimals: int = 2) -> float:
    """``value`` rounded half away from zero, as people round published figures.

    Uses the shortest decimal repr of the float, so 84.125 → 84.13 and 2.675 → 2.68 (Python's
    ``round`` gives 84.12 and 2.67).
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals ({decimals!r}) must be a whole number ≥ 0")
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def is_number(value: object) -> bool:
    """True for a finite int or float (``bool`` is not a number here)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


# --- stage 1 of every JSON loader: read ----------------------------------------------------

UNREADABLE: Any = object()
"""Returned by :func:`read_json` when the text is not JSON (the problem is already recorded)."""

_JSON_HINTS: tuple[tuple[str, Said], ...] = (
    ("Expecting ',' delimiter", say("a comma is probably missing between two entries before here")),
    (
        "Expecting property name enclosed in double quotes",
        say("keys need double quotes, and no comma may come before '}'"),
    ),
    ("Expecting value", say("a value is missing here (a comma before ']'? an empty file?)")),
    ("Expecting ':' delimiter", say("put ':' between a key and its value")),
    ("Unterminated string", say("close the string with a double quote")),
    ("Extra data", say("a file holds exactly one JSON object; remove what follows it")),
)


class JsonObject(dict[str, Any]):
    """A JSON object that remembers keys given more than once (``json`` keeps the last)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    seen: set[str] = set()
    dups: list[str] = []
    for key, _ in pairs:
        if key in seen and key not in dups:
            dups.append(key)
        seen.add(key)
    obj.duplicates = tuple(dups)
    return obj


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def read_json(text: str | bytes, out: Problems) -> Any:
    """Stage 1: decode UTF-8 and parse JSON; on failure record a problem, return UNREADABLE."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = say("the file is not UTF-8 text (bad byte at offset %(byte)s)", byte=exc.start)
            out.add("", where, None, say("save it as UTF-8"))
            return UNREADABLE
    text = text.removeprefix("\ufeff")
    deep = too_deep(text)
    if deep is not None:
        out.add(
            f"line {deep[0]}, column {deep[1]}",
            say("invalid JSON: nested more than %(depth)s levels deep", depth=MAX_JSON_DEPTH),
            None,
            say("a catalog or a rule is only a few levels deep: check the brackets"),
        )
        return UNREADABLE
    try:
        return json.loads(text, object_pairs_hook=_object_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        hint = next((h for start, h in _JSON_HINTS if exc.msg.startswith(start)), None)
        out.add(
            f"line {exc.lineno}, column {exc.colno}",
            say("invalid JSON: %(error)s", error=exc.msg),
            None,
            hint or say("fix the JSON syntax; an editor with JSON support shows the exact spot"),
        )
    except ValueError as exc:
        out.add(
            "",
            say("invalid JSON: %(error)s", error=str(exc)),
            None,
            say("JSON has no NaN or Infinity; use a number"),
        )
    return UNREADABLE


def check_keys(
    obj: dict[str, Any],
    where: str,
    what: str,
    required: Sequence[str],
    optional: Sequence[str],
    out: Problems,
    code: str | None = None,
) -> None:
    """Record duplicate, unknown (with did-you-mean) and missing keys of a JSON object
    (``what``: the object's name, as ``say("catalog")``)."""
    allowed = (*required, *optional)
    sep = "." if where else ""
    for key in getattr(obj, "duplicates", ()):
        out.add(f"{where}{sep}{key}", say("key %(key)r is given more than once", key=key), code)
    for key in obj:
        if key not in allowed:
            out.add(
                f"{where}{sep}{key}",
                say("unknown key %(key)r in the %(what)s", key=key, what=what),
                code,
                did_you_mean(key, allowed)
                or say("allowed keys: %(keys)s", keys=", ".join(allowed)),
            )
    for key in required:
        if key not in obj:
            out.add(
                f"{where}{sep}{key}",
                say("missing required key %(key)r in the %(what)s", key=key, what=what),
                code,
            )


def load_json_text(text: str | bytes, load_data: Callable[..., LoadResult[T]]) -> LoadResult[T]:
    """Parse JSON ``text`` (bytes must be UTF-8) and hand it to ``load_data(data, out=...)``."""
    out = Problems()
    data = read_json(text, out)
    if data is UNREADABLE:
        return out.result(None)
    return load_data(data, out=out)


def load_json_file(
    path: str | os.PathLike[str], load_text: Callable[[bytes], LoadResult[T]]
) -> LoadResult[T]:
    """Read ``path`` and load it with ``load_text``; a file that cannot be read is a problem."""
    name = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return LoadResult(
            None, (Problem(name, say("cannot read the file: %(reason)s", reason=reason)),)
        )
    return load_text(raw).located_in(name)
