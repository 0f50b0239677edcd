"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL (psycopg 3) in production.

The shared ground every feature stands on: ``models`` (the tables), ``migrate`` and
``migrations/`` (Alembic). Imports nothing of ``survey_app`` but ``config``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """Declarative base of every table."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC (naive in the database) and returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode, foreign keys and a busy timeout."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping (a round trip at every checkout): a connection that died with the server fails
    # its request (503, nothing acknowledged; the phone sends again) and SQLAlchemy then throws
    # away every pooled connection older than the failure, so the next requests reconnect.
    return create_engine(url, pool_size=5, max_overflow=10)


class Database:
    """One app's engine and its request-scoped session."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.factory: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def session(self) -> Session:
        """The session of the current app context, opened on first use."""
        if "db_session" not in g:
            g.db_session = self.factory()
        return g.db_session

    def open_autocommit(self) -> Session:
        """Open the current app context's session with each statement committed on its own
        (no ``BEGIN`` … ``COMMIT`` around them: one round trip per statement). A session already
        open (a test's request inside its own app context) is returned as it is."""
        if "db_session" not in g:
            session = self.factory()
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            g.db_session = session
        return g.db_session

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session outside a request (CLI, tests) that commits or rolls back."""
        with self.factory() as session, session.begin():
            yield session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except SQLAlchemyError:  # the connection died under us: drop it, the pool makes anew
            session.invalidate()


def init_app(app: Flask) -> Database:
    """Give ``app`` its database (``app.extensions["sipas_db"]``); staff changes to units,
    counters and rounds bump the cache version (``cache_version``)."""
    from survey_app.db import cache_version

    cache_version.install()
    database = Database(app.config["DATABASE_URL"])
    app.extensions["sipas_db"] = database
    app.teardown_appcontext(_close_session)
    return database


def get_db() -> Database:
    """The current app's database."""
    return current_app.extensions["sipas_db"]


def session() -> Session:
    """The current request's session."""
    return get_db().session
