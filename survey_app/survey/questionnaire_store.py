"""Questionnaire versions: the shipped ones (package data) and those published in the browser.

`get_questionnaire` is what the survey side asks: a shipped definition
(`questionnaires.registry`) or else a version the admin published (table
``questionnaire_definitions``). An upload is checked by the staged loader and kept as a draft
(replaceable, previewable); publishing fixes it: a published version, like a shipped one, never
changes afterwards (no code path updates or deletes it, and its sha256 is checked on load).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from questionnaires.loader import load_questionnaire_text
from questionnaires.model import Questionnaire
from questionnaires.registry import get_questionnaire as get_shipped
from questionnaires.registry import shipped
from survey_app.db import utcnow
from survey_app.db.models import QuestionnaireDefinition, SurveyRound
from survey_app.i18n import vi_en


class QuestionnaireStoreError(ValueError):
    """A draft that cannot be saved or published; the message says why."""


class UnknownVersion(KeyError):
    """Neither shipped nor published: the message names what is available."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class VersionInfo:
    """One usable version: shipped with the software, or published by the admin."""

    questionnaire_id: str
    version: int
    shipped: bool
    title: str

    @property
    def key(self) -> str:
        return f"{self.questionnaire_id}@{self.version}"


def canonical_text(data: dict[str, object]) -> str:
    """The stored form of a definition: JSON, keys in their order, Unicode kept, 2-space indent."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _parse(text: str) -> Questionnaire:
    result = load_questionnaire_text(text)
    if result.value is None:  # checked before it was stored: a corrupted row
        raise QuestionnaireStoreError(vi_en("một bộ câu hỏi đã lưu không còn đọc được"))
    return result.value


def load_row(row: QuestionnaireDefinition) -> Questionnaire:
    """The questionnaire of a stored row (cached by its text; its sha256 is checked)."""
    if sha256(row.definition) != row.sha256:
        raise QuestionnaireStoreError(
            vi_en(
                "%(id)s v%(version)s đã bị thay đổi sau khi lưu",
                id=row.questionnaire_id,
                version=row.version,
            )
        )
    return _parse(row.definition)


def _published(session: Session, questionnaire_id: str, version: int):  # type: ignore[no-untyped-def]
    return session.scalar(
        select(QuestionnaireDefinition).where(
            QuestionnaireDefinition.questionnaire_id == questionnaire_id,
            QuestionnaireDefinition.version == version,
            QuestionnaireDefinition.published_at.is_not(None),
        )
    )


def get_questionnaire(session: Session, questionnaire_id: str, version: int) -> Questionnaire:
    """The shipped or published questionnaire ``(id, version)``; `UnknownVersion` otherwise."""
    if (questionnaire_id, version) in shipped():
        return get_shipped(questionnaire_id, version)
    row = _published(session, questionnaire_id, version)
    if row is None:
        names = ", ".join(v.key for v in available(session)) or "none"
        raise UnknownVersion(f"no questionnaire {questionnaire_id} v{version}; available: {names}")
    return load_row(row)


def available(session: Session) -> list[VersionInfo]:
    """Every version a round may use: shipped ones, then published ones, by id and version."""
    found = [
        VersionInfo(qid, v, True, get_shipped(qid, v).title.get("vi") or qid)
        for qid, v in shipped()
    ]
    rows = session.scalars(
        select(QuestionnaireDefinition)
        .where(QuestionnaireDefinition.published_at.is_not(None))
        .order_by(QuestionnaireDefinition.questionnaire_id, QuestionnaireDefinition.version)
    )
    for row in rows:
        title = load_row(row).title.get("vi") or row.questionnaire_id
        found.append(VersionInfo(row.questionnaire_id, row.version, False, title))
    return sorted(found, key=lambda v: (v.questionnaire_id, v.version))


def drafts(session: Session) -> list[QuestionnaireDefinition]:
    """Uploaded, not yet published definitions, newest first."""
    return list(
        session.scalars(
            select(QuestionnaireDefinition)
            .where(QuestionnaireDefinition.published_at.is_(None))
            .order_by(QuestionnaireDefinition.uploaded_at.desc())
        )
    )


def published_rows(session: Session) -> list[QuestionnaireDefinition]:
    return list(
        session.scalars(
            select(QuestionnaireDefinition)
            .where(QuestionnaireDefinition.published_at.is_not(None))
            .order_by(QuestionnaireDefinition.questionnaire_id, QuestionnaireDefinition.version)
        )
    )


def _taken(session: Session, questionnaire_id: str, version: int) -> str | None:
    if (questionnaire_id, version) in shipped():
        return "shipped"
    if _published(session, questionnaire_id, version) is not None:
        return "published"
    return None


def next_version(session: Session, questionnaire_id: str) -> int:
    """One more than the highest shipped or published version of ``questionnaire_id``."""
    versions = [v for qid, v in shipped() if qid == questionnaire_id]
    versions += session.scalars(
        select(QuestionnaireDefinition.version).where(
            QuestionnaireDefinition.questionnaire_id == questionnaire_id,
            QuestionnaireDefinition.published_at.is_not(None),
        )
    ).all()
    return max(versions, default=0) + 1


def save_draft(
    session: Session, data: dict[str, object], source_format: str, who: str
) -> QuestionnaireDefinition:
    """Keep a checked definition as a draft (replacing a draft of the same id and version).

    ``data`` must already load without problems; a version that is shipped or published is
    refused: a published version never changes, publish the next one instead.
    """
    text = canonical_text(data)
    questionnaire = _parse(text)
    qid, version = questionnaire.key
    taken = _taken(session, qid, version)
    if taken:
        values = {"id": qid, "version": version, "next": next_version(session, qid)}
        if taken == "shipped":
            raise QuestionnaireStoreError(
                vi_en(
                    "%(id)s phiên bản %(version)s đi kèm phần mềm: phiên bản đã đăng không bao giờ "
                    "thay đổi; hãy tải lên thành phiên bản %(next)s",
                    **values,
                )
            )
        raise QuestionnaireStoreError(
            vi_en(
                "%(id)s phiên bản %(version)s đã được đăng: phiên bản đã đăng không bao giờ thay "
                "đổi; hãy tải lên thành phiên bản %(next)s",
                **values,
            )
        )
    row = session.scalar(
        select(QuestionnaireDefinition).where(
            QuestionnaireDefinition.questionnaire_id == qid,
            QuestionnaireDefinition.version == version,
        )
    )
    if row is None:
        row = QuestionnaireDefinition(questionnaire_id=qid, version=version)
        session.add(row)
    row.definition, row.sha256 = text, sha256(text)
    row.source_format, row.uploaded_by, row.uploaded_at = source_format, who, utcnow()
    session.flush()
    return row


def publish(session: Session, row: QuestionnaireDefinition, who: str) -> QuestionnaireDefinition:
    """Publish a draft: from now on rounds may use it and it never changes."""
    if row.published_at is not None:
        raise QuestionnaireStoreError(
            vi_en(
                "%(id)s phiên bản %(version)s đã được đăng",
                id=row.questionnaire_id,
                version=row.version,
            )
        )
    load_row(row)
    row.published_at, row.published_by = utcnow(), who
    session.flush()
    return row


def discard(session: Session, row: QuestionnaireDefinition) -> None:
    """Delete a draft; a published version is never deleted."""
    if row.published_at is not None:
        raise QuestionnaireStoreError(
            vi_en(
                "%(id)s phiên bản %(version)s đã được đăng: không bao giờ bị xóa",
                id=row.questionnaire_id,
                version=row.version,
            )
        )
    session.delete(row)
    session.flush()


def questionnaire_of(survey_round: SurveyRound) -> Questionnaire:
    """The questionnaire a round uses (shipped, or published: read through the round's session)."""
    qid, version = survey_round.questionnaire_id, survey_round.questionnaire_version
    if (qid, version) in shipped():
        return get_shipped(qid, version)
    session = object_session(survey_round)
    if session is None:
        raise UnknownVersion(f"no questionnaire {qid} v{version}: the round is detached")
    return get_questionnaire(session, qid, version)
