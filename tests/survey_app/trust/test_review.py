"""Review: exclude (with a reason) and restore, one audit event per answer; CLI and admin pages."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import ITEMS, add_response
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, login_as

from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import Response, ReviewEvent
from survey_app.trust.review import ReviewError, exclude, restore, set_state


@pytest.fixture
def answers(app: Flask, survey: dict) -> dict[str, list[int]]:
    """SNV: 2 burst-flagged, 1 too fast, 2 clean answers; BDT: 1 clean answer."""
    with app.app_context(), get_db().begin() as session:
        rid = survey["round_id"]
        burst = [add_response(session, rid, state="flagged", flags=["burst"]) for _ in range(2)]
        fast = [add_response(session, rid, elapsed=4.0, state="flagged", flags=["too_fast"])]
        clean = [add_response(session, rid) for _ in range(2)]
        bdt = [add_response(session, rid, unit="BDT", counter="BDT-1")]
        return {
            "burst": [r.id for r in burst],
            "fast": [r.id for r in fast],
            "clean": [r.id for r in clean],
            "bdt": [r.id for r in bdt],
        }


def _states(app: Flask) -> dict[int, tuple[str, str | None]]:
    with app.app_context():
        rows = get_db().session.scalars(select(Response)).all()
        return {r.id: (r.state, r.exclusion_reason) for r in rows}


def _events(app: Flask) -> list[tuple[int, str, str, str, str]]:
    with app.app_context():
        rows = get_db().session.scalars(select(ReviewEvent).order_by(ReviewEvent.id)).all()
        return [(e.response_id, e.old_state, e.new_state, e.reason, e.who) for e in rows]


# --- the service ----------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "   "])
def test_excluding_needs_a_reason_and_changes_nothing_without_one(
    app: Flask, answers: dict, reason: str
) -> None:
    with app.app_context(), get_db().begin() as session, pytest.raises(ReviewError, match="lý do"):
        exclude(session, answers["burst"], reason, "nv.review")
    assert {s for s, _ in _states(app).values()} == {"received", "flagged"}
    assert _events(app) == []


def test_bulk_exclude_writes_one_event_per_answer_and_keeps_the_answers(
    app: Flask, answers: dict
) -> None:
    chosen = answers["burst"] + answers["clean"]
    with app.app_context(), get_db().begin() as session:
        change = exclude(session, chosen, "phiếu do nhân viên điền", "nv.review")
    assert (change.changed, change.unchanged) == (4, 0)
    states = _states(app)
    assert len(states) == 6  # nothing deleted
    assert all(states[i] == ("excluded", "phiếu do nhân viên điền") for i in chosen)
    assert _events(app) == [
        (i, old, "excluded", "phiếu do nhân viên điền", "nv.review")
        for i, old in zip(chosen, ["flagged", "flagged", "received", "received"], strict=True)
    ]
    # excluding again changes nothing and writes nothing
    with app.app_context(), get_db().begin() as session:
        again = exclude(session, chosen, "lần hai", "nv.review")
    assert (again.changed, again.unchanged) == (0, 4)
    assert len(_events(app)) == 4


def test_restore_goes_back_to_received_or_flagged_by_the_flags(app: Flask, answers: dict) -> None:
    chosen = [answers["burst"][0], answers["clean"][0]]
    with app.app_context(), get_db().begin() as session:
        exclude(session, chosen, "nghi ngờ", "nv.review")
    with app.app_context(), get_db().begin() as session:
        change = restore(session, chosen, "đã kiểm tra lại", "nv.lead")
    assert change.changed == 2
    states = _states(app)
    assert states[answers["burst"][0]] == ("flagged", None)
    assert states[answers["clean"][0]] == ("received", None)
    assert _events(app)[2:] == [
        (answers["burst"][0], "excluded", "flagged", "đã kiểm tra lại", "nv.lead"),
        (answers["clean"][0], "excluded", "received", "đã kiểm tra lại", "nv.lead"),
    ]


def test_unknown_ids_and_ids_of_another_round_are_refused(app: Flask, answers: dict) -> None:
    with app.app_context(), get_db().begin() as session:
        with pytest.raises(ReviewError, match="99999"):
            exclude(session, [answers["clean"][0], 99999], "x", "nv")
        with pytest.raises(ReviewError, match="in this round"):
            exclude(session, answers["clean"], "x", "nv", round_id=-1)
    assert _events(app) == []


def test_a_flagged_answer_cannot_be_marked_received_but_a_doubt_can_be_flagged(
    app: Flask, answers: dict
) -> None:
    with app.app_context(), get_db().begin() as session:
        with pytest.raises(ReviewError, match="have flags"):
            set_state(session, answers["burst"], "received", "", "nv")
        with pytest.raises(ReviewError, match="must be one of"):
            set_state(session, answers["burst"], "deleted", "", "nv")
        set_state(session, answers["bdt"], "flagged", "câu trả lời lạ", "nv")
    with app.app_context():
        response = get_db().session.get(Response, answers["bdt"][0])
        assert (response.state, response.flags) == ("flagged", ["manual"])


# --- sipas review ---------------------------------------------------------------------------
@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_cli_excludes_by_ids_or_by_flag_restores_and_writes_the_events(
    app: Flask, answers: dict, sipas, tmp_path: Path
) -> None:
    ids = ",".join(map(str, answers["clean"]))
    result = sipas("review", "exclude", "--round", "Đợt thử", "--ids", ids, "--reason", "thử")
    assert result.exit_code == 0, result.output
    assert "2 answer(s) excluded" in result.output
    result = sipas(
        "review", "exclude", "--round", "Đợt thử", "--flag", "burst", "--reason", "dồn dập",
        "--who", "nv.review",
    )  # fmt: skip
    assert "2 answer(s) excluded" in result.output
    states = _states(app)
    assert all(states[i] == ("excluded", "dồn dập") for i in answers["burst"])
    result = sipas("review", "restore", "--round", "Đợt thử", "--flag", "burst")
    assert "2 answer(s) restored" in result.output
    assert all(_states(app)[i] == ("flagged", None) for i in answers["burst"])

    out = tmp_path / "events.csv"
    assert sipas("review", "events", "--round", "Đợt thử", "--out", str(out)).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 6
    assert list(rows[0]) == [
        "event_id", "response_id", "unit_code", "counter_code", "channel", "old_state",
        "new_state", "reason", "who", "at",
    ]  # fmt: skip
    assert [(r["new_state"], r["who"]) for r in rows[2:4]] == [("excluded", "nv.review")] * 2
    assert rows[0]["unit_code"] == "SNV" and rows[0]["at"].endswith("+07:00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exclude", "--round", "Đợt thử", "--ids", "1"], "Missing option '--reason'"),
        (["exclude", "--round", "Đợt thử", "--reason", "x"], "give either --ids"),
        (["exclude", "--round", "Nope", "--ids", "1", "--reason", "x"], "no round named"),
        (["exclude", "--round", "Đợt thử", "--flag", "night", "--reason", "x"], "must be one of"),
        (["exclude", "--round", "Đợt thử", "--ids", "1,x", "--reason", "x"], "give ids as"),
        (["exclude", "--round", "Đợt thử", "--ids", "99999", "--reason", "x"], "no response"),
    ],
)
def test_cli_refuses_bad_requests(answers: dict, sipas, args: list[str], message: str) -> None:
    result = sipas("review", *args)
    assert result.exit_code != 0
    assert message in result.output


# --- admin pages ----------------------------------------------------------------------------
@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    return login_as(app, client, "admin", username="nv.review")


def _pages(round_id: int) -> list[str]:
    return [
        "/admin/review/",
        f"/admin/review/{round_id}",
        f"/admin/review/{round_id}/sipas",
        f"/admin/review/{round_id}/events.csv",
    ]


def test_review_pages_need_a_login(client: FlaskClient, answers: dict, survey: dict) -> None:
    for path in _pages(survey["round_id"]):
        reply = client.get(path)
        assert reply.status_code == 302, path
        assert "/admin/login" in reply.headers["Location"]
    reply = client.post(f"/admin/review/{survey['round_id']}", data={"action": "exclude"})
    assert reply.status_code in (302, 400)
    assert {s for s, _ in _states(client.application).values()} == {"received", "flagged"}


def _cells(html: str, header: str) -> list[str]:
    """The cells of the row whose header cell starts with ``header``."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        if re.search(rf'<th scope="row">{re.escape(header)}', row):
            return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
    raise AssertionError(f"no row {header!r}")


