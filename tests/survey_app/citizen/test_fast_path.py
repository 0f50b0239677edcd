"""The citizen's fast path (``survey_app.citizen.fast_path``) against the Flask views.

Two apps on one database with one secret key: one answers a counter's plain form and its valid
POST on the fast path, the other (``CITIZEN_FAST_PATH`` off) through Flask. The same requests
must give the same status, headers, cookies, page (tokens aside) and stored row; each test also
checks which way the request went, so that an equality cannot come from both going through Flask.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, full_answers

from questionnaires.registry import definitions_root
from survey_app import create_app
from survey_app.citizen.fast_path import FastPath
from survey_app.db import get_db, utcnow
from survey_app.db.models import Response, SurveyRound, Unit
from survey_app.survey.questionnaire_store import publish, save_draft

GZIP = {"Accept-Encoding": "gzip", "User-Agent": "Mozilla/5.0 (test phone)"}
TOKENS = re.compile(r'(name="(?:csrf_token|sid)" value=")[^"]*(")')


class Handovers:
    """Counts the requests the fast path hands to Flask."""

    def __init__(self, app: Flask) -> None:
        layer = app.wsgi_app
        assert isinstance(layer, FastPath)
        self.count = 0
        flask_wsgi = layer.flask_wsgi

        def counted(environ, start_response):  # type: ignore[no-untyped-def]
            self.count += 1
            return flask_wsgi(environ, start_response)

        layer.flask_wsgi = counted  # type: ignore[method-assign]

    def since(self, before: int) -> int:
        return self.count - before


@pytest.fixture
def pair(app: Flask, survey: dict) -> Iterator[tuple[Flask, Flask, Handovers]]:
    """(the app with the fast path, the same app through Flask only, hand-over counts)."""
    slow = create_app({**app.config, "CITIZEN_FAST_PATH": False})
    handovers = Handovers(app)
    for each in (app, slow):  # the page saved, the counter and round read: as after any first GET
        assert each.test_client().get("/s/SNV-1", headers=GZIP).status_code == 200
    yield app, slow, handovers
    slow.extensions["sipas_db"].engine.dispose()


def _page(response) -> str:  # type: ignore[no-untyped-def]
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return TOKENS.sub(r"\1…\2", body.decode())


def _cookies(response) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Each cookie set: its attributes (not its value, a random one)."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            found[name] = {k: v for k, v in morsel.items() if v} | {
                "flags": ";".join(sorted(p.strip().lower() for p in header.split(";")[1:]))
            }
    return found


def _headers(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        name: value
        for name, value in response.headers.items()
        if name not in ("Set-Cookie", "Content-Length")
    }


def _same(fast, slow) -> None:  # type: ignore[no-untyped-def]
    assert fast.status == slow.status
    assert _headers(fast) == _headers(slow)
    assert _cookies(fast) == _cookies(slow)
    assert int(fast.headers["Content-Length"]) == len(fast.get_data())
    assert _page(fast) == _page(slow)


@pytest.mark.parametrize(
    "headers",
    [GZIP, {"User-Agent": "no gzip"}],
    ids=["gzip", "plain"],
)
def test_a_new_phone_gets_the_same_form_and_cookies(
    pair: tuple[Flask, Flask, Handovers], headers: dict[str, str]
) -> None:
    app, slow, handovers = pair
    before = handovers.count
    fast = app.test_client().get("/s/SNV-1", headers=headers)
    assert handovers.since(before) == 0  # the fast path answered
    _same(fast, slow.test_client().get("/s/SNV-1", headers=headers))
    assert set(_cookies(fast)) == {"session", "sipas_device"}
    tokens = form_tokens(
        gzip.decompress(fast.get_data()).decode()
        if fast.headers.get("Content-Encoding") == "gzip"
        else fast.get_data(as_text=True)
    )
    assert tokens["csrf_token"] and tokens["sid"]


def test_a_phone_back_on_the_form_and_in_english(pair: tuple[Flask, Flask, Handovers]) -> None:
    app, slow, handovers = pair
    fast_phone, slow_phone = app.test_client(), slow.test_client()
    for phone in (fast_phone, slow_phone):
        phone.get("/s/SNV-1?lang=en", headers=GZIP)  # a query string: Flask's (both)
    before = handovers.count
    fast, flask_page = (p.get("/s/SNV-1", headers=GZIP) for p in (fast_phone, slow_phone))
    assert handovers.since(before) == 0
    _same(fast, flask_page)
    assert _cookies(fast) == {}  # the session and device cookies are kept, not set again
    assert '<html lang="en"' in _page(fast)


def _post(client: FlaskClient, answers: dict[str, str], **extra: str):  # type: ignore[no-untyped-def]
    html = gzip.decompress(client.get("/s/SNV-1", headers=GZIP).get_data()).decode()
    return client.post("/s/SNV-1", data={**form_tokens(html), **answers, **extra}, headers=GZIP)


def _rows(app: Flask) -> list[Response]:
    with app.app_context():
        return list(get_db().session.scalars(select(Response).order_by(Response.id)))


def test_valid_answers_are_stored_alike_and_thanked_with_the_same_303(
    pair: tuple[Flask, Flask, Handovers],
) -> None:
    app, slow, handovers = pair
    fast_phone = app.test_client()
    before = handovers.count
    fast = _post(fast_phone, full_answers("4"), service_field="dat_dai", comment="Tốt  lắm")
    assert handovers.since(before) == 0
    flask_answer = _post(
        slow.test_client(), full_answers("4"), service_field="dat_dai", comment="Tốt  lắm"
    )
    _same(fast, flask_answer)
    assert fast.status_code == 303 and fast.headers["Location"] == "/s/SNV-1/cam-on"
    first, second = _rows(app)
    columns = (
        "round_id",
        "unit_id",
        "counter_id",
        "channel",
        "questionnaire_id",
        "questionnaire_version",
        "language",
        "answers",
        "service_field",
        "profile",
        "comment",
        "state",
        "flags",
    )
    assert {c: getattr(first, c) for c in columns} == {c: getattr(second, c) for c in columns}
    assert first.device_hash and second.device_hash and first.elapsed_seconds is not None
    assert fast_phone.get(fast.headers["Location"]).status_code == 200


def test_a_resend_of_the_same_form_stores_one_row(pair: tuple[Flask, Flask, Handovers]) -> None:
    app, _slow, handovers = pair
    phone = app.test_client()
    html = gzip.decompress(phone.get("/s/SNV-1", headers=GZIP).get_data()).decode()
    data = {**form_tokens(html), **full_answers("5")}
    before = handovers.count
    answers = [phone.post("/s/SNV-1", data=data) for _ in range(3)]
    assert handovers.since(before) == 2  # the first stored here; Flask finds it for the others
    assert [a.status_code for a in answers] == [303, 303, 303]
    assert len(set(a.headers["Location"] for a in answers)) == 1
    assert len(_rows(app)) == 1


def test_a_staff_change_between_the_form_and_its_answers_is_seen(
    pair: tuple[Flask, Flask, Handovers],
) -> None:
    """The answers are stored once, by Flask, which reads the changed rows (the fast path's
    INSERT is made only at the cache version its counter and round were read at)."""
    app, _slow, handovers = pair
    phone = app.test_client()
    html = gzip.decompress(phone.get("/s/SNV-1", headers=GZIP).get_data()).decode()
    with app.app_context(), get_db().begin() as session:
        session.scalar(select(Unit).where(Unit.code == "SNV")).name = "Sở Nội vụ (mới)"
    before = handovers.count
    sent = phone.post("/s/SNV-1", data={**form_tokens(html), **full_answers("3")})
    assert sent.status_code == 303
    assert handovers.since(before) == 1
    assert len(_rows(app)) == 1
    before = handovers.count
    assert "Sở Nội vụ (mới)" in _page(phone.get("/s/SNV-1", headers=GZIP))
    assert handovers.since(before) == 0  # read again by Flask's request: fast again


def test_another_instances_change_is_seen_within_a_second(
    pair: tuple[Flask, Flask, Handovers], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change committed elsewhere (another instance: plain SQL, no session of this process)
    shows on the form once its rows' version is more than ``cache.CHECK_EVERY`` old
    (docs/decisions/0035): until then the page is made from the rows kept."""
    from sqlalchemy import text

    from survey_app.survey import cache

    app, _slow, handovers = pair
    phone = app.test_client()
    with app.extensions["sipas_db"].engine.begin() as connection:
        connection.execute(text("UPDATE units SET name = 'Sở Nội vụ (mới)' WHERE code = 'SNV'"))
        connection.execute(text("UPDATE cache_version SET version = version + 1 WHERE id = 1"))
    before = handovers.count
    page = _page(phone.get("/s/SNV-1", headers=GZIP))
    assert "Sở Nội vụ (mới)" not in page and handovers.since(before) == 0
    later = cache.monotonic() + cache.CHECK_EVERY
    monkeypatch.setattr(cache, "monotonic", lambda: later)
    assert "Sở Nội vụ (mới)" in _page(phone.get("/s/SNV-1", headers=GZIP))
    before = handovers.count
    assert "Sở Nội vụ (mới)" in _page(phone.get("/s/SNV-1", headers=GZIP))
    assert handovers.since(before) == 0  # the new rows read (by Flask): fast again


