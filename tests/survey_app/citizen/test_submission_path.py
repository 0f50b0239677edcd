"""The citizen's submission path (issue 12): one INSERT … ON CONFLICT, cached counters, units and
rounds that follow every staff change (also in another app instance on the same database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from support import form_tokens, full_answers

from survey_app import create_app
from survey_app.db import get_db, utcnow
from survey_app.db.models import Counter, Response, SurveyRound, Unit


def _count(app: Flask) -> int:
    with app.app_context():
        return get_db().session.scalar(select(func.count()).select_from(Response))


def test_the_same_signed_id_sent_twice_stores_one_row_and_thanks_twice(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    tokens = form_tokens(client.get("/s/SNV-1").get_data(as_text=True))
    first = client.post("/s/SNV-1", data={**tokens, **full_answers("4")})
    again = client.post("/s/SNV-1", data={**tokens, **full_answers("2")})
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert _count(app) == 1
    with app.app_context():
        stored = get_db().session.scalar(select(Response))
        assert stored.answers["q15"] == 4  # the first one, not the resend's
    thanks = client.get(again.headers["Location"])
    assert thanks.status_code == 200


def _second_instance(app: Flask) -> Flask:
    """Another app (process) on the same database, with its own cache."""
    return create_app({**app.config, "DATABASE_URL": app.config["DATABASE_URL"]})


def test_a_staff_change_is_seen_by_the_next_submission_in_every_instance(
    app: Flask, survey: dict
) -> None:
    other = _second_instance(app)
    try:
        here, there = app.test_client(), other.test_client()
        for client in (here, there):  # both instances have the counter, unit and round cached
            assert "Sở Nội vụ" in client.get("/s/SNV-1").get_data(as_text=True)
        with app.app_context(), get_db().begin() as session:  # a staff change, in one instance
            session.scalar(select(Unit).where(Unit.code == "SNV")).name = "Sở Nội vụ (mới)"
        for client in (here, there):
            assert "Sở Nội vụ (mới)" in client.get("/s/SNV-1").get_data(as_text=True)

        with other.app_context(), get_db().begin() as session:  # the round closes
            session.get(SurveyRound, survey["round_id"]).closes_at = utcnow() - timedelta(minutes=1)
        for client in (here, there):
            page = client.get("/s/SNV-1")
            assert page.status_code == 200 and "chưa mở" in page.get_data(as_text=True)

        with app.app_context(), get_db().begin() as session:  # the counter is switched off
            session.scalar(select(Counter).where(Counter.code == "BDT-1")).active = False
        for client in (here, there):
            assert client.get("/s/BDT-1").status_code == 404
    finally:
        other.extensions["sipas_db"].engine.dispose()


def test_a_form_shown_before_its_round_closed_is_refused_after(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    other = _second_instance(app)
    try:
        tokens = form_tokens(client.get("/s/SNV-1").get_data(as_text=True))
        with other.app_context(), get_db().begin() as session:
            session.get(SurveyRound, survey["round_id"]).closes_at = utcnow() - timedelta(minutes=1)
        assert client.post("/s/SNV-1", data={**tokens, **full_answers("4")}).status_code == 409
        assert _count(app) == 0
    finally:
        other.extensions["sipas_db"].engine.dispose()


def _open_after(dbapi_connection: object) -> bool:
    """A transaction is open on this DBAPI connection (psycopg or sqlite3)."""
    info = getattr(dbapi_connection, "info", None)
    if info is not None and hasattr(info, "transaction_status"):
        from psycopg.pq import TransactionStatus

        return info.transaction_status != TransactionStatus.IDLE
    return bool(dbapi_connection.in_transaction)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/s/SNV-1", "/u/SNV"])
def test_a_form_and_its_answers_are_statements_each_committed_alone(
    app: Flask, client: FlaskClient, survey: dict, path: str
) -> None:
    """No BEGIN … COMMIT around the citizen's statements (docs/decisions/0022); a counter's
    form is one statement (the cache version), its answers two (and the INSERT). Through the
    Flask views (the fast path's statements: the next test)."""
    from sqlalchemy import event

    app.config["CITIZEN_FAST_PATH"] = False
    seen: list[tuple[str, bool]] = []

    def after(conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement.split()[0].upper(), _open_after(conn.connection.dbapi_connection)))

    engine = app.extensions["sipas_db"].engine
    client.get(path)  # the counter, unit and round cached
    event.listen(engine, "after_cursor_execute", after)
    try:
        tokens = form_tokens(client.get(path).get_data(as_text=True))
        got = list(seen)
        seen.clear()
        sent = client.post(path, data={**tokens, **full_answers("4")})
        posted = list(seen)
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert sent.status_code == 303
    assert _count(app) == 1
    assert not any(open_after for _, open_after in got + posted)
    assert posted[-1][0] == "INSERT"
    if path.startswith("/s/"):
        assert [kind for kind, _ in got] == ["SELECT"]
        assert [kind for kind, _ in posted] == ["SELECT", "INSERT"]


def test_the_fast_path_sends_the_same_statements_each_committed_alone(
    app: Flask, client: FlaskClient, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter's form and its answers on the fast path (docs/decisions/0033), each statement
    its own transaction, as seen by the database driver: the form none (its rows' version was
    read within the second: docs/decisions/0035), the answers two; on PostgreSQL one, an INSERT
    made only at the version the form was read at."""
    import psycopg
    from sqlalchemy import event

    from survey_app.citizen.fast_path import FastPath

    seen: list[tuple[str, bool]] = []
    execute = psycopg.Connection.execute

    def observed(conn, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        cursor = execute(conn, query, *args, **kwargs)
        seen.append((str(query).split()[0].upper(), _open_after(conn)))
        return cursor

    def after(conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement.split()[0].upper(), _open_after(conn.connection.dbapi_connection)))

    engine = app.extensions["sipas_db"].engine
    client.get("/s/SNV-1")  # the counter, unit and round cached, the page made
    handed: list[str] = []
    layer = app.wsgi_app
    assert isinstance(layer, FastPath)
    flask_wsgi = layer.flask_wsgi
    layer.flask_wsgi = lambda environ, start: (
        handed.append(environ["PATH_INFO"])
        or flask_wsgi(  # type: ignore[method-assign]
            environ, start
        )
    )
    monkeypatch.setattr(psycopg.Connection, "execute", observed)
    event.listen(engine, "after_cursor_execute", after)
    checkouts: list[object] = []
    event.listen(engine.pool, "checkout", lambda *a: checkouts.append(a))
    try:
        tokens = form_tokens(client.get("/s/SNV-1").get_data(as_text=True))
        form_checkouts = len(checkouts)
        got = list(seen)
        seen.clear()
        sent = client.post("/s/SNV-1", data={**tokens, **full_answers("4")})
        posted = list(seen)
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert handed == []  # both answered by the fast path
    assert sent.status_code == 303
    assert _count(app) == 1
    assert got == [] and form_checkouts == 0  # no connection checked out for the form
    one = engine.dialect.name == "postgresql"
    assert [kind for kind, _ in posted] == (["INSERT"] if one else ["SELECT", "INSERT"])
    assert not any(open_after for _, open_after in got + posted)
