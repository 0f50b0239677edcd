"""Problems found while loading a definition, and the loader's result object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import get_close_matches

from questionnaires.model import Questionnaire
from questionnaires.said import say

Path = tuple[str | int, ...]
"""A location inside a definition, e.g. ``("elements", 2, "items", 0, "id")``."""


def render_path(path: Path) -> str:
    """``("elements", 2, "items", 0, "id")`` → ``"elements[2].items[0].id"``; ``()`` → ``""``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def show(value: object, limit: int = 60) -> str:
    """A short, quoted rendering of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    """A "did you mean 'x'?" hint for a misspelt key or code, or None if nothing is close."""
    matches = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return say("did you mean %(word)r?", word=matches[0]) if matches else None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition: where, what, and (when known) how to fix it (the
    message and the hint are said with `questionnaires.said.say`: English that keeps its
    template, for an application to say in another language)."""

    location: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = self.location or "(root)"
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}: {self.message}{hint}"


class Problems:
    """A collector of problems and warnings, keyed by :data:`Path`."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, path: Path, message: str, hint: str | None = None) -> None:
        """Record a problem (the definition cannot be used)."""
        self.problems.append(Problem(render_path(path), message, hint))

    def warn(self, path: Path, message: str, hint: str | None = None) -> None:
        """Record a warning (the definition can be used, but something looks wrong)."""
        self.warnings.append(Problem(render_path(path), message, hint))


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading a definition gave: the questionnaire (None if any problem), and why not."""

    value: Questionnaire | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the questionnaire was built without problems (warnings allowed)."""
        return self.value is not None and not self.problems

    def located_in(self, source: str) -> LoadResult:
        """The same result with every location prefixed by ``source`` (a file name)."""

        def prefix(problem: Problem) -> Problem:
            where = f"{source}:{problem.location}" if problem.location else source
            return replace(problem, location=where)

        return LoadResult(
            self.value,
            tuple(prefix(p) for p in self.problems),
            tuple(prefix(p) for p in self.warnings),
        )


def format_problems(result: LoadResult) -> str:
    """One line per problem (``location: message (hint: …)``), then one per warning."""
    lines = [str(problem) for problem in result.problems]
    lines += [str(Problem(w.location, f"warning: {w.message}", w.hint)) for w in result.warnings]
    return "\n".join(lines)
