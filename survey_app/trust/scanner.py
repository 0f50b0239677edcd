"""The periodic scan: the signals that compare answers, computed off the citizen's request.

A submission stores its own signals (``signals.own_flags``: too fast, straight lining, outside
hours) with its one INSERT. Every ``SIGNAL_SCAN_SECONDS`` (30 by default) the scan
(:func:`scan_new`; a thread of each gunicorn worker started by deploy/gunicorn.conf.py, or
``sipas review watch``) looks at the answers stored since its last run:

- ``burst``: for each counter with new answers, every answer of that counter within
  SIGNAL_BURST_MINUTES of them; windows holding ≥ SIGNAL_BURST_COUNT answers flag all their
  answers (``signals.burst_ids``, the same rule as before);
- ``repeat_device``: every answer of the same round, unit and device hash as a new one; two or
  more flag them all;

It reads the columns it compares, not whole rows (a scan at 500 answers a second looks at 15,000
answers): the bursts one query per counter with new answers, the devices a few hundred hashes to
a query (their index), each with the flags and state of what it finds; the answers that gain a
flag get it in bulk (one UPDATE per flags written and few hundred answers, one INSERT of review
events). It then
fills in the new answers' item levels for the analysis (``survey_app.db.levels``) and
writes when it ran (``signal_scan``; the review page shows it). Flags only add up here: a full
recomputation stays ``sipas review scan --round``. The scan runs in one transaction holding the
``signal_scan`` row's lock (others skip it meanwhile), so two scanners never scan the same
answers at once.

Answers younger than ``GRACE`` seconds wait for the next scan: a transaction that took its id
earlier but commits later is not skipped (bound: a submission commits within seconds).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from survey_app.db import utcnow
from survey_app.db.levels import fill_levels
from survey_app.db.models import Response, ReviewEvent, SignalScan, SurveyRound
from survey_app.survey.questionnaire_store import UnknownVersion, get_questionnaire
from survey_app.trust.signals import (
    _WITHOUT,
    SIGNALS_WHO,
    Facts,
    Thresholds,
    burst_ids,
    ordered,
    signals_for,
    state_change,
)

log = logging.getLogger(__name__)
GRACE = timedelta(seconds=5)
BATCH = 20_000
IN_LIST = 500  # values per IN (…) list


@dataclass(frozen=True)
class NewScanReport:
    """What one periodic scan did."""

    looked_at: int
    flagged: dict[str, int]
    changed: int
    levels_filled: int
    last_response_id: int
    at: datetime


def last_scan(session: Session) -> SignalScan | None:
    """When the periodic scan last ran (None: never)."""
    row = session.get(SignalScan, 1)
    return row if row is not None and row.last_scan_at is not None else None


_NEW = (
    Response.id,
    Response.round_id,
    Response.unit_id,
    Response.counter_id,
    Response.submitted_at,
    Response.channel,
    Response.device_hash,
)
"""The columns of a new answer the scan looks at (no answers, no whole row)."""
_CURRENT = (Response.id, Response.flags, Response.state)
"""What the scan's queries also read of each answer they find, to add flags to it."""


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``values`` :data:`IN_LIST` at a time (one IN (…) list each)."""
    for start in range(0, len(values), IN_LIST):
        yield values[start : start + IN_LIST]


Current = dict[int, tuple[list[str], str]]
"""Answers' (flags in order, state) as the scan's queries read them, by id."""


def _burst(
    session: Session, new: Sequence[Row[Any]], thresholds: Thresholds, current: Current
) -> set[int]:
    """Ids of the answers in a burst window with a new answer (``signals.burst_ids``): one
    query per counter with new answers; each answer's flags and state go to ``current``."""
    zone = ZoneInfo(thresholds.zone)
    window = timedelta(minutes=thresholds.burst_minutes)
    groups: dict[tuple[int, int, int], list[datetime]] = {}
    for answer in new:
        if answer.counter_id is not None and "burst" in signals_for(answer.channel):
            key = (answer.round_id, answer.unit_id, answer.counter_id)
            groups.setdefault(key, []).append(answer.submitted_at)
    found: set[int] = set()
    for (round_id, unit_id, counter_id), times in groups.items():
        nearby = session.execute(
            select(*_CURRENT, Response.counter_id, Response.submitted_at).where(
                Response.round_id == round_id,
                Response.unit_id == unit_id,  # the counter's unit: uses the index
                Response.counter_id == counter_id,
                Response.submitted_at >= min(times) - window,
                Response.submitted_at <= max(times) + window,
                Response.channel.not_in(_WITHOUT["burst"]),
            )
        ).all()
        current.update((rid, (list(flags or []), state)) for rid, flags, state, *_ in nearby)
        facts = (
            Facts(rid, counter, "", at.astimezone(zone), {}, None, None)  # what bursts look at
            for rid, _, _, counter, at in nearby
        )
        found |= burst_ids(facts, thresholds)
    return found


