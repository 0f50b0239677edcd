"""When the database does not answer: /healthz says so, the citizen is asked to retry."""

from __future__ import annotations

import socket

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from survey_app import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_without_database() -> Flask:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere?connect_timeout=2"
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "k", "TESTING": True})


def test_healthz_is_503_when_the_database_is_down(app_without_database: Flask) -> None:
    reply = app_without_database.test_client().get("/healthz")
    assert reply.status_code == 503
    assert reply.json == {"status": "unavailable", "database": "down"}


def test_the_citizen_page_asks_to_retry_when_the_database_is_down(
    app_without_database: Flask,
) -> None:
    reply = app_without_database.test_client().get("/s/SNV-1")
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "10"
    assert "Vui lòng đợi một lát" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (lambda: InterfaceError("SELECT 1", None, Exception("connection already closed")), 503),
        (
            lambda: OperationalError("SELECT 1", None, Exception("server closed the connection")),
            503,
        ),
        (lambda: IntegrityError("INSERT", None, Exception("duplicate key")), 500),
    ],
)
def test_lost_connections_are_503_and_bugs_500(error, status: int) -> None:
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"})

    @app.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise error()

    assert app.test_client().get("/boom").status_code == status
