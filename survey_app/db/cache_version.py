"""The cache version: one number that grows with every change to units, counters and rounds.

Each app process keeps those rows in memory for the citizen's pages (``survey_app.survey.cache``)
and reads this number once per request (a citizen's form: at most once a second, and at once
after this process committed a change: docs/decisions/0035); a different number empties its
cache. Every ORM flush that adds, changes or deletes a watched row bumps the number in the same
transaction, so every instance on the database sees the change from its next request on
(docs/decisions/0015).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, insert, select, update
from sqlalchemy.orm import Session, UOWTransaction

from survey_app.db.models import CacheVersion

WATCHED = frozenset({"units", "unit_types", "counters", "survey_rounds"})
"""Tables whose rows the citizen's pages cache (``round_units`` changes show as its round's)."""
_BUMP = "sipas_cache_bump"
_BUMPED = "sipas_cache_bumped"
_committed = 0


def _watched_class(cls: type) -> bool:
    return getattr(cls, "__tablename__", None) in WATCHED


def _watched(instance: object) -> bool:
    return _watched_class(type(instance))


def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if any(_watched(o) for o in (*session.new, *session.deleted)) or any(
        _watched(o) and session.is_modified(o) for o in session.dirty
    ):
        session.info[_BUMP] = True


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    if session.info.pop(_BUMP, False):
        bump(session)


def _bulk_statement(state: Any) -> None:
    """``session.execute(update(Unit)…)`` and the like bypass the flush: bump for them too."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and _watched_class(mapper.class_):
        bump(state.session)


def _after_commit(session: Session) -> None:
    global _committed
    if session.info.pop(_BUMPED, False):
        _committed += 1  # two at once may count one: the number still changes


def committed_here() -> int:
    """A number that changes when a transaction of this process that bumped the version
    commits (``survey.cache.recent`` then reads the version again). A session whose bump was
    rolled back counts at its next commit: one read more, never one less."""
    return _committed


def bump(session: Session) -> None:
    """Make every process's cached units, counters and rounds stale (in this transaction)."""
    session.info[_BUMPED] = True
    connection = session.connection()
    result = connection.execute(
        update(CacheVersion).where(CacheVersion.id == 1).values(version=CacheVersion.version + 1)
    )
    if result.rowcount == 0:  # tables made without the migrations' first row
        connection.execute(insert(CacheVersion).values(id=1, version=1))


_TABLE = CacheVersion.__table__
_READ = select(_TABLE.c.version).where(_TABLE.c.id == 1)


def read(session: Session | Connection) -> int:
    """The current version (0 when the row is missing, e.g. before the migration)."""
    return session.scalar(_READ) or 0


def install() -> None:
    """Listen to every session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _bulk_statement)
        event.listen(Session, "after_commit", _after_commit)
