"""The public link ``/u/<unit>``: a unit's questionnaire for links sent by SMS, Zalo, websites."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from support import count_rows, form_tokens, full_answers

from survey_app.db import get_db, utcnow
from survey_app.db.models import Response, SurveyRound


def _form(client: FlaskClient, unit: str = "SNV") -> dict[str, str]:
    page = client.get(f"/u/{unit}")
    assert page.status_code == 200
    return form_tokens(page.get_data(as_text=True))


def test_answering_by_the_public_link_stores_channel_public_link(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    page = client.get("/u/SNV")
    assert page.status_code == 200 and "Sở Nội vụ" in page.get_data(as_text=True)
    reply = client.post("/u/SNV", data={**_form(client), **full_answers()})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/u/SNV/cam-on")
    assert "Cảm ơn Ông/Bà!" in client.get(reply.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        stored = get_db().session.query(Response).one()
        assert stored.channel == "public_link"
        assert stored.counter_id is None and stored.unit.code == "SNV"
        assert stored.round_id == survey["round_id"]


def test_a_form_of_one_unit_cannot_be_sent_to_another(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    reply = client.post("/u/BDT", data={**_form(client, "SNV"), **full_answers()})
    assert reply.status_code == 400
    assert count_rows(app, Response) == 0


def test_a_lower_case_unit_code_works_and_an_unknown_one_is_404(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    assert client.get("/u/snv").status_code == 200
    assert client.get("/u/XYZ").status_code == 404
    assert client.get("/u/XYZ/cam-on").status_code == 404
    assert client.post("/u/XYZ", data=full_answers()).status_code == 404


def test_a_unit_without_an_open_round_shows_the_closed_page(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    tokens = _form(client)
    with app.app_context(), get_db().begin() as session:
        session.get(SurveyRound, survey["round_id"]).closes_at = utcnow() - timedelta(minutes=1)
    page = client.get("/u/SNV")
    assert page.status_code == 200 and "Khảo sát hiện chưa mở" in page.get_data(as_text=True)
    assert client.post("/u/SNV", data={**tokens, **full_answers()}).status_code == 409
    assert count_rows(app, Response) == 0


def test_the_rate_limits_apply_to_the_public_link(app: Flask, survey: dict) -> None:
    app.config["SUBMIT_LIMIT_PER_ADDRESS"] = "3 per minute"
    statuses = []
    for _ in range(4):  # four phones behind one address
        phone = app.test_client()
        reply = phone.post("/u/SNV", data={**_form(phone), **full_answers("2")})
        statuses.append(reply.status_code)
    assert statuses == [303, 303, 303, 429]
    assert 'name="q15" value="2" checked' in reply.get_data(as_text=True)
    assert count_rows(app, Response) == 3
