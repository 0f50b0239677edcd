"""The receipt-code API: keys per client system, JSON errors, never a 500 for bad input."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.cli.main import main
from survey_app.db import get_db, utcnow
from survey_app.db.models import ApiClient, ReceiptCode, SurveyRound, Unit
from survey_app.survey.rounds import create_round
from survey_app.trust.receipts import display, make_code

URL = "/api/v1/receipt-codes"


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def key(app: Flask, survey: dict, sipas) -> str:
    """The key ``sipas api-clients create`` prints for the one-stop system."""
    result = sipas("api-clients", "create", "one-stop")
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def post(client: FlaskClient, body: object, key: str | None, **kwargs: object):
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, headers=headers, content_type="application/json", **kwargs)


def error_of(reply) -> str:  # type: ignore[no-untyped-def]
    body = reply.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    return body["error"]["code"]


def test_a_code_is_issued_once_then_given_again(
    app: Flask, client: FlaskClient, survey: dict, key: str
) -> None:
    body = {"dossier_code": "000.00.12.H62-261127-0001", "unit_code": "SNV"}
    first = post(client, body, key)
    assert first.status_code == 201, first.get_data(as_text=True)
    code = make_code(app.secret_key, survey["round_id"], body["dossier_code"])
    assert first.json["code"] == display(code)
    assert first.json["url"] == f"http://sipas.test/r/{code}"
    assert first.json["expires_at"].endswith("T00:00:00+07:00")
    again = post(client, {**body, "round": "Đợt thử"}, key)
    assert again.status_code == 200 and again.json == first.json
    with app.app_context():
        assert get_db().session.query(ReceiptCode).count() == 1
    assert client.get(f"/r/{code}").status_code == 200


def test_only_the_hash_of_a_key_is_kept_and_a_revoked_key_stops_working(
    app: Flask, client: FlaskClient, survey: dict, key: str, sipas
) -> None:
    assert key.startswith("sipas_") and len(key) > 40
    with app.app_context():
        (stored,) = get_db().session.scalars(select(ApiClient)).all()
        assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in " ".join(str(v) for v in vars(stored).values())
    body = {"dossier_code": "HS-1", "unit_code": "SNV"}
    assert post(client, body, key).status_code == 201
    duplicate = sipas("api-clients", "create", "one-stop")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert sipas("api-clients", "revoke", "one-stop").exit_code == 0
    assert "one-stop\trevoked" in sipas("api-clients", "list").output
    reply = post(client, body, key)
    assert reply.status_code == 401 and error_of(reply) == "unauthorized"
    assert sipas("api-clients", "revoke", "nobody").exit_code == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}, {"Authorization": "x"}],
)
def test_a_missing_or_malformed_key_gets_401(
    client: FlaskClient, survey: dict, key: str, headers: dict
) -> None:
    body = json.dumps({"dossier_code": "HS-1", "unit_code": "SNV"})
    reply = client.post(URL, data=body, headers=headers, content_type="application/json")
    assert reply.status_code == 401 and error_of(reply) == "unauthorized"


def test_a_wrong_key_gets_401_and_issues_nothing(
    app: Flask, client: FlaskClient, survey: dict, key: str
) -> None:
    reply = post(client, {"dossier_code": "HS-1", "unit_code": "SNV"}, key + "x")
    assert reply.status_code == 401 and error_of(reply) == "unauthorized"
    with app.app_context():
        assert get_db().session.query(ReceiptCode).count() == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "bad_json"),
        ("", 400, "bad_json"),
        ([1, 2], 400, "bad_json"),
        ("null", 400, "bad_json"),
        ({"unit_code": "SNV"}, 400, "missing_field"),
        ({"dossier_code": "  ", "unit_code": "SNV"}, 400, "missing_field"),
        ({"dossier_code": "HS-1"}, 400, "missing_field"),
        ({"dossier_code": 12, "unit_code": "SNV"}, 400, "bad_field"),
        ({"dossier_code": "HS-1", "unit_code": ["SNV"]}, 400, "bad_field"),
        ({"dossier_code": "HS-1", "unit_code": "SNV", "round": 3}, 400, "bad_field"),
        ({"dossier_code": "H" * 500, "unit_code": "SNV"}, 400, "bad_field"),
        ({"dossier_code": "HS-1", "unit_code": "XYZ"}, 404, "unknown_unit"),
        ({"dossier_code": "HS-1", "unit_code": "SNV", "round": "Nope"}, 404, "unknown_round"),
    ],
)
def test_bad_input_gets_a_json_error_never_a_500(
    app: Flask, client: FlaskClient, survey: dict, key: str, body: object, status: int, code: str
) -> None:
    reply = post(client, body, key)
    assert reply.status_code == status, reply.get_data(as_text=True)
    assert error_of(reply) == code
    with app.app_context():
        assert get_db().session.query(ReceiptCode).count() == 0


def test_a_round_not_open_for_the_unit_gets_409(
    app: Flask, client: FlaskClient, survey: dict, key: str
) -> None:
    with app.app_context(), get_db().begin() as session:
        province = session.scalar(select(Unit).where(Unit.code == "86"))
        create_round(
            session,
            name="Đợt sau",
            questionnaire_id="sipas-2023",
            questionnaire_version=1,
            opens_at=utcnow() + timedelta(days=10),
            closes_at=utcnow() + timedelta(days=40),
            units=[province],
        )
    cases = [
        ({"dossier_code": "HS-1", "unit_code": "86"}, "round_not_open"),  # no open round
        ({"dossier_code": "HS-1", "unit_code": "SNV", "round": "Đợt sau"}, "round_not_open"),
        ({"dossier_code": "HS-1", "unit_code": "86", "round": "Đợt sau"}, "round_not_open"),
    ]
    for body, expected in cases:
        reply = post(client, body, key)
        assert reply.status_code == 409 and error_of(reply) == expected, body
    assert post(client, {"dossier_code": "HS-1", "unit_code": "SNV"}, key).status_code == 201
    conflict = post(client, {"dossier_code": "HS-1", "unit_code": "BDT"}, key)
    assert conflict.status_code == 409 and error_of(conflict) == "dossier_conflict"
    with app.app_context(), get_db().begin() as session:
        session.scalar(select(SurveyRound).where(SurveyRound.name == "Đợt thử")).closes_at = (
            utcnow() - timedelta(minutes=1)
        )
    closed = post(client, {"dossier_code": "HS-2", "unit_code": "SNV", "round": "Đợt thử"}, key)
    assert closed.status_code == 409 and error_of(closed) == "round_not_open"
    with app.app_context():
        assert get_db().session.query(ReceiptCode).count() == 1


def test_a_body_over_the_limit_gets_a_json_413(
    app: Flask, client: FlaskClient, survey: dict, key: str
) -> None:
    body = json.dumps({"dossier_code": "HS-1", "unit_code": "SNV", "pad": "x" * 70000})
    reply = post(client, body, key)
    assert reply.status_code == 413 and error_of(reply) == "too_large"


def test_the_api_needs_no_csrf_token_and_refuses_a_wrong_method(
    client: FlaskClient, survey: dict, key: str
) -> None:
    reply = post(client, {"dossier_code": "HS-1", "unit_code": "SNV"}, key)
    assert reply.status_code == 201  # the app's CSRF protection does not apply to the API
    assert client.get(URL).status_code == 405


def test_simultaneous_requests_for_one_dossier_get_one_code(
    app: Flask, survey: dict, key: str
) -> None:
    clients = [app.test_client() for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    replies: list = []

    def ask(client: FlaskClient) -> None:
        barrier.wait()
        replies.append(post(client, {"dossier_code": "HS-RACE", "unit_code": "SNV"}, key))

    threads = [threading.Thread(target=ask, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in replies) == [200] * 5 + [201]
    assert len({r.json["code"] for r in replies}) == 1
    with app.app_context():
        assert get_db().session.query(ReceiptCode).count() == 1


def test_a_wrong_method_or_address_under_the_api_answers_json(client) -> None:
    for method, path, status in (
        ("get", "/api/v1/receipt-codes", 405),
        ("post", "/api/v1/nothing-here", 404),
    ):
        reply = getattr(client, method)(path)
        assert reply.status_code == status
        assert reply.is_json and "error" in reply.json
