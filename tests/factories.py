"""Rows that several test modules arrange directly in the database: answers and PAR points."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring_bridge import SipasFigure, load_catalog
from survey_app.db import get_db
from survey_app.db.models import Counter, ParPoints, Response, Unit
from survey_app.par.scoring import store_sipas
from survey_app.trust import signals

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # 2 March 2026 is a Monday
ITEMS = [f"q{n}" for n in range(15, 34)]
VARIED = {item: 4 + (n % 2) for n, item in enumerate(ITEMS)}  # 4, 5, 4, 5, …

YEAR = 2023
CATALOG = load_catalog("department", YEAR).unwrap()
LEAVES = [leaf for leaf in CATALOG.leaves if leaf.source != "sipas"]


def add_response(
    session: Session,
    round_id: int,
    *,
    unit: str = "SNV",
    counter: str | None = "SNV-1",
    at: datetime = MONDAY_9,
    answers: dict[str, object] | None = None,
    elapsed: float | None = 60.0,
    device: str | None = None,
    channel: str = "counter_qr",
    state: str = "received",
    flags: Sequence[str] = (),
    config: dict[str, str] | None = None,
) -> Response:
    """Store one answer (flushed); with ``config``, run the signals as a submission does."""
    unit_row = session.scalar(select(Unit).where(Unit.code == unit))
    counter_row = (
        session.scalar(select(Counter).where(Counter.code == counter)) if counter else None
    )
    response = Response(
        submission_id=secrets.token_hex(16),
        round_id=round_id,
        unit_id=unit_row.id,
        counter_id=counter_row.id if counter_row else None,
        channel=channel,
        submitted_at=at,
        questionnaire_id="sipas-2023",
        questionnaire_version=1,
        answers=dict(VARIED if answers is None else answers),
        profile={},
        elapsed_seconds=elapsed,
        device_hash=device,
        state=state,
        flags=list(flags),
    )
    session.add(response)
    session.flush()
    if config is not None:
        signals.apply(session, response, config)
    return response


def fill_par_points(
    app: Flask, share: dict[str, float], year: int = YEAR, skip: set[str] = frozenset()
) -> None:
    """Final points = share × maximum on every leaf (but 8.1) of each unit; SIPAS 80 %."""
    with app.app_context(), get_db().begin() as session:
        units = {u.code: u for u in session.scalars(select(Unit))}
        for code, fraction in share.items():
            for leaf in LEAVES:
                if leaf.code in skip:
                    continue
                session.add(
                    ParPoints(
                        year=year,
                        unit_id=units[code].id,
                        code=leaf.code,
                        self_points=leaf.max_points,
                        final_points=leaf.max_points * fraction,
                        note="",
                    )
                )
        store_sipas(session, year, {c: SipasFigure(80.0, 75.0, 85.0) for c in share}, "test")
