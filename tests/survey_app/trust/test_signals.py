"""Signals flag doubtful answers, never delete them: each on a synthetic case, not a normal day.

``factories.add_response`` stores an answer directly, with the time, timing, device and channel a
test needs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from factories import ITEMS, MONDAY_9, VARIED, VN, add_response
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, full_answers

from survey_app.cli.main import main
from survey_app.db import get_db, utcnow
from survey_app.db.models import Response, ReviewEvent
from survey_app.trust import scanner, signals
from survey_app.trust.signals import (
    Facts,
    SignalSettingError,
    Thresholds,
    burst_ids,
    compute_flags,
    outside_hours,
    parse_opening_hours,
    repeat_device_ids,
    straight_lining,
    too_fast,
)

DEFAULTS = Thresholds()


def facts(
    rid: int = 1,
    *,
    at: datetime = MONDAY_9,
    counter: int | None = 1,
    unit: str = "SNV",
    answers: dict[str, object] | None = None,
    elapsed: float | None = 60.0,
    device: str | None = None,
    channel: str = "counter_qr",
) -> Facts:
    return Facts(
        rid, counter, unit, at, VARIED if answers is None else answers, elapsed, device, channel
    )


def normal_day() -> list[Facts]:
    """Twelve answers at one counter, one every 20 minutes from 08:00, varied, 60 s, own phones."""
    start = MONDAY_9 - timedelta(hours=1)
    return [
        facts(n, at=start + timedelta(minutes=20 * n), device=f"phone-{n}", elapsed=60.0)
        for n in range(12)
    ]


# --- pure signals ---------------------------------------------------------------------------
def test_a_normal_day_raises_no_signal() -> None:
    assert compute_flags(normal_day(), DEFAULTS) == {n: [] for n in range(12)}


def test_a_burst_flags_every_answer_of_the_window_the_earlier_ones_too() -> None:
    start = MONDAY_9
    burst = [facts(n, at=start + timedelta(seconds=30 * n)) for n in range(8)]  # 3.5 minutes
    spread = [facts(100 + n, at=start + timedelta(minutes=30 + 10 * n)) for n in range(5)]
    assert burst_ids(burst + spread, DEFAULTS) == set(range(8))
    # seven are not enough; eight over more than 5 minutes are not a burst either
    assert burst_ids(burst[:7], DEFAULTS) == set()
    slow = [facts(n, at=start + timedelta(seconds=45 * n)) for n in range(8)]  # 5 min 15 s
    assert burst_ids(slow, DEFAULTS) == set()
    # the same eight answers spread over two counters are no burst at either
    split = [facts(n, at=start + timedelta(seconds=30 * n), counter=n % 2) for n in range(8)]
    assert burst_ids(split, DEFAULTS) == set()


@pytest.mark.parametrize(
    ("local", "outside"),
    [
        (datetime(2026, 3, 2, 9, 0), False),  # Monday morning
        (datetime(2026, 3, 2, 17, 30), False),  # Monday, closing time
        (datetime(2026, 3, 2, 22, 15), True),  # Monday night
        (datetime(2026, 3, 3, 6, 59), True),  # Tuesday before opening
        (datetime(2026, 3, 7, 11, 0), False),  # Saturday morning
        (datetime(2026, 3, 7, 14, 0), True),  # Saturday afternoon
        (datetime(2026, 3, 8, 10, 0), True),  # Sunday
    ],
)
def test_outside_hours_uses_the_local_opening_hours(local: datetime, outside: bool) -> None:
    assert outside_hours(facts(at=local.replace(tzinfo=VN)), DEFAULTS) is outside


def test_outside_hours_reads_utc_times_in_the_local_zone() -> None:
    # 15:00 UTC is 22:00 in Hồ Chí Minh City: closed, although 15:00 looks like office hours
    at_utc = datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo("UTC"))
    assert outside_hours(facts(at=at_utc.astimezone(VN)), DEFAULTS)


def test_opening_hours_with_a_lunch_break_and_a_list_of_days() -> None:
    hours = parse_opening_hours("Mon,Wed 07:30-11:30,13:30-17:00; Sun 08:00-10:00")
    assert hours.is_open(datetime(2026, 3, 4, 8, 0))  # Wednesday
    assert not hours.is_open(datetime(2026, 3, 4, 12, 0))  # lunch
    assert not hours.is_open(datetime(2026, 3, 3, 8, 0))  # Tuesday: closed
    assert hours.is_open(datetime(2026, 3, 8, 9, 0))  # Sunday
    assert parse_opening_hours("").is_open(datetime(2026, 3, 8, 3, 0))  # empty: always open


@pytest.mark.parametrize(
    ("setting", "vietnamese", "english"),
    [
        ("Mon-Fri", "'Mon-Fri' cần có ngày và giờ", "needs days and hours"),
        ("Mon-Fry 07:00-17:00", "'Fry' không phải tên ngày", "'Fry' is not a day"),
        ("Fri-Mon 07:00-17:00", "các ngày 'Fri-Mon' bị ngược", "run backwards"),
        ("Mon-Fri 7h-17h", "'7h-17h' không phải khoảng giờ", "'7h-17h' is not a time range"),
        ("Mon-Fri 07:00-25:00", "không phải giờ trong ngày", "not a time of day"),
        ("Mon-Fri 17:00-07:00", "kết thúc trước khi bắt đầu", "ends before it starts"),
    ],
)
def test_a_bad_opening_hours_setting_says_what_and_how(
    setting: str, vietnamese: str, english: str
) -> None:
    """Vietnamese first, then English (the catalogue's)."""
    with pytest.raises(SignalSettingError, match="SIGNAL_OPENING_HOURS") as caught:
        parse_opening_hours(setting)
    first, second = str(caught.value).split(" / ")
    assert vietnamese in first and english in second


@pytest.mark.parametrize(
    ("answers", "flagged"),
    [
        ({item: 5 for item in ITEMS}, True),  # 19 × "5"
        ({**{item: 4 for item in ITEMS[:12]}, **{item: "na" for item in ITEMS[12:]}}, True),
        ({**{item: 4 for item in ITEMS[:9]}, **{item: "na" for item in ITEMS[9:]}}, False),
        ({**{item: 4 for item in ITEMS[:18]}, ITEMS[18]: 3}, False),
        (VARIED, False),
    ],
    ids=["all-fives", "12-levels-and-na", "only-9-levels", "one-differs", "varied"],
)
def test_straight_lining_needs_one_level_on_enough_items(answers: dict, flagged: bool) -> None:
    assert straight_lining(facts(answers=answers), DEFAULTS) is flagged


@pytest.mark.parametrize(
    ("elapsed", "flagged"), [(5.0, True), (24.9, True), (25.0, False), (60.0, False), (None, False)]
)
def test_too_fast_compares_the_form_time_with_the_minimum(
    elapsed: float | None, flagged: bool
) -> None:
    assert too_fast(facts(elapsed=elapsed), DEFAULTS) is flagged


def test_a_repeated_device_flags_both_answers_of_the_same_unit_only() -> None:
    answers = [
        facts(1, device="phone-a"),
        facts(2, device="phone-a", at=MONDAY_9 + timedelta(hours=2)),
        facts(3, device="phone-a", unit="BDT"),  # another unit: a citizen with two dossiers
        facts(4, device="phone-b"),
        facts(5, device=None),
        facts(6, device=None),
    ]
    assert repeat_device_ids(answers) == {1, 2}


def test_signals_apply_only_where_the_channel_says_something() -> None:
    night = MONDAY_9.replace(hour=23)
    found = compute_flags(
        [
            facts(1, at=night, channel="counter_qr"),
            facts(2, at=night, channel="receipt", counter=None),  # answered at home
            facts(3, elapsed=2.0, channel="paper", counter=None),  # keyed by staff
            facts(4, answers={i: 1 for i in ITEMS}, channel="paper", counter=None),
        ],
        DEFAULTS,
    )
    assert found == {1: ["outside_hours"], 2: [], 3: [], 4: ["straight_lining"]}


def test_thresholds_come_from_the_settings() -> None:
    strict = Thresholds.from_config(
        {
            "SIGNAL_BURST_COUNT": "3",
            "SIGNAL_BURST_MINUTES": "1",
            "SIGNAL_OPENING_HOURS": "Mon-Sun 00:00-23:59",
            "SIGNAL_STRAIGHTLINE_MIN_ITEMS": "5",
            "SIGNAL_MIN_SECONDS": "90",
        }
    )
    assert (strict.burst_count, strict.burst_minutes, strict.min_seconds) == (3, 1.0, 90.0)
    three = [facts(n, at=MONDAY_9 + timedelta(seconds=20 * n)) for n in range(3)]
    assert burst_ids(three, strict) == {0, 1, 2}
    assert burst_ids(three, DEFAULTS) == set()
    assert too_fast(facts(elapsed=60.0), strict)
    sunday = facts(at=datetime(2026, 3, 8, 10, 0, tzinfo=VN))
    assert not outside_hours(sunday, strict)
    assert outside_hours(sunday, DEFAULTS)
    five = {**{i: 2 for i in ITEMS[:5]}, **{i: "na" for i in ITEMS[5:]}}
    assert straight_lining(facts(answers=five), strict)
    assert not straight_lining(facts(answers=five), DEFAULTS)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SIGNAL_BURST_COUNT", "eight", "phải là một số nguyên / %s must be a whole number"),
        ("SIGNAL_BURST_COUNT", "1", "phải ít nhất là 2 / %s must be at least 2"),
        ("SIGNAL_MIN_SECONDS", "-3", "phải ít nhất là 0 / %s must be at least 0"),
        ("SIGNAL_BURST_MINUTES", "", "phải là một số / %s must be a number"),
    ],
)
def test_a_bad_number_setting_is_named_and_repeated(name: str, value: str, message: str) -> None:
    with pytest.raises(SignalSettingError, match=name) as caught:
        Thresholds.from_config({name: value})
    assert message % f"{name} ({value!r})" in str(caught.value)


