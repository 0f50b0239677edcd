"""The counter's questionnaire: stores once, stores nothing on bad input, says why."""

from __future__ import annotations

import gzip
import re
import unicodedata
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import count_rows, form_tokens, full_answers

from survey_app.db import get_db, utcnow
from survey_app.db.models import Response, SurveyRound


def _get_form(client: FlaskClient, counter: str = "SNV-1") -> dict[str, str]:
    page = client.get(f"/s/{counter}")
    assert page.status_code == 200
    tokens = form_tokens(page.get_data(as_text=True))
    assert set(tokens) == {"csrf_token", "sid"}
    return tokens


def _post(client: FlaskClient, data: dict[str, str], counter: str = "SNV-1"):
    return client.post(f"/s/{counter}", data=data)


def test_a_complete_answer_is_stored_with_its_round_unit_counter_and_version(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    data = {**_get_form(client), **full_answers("5"), "q31": "na", "gender": "nu"}
    data["service_field"] = "ho_tich"
    reply = _post(client, data)
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith("/s/SNV-1/cam-on")
    thanks = client.get(reply.headers["Location"])
    assert "Cảm ơn Ông/Bà!" in thanks.get_data(as_text=True)
    with app.app_context():
        stored = get_db().session.query(Response).one()
        assert stored.unit.code == "SNV"
        assert stored.counter is not None and stored.counter.code == "SNV-1"
        assert stored.round_id == survey["round_id"]
        assert (stored.questionnaire_id, stored.questionnaire_version) == ("sipas-2023", 1)
        assert stored.answers["q15"] == 5 and stored.answers["q31"] == "na"
        assert stored.service_field == "ho_tich"
        assert stored.profile == {"gender": "nu"}
        assert stored.channel == "counter_qr"


def test_double_submit_stores_one_response_and_shows_the_same_thanks(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    data = {**_get_form(client), **full_answers()}
    first, second = _post(client, data), _post(client, data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(app, Response) == 1


def test_two_forms_make_two_responses(app: Flask, client: FlaskClient, survey: dict) -> None:
    for _ in range(2):
        assert _post(client, {**_get_form(client), **full_answers()}).status_code == 303
    assert count_rows(app, Response) == 2


def test_missing_csrf_token_is_rejected_and_answers_are_kept(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    data = {**_get_form(client), **full_answers("2")}
    del data["csrf_token"]
    reply = _post(client, data)
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert "chưa được lưu" in html
    assert 'name="q15" value="2" checked' in html
    assert count_rows(app, Response) == 0


def test_forged_submission_id_is_rejected(app: Flask, client: FlaskClient, survey: dict) -> None:
    data = {**_get_form(client), **full_answers(), "sid": "forged.token"}
    assert _post(client, data).status_code == 400
    assert count_rows(app, Response) == 0


def test_a_form_of_another_counter_is_not_stored_here(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    data = {**_get_form(client, "BDT-1"), **full_answers()}
    assert _post(client, data, "SNV-1").status_code == 400
    assert count_rows(app, Response) == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"q15": "7"}, "q15", "không hợp lệ"),
        ({"q20": "abc"}, "q20", "không hợp lệ"),
        ({"q33": ""}, "q33", "Vui lòng chọn"),
        ({"gender": "x"}, "gender", "không hợp lệ"),
        ({"comment": "a" * 2001}, "comment", "2000"),
    ],
)
def test_invalid_answers_are_shown_beside_the_question_and_nothing_is_stored(
    app: Flask, client: FlaskClient, survey: dict, change: dict, field: str, message: str
) -> None:
    data = {**_get_form(client), **full_answers("3"), **change}
    reply = _post(client, data)
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html.split(f'id="{field}-error"')[1].split("</p>")[0]
    assert f'href="#{field}"' in html  # error summary links to the field
    assert 'name="q16" value="3" checked' in html  # every other answer kept
    assert count_rows(app, Response) == 0


def test_comment_is_cleaned_and_stored_in_nfc(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    decomposed = unicodedata.normalize("NFD", "Cán bộ rất tận tình")
    data = {**_get_form(client), **full_answers(), "comment": f"  {decomposed}\x07\x00 "}
    assert _post(client, data).status_code == 303
    with app.app_context():
        comment = get_db().session.query(Response).one().comment
    assert comment == unicodedata.normalize("NFC", "Cán bộ rất tận tình")


def test_closed_round_says_so_and_stores_nothing(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    tokens = _get_form(client)
    with app.app_context():
        session = get_db().session
        survey_round = session.get(SurveyRound, survey["round_id"])
        survey_round.closes_at = utcnow() - timedelta(minutes=1)
        session.commit()
    page = client.get("/s/SNV-1")
    assert page.status_code == 200
    assert "chưa mở" in page.get_data(as_text=True)
    assert "<form" not in page.get_data(as_text=True)
    reply = _post(client, {**tokens, **full_answers()})
    assert reply.status_code == 409
    assert count_rows(app, Response) == 0


def test_unknown_counter_is_a_clear_404(client: FlaskClient, survey: dict) -> None:
    reply = client.get("/s/NO-SUCH-COUNTER")
    assert reply.status_code == 404
    assert "Không tìm thấy trang" in reply.get_data(as_text=True)
    assert client.post("/s/NO-SUCH-COUNTER", data=full_answers()).status_code == 404


def test_oversized_body_is_refused_with_413(app: Flask, client: FlaskClient, survey: dict) -> None:
    data = {**_get_form(client), **full_answers(), "comment": "x" * 70_000}
    reply = _post(client, data)
    assert reply.status_code == 413
    assert "quá lớn" in reply.get_data(as_text=True)
    assert count_rows(app, Response) == 0


def test_honeypot_filled_gets_thanks_but_nothing_is_stored(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    data = {**_get_form(client), **full_answers(), "website": "http://spam.example"}
    assert _post(client, data).status_code == 303
    assert count_rows(app, Response) == 0


def test_form_says_it_stores_no_personal_data(client: FlaskClient, survey: dict) -> None:
    html = client.get("/s/SNV-1").get_data(as_text=True)
    assert "không hỏi và không ghi lại họ tên, số điện thoại" in html
    for personal in ('name="name"', 'name="phone"', 'name="email"', 'type="email"'):
        assert personal not in html


def test_english_switch_is_remembered(client: FlaskClient, survey: dict) -> None:
    english = client.get("/s/SNV-1?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Send" in english
    again = client.get("/s/SNV-1").get_data(as_text=True)
    assert '<html lang="en">' in again
    vietnamese = client.get("/s/SNV-1?lang=vi").get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese and "Gửi" in vietnamese


def test_form_page_is_gzip_compressed_under_50_kb(client: FlaskClient, survey: dict) -> None:
    reply = client.get("/s/SNV-1", headers={"Accept-Encoding": "gzip"})
    assert reply.headers["Content-Encoding"] == "gzip"
    css = client.get("/static/citizen.css")
    assert len(reply.data) + len(gzip.compress(css.data)) < 50 * 1024
    html = gzip.decompress(reply.data).decode()
    assert not re.search(r'(src|href|action)="(https?:)?//', html)  # nothing from other hosts


def test_rate_limit_per_form_session_gives_a_vietnamese_429(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    app.config["SUBMIT_LIMIT_PER_FORM"] = "3 per minute"
    statuses = [
        _post(client, {**_get_form(client), **full_answers()}).status_code for _ in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    reply = _post(client, {**_get_form(client), **full_answers("2")})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 429 and "Vui lòng đợi một phút" in html
    assert 'name="q15" value="2" checked' in html  # the answers are on the page again
    assert count_rows(app, Response) == 3


def test_many_phones_behind_one_address_are_not_blocked(app: Flask, survey: dict) -> None:
    app.config["SUBMIT_LIMIT_PER_FORM"] = "2 per minute"
    for _ in range(6):  # six phones, one public address, each its own form session
        phone = app.test_client()
        assert _post(phone, {**_get_form(phone), **full_answers()}).status_code == 303
    assert count_rows(app, Response) == 6


def test_healthz_answers_when_the_database_does(client: FlaskClient) -> None:
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.json == {"status": "ok", "database": "up"}


def test_the_per_address_ceiling_still_applies(app: Flask, survey: dict) -> None:
    app.config["SUBMIT_LIMIT_PER_ADDRESS"] = "4 per minute"
    statuses = []
    for _ in range(5):
        phone = app.test_client()
        statuses.append(_post(phone, {**_get_form(phone), **full_answers()}).status_code)
    assert statuses == [303, 303, 303, 303, 429]
    assert count_rows(app, Response) == 4


def test_timing_and_a_per_round_device_hash_are_kept_never_the_address(
    app: Flask, survey: dict
) -> None:
    phone, other = app.test_client(), app.test_client()
    for client in (phone, phone, other):
        assert _post(client, {**_get_form(client), **full_answers()}).status_code == 303
    with app.app_context():
        rows = get_db().session.query(Response).order_by(Response.id).all()
        hashes = [r.device_hash for r in rows]
        assert hashes[0] == hashes[1] != hashes[2]  # same phone twice, then another phone
        assert all(len(h) == 64 for h in hashes)
        assert all(r.elapsed_seconds is not None and r.elapsed_seconds >= 0 for r in rows)
        stored = " ".join(str(v) for r in rows for v in vars(r).values())
        assert "127.0.0.1" not in stored


def test_behind_a_trusted_proxy_each_phone_has_its_own_address_limit(
    database_url: str, survey_factory
) -> None:
    app = survey_factory({"TRUSTED_PROXIES": "1", "SUBMIT_LIMIT_PER_ADDRESS": "2 per minute"})
    statuses = {}
    for address in ("203.0.113.7", "203.0.113.8"):
        codes = []
        for _ in range(3):
            phone = app.test_client()
            phone.environ_base["HTTP_X_FORWARDED_FOR"] = address
            codes.append(_post(phone, {**_get_form(phone), **full_answers()}).status_code)
        statuses[address] = codes
    assert statuses == {"203.0.113.7": [303, 303, 429], "203.0.113.8": [303, 303, 429]}


def test_answers_are_stored_when_the_rate_limit_storage_is_down(survey_factory) -> None:
    app = survey_factory({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    phone = app.test_client()
    assert _post(phone, {**_get_form(phone), **full_answers()}).status_code == 303
    assert count_rows(app, Response) == 1