def _repeat_device(session: Session, new: Sequence[Row[Any]], current: Current) -> set[int]:
    """Ids of the answers of a round, unit and device hash that a new answer shares with another
    one: the device hashes looked up :data:`IN_LIST` to a query (their index); each answer's
    flags and state go to ``current``."""
    keys = {
        (a.round_id, a.unit_id, a.device_hash)
        for a in new
        if a.device_hash and "repeat_device" in signals_for(a.channel)
    }
    devices = sorted({device for _, _, device in keys})
    same: dict[tuple[int, int, str], list[int]] = {}
    for chunk in _chunks(devices):
        rows = session.execute(
            select(*_CURRENT, Response.round_id, Response.unit_id, Response.device_hash).where(
                Response.device_hash.in_(chunk),
                Response.channel.not_in(_WITHOUT["repeat_device"]),
            )
        ).all()
        for rid, flags, state, round_id, unit_id, device in rows:
            if (round_id, unit_id, device) in keys:
                same.setdefault((round_id, unit_id, device), []).append(rid)
                current[rid] = (list(flags or []), state)
    return {rid for ids in same.values() if len(ids) > 1 for rid in ids}


def _write_flags(
    session: Session,
    current: Current,
    flags: Mapping[int, list[str]],
    who: str,
    now: datetime,
) -> int:
    """Give each answer of ``flags`` those flags and the state they imply
    (``signals.state_change``, as ``signals._set_flags`` does) without loading whole rows:
    ``current`` holds each one's (flags, state) now. One UPDATE per (flags, state) written and
    :data:`IN_LIST` answers, one INSERT of review events for them all. The number of state
    changes."""
    same: dict[tuple[tuple[str, ...], str], list[int]] = {}
    events = []
    for rid, wanted in flags.items():
        before, state = current[rid]
        new_state, event = state_change(state, wanted, who, now)
        if wanted == before and event is None:
            continue
        same.setdefault((tuple(wanted), new_state), []).append(rid)
        if event is not None:
            events.append({"response_id": rid, **event})
    for (wanted, new_state), ids in same.items():
        for chunk in _chunks(ids):
            session.execute(
                update(Response)
                .where(Response.id.in_(chunk))
                .values(flags=list(wanted), state=new_state)
                .execution_options(synchronize_session=False)
            )
    if events:
        session.execute(insert(ReviewEvent), events)
    return len(events)


def scan_new(
    session: Session, config: Mapping[str, Any], who: str = SIGNALS_WHO, now: datetime | None = None
) -> NewScanReport | None:
    """One periodic scan (in the caller's transaction; commit it). See the module's doc.

    None when another scanner is scanning at this moment (it holds the ``signal_scan`` row).
    """
    now = now or utcnow()
    thresholds = Thresholds.from_config(config)
    state = session.scalar(
        select(SignalScan).where(SignalScan.id == 1).with_for_update(skip_locked=True)
    )
    if state is None:
        if session.scalar(select(SignalScan.id).where(SignalScan.id == 1)) is not None:
            return None  # another scanner holds the row: it is scanning now
        state = SignalScan(id=1, last_response_id=0)
        session.add(state)
        session.flush()
    new = session.execute(
        select(*_NEW)
        .where(Response.id > state.last_response_id, Response.submitted_at <= now - GRACE)
        .order_by(Response.id)
        .limit(BATCH)
    ).all()
    names: dict[int, set[str]] = {}
    current: Current = {}
    for name, ids in (
        ("burst", _burst(session, new, thresholds, current)),
        ("repeat_device", _repeat_device(session, new, current)),
    ):
        for rid in ids:
            names.setdefault(rid, set()).add(name)
    tally = {"burst": 0, "repeat_device": 0}
    for added in names.values():
        for name in added:
            tally[name] += 1
    grown = {  # only where a flag is added: written in bulk, no whole row read
        rid: merged
        for rid in sorted(names)
        if (merged := ordered({*current[rid][0], *names[rid]})) != current[rid][0]
    }
    changed = _write_flags(session, current, grown, who, now)
    filled = 0
    for round_id in sorted({r.round_id for r in new}):
        survey_round = session.get(SurveyRound, round_id)
        if survey_round is None:
            continue
        try:
            questionnaire = get_questionnaire(
                session, survey_round.questionnaire_id, survey_round.questionnaire_version
            )
        except UnknownVersion:  # the analysis computes the levels itself then
            continue
        filled += fill_levels(session, round_id, list(questionnaire.item_ids))
    if new:
        state.last_response_id = new[-1].id
    state.last_scan_at = now
    return NewScanReport(len(new), tally, changed, filled, state.last_response_id, now)


def watch(make_session: Any, config: Mapping[str, Any], every: float, once: bool = False) -> None:
    """Scan every ``every`` seconds until stopped; a failed scan is logged and tried again
    (with ``once``, a failed scan raises).

    ``make_session``: a context manager giving a session that commits (``Database.begin``).
    """
    while True:
        began = time.monotonic()
        try:
            with make_session() as session:
                report = scan_new(session, config)
            if report is not None:
                log.info(
                    "signals scan: %d new answers, flags %s, %d state changes",
                    report.looked_at,
                    report.flagged,
                    report.changed,
                )
        except SQLAlchemyError:
            if once:  # one scan asked for: say why it failed (sipas turns it into a message)
                raise
            log.exception("signals scan failed (the database?); trying again")
        if once:
            return
        time.sleep(max(every - (time.monotonic() - began), 1.0))


def watch_in_app(app: Any, every: float) -> None:
    """:func:`watch` for a running app (a gunicorn worker's thread), after a random pause so that
    the workers' threads do not all wake at once."""
    import random

    from survey_app.db import get_db

    time.sleep(random.uniform(1.0, every))
    with app.app_context():
        watch(get_db().begin, app.config, every)
