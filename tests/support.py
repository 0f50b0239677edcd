"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Table, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from survey_app.db import get_db, normalise_url

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO_DATA = ROOT / "survey_app" / "demo" / "data"

APPEND_ONLY_TABLES = frozenset(
    {"admin_audit_log", "questionnaire_definitions", "par_evidence", "par_evidence_blobs"}
)
"""Tables whose triggers refuse UPDATE and DELETE (migration 0005; published questionnaire
versions, migration 0009; evidence files and their bytes, migration 0011)."""

TOKEN = re.compile(r'name="(csrf_token|sid)"[^>]*? value="([^"]+)"')
VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def english_of(message: str) -> str:
    """The English of a message written "Vietnamese / English", after checking that its first
    half is Vietnamese (so a test can compare the English exactly and still see both)."""
    vietnamese, separator, english = message.partition(" / ")
    assert separator and english and VIETNAMESE_LETTER.search(vietnamese), message
    return english


def form_tokens(html: str) -> dict[str, str]:
    """The hidden csrf_token and sid of a rendered form."""
    return dict(TOKEN.findall(html))


def full_answers(value: str = "4") -> dict[str, str]:
    """An answer to every item of sipas-2023 v1."""
    return {f"q{n}": value for n in range(15, 34)}


def count_rows(app: Flask, model: type) -> int:
    with app.app_context():
        return get_db().session.query(model).count()


@contextmanager
def private_postgresql_database(url: str) -> Iterator[str]:
    """A fresh database of this test run on the server of ``url``, dropped afterwards.

    Runs that share one server (a developer's and a helper's, say) never see each other's rows.
    """
    name = f"sipas_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_append_only(session: Session, table: Table) -> None:
    """Empty an append-only table between tests, past its triggers (never done by the app).

    PostgreSQL: triggers do not fire for a session in replica mode (the tests connect as a
    superuser). SQLite: its triggers are dropped, the rows deleted and the triggers made again
    from their stored SQL, all in the caller's transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(table.delete())
        session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
        return
    triggers = session.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table.name},
    ).all()
    for name, _sql in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    session.execute(table.delete())
    for _name, sql in triggers:
        session.execute(text(sql))


STAFF_PASSWORD = "correct horse battery"


def login_as(
    app: Flask,
    client: FlaskClient | None = None,
    role: str = "admin",
    *,
    username: str | None = None,
    unit: str | None = None,
) -> FlaskClient:
    """Create an account of ``role`` (a unit officer of ``unit``) and log ``client`` in with it.

    The account is ``nv.<role>`` unless ``username`` is given; its password `STAFF_PASSWORD`.
    Returns the logged-in client (a new one when none is given).
    """
    from survey_app.db.models import Unit
    from survey_app.staff.users import create_user

    client = client or app.test_client()
    name = username or f"nv.{role}"
    with app.app_context(), get_db().begin() as session:
        own = session.scalar(select(Unit).where(Unit.code == unit)) if unit else None
        if unit and own is None:
            raise LookupError(f"no unit {unit!r} to give the unit officer")
        create_user(session, name, STAFF_PASSWORD, role, own)
    token = form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]
    reply = client.post(
        "/admin/login", data={"csrf_token": token, "username": name, "password": STAFF_PASSWORD}
    )
    if reply.status_code != 302:
        raise AssertionError(f"login of {name} failed: {reply.status_code}")
    return client


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """An ``.xlsx`` file with these sheets, each holding its rows (openpyxl), as bytes."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