def test_the_round_page_counts_signals_per_unit_and_counter(
    staff: FlaskClient, answers: dict, survey: dict
) -> None:
    for path in _pages(survey["round_id"]):
        assert staff.get(path).status_code == 200, path
    html = staff.get(f"/admin/review/{survey['round_id']}").get_data(as_text=True)
    # answers, flagged, excluded, then burst, outside_hours, straight_lining, too_fast,
    # repeat_device, manual
    assert _cells(html, "SNV ·")[:9] == ["5", "3", "0", "2", "0", "0", "1", "0", "0"]
    assert _cells(html, "BDT ·")[:3] == ["1", "0", "0"]
    assert _cells(html, "SNV-1")[:4] == ["5", "3", "0", "2"]
    assert html.count('name="ids"') == 3  # the flagged answers, none of the clean ones
    only_burst = staff.get(f"/admin/review/{survey['round_id']}?signal=burst")
    assert only_burst.get_data(as_text=True).count('name="ids"') == 2


def _bulk(staff: FlaskClient, round_id: int, **data: object):
    page = staff.get(f"/admin/review/{round_id}").get_data(as_text=True)
    token = form_tokens(page)["csrf_token"]
    return staff.post(f"/admin/review/{round_id}", data={"csrf_token": token, **data})


def test_bulk_exclude_from_the_page_needs_a_reason_then_restores(
    staff: FlaskClient, answers: dict, survey: dict
) -> None:
    app, round_id, burst = staff.application, survey["round_id"], answers["burst"]
    refused = _bulk(staff, round_id, action="exclude", ids=burst, reason="")
    assert refused.status_code == 422
    assert "lý do" in refused.get_data(as_text=True)
    assert _events(app) == []

    no_token = staff.post(
        f"/admin/review/{round_id}", data={"action": "exclude", "ids": burst, "reason": "x"}
    )
    assert no_token.status_code == 400
    assert _events(app) == []

    done = _bulk(staff, round_id, action="exclude", ids=burst, reason="cùng một người điền")
    assert done.status_code == 303
    page = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã loại: 2 phiếu. / Excluded: 2 answer(s)." in page
    assert "cùng một người điền" in page  # in the list and the audit trail
    assert [(e[0], e[2], e[4]) for e in _events(app)] == [
        (i, "excluded", "nv.review") for i in burst
    ]

    restored = _bulk(staff, round_id, action="restore", all_matching="1", state="excluded")
    assert restored.status_code == 303
    assert all(_states(app)[i] == ("flagged", None) for i in burst)
    assert len(_events(app)) == 4


