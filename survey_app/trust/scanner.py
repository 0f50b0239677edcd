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

then fills in the new answers' item levels for the analysis (``survey_app.db.levels``) and
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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from survey_app.db import utcnow
from survey_app.db.levels import fill_levels
from survey_app.db.models import Response, SignalScan, SurveyRound, Unit
from survey_app.survey.questionnaire_store import UnknownVersion, get_questionnaire
from survey_app.trust.signals import (
    _WITHOUT,
    SIGNALS_WHO,
    Thresholds,
    _set_flags,
    burst_ids,
    facts_of,
    ordered,
    signals_for,
)

log = logging.getLogger(__name__)
GRACE = timedelta(seconds=5)
BATCH = 20_000


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


def _burst(
    session: Session, new: list[Response], thresholds: Thresholds, codes: Mapping[int, str]
) -> dict[int, tuple[Response, str]]:
    zone = ZoneInfo(thresholds.zone)
    window = timedelta(minutes=thresholds.burst_minutes)
    groups: dict[tuple[int, int, int], list[Response]] = {}
    for response in new:
        if response.counter_id is not None and "burst" in signals_for(response.channel):
            key = (response.round_id, response.unit_id, response.counter_id)
            groups.setdefault(key, []).append(response)
    found: dict[int, tuple[Response, str]] = {}
    for (round_id, unit_id, counter_id), answers in groups.items():
        nearby = session.scalars(
            select(Response).where(
                Response.round_id == round_id,
                Response.unit_id == unit_id,  # the counter's unit: uses the index
                Response.counter_id == counter_id,
                Response.submitted_at >= min(r.submitted_at for r in answers) - window,
                Response.submitted_at <= max(r.submitted_at for r in answers) + window,
                Response.channel.not_in(_WITHOUT["burst"]),
            )
        ).all()
        facts = [facts_of(r, codes.get(r.unit_id, ""), zone) for r in nearby]
        by_id = {r.id: r for r in nearby}
        for rid in burst_ids(facts, thresholds):
            found[rid] = (by_id[rid], "burst")
    return found


def _repeat_device(session: Session, new: list[Response]) -> dict[int, tuple[Response, str]]:
    keys = {
        (r.round_id, r.unit_id, r.device_hash)
        for r in new
        if r.device_hash and "repeat_device" in signals_for(r.channel)
    }
    found: dict[int, tuple[Response, str]] = {}
    for round_id, unit_id, device in keys:
        same = session.scalars(
            select(Response).where(
                Response.round_id == round_id,
                Response.unit_id == unit_id,
                Response.device_hash == device,
                Response.channel.not_in(_WITHOUT["repeat_device"]),
            )
        ).all()
        if len(same) > 1:
            found.update({r.id: (r, "repeat_device") for r in same})
    return found


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
    new = session.scalars(
        select(Response)
        .where(Response.id > state.last_response_id, Response.submitted_at <= now - GRACE)
        .order_by(Response.id)
        .limit(BATCH)
    ).all()
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    additions: dict[int, tuple[Response, set[str]]] = {}
    for found in (
        _burst(session, list(new), thresholds, codes),
        _repeat_device(session, list(new)),
    ):
        for rid, (response, name) in found.items():
            additions.setdefault(rid, (response, set()))[1].add(name)
    changed = 0
    tally: dict[str, int] = {"burst": 0, "repeat_device": 0}
    for rid in sorted(additions):
        response, names = additions[rid]
        for name in names:
            tally[name] += 1
        merged = ordered(set(response.flags or []) | names)
        if merged != list(response.flags or []):
            changed += _set_flags(session, response, merged, who, now)
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
