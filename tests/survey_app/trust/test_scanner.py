"""The signals' periodic scan (issue 12, docs/decisions/0015): bursts and repeated devices are
flagged by one scan, not on the citizen's request; the review page says when it last ran."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from factories import MONDAY_9, add_response
from flask import Flask
from sqlalchemy import event, select
from support import login_as

from survey_app.cli.main import main
from survey_app.db import get_db, utcnow
from survey_app.db.models import Response, ReviewEvent
from survey_app.trust import scanner

BURST = {"SIGNAL_BURST_COUNT": "8", "SIGNAL_BURST_MINUTES": "5", "SIGNAL_OPENING_HOURS": ""}
LATER = MONDAY_9 + timedelta(hours=1)


def _flags(app: Flask) -> dict[int, list[str]]:
    with app.app_context():
        return {r.id: r.flags for r in get_db().session.scalars(select(Response))}


def test_one_scan_flags_a_synthetic_burst_and_nothing_else(app: Flask, survey: dict) -> None:
    with app.app_context(), get_db().begin() as session:
        burst = [
            add_response(session, survey["round_id"], at=MONDAY_9 + timedelta(seconds=30 * n)).id
            for n in range(8)  # eight answers in 3.5 minutes at one counter
        ]
        calm = [
            add_response(session, survey["round_id"], at=MONDAY_9 + timedelta(minutes=10 * n)).id
            for n in range(1, 4)
        ]
        elsewhere = add_response(session, survey["round_id"], unit="BDT", counter="BDT-1").id
    with app.app_context(), get_db().begin() as session:
        report = scanner.scan_new(session, {**app.config, **BURST}, now=LATER)
    assert report.looked_at == 12 and report.flagged["burst"] == 8
    flags = _flags(app)
    assert [flags[i] for i in burst] == [["burst"]] * 8
    assert [flags[i] for i in (*calm, elsewhere)] == [[]] * 4
    with app.app_context():
        events = get_db().session.scalars(select(ReviewEvent)).all()
        assert sorted(e.response_id for e in events) == burst
        assert {(e.old_state, e.new_state, e.who) for e in events} == {
            ("received", "flagged", "signals")
        }
    # the next scan looks only at what came since; the burst grows by one late answer
    with app.app_context(), get_db().begin() as session:
        late = add_response(session, survey["round_id"], at=MONDAY_9 + timedelta(minutes=4)).id
        report = scanner.scan_new(session, {**app.config, **BURST}, now=LATER)
    assert report.looked_at == 1 and _flags(app)[late] == ["burst"]


def test_answers_younger_than_the_grace_wait_for_the_next_scan(app: Flask, survey: dict) -> None:
    now = utcnow()
    with app.app_context(), get_db().begin() as session:
        for n in range(8):
            add_response(session, survey["round_id"], at=now - timedelta(seconds=n / 2))
    with app.app_context(), get_db().begin() as session:
        assert scanner.scan_new(session, {**app.config, **BURST}, now=now).looked_at == 0
    with app.app_context(), get_db().begin() as session:
        report = scanner.scan_new(session, {**app.config, **BURST}, now=now + timedelta(minutes=1))
    assert report.looked_at == 8 and report.flagged["burst"] == 8


def test_the_review_page_says_when_the_signals_were_last_scanned(app: Flask, survey: dict) -> None:
    client = login_as(app, app.test_client(), "admin")
    page = client.get(f"/admin/review/{survey['round_id']}").get_data(as_text=True)
    assert "Chưa quét dấu hiệu lần nào" in page
    result = CliRunner().invoke(
        main, ["review", "watch", "--once"], env={"DATABASE_URL": app.config["DATABASE_URL"]}
    )
    assert result.exit_code == 0, result.output
    page = client.get(f"/admin/review/{survey['round_id']}").get_data(as_text=True)
    assert "Chưa quét" not in page and "Lần quét dấu hiệu gần nhất" in page
    with app.app_context():
        scanned = scanner.last_scan(get_db().session)
        assert scanned is not None and utcnow() - scanned.last_scan_at < timedelta(minutes=5)


def test_devices_are_looked_up_together_and_only_grown_flags_are_written(
    app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many devices in one scan, looked up a few hashes to a query: a device that answered the
    same unit twice flags both answers, the same device at another unit or on paper does not,
    an answer already flagged keeps its flags and gets no second event; no query per device."""
    monkeypatch.setattr(scanner, "IN_LIST", 3)
    config = {**app.config, "SIGNAL_OPENING_HOURS": "", "SIGNAL_BURST_COUNT": "1000"}
    with app.app_context(), get_db().begin() as session:
        twice = [
            add_response(session, survey["round_id"], device=f"d{n}", at=MONDAY_9 + timedelta(
                minutes=20 * n + k)).id
            for n in range(7) for k in (0, 1)
        ]  # fmt: skip
        once = [add_response(session, survey["round_id"], device=f"e{n}").id for n in range(5)]
        apart = [
            add_response(session, survey["round_id"], device="f", unit="BDT", counter="BDT-1").id,
            add_response(session, survey["round_id"], device="f").id,
            add_response(session, survey["round_id"], device="g", channel="paper").id,
            add_response(session, survey["round_id"], device="g", channel="paper").id,
        ]
        already = add_response(
            session, survey["round_id"], device="d0", flags=["repeat_device"], state="flagged"
        ).id
    statements: list[str] = []
    with app.app_context(), get_db().begin() as session:
        event.listen(session.bind, "before_cursor_execute", lambda *a: statements.append(a[2]))
        report = scanner.scan_new(session, config, now=LATER + timedelta(hours=3))
    flags = _flags(app)
    assert [flags[i] for i in twice] == [["repeat_device"]] * 14
    assert [flags[i] for i in (*once, *apart)] == [[]] * 9
    assert flags[already] == ["repeat_device"] and report.flagged["repeat_device"] == 15
    assert report.changed == 14  # the answer flagged before changes nothing
    with app.app_context():
        events = get_db().session.scalars(select(ReviewEvent)).all()
        assert sorted(e.response_id for e in events) == twice
    lookups = [s for s in statements if "device_hash IN" in s]
    assert len(lookups) == 5  # 14 hashes (d0–d6, e0–e4, f, g), 3 to a query
    assert not [s for s in statements if "device_hash = " in s]  # not one query per device


