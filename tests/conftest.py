"""Shared fixtures: an app on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too.

Every test that uses ``app`` runs once per database. The schema is built once per database by
the Alembic migrations (the same path as ``sipas db upgrade``); each test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from support import (
    APPEND_ONLY_TABLES,
    DEMO_DATA,
    empty_append_only,
    private_postgresql_database,
)

from survey_app import create_app
from survey_app.config import sqlite_url
from survey_app.db import Base, get_db, migrate, utcnow
from survey_app.db.models import Unit
from survey_app.survey.counters import add_counter
from survey_app.survey.rounds import create_round
from survey_app.survey.units_import import ensure_unit_types, import_units

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of each backend under test."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("db") / "test.sqlite")
        migrate.upgrade(url)
        yield url
        return
    with private_postgresql_database(os.environ["TEST_DATABASE_URL"]) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each backend under test, not migrated: for upgrade tests to fill at an
    earlier revision, or to migrate themselves."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "empty.sqlite")
        return
    with private_postgresql_database(os.environ["TEST_DATABASE_URL"]) as url:
        yield url


def _empty_tables(app: Flask) -> None:
    with app.app_context(), get_db().begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in APPEND_ONLY_TABLES:
                empty_append_only(session, table)
            else:
                session.execute(table.delete())
        ensure_unit_types(session)


TEST_SETTINGS = {"SECRET_KEY": "test-secret-key", "BASE_URL": "http://sipas.test", "TESTING": True}


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """An app on empty tables (unit types only)."""
    application = create_app({**TEST_SETTINGS, "DATABASE_URL": database_url})
    _empty_tables(application)
    yield application
    get_db_engine = application.extensions["sipas_db"].engine
    get_db_engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking data (commit yourself)."""
    with app.app_context():
        session = get_db().factory()
        yield session
        session.close()


@pytest.fixture
def survey(app: Flask) -> dict[str, object]:
    """A province, two departments with a counter each, and an open round over both."""
    return _seed_survey(app)


def _seed_survey(app: Flask) -> dict[str, object]:
    with app.app_context(), get_db().begin() as session:
        report = import_units(
            session, DEMO_DATA / "vinh-long-province.csv", valid_from=date(2020, 1, 1)
        )
        assert report.ok, report.errors
        report = import_units(
            session,
            b"code,name,level,parent_code,ranked\n"
            b"SNV,S\xe1\xbb\x9f N\xe1\xbb\x99i v\xe1\xbb\xa5,department,86,true\n"
            b"BDT,Ban D\xc3\xa2n t\xe1\xbb\x99c,department,86,false\n",
            valid_from=date(2020, 1, 1),
        )
        assert report.ok, report.errors
        units = session.query(Unit).filter(Unit.code.in_(["SNV", "BDT"])).all()
        for unit in units:
            add_counter(session, unit, f"{unit.code}-1", "Bộ phận một cửa")
        now = utcnow()
        survey_round = create_round(
            session,
            name="Đợt thử",
            questionnaire_id="sipas-2023",
            questionnaire_version=1,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=30),
            units=units,
        )
        return {"round_id": survey_round.id, "counter": "SNV-1", "other_counter": "BDT-1"}


@pytest.fixture
def survey_factory(database_url: str) -> Iterator[Callable[[dict], Flask]]:
    """Make an app with extra settings on empty tables, with the ``survey`` fixture's data."""
    made: list[Flask] = []

    def make(settings: dict) -> Flask:
        application = create_app({**TEST_SETTINGS, "DATABASE_URL": database_url, **settings})
        _empty_tables(application)
        _seed_survey(application)
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["sipas_db"].engine.dispose()
