"""Paper forms keyed by staff: entry 1 makes a response, a sample is keyed twice, disagreements
are reported and resolved with a record (docs/decisions/0011)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, full_answers, login_as

from questionnaires.registry import get_questionnaire
from survey_app.db import get_db
from survey_app.db.models import PaperEntry, Response, SurveyRound, Unit
from survey_app.trust import paper
from survey_app.trust.paper import (
    AlreadyKeyed,
    InvalidEntry,
    NotKeyed,
    ResolveError,
    SameKeyer,
    disagreements,
    double_entry_sample,
    double_entry_seed,
    double_entry_summary,
    key_form,
    key_second_entry,
    picked_for_second_entry,
    resolutions,
    resolve,
)

PASSWORD = "correct horse battery"
N_FIELDS = len(get_questionnaire("sipas-2023", 1).field_names)  # 1 + 19 items + 7 + comment
VALUES = {**full_answers("4"), "q31": "0", "service_field": "2", "gender": "1", "visit": "2"}


def _key(app: Flask, round_id: int, number: str, values: Mapping[str, str], who: str, **kw: Any):
    """Entry 1 (or entry 2 with ``second=True``) in its own committed transaction."""
    with app.app_context(), get_db().begin() as session:
        survey_round = session.get(SurveyRound, round_id)
        if kw.get("second"):
            return key_second_entry(session, survey_round, number, values, who).id
        unit = session.scalar(select(Unit).where(Unit.code == kw.get("unit", "SNV")))
        return key_form(session, survey_round, unit, number, values, who, settings=app.config).id


def _count(app: Flask, model: type, **where: Any) -> int:
    with app.app_context():
        return get_db().session.query(model).filter_by(**where).count()


def _responses(app: Flask) -> list[Response]:
    with app.app_context():
        return list(get_db().session.scalars(select(Response).order_by(Response.id)))


def _login(app: Flask, username: str) -> FlaskClient:
    return login_as(app, role="admin", username=username)


def _unit_id(app: Flask, code: str) -> int:
    with app.app_context():
        return get_db().session.scalar(select(Unit.id).where(Unit.code == code))


def _csv_rows(client: FlaskClient, round_id: int) -> list[dict[str, str]]:
    reply = client.get(f"/admin/paper/{round_id}/disagreements.csv")
    assert reply.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))


def _picked(round_id: int, wanted: bool, start: int = 1) -> str:
    """The first form number from ``start`` that the test app's sample picks (or skips)."""
    seed = double_entry_seed("test-secret-key")
    number = start
    while picked_for_second_entry(round_id, str(number), share=0.1, seed=seed) != wanted:
        number += 1
    return str(number)


# --- entry 1 -------------------------------------------------------------------------------------
def test_entry_one_makes_exactly_one_paper_response(app: Flask, survey: dict) -> None:
    _key(app, survey["round_id"], "0123", {**VALUES, "comment": " Nhanh\r\ngọn "}, "nv.a")
    [response] = _responses(app)
    assert response.channel == "paper" and response.counter_id is None
    assert response.submission_id == f"paper:{survey['round_id']}:123"
    assert response.questionnaire_id == "sipas-2023" and response.questionnaire_version == 1
    assert response.answers == {**{f"q{n}": 4 for n in range(15, 34)}, "q31": "na"}
    assert response.service_field == "ho_tich"  # option 2 in printed order
    assert response.profile == {"gender": "nam", "visit": "nhieu_lan"}
    assert response.comment == "Nhanh\ngọn"
    with app.app_context():
        [entry] = get_db().session.scalars(select(PaperEntry))
        assert (entry.entry, entry.form_number, entry.entered_by) == (1, "123", "nv.a")
        assert entry.response_id == response.id and entry.answers == response.answers


def test_a_keyed_form_gets_the_signals_that_apply_to_paper(app: Flask, survey: dict) -> None:
    _key(app, survey["round_id"], "7", VALUES, "nv.a")  # 18 items all "4": straight lining
    [response] = _responses(app)
    assert response.flags == ["straight_lining"] and response.state == "flagged"