def test_flags_are_written_in_bulk_and_an_excluded_answer_stays_excluded(
    app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of answers in three states: each gets the flag in the signals' order beside the
    flags it had, its state follows (an excluded one stays excluded, with no event); one UPDATE
    per (flags, state) written and IN_LIST answers, no whole row read."""
    monkeypatch.setattr(scanner, "IN_LIST", 3)
    with app.app_context(), get_db().begin() as session:
        at = [MONDAY_9 + timedelta(seconds=20 * n) for n in range(8)]
        plain = [add_response(session, survey["round_id"], at=t).id for t in at[:5]]
        fast = add_response(
            session, survey["round_id"], at=at[5], flags=["too_fast"], state="flagged"
        ).id
        excluded = add_response(session, survey["round_id"], at=at[6], state="excluded").id
        manual = add_response(
            session, survey["round_id"], at=at[7], flags=["manual"], state="flagged"
        ).id
    writes: list[tuple[str, bool]] = []
    with app.app_context(), get_db().begin() as session:
        event.listen(session.bind, "before_cursor_execute", lambda *a: writes.append((a[2], a[5])))
        report = scanner.scan_new(session, {**app.config, **BURST}, now=LATER)
    scanned = list(writes)  # the scan's statements (the listener stays on the engine)
    flags = _flags(app)
    assert [flags[i] for i in plain] == [["burst"]] * 5
    assert flags[fast] == ["burst", "too_fast"] and flags[manual] == ["burst", "manual"]
    assert flags[excluded] == ["burst"]
    with app.app_context():
        states = dict(get_db().session.execute(select(Response.id, Response.state)).all())
        events = get_db().session.scalars(select(ReviewEvent)).all()
    assert states[excluded] == "excluded" and states[fast] == states[manual] == "flagged"
    assert sorted(e.response_id for e in events) == plain and report.changed == 5
    assert {e.reason for e in events} == {"signals: burst"}
    updates = [sql for sql, _ in scanned if sql.startswith("UPDATE responses") and "flags" in sql]
    # (burst, flagged): 5 plain ⌈5/3⌉ = 2; (burst too_fast, flagged), (burst manual, flagged),
    # (burst, excluded): 1 each
    assert len(updates) == 5
    assert not [sql for sql, _ in scanned if "responses.answers" in sql]
