"""The fast path's statements: the cache version, and one response stored once.

On PostgreSQL they go straight to psycopg, on connections of the fast path's own that stay in
autocommit (each statement its own transaction, as decision 0022's statement-by-statement
session): SQLAlchemy's pool, execution and result layers, and switching a pooled connection to
autocommit and back, cost more CPU than the statements themselves (a version read ~180 µs
against ~50 µs; an INSERT ~370 µs against ~100 µs). A POST is then ONE statement: the INSERT
carries the cache version its counter and round were read at, and inserts nothing when the
version has moved on (a staff change since) — the request then goes to Flask, which reads the
rows again; a resend of a stored response inserts nothing too and goes to Flask, which thanks it.
Elsewhere (SQLite, the embedded default) both statements run through SQLAlchemy Core as the
Flask views do. Either way the columns are those of ``submissions.response_values``, bound as the
ORM binds them (UTC times without zone, ``jsonb`` documents): ``tests/survey_app/citizen/
test_fast_path.py`` compares the stored rows with the Flask views'.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import lru_cache, partial
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Json, Jsonb
from sqlalchemy import Connection, Engine, TypeDecorator, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import sqltypes

from survey_app.citizen.submissions import insert_response
from survey_app.db import cache_version
from survey_app.db.models import Response

VERSION_SQL = "SELECT version FROM cache_version WHERE id = 1"
IDLE_CONNECTIONS = 8
"""Connections kept open per process between requests (a worker's threads use one each)."""


class Statements(Protocol):
    """One request's statements (see the module's text)."""

    guarded: bool
    """The INSERT checks the cache version itself (a POST need not read it first)."""

    def version(self) -> int:
        """The database's cache version."""
        ...

    def insert(self, values: Mapping[str, Any], version: int) -> bool:
        """Store ``values`` as a new response read at cache version ``version``; False when
        nothing was stored (a resend, or the version has moved on): Flask answers then."""
        ...


class _Core:
    """Through SQLAlchemy Core (any database): the request reads the version, then inserts, on
    a connection checked out at its first statement (a form within the second sends none)."""

    guarded = False

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None

    def _connection(self) -> Connection:
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.connection

    def version(self) -> int:
        return cache_version.read(self._connection())

    def insert(self, values: Mapping[str, Any], version: int) -> bool:
        return insert_response(self._connection(), values) is not None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


@lru_cache(maxsize=8)
def _insert_sql(columns: tuple[str, ...]) -> str:
    """The INSERT of these columns, made only while the cache version is the given one."""
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    return (
        f"INSERT INTO {Response.__tablename__} ({names}) SELECT {marks}"
        f" WHERE ({VERSION_SQL}) = %s"
        " ON CONFLICT (submission_id) DO NOTHING RETURNING id"
    )


def _binders() -> dict[str, Callable[[Any], Any]]:
    """How psycopg is given each column of the responses table that SQLAlchemy would convert,
    from the column's type on PostgreSQL: ``jsonb`` and ``json`` documents wrapped, a
    ``TypeDecorator``'s own bind step (``db.UTCDateTime``: UTC without a zone)."""
    dialect = postgresql.psycopg.dialect()
    binders: dict[str, Callable[[Any], Any]] = {}
    for column in Response.__table__.columns:
        impl = column.type.dialect_impl(dialect)
        if isinstance(impl, postgresql.JSONB):
            binders[column.name] = Jsonb
        elif isinstance(impl, sqltypes.JSON):
            binders[column.name] = Json
        elif isinstance(column.type, TypeDecorator):
            binders[column.name] = partial(column.type.process_bind_param, dialect=dialect)
    return binders


class _Psycopg:
    """Straight to psycopg (PostgreSQL), on a connection in autocommit."""

    BINDERS = _binders()
    guarded = True

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def version(self) -> int:
        row = self.driver.execute(VERSION_SQL).fetchone()
        return int(row[0]) if row else 0

    def insert(self, values: Mapping[str, Any], version: int) -> bool:
        columns = tuple(values)
        bound = [
            values[name]
            if values[name] is None or name not in self.BINDERS
            else self.BINDERS[name](values[name])
            for name in columns
        ]
        bound.append(version)
        return self.driver.execute(_insert_sql(columns), bound).fetchone() is not None


class _Connections:
    """This process's idle autocommit connections to PostgreSQL (last used, first reused)."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.idle: list[Any] = []
        self.lock = threading.Lock()
        self.pid = os.getpid()

    def take(self) -> Any:
        with self.lock:
            if self.pid != os.getpid():  # a forked child: its parent's sockets are not its own
                self.idle, self.pid = [], os.getpid()
            if self.idle:
                return self.idle.pop()
        return psycopg.connect(self.conninfo, autocommit=True)

    def give_back(self, driver: Any) -> None:
        with self.lock:
            if self.pid == os.getpid() and len(self.idle) < IDLE_CONNECTIONS:
                self.idle.append(driver)
                return
        driver.close()

    def close_idle(self) -> None:
        """Close the idle connections (the engine was disposed, or the server went away)."""
        with self.lock:
            idle, self.idle = (self.idle, []) if self.pid == os.getpid() else ([], [])
        for driver in idle:
            with suppress(Exception):
                driver.close()


_POOL = "sipas_fast_connections"


def _connections(engine: Engine) -> _Connections:
    """The engine's fast-path connections (closed with the engine's pool: ``dispose()``)."""
    pool = engine.__dict__.get(_POOL)
    if pool is None:
        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        pool = engine.__dict__.setdefault(_POOL, _Connections(conninfo))
        event.listen(engine, "engine_disposed", lambda _engine: pool.close_idle())
    return pool


@contextmanager
def statements(engine: Engine) -> Iterator[Statements]:
    """Statements on a connection to ``engine``'s database for one request (see module text)."""
    if engine.dialect.name != "postgresql":
        core = _Core(engine)
        try:
            yield core
        finally:
            core.close()
        return
    pool = _connections(engine)
    driver = pool.take()
    try:
        yield _Psycopg(driver)
    except BaseException as exc:
        with suppress(Exception):
            driver.close()  # broken, or in an unknown state: the next request opens a new one
        if isinstance(exc, psycopg.OperationalError):
            pool.close_idle()  # the server went away: the others are broken too
        raise
    pool.give_back(driver)