@pytest.mark.parametrize(
    ("changes", "unit", "expected"),
    [
        ({"q15": "7"}, "SNV", {"q15": "«7» không hợp lệ"}),
        ({"q16": ""}, "SNV", {"q16": "chưa nhập"}),
        ({"service_field": "12"}, "SNV", {"service_field": "1–11"}),
        ({"gender": "x"}, "SNV", {"gender": "«x»"}),
        ({"comment": "x" * 2001}, "SNV", {"comment": "2000"}),
        ({"q15": "6", "q33": "-1"}, "NOPE", {"unit": "chọn đơn vị", "q15": "«6»", "q33": "«-1»"}),
    ],
)
def test_invalid_values_are_refused_with_a_message_per_field_and_nothing_stored(
    app: Flask, survey: dict, changes: dict, unit: str, expected: dict[str, str]
) -> None:
    with pytest.raises(InvalidEntry) as caught:
        _key(app, survey["round_id"], "1", {**VALUES, **changes}, "nv.a", unit=unit)
    assert set(caught.value.errors) == set(expected)
    for field, words in expected.items():
        assert words in caught.value.errors[field]
    assert _count(app, Response) == 0 and _count(app, PaperEntry) == 0


def test_a_bad_form_number_is_refused(app: Flask, survey: dict) -> None:
    with pytest.raises(InvalidEntry) as caught:
        _key(app, survey["round_id"], "12/3?", VALUES, "nv.a")
    assert set(caught.value.errors) == {"form_number"}
    assert _count(app, Response) == 0


def test_a_form_number_keyed_twice_is_refused_and_says_by_whom(app: Flask, survey: dict) -> None:
    _key(app, survey["round_id"], "123", VALUES, "nv.a")
    with pytest.raises(AlreadyKeyed) as caught:
        _key(app, survey["round_id"], " 00123 ", VALUES, "nv.b", unit="BDT")
    message = str(caught.value)
    assert "form 123 was already keyed by nv.a at" in message
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", message)
    assert _count(app, Response) == 1 and _count(app, PaperEntry) == 1