def test_a_change_committed_by_this_process_is_seen_at_once(
    pair: tuple[Flask, Flask, Handovers],
) -> None:
    app, _slow, _handovers = pair
    phone = app.test_client()
    with app.app_context(), get_db().begin() as session:
        session.scalar(select(Unit).where(Unit.code == "SNV")).name = "Sở Nội vụ (mới)"
    assert "Sở Nội vụ (mới)" in _page(phone.get("/s/SNV-1", headers=GZIP))


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"q15": ""}, 422),  # a required answer missing
        ({"q15": "9"}, 422),  # not on the scale
        ({"csrf_token": "forged"}, 400),
        ({"sid": "forged"}, 400),
        ({"website": "http://spam.example"}, 303),  # the honeypot: thanked, not stored
    ],
    ids=["missing", "off-scale", "csrf", "ticket", "honeypot"],
)
def test_anything_but_valid_answers_is_answered_by_flask(
    pair: tuple[Flask, Flask, Handovers], change: dict[str, str], status: int
) -> None:
    app, slow, handovers = pair
    before = handovers.count
    fast = _post(app.test_client(), full_answers("3") | change)
    assert handovers.since(before) == 1  # the POST (the GET was the fast path's)
    _same(fast, _post(slow.test_client(), full_answers("3") | change))
    assert fast.status_code == status
    assert _rows(app) == []