def test_the_events_download_is_the_audit_trail(
    staff: FlaskClient, answers: dict, survey: dict
) -> None:
    _bulk(staff, survey["round_id"], action="exclude", ids=answers["fast"], reason="4 giây")
    reply = staff.get(f"/admin/review/{survey['round_id']}/events.csv")
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["response_id"], r["reason"], r["who"]) for r in rows] == [
        (str(answers["fast"][0]), "4 giây", "nv.review")
    ]


def test_the_sipas_difference_page_shows_both_numbers(
    app: Flask, staff: FlaskClient, survey: dict
) -> None:
    """SNV: 6 clean answers satisfied on every item, 2 flagged answers not (all 2s).

    With every answer: 6 of 8 satisfied on each item → 75.0 %; without the flagged ones:
    6 of 6 → 100.0 %; difference +25.0 points. (Fewer than 5 answers would be suppressed.)
    """
    with app.app_context(), get_db().begin() as session:
        for _ in range(6):
            add_response(session, survey["round_id"])
        for _ in range(2):
            add_response(
                session,
                survey["round_id"],
                answers={i: 2 for i in ITEMS},
                state="flagged",
                flags=["straight_lining"],
            )
    html = staff.get(f"/admin/review/{survey['round_id']}/sipas").get_data(as_text=True)
    cells = _cells(html, "Sở Nội vụ")
    assert (cells[0], cells[2], cells[3], cells[5], cells[6]) == (
        "75.0",
        "8",
        "100.0",
        "6",
        "+25.0",
    )