def test_a_form_keyed_at_the_same_moment_elsewhere_is_refused_and_says_by_whom(
    app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    _key(app, survey["round_id"], "1", VALUES, "nv.a")
    real, calls = paper.entry_of, []

    def not_yet_seen(*args: Any) -> PaperEntry | None:  # the check runs before the other commit
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(paper, "entry_of", not_yet_seen)
    with pytest.raises(AlreadyKeyed, match=r"keyed by nv\.a"):
        _key(app, survey["round_id"], "1", VALUES, "nv.b")
    assert _count(app, Response) == 1 and _count(app, PaperEntry) == 1


# --- the double-entry sample ---------------------------------------------------------------------
def test_the_sample_picks_about_share_of_forms_deterministically() -> None:
    numbers = [str(n) for n in range(1, 2001)]
    tenth = double_entry_sample(7, numbers, 0.1, seed=b"one")
    # Binomial(2000, 0.1): mean 200, sd 13.4; ±4 sd
    assert 146 <= len(tenth) <= 254
    assert tenth == double_entry_sample(7, numbers, 0.1, seed=b"one")
    assert tenth != double_entry_sample(7, numbers, 0.1, seed=b"two")
    assert tenth != double_entry_sample(8, numbers, 0.1, seed=b"one")
    fifth = double_entry_sample(7, numbers, 0.2, seed=b"one")
    assert set(tenth) < set(fifth) and 320 <= len(fifth) <= 480
    assert double_entry_sample(7, numbers, 0.0, seed=b"one") == []
    assert double_entry_sample(7, numbers, 1.0, seed=b"one") == numbers
    with pytest.raises(ValueError, match=r"share \(1.5\) must be in \[0, 1\]"):
        double_entry_sample(7, numbers, 1.5, seed=b"one")


# --- entry 2 -------------------------------------------------------------------------------------
def test_the_second_entry_must_be_someone_else_s(app: Flask, survey: dict) -> None:
    rid = survey["round_id"]
    _key(app, rid, "5", VALUES, "nv.a")
    with pytest.raises(SameKeyer, match="must be someone else's"):
        _key(app, rid, "5", VALUES, "nv.a", second=True)
    with pytest.raises(NotKeyed):
        _key(app, rid, "6", VALUES, "nv.b", second=True)
    _key(app, rid, "5", VALUES, "nv.b", second=True)
    with pytest.raises(AlreadyKeyed, match=r"nv\.b"):
        _key(app, rid, "5", VALUES, "nv.c", second=True)
    assert _count(app, PaperEntry) == 2 and _count(app, Response) == 1


def test_two_entries_differing_on_two_fields_give_exactly_those_disagreements(
    app: Flask, survey: dict
) -> None:
    rid = survey["round_id"]
    _key(app, rid, "1", {**VALUES, "comment": "Tốt,\nnhanh"}, "nv.a")
    _key(app, rid, "1", {**VALUES, "comment": "Tốt, nhanh "}, "nv.b", second=True)
    _key(app, rid, "2", VALUES, "nv.a", unit="BDT")
    _key(app, rid, "2", {**VALUES, "q20": "5", "gender": "2"}, "nv.b", second=True)
    _key(app, rid, "3", VALUES, "nv.a")
    with app.app_context():
        session = get_db().session
        survey_round = session.get(SurveyRound, rid)
        found = disagreements(session, survey_round)
        summary = double_entry_summary(session, survey_round)
    assert [(d.form_number, d.unit_code, d.field, d.first, d.second) for d in found] == [
        ("2", "BDT", "q20", 4, 5),
        ("2", "BDT", "gender", "nam", "nu"),
    ]
    assert {(d.first_by, d.second_by) for d in found} == {("nv.a", "nv.b")}
    assert (summary.forms_keyed, summary.forms_double_keyed) == (3, 2)
    assert (summary.forms_with_disagreement, summary.fields_disagreeing) == (1, 2)
    assert summary.fields_compared == 2 * N_FIELDS == 56
    assert summary.form_rate == 0.5
    assert summary.field_rate == pytest.approx(2 / 56)
    assert len(_responses(app)) == 3  # entry 2 makes no response


def test_resolving_updates_the_response_and_is_recorded(app: Flask, survey: dict) -> None:
    rid = survey["round_id"]
    _key(app, rid, "9", VALUES, "nv.a")
    _key(app, rid, "9", {**VALUES, "q20": "5", "gender": ""}, "nv.b", second=True)
    with app.app_context(), get_db().begin() as session:
        survey_round = session.get(SurveyRound, rid)
        resolve(session, survey_round, "9", "q20", "5", "nv.c", "đối chiếu phiếu giấy")
        resolve(session, survey_round, "9", "gender", "", "nv.c", "ô giới tính để trống")
        with pytest.raises(ResolveError, match="«9»"):
            resolve(session, survey_round, "9", "q21", "9", "nv.c", "sai")
        with pytest.raises(ResolveError, match="reason"):
            resolve(session, survey_round, "9", "q21", "3", "nv.c", "  ")
    [response] = _responses(app)
    assert response.answers["q20"] == 5 and response.answers["q21"] == 4
    assert "gender" not in response.profile and response.profile["visit"] == "nhieu_lan"
    with app.app_context():
        session = get_db().session
        survey_round = session.get(SurveyRound, rid)
        log = resolutions(session, survey_round)
        found = disagreements(session, survey_round)
        entries = {e.entry: e for e in session.scalars(select(PaperEntry))}
    assert [(r.field, r.old, r.new, r.who, r.reason) for r in log] == [
        ("q20", 4, 5, "nv.c", "đối chiếu phiếu giấy"),
        ("gender", "nam", None, "nv.c", "ô giới tính để trống"),
    ]
    assert [d.resolution.new if d.resolution else "open" for d in found] == [5, None]
    assert sorted(entries) == [1, 2, 3, 4]
    assert entries[1].answers["q20"] == 4 and entries[2].answers["q20"] == 5  # kept as typed


# --- pages ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/{r}/key",
        "/{r}/second",
        "/{r}/second/1",
        "/{r}/disagreements",
        "/{r}/disagreements.csv",
    ],
)
def test_paper_pages_need_a_login(client: FlaskClient, survey: dict, path: str) -> None:
    reply = client.get("/admin/paper" + path.format(r=survey["round_id"]))
    assert reply.status_code == 302 and "/admin/login" in reply.headers["Location"]


def test_posting_a_form_needs_a_login(app: Flask, client: FlaskClient, survey: dict) -> None:
    token = form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]
    data = {"csrf_token": token, "unit": _unit_id(app, "SNV"), "form_number": "1", **VALUES}
    reply = client.post(f"/admin/paper/{survey['round_id']}/key", data=data)
    assert reply.status_code == 302 and "/admin/login" in reply.headers["Location"]
    assert _count(app, Response) == 0


