"""Counters, their units and the rounds covering them, kept in each process for the citizen's pages.

A citizen's form (GET and POST) used to read its counter, unit and round from the database on
both requests. Now each process keeps plain copies (:class:`CounterView`, :class:`UnitView`,
:class:`RoundView`) and checks once per request that the database's cache version
(``survey_app.db.cache_version``) is the one they were read at; any staff change to units,
counters or rounds bumps that number in its own transaction, so every instance sees it from its
next request on (docs/decisions/0015). A citizen's form (the fast path's GET) checks at most
once every :data:`CHECK_EVERY` seconds per process, and at once after this process committed a
change (:func:`recent`, docs/decisions/0035). Which round is open is decided at each request
from the cached opening and closing times.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from time import monotonic
from typing import Any

from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db import cache_version, utcnow
from survey_app.db.models import Counter, SurveyRound, round_units


@dataclass(frozen=True)
class UnitView:
    """What the citizen's pages use of a unit."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class RoundView:
    """What the citizen's pages use of a round."""

    id: int
    name: str
    questionnaire_id: str
    questionnaire_version: int
    opens_at: datetime
    closes_at: datetime

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` lies in [opens_at, closes_at)."""
        return self.opens_at <= at < self.closes_at


@dataclass(frozen=True)
class CounterView:
    """What the citizen's pages use of a counter (with its unit)."""

    id: int
    code: str
    name: str
    active: bool
    unit_id: int
    unit: UnitView


class Snapshot:
    """The rows read at one cache version; filled on first use of each key."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.counters: dict[str, CounterView | None] = {}
        self.rounds: dict[int, tuple[RoundView, ...]] = {}
        self.lock = threading.Lock()

    def counter(self, session: Session, code: str) -> CounterView | None:
        """The counter with this code (None: no such counter)."""
        if code not in self.counters:
            row = session.scalar(select(Counter).where(Counter.code == code))
            view = None
            if row is not None:
                unit = UnitView(row.unit.id, row.unit.code, row.unit.name)
                view = CounterView(row.id, row.code, row.name, row.active, row.unit_id, unit)
            with self.lock:
                self.counters[code] = view
        return self.counters[code]

    def open_round(
        self, session: Session, unit_id: int, at: datetime | None = None
    ) -> RoundView | None:
        """The round covering the unit open at ``at`` (latest opened first), as
        ``survey_app.survey.rounds.open_round_for_unit`` chooses it."""
        if unit_id not in self.rounds:
            rows = session.scalars(
                select(SurveyRound)
                .join(round_units, round_units.c.round_id == SurveyRound.id)
                .where(round_units.c.unit_id == unit_id)
                .order_by(SurveyRound.opens_at.desc(), SurveyRound.id.desc())
            ).all()
            views = tuple(
                RoundView(
                    r.id,
                    r.name,
                    r.questionnaire_id,
                    r.questionnaire_version,
                    r.opens_at,
                    r.closes_at,
                )
                for r in rows
            )
            with self.lock:
                self.rounds[unit_id] = views
        return open_among(self.rounds[unit_id], at)


def open_among(rounds: tuple[RoundView, ...], at: datetime | None = None) -> RoundView | None:
    """The first of ``rounds`` (latest opened first) open at ``at`` (now by default)."""
    at = at or utcnow()
    return next((r for r in rounds if r.is_open(at)), None)


_KEY = "sipas_rows_cache"


def at_version(extensions: dict[str, Any], version: int) -> Snapshot:
    """The app's rows (``extensions``: its ``app.extensions``) at cache version ``version``: the
    kept ones when they were read at it, else a new empty snapshot that replaces them."""
    holder = extensions.setdefault(_KEY, {})
    snapshot = holder.get("snapshot")
    if snapshot is None or snapshot.version != version:
        snapshot = Snapshot(version)
        holder["snapshot"] = snapshot
    return snapshot


CHECK_EVERY = 1.0
"""Seconds a citizen's form trusts rows whose version it read (docs/decisions/0035)."""


def recent(extensions: dict[str, Any], read_version: Callable[[], int]) -> Snapshot:
    """The app's rows for a citizen's form: the kept ones when a request read their version
    less than :data:`CHECK_EVERY` seconds ago and no change was committed by this process
    since (``cache_version.committed_here``); else those at the version ``read_version()``
    reads now. Another instance's change is seen within ``CHECK_EVERY`` seconds."""
    holder = extensions.setdefault(_KEY, {})
    committed = cache_version.committed_here()  # before the read: a commit during it counts
    snapshot, checked = holder.get("snapshot"), holder.get("checked")
    if (
        snapshot is not None
        and checked is not None
        and checked[0] == (snapshot.version, committed)
        and monotonic() - checked[1] < CHECK_EVERY
    ):
        return snapshot
    now = monotonic()
    snapshot = at_version(extensions, read_version())
    holder["checked"] = ((snapshot.version, committed), now)
    return snapshot


def latest(extensions: dict[str, Any]) -> Snapshot | None:
    """The app's rows at the last cache version one of its requests read (None: none yet)."""
    return extensions.get(_KEY, {}).get("snapshot")


def current(session: Session) -> Snapshot:
    """This process's rows at the database's current cache version (read once per request)."""
    if _KEY in g:
        return g.get(_KEY)
    snapshot = at_version(current_app.extensions, cache_version.read(session))
    g.setdefault(_KEY, snapshot)
    return snapshot