def test_a_staff_session_or_an_unknown_cookie_goes_to_flask(
    pair: tuple[Flask, Flask, Handovers],
) -> None:
    app, _slow, handovers = pair
    phone = app.test_client()
    phone.set_cookie("remember_token", "1|abc")
    before = handovers.count
    assert phone.get("/s/SNV-1").status_code == 200
    assert handovers.since(before) == 1
    with app.test_client() as staff:
        with staff.session_transaction() as session:
            session["_user_id"] = "1"
        before = handovers.count
        staff.get("/s/SNV-1")
        assert handovers.since(before) == 1


def test_the_rate_limit_counts_each_post_once_and_refuses_with_the_answers(
    app: Flask, survey: dict
) -> None:
    app.config.update(SUBMIT_LIMIT_PER_FORM="2 per minute")
    handovers = Handovers(app)
    phone = app.test_client()
    statuses = [_post(phone, full_answers("4")).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]  # counted twice, the third refused: not counted twice
    assert handovers.count >= 1  # the refusal is Flask's page, with the answers
    refused = _post(phone, full_answers("2"))
    assert refused.status_code == 429
    assert _page(refused).count('value="2" checked') == len(full_answers())  # kept
    assert len(_rows(app)) == 2


def test_a_new_or_unknown_counter_is_flasks_then_fast_again(
    pair: tuple[Flask, Flask, Handovers],
) -> None:
    app, _slow, handovers = pair
    phone = app.test_client()
    before = handovers.count
    assert phone.get("/s/BDT-1", headers=GZIP).status_code == 200  # not read yet: Flask reads it
    assert phone.get("/s/BDT-1", headers=GZIP).status_code == 200
    assert handovers.since(before) == 1
    before = handovers.count
    assert phone.get("/s/NOPE-1").status_code == 404
    assert handovers.since(before) == 1


