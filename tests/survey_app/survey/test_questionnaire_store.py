"""Published questionnaire versions: usable like shipped ones, and never changed afterwards."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from questionnaires.registry import definitions_root
from survey_app.db import get_db
from survey_app.db.models import QuestionnaireDefinition
from survey_app.survey.questionnaire_store import (
    QuestionnaireStoreError,
    UnknownVersion,
    available,
    get_questionnaire,
    publish,
    save_draft,
)


def _data(version: int = 1, qid: str = "sipas-tinh") -> dict:
    raw = definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8")
    return {**json.loads(raw), "id": qid, "version": version}


def test_a_published_version_is_found_and_a_draft_is_not(app: Flask) -> None:
    with app.app_context(), get_db().begin() as session:
        row = save_draft(session, _data(), "json", "nv.admin")
        with pytest.raises(UnknownVersion, match="available: sipas-2023@1"):
            get_questionnaire(session, "sipas-tinh", 1)
        publish(session, row, "nv.admin")
        assert get_questionnaire(session, "sipas-tinh", 1).key == ("sipas-tinh", 1)
        assert [v.key for v in available(session)] == ["sipas-2023@1", "sipas-tinh@1"]


def test_shipped_and_published_versions_are_never_replaced(app: Flask) -> None:
    with app.app_context(), get_db().begin() as session:
        with pytest.raises(QuestionnaireStoreError, match="shipped"):
            save_draft(session, _data(1, "sipas-2023"), "json", "nv.admin")
        publish(session, save_draft(session, _data(), "json", "nv.admin"), "nv.admin")
        with pytest.raises(QuestionnaireStoreError, match="upload it as version 2"):
            save_draft(session, _data(), "json", "nv.admin")


def test_the_database_refuses_to_change_or_delete_a_published_row(app: Flask) -> None:
    with app.app_context(), get_db().begin() as session:
        draft = save_draft(session, _data(), "json", "nv.admin")
        draft.uploaded_by = "someone else"  # a draft may change
        session.flush()
        publish(session, draft, "nv.admin")
    with app.app_context():
        session = get_db().factory()
        for statement in (
            update(QuestionnaireDefinition).values(definition="{}"),
            QuestionnaireDefinition.__table__.delete(),
        ):
            with pytest.raises(DBAPIError):
                session.execute(statement)
                session.flush()
            session.rollback()
        session.close()
