"""The shipped questionnaire definitions: ``questionnaires/definitions/<id>/<version>.json``.

A published version never changes; ``definitions/CHECKSUMS.json`` records the sha256 of every
shipped file and :func:`checksum_mismatches` (run by the tests) reports any edit.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from questionnaires.loader import load_questionnaire_text
from questionnaires.model import Questionnaire
from questionnaires.problems import format_problems

CHECKSUMS = "CHECKSUMS.json"


class UnknownQuestionnaire(KeyError):
    """No shipped definition has the requested id and version."""

    def __init__(self, questionnaire_id: str, version: int | None = None) -> None:
        available = ", ".join(f"{qid} v{v}" for qid, v in shipped()) or "none"
        wanted = questionnaire_id if version is None else f"{questionnaire_id} v{version}"
        self.message = f"no shipped questionnaire {wanted!s}; available: {available}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidDefinition(ValueError):
    """A shipped definition does not load cleanly (a packaging bug: the tests should catch it)."""


def definitions_root() -> Traversable:
    """The folder holding the shipped definitions (works from a wheel or a checkout)."""
    return resources.files("questionnaires").joinpath("definitions")


def shipped() -> list[tuple[str, int]]:
    """Every shipped ``(id, version)``, sorted."""
    return list(_shipped())


@cache
def _shipped() -> tuple[tuple[str, int], ...]:
    found = []
    for folder in definitions_root().iterdir():
        if folder.is_dir():
            for file in folder.iterdir():
                stem, dot, ext = file.name.partition(".")
                if dot and ext == "json" and stem.isdigit() and not stem.startswith("0"):
                    found.append((folder.name, int(stem)))
    return tuple(sorted(found))


def relative_path(questionnaire_id: str, version: int) -> str:
    """The path of a definition inside ``definitions/``, e.g. ``sipas-2023/1.json``."""
    return f"{questionnaire_id}/{version}.json"


def get_questionnaire(questionnaire_id: str, version: int) -> Questionnaire:
    """The shipped questionnaire ``(id, version)``, loaded once and cached.

    Raises :class:`UnknownQuestionnaire` (a ``KeyError``) naming what is available, or
    :class:`InvalidDefinition` if the shipped file does not load cleanly.
    """
    if isinstance(version, bool) or (questionnaire_id, version) not in _shipped():
        raise UnknownQuestionnaire(questionnaire_id, version)
    return _load(questionnaire_id, version)


def latest(questionnaire_id: str) -> Questionnaire:
    """The highest shipped version of ``questionnaire_id``."""
    versions = [v for qid, v in shipped() if qid == questionnaire_id]
    if not versions:
        raise UnknownQuestionnaire(questionnaire_id)
    return get_questionnaire(questionnaire_id, max(versions))


@cache
def _load(questionnaire_id: str, version: int) -> Questionnaire:
    name = relative_path(questionnaire_id, version)
    raw = definitions_root().joinpath(questionnaire_id, f"{version}.json").read_bytes()
    result = load_questionnaire_text(raw, source=name)
    if result.value is None:
        raise InvalidDefinition(f"shipped definition {name} is invalid:\n{format_problems(result)}")
    if result.value.key != (questionnaire_id, version):
        raise InvalidDefinition(
            f"{name} declares id {result.value.id!r} version {result.value.version}; "
            f"its path says {questionnaire_id!r} version {version}"
        )
    return result.value


def sha256_of(questionnaire_id: str, version: int) -> str:
    """The sha256 (hex) of a shipped file's bytes."""
    raw = definitions_root().joinpath(questionnaire_id, f"{version}.json").read_bytes()
    return hashlib.sha256(raw).hexdigest()


def recorded_checksums() -> dict[str, str]:
    """``CHECKSUMS.json``: relative path → sha256 recorded when the version was published."""
    text = definitions_root().joinpath(CHECKSUMS).read_text(encoding="utf-8")
    return dict(json.loads(text))


def checksum_mismatches() -> list[str]:
    """Messages for every shipped file whose hash is unrecorded, changed, or recorded but gone."""
    recorded = recorded_checksums()
    messages = []
    files = {relative_path(qid, v): (qid, v) for qid, v in shipped()}
    for name, (qid, version) in files.items():
        actual = sha256_of(qid, version)
        if name not in recorded:
            messages.append(
                f"{name} is not in {CHECKSUMS}: record its sha256 {actual} when publishing it"
            )
        elif recorded[name] != actual:
            messages.append(
                f"{name} changed (sha256 {actual}, published as {recorded[name]}): a published "
                f"version never changes; restore it and publish a new version "
                f"({qid}/{version + 1}.json) instead"
            )
    messages += [
        f"{CHECKSUMS} lists {name}, which is not shipped: a published version is never removed"
        for name in recorded
        if name not in files
    ]
    return messages