def test_a_round_closed_by_its_time_shows_flasks_closed_page_alike(
    pair: tuple[Flask, Flask, Handovers], survey: dict
) -> None:
    """No staff change bumps the cache version when a round's closing time passes: the kept
    round's times say it is closed, and Flask answers with its page (200, then 409 for a POST)."""
    app, slow, handovers = pair
    phone, slow_phone = app.test_client(), slow.test_client()
    html = gzip.decompress(phone.get("/s/SNV-1", headers=GZIP).get_data()).decode()
    slow_phone.get("/s/SNV-1", headers=GZIP)  # the same history: a session
    for each in (app, slow):  # the kept rows as they would be a moment after the closing time
        rounds = each.extensions["sipas_rows_cache"]["snapshot"].rounds
        for unit_id, views in rounds.items():
            rounds[unit_id] = tuple(
                replace(view, closes_at=utcnow() - timedelta(seconds=1)) for view in views
            )
    before = handovers.count
    closed = phone.get("/s/SNV-1", headers=GZIP)
    sent = phone.post("/s/SNV-1", data={**form_tokens(html), **full_answers("4")})
    assert handovers.since(before) == 2
    _same(closed, slow_phone.get("/s/SNV-1", headers=GZIP))
    assert closed.status_code == 200 and sent.status_code == 409
    assert _rows(app) == []


def test_off_when_the_setting_says_so(app: Flask, survey: dict) -> None:
    app.config["CITIZEN_FAST_PATH"] = False
    handovers = Handovers(app)
    phone = app.test_client()
    for _ in range(2):
        assert phone.get("/s/SNV-1").status_code == 200
    assert handovers.count == 2


def test_over_https_the_same_secure_cookies_and_strict_transport(
    survey_factory: Callable[[dict], Flask],
) -> None:
    app = survey_factory({"BASE_URL": "https://sipas.test"})
    slow = create_app({**app.config, "CITIZEN_FAST_PATH": False})
    try:
        handovers = Handovers(app)
        for each in (app, slow):
            each.test_client().get("/s/SNV-1", headers=GZIP)
        before = handovers.count
        fast = app.test_client().get("/s/SNV-1", headers=GZIP)
        assert handovers.since(before) == 0
        _same(fast, slow.test_client().get("/s/SNV-1", headers=GZIP))
        assert fast.headers["Strict-Transport-Security"].startswith("max-age=")
        assert all("secure" in c["flags"].split(";") for c in _cookies(fast).values())
    finally:
        slow.extensions["sipas_db"].engine.dispose()


def test_a_published_questionnaire_is_kept_and_its_answers_take_the_fast_path(
    pair: tuple[Flask, Flask, Handovers], survey: dict
) -> None:
    """A round given a published version: Flask reads it once, then the fast path stores its
    answers as the Flask views do (a published version never changes)."""
    app, slow, handovers = pair
    definition = json.loads(
        definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8")
    ) | {"version": 2}
    with app.app_context(), get_db().begin() as session:
        publish(session, save_draft(session, definition, "json", "nv.admin"), "nv.admin")
        session.get(SurveyRound, survey["round_id"]).questionnaire_version = 2
    for each in (app, slow):
        each.test_client().get("/s/SNV-1", headers=GZIP)  # read by Flask: a new version
    before = handovers.count
    fast = _post(app.test_client(), full_answers("5"))
    assert handovers.since(before) == 0
    _same(fast, _post(slow.test_client(), full_answers("5")))
    assert [row.questionnaire_version for row in _rows(app)] == [2, 2]