def test_a_bad_setting_stops_the_app_at_start(database_url: str) -> None:
    from survey_app import create_app

    with pytest.raises(SignalSettingError, match="SIGNAL_OPENING_HOURS"):
        create_app({"DATABASE_URL": database_url, "SIGNAL_OPENING_HOURS": "weekdays"})


# --- in the database ------------------------------------------------------------------------
RELAXED = {
    "SIGNAL_OPENING_HOURS": "",
    "SIGNAL_MIN_SECONDS": "0",
    "SIGNAL_STRAIGHTLINE_MIN_ITEMS": "100",
}


def test_a_submitted_form_gets_its_signals_in_its_own_transaction(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    """Through the citizen's form: a form sent at once is too fast, a straight line is one."""
    tokens = form_tokens(client.get("/s/SNV-1").get_data(as_text=True))
    assert client.post("/s/SNV-1", data={**tokens, **full_answers("5")}).status_code == 303
    with app.app_context():
        response = get_db().session.scalar(select(Response))
        assert response.elapsed_seconds is not None and response.elapsed_seconds < 25
        assert {"too_fast", "straight_lining"} <= set(response.flags)
        assert response.state == "flagged"


def test_the_same_phone_answering_twice_flags_both_answers_at_the_next_scan(
    app: Flask, survey: dict
) -> None:
    app.config.update(RELAXED)
    phone, other = app.test_client(), app.test_client()
    for client in (phone, phone, other):
        tokens = form_tokens(client.get("/s/SNV-1").get_data(as_text=True))
        data = {**tokens, **full_answers("4"), "q15": "3"}
        assert client.post("/s/SNV-1", data=data).status_code == 303
    with app.app_context():
        rows = get_db().session.scalars(select(Response).order_by(Response.id)).all()
        assert [r.flags for r in rows] == [[], [], []]  # not on the citizen's request
    with app.app_context(), get_db().begin() as session:
        scanner.scan_new(session, app.config, now=utcnow() + timedelta(seconds=10))
    with app.app_context():
        rows = get_db().session.scalars(select(Response).order_by(Response.id)).all()
        assert [r.flags for r in rows] == [["repeat_device"], ["repeat_device"], []]
        assert [r.state for r in rows] == ["flagged", "flagged", "received"]
        # the changes of state are in the audit trail, by the signals
        events = get_db().session.scalars(select(ReviewEvent).order_by(ReviewEvent.id)).all()
        assert [(e.response_id, e.old_state, e.new_state, e.who) for e in events] == [
            (row.id, "received", "flagged", "signals") for row in rows[:2]
        ]


def test_a_burst_at_submission_flags_the_earlier_answers_in_the_same_transaction(
    app: Flask, survey: dict
) -> None:
    config = {**RELAXED, "SIGNAL_BURST_COUNT": "4", "SIGNAL_BURST_MINUTES": "5"}
    with app.app_context(), get_db().begin() as session:
        early = add_response(session, survey["round_id"], at=MONDAY_9 - timedelta(hours=1))
        ids = [
            add_response(
                session, survey["round_id"], at=MONDAY_9 + timedelta(minutes=n), config=config
            ).id
            for n in range(4)
        ]
        other = add_response(session, survey["round_id"], unit="BDT", counter="BDT-1")
        signals.apply(session, other, config)
    with app.app_context():
        rows = {r.id: r for r in get_db().session.scalars(select(Response))}
        assert [rows[i].flags for i in ids] == [["burst"]] * 4
        assert [rows[i].state for i in ids] == ["flagged"] * 4
        assert rows[early.id].flags == [] and rows[other.id].flags == []


def test_scan_recomputes_after_a_threshold_change_and_keeps_excluded_ones_excluded(
    app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_id = survey["round_id"]
    with app.app_context(), get_db().begin() as session:
        quick = [
            add_response(session, round_id, at=MONDAY_9 + timedelta(seconds=40 * n))
            for n in range(6)
        ]  # six answers in 3 min 20 s: no burst under the default 8
        quick[0].state, quick[0].exclusion_reason = "excluded", "thử / test"
        for n, f in enumerate(normal_day()):
            add_response(
                session,
                round_id,
                counter="BDT-1",
                unit="BDT",
                at=f.submitted_at_local,
                device=f"phone-{n}",
            )
        ids = [r.id for r in quick]
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SIGNAL_OPENING_HOURS", "")
    runner = CliRunner()

    def scan() -> str:
        result = runner.invoke(main, ["review", "scan", "--round", "Đợt thử"])
        assert result.exit_code == 0, result.output
        return result.output

    assert "burst\t0" in scan()
    monkeypatch.setenv("SIGNAL_BURST_COUNT", "5")
    output = scan()
    assert "burst\t6" in output and "straight_lining\t0" in output
    assert "18 answer(s): 5 flagged, 1 excluded; 5 changed state" in output
    with app.app_context():
        rows = {r.id: r for r in get_db().session.scalars(select(Response))}
        assert [rows[i].flags for i in ids] == [["burst"]] * 6
        assert [rows[i].state for i in ids] == ["excluded"] + ["flagged"] * 5
        assert sum(r.state == "received" for r in rows.values()) == 12  # the normal day
        events = get_db().session.scalars(select(ReviewEvent)).all()
        assert len(events) == 5 and {e.who for e in events} == {f"cli:{_user()}"}
    monkeypatch.setenv("SIGNAL_BURST_COUNT", "8")
    assert "burst\t0" in scan()
    with app.app_context():
        rows = {r.id: r for r in get_db().session.scalars(select(Response))}
        assert [rows[i].state for i in ids] == ["excluded"] + ["received"] * 5
        assert rows[ids[0]].flags == []


def test_scan_keeps_a_reviewers_manual_flag(app: Flask, survey: dict) -> None:
    with app.app_context(), get_db().begin() as session:
        response = add_response(session, survey["round_id"], state="flagged", flags=["manual"])
        report = signals.scan(session, survey["round_id"], RELAXED, "test")
        assert response.flags == ["manual"] and response.state == "flagged"
        assert report.per_signal["manual"] == 1 and report.changed == 0


def _user() -> str:
    import getpass

    return getpass.getuser()