def test_the_keying_page_round_trips(app: Flask, survey: dict) -> None:
    staff = _login(app, "nv.a")
    url = f"/admin/paper/{survey['round_id']}/key"
    page = staff.get(url).get_data(as_text=True)
    snv = _unit_id(app, "SNV")
    data = {"csrf_token": form_tokens(page)["csrf_token"], "unit": snv, "form_number": "77"}
    reply = staff.post(url, data={**data, **VALUES})
    assert reply.status_code == 303
    after = staff.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu phiếu số <strong>77</strong>" in after
    assert f'<option value="{snv}" selected>' in after  # the unit is kept
    assert not re.search(r'class="key"[^>]*value="[^"]', after)  # the boxes are empty
    [response] = _responses(app)
    assert response.channel == "paper" and response.answers["q31"] == "na"

    bad = staff.post(url, data={**data, **VALUES, "form_number": "78", "q18": "9"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert re.search(r'id="q18" name="q18" value="9"[^>]*aria-invalid="true"', html)
    assert 'id="q18-error">«9» không hợp lệ' in html
    assert 'name="q17" value="4"' in html and 'name="form_number" value="78"' in html
    again = staff.post(url, data={**data, **VALUES})
    assert again.status_code == 409 and "already keyed by nv.a" in again.get_data(as_text=True)
    assert len(_responses(app)) == 1


def test_second_keying_is_blind_and_queued_for_picked_forms(app: Flask, survey: dict) -> None:
    rid = survey["round_id"]
    picked, skipped = _picked(rid, True), _picked(rid, False)
    _key(app, rid, picked, {**VALUES, "comment": "CHỈ LẦN MỘT"}, "nv.a")
    _key(app, rid, skipped, VALUES, "nv.a")
    first = _login(app, "nv.a")
    assert "bạn đã nhập lần 1" in first.get(f"/admin/paper/{rid}/second").get_data(as_text=True)
    assert first.get(f"/admin/paper/{rid}/second/{picked}").status_code == 409

    other = _login(app, "nv.b")
    queue = other.get(f"/admin/paper/{rid}/second").get_data(as_text=True)
    assert f'/second/{picked}"' in queue and f'/second/{skipped}"' not in queue
    page = other.get(f"/admin/paper/{rid}/second/{picked}").get_data(as_text=True)
    assert "CHỈ LẦN MỘT" not in page
    assert not re.search(r'class="key"[^>]*value="[^"]', page)
    token = form_tokens(page)["csrf_token"]
    reply = other.post(
        f"/admin/paper/{rid}/second/{picked}", data={"csrf_token": token, **VALUES, "q15": "5"}
    )
    assert reply.status_code == 303
    assert f'/second/{picked}"' not in other.get(reply.headers["Location"]).get_data(as_text=True)
    assert _count(app, PaperEntry, entry=2) == 1 and len(_responses(app)) == 2


def test_the_report_lists_downloads_and_resolves(app: Flask, survey: dict) -> None:
    rid = survey["round_id"]
    _key(app, rid, "4", VALUES, "nv.a")
    _key(app, rid, "4", {**VALUES, "q25": "2"}, "nv.b", second=True)
    staff = _login(app, "nv.c")
    page = staff.get(f"/admin/paper/{rid}/disagreements").get_data(as_text=True)
    assert "q25" in page and "1 / 28" in page
    rows = _csv_rows(staff, rid)
    assert [(r["form_number"], r["field"], r["first"], r["second"]) for r in rows] == [
        ("4", "q25", "4", "2")
    ]
    data = {"csrf_token": form_tokens(page)["csrf_token"], "form_number": "4", "field": "q25"}
    missing = staff.post(f"/admin/paper/{rid}/resolve", data={**data, "choice": "second"})
    assert missing.status_code == 422 and _responses(app)[0].answers["q25"] == 4
    reply = staff.post(
        f"/admin/paper/{rid}/resolve", data={**data, "choice": "second", "reason": "phiếu ghi 2"}
    )
    assert reply.status_code == 303
    assert _responses(app)[0].answers["q25"] == 2
    assert "phiếu ghi 2" in staff.get(reply.headers["Location"]).get_data(as_text=True)
    rows = _csv_rows(staff, rid)
    assert (rows[0]["resolved_value"], rows[0]["resolved_by"]) == ("2", "nv.c")
