"""The admin audit log: what staff actions write, what they never write, and that the database
keeps it append-only (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import DBAPIError
from support import form_tokens, full_answers, login_as, private_postgresql_database

from survey_app.config import sqlite_url
from survey_app.db import get_db, migrate, normalise_url
from survey_app.db.models import AdminAuditLog, ParChange, Unit
from survey_app.staff import audit
from survey_app.staff.users import create_user

PASSWORD = "correct horse battery"
COMMENT = "Cán bộ một cửa rất tận tình"


def _rows(app: Flask, **where: str) -> list[AdminAuditLog]:
    with app.app_context():
        query = select(AdminAuditLog).order_by(AdminAuditLog.id)
        for name, value in where.items():
            query = query.where(getattr(AdminAuditLog, name) == value)
        return list(get_db().session.scalars(query))


def _token(client: FlaskClient) -> str:
    return form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]


def _log_in(app: Flask, client: FlaskClient, role: str = "admin") -> str:
    login_as(app, client, role, unit="SNV" if role == "unit_officer" else None)
    return _token(client)


def _unit_id(app: Flask, code: str) -> int:
    with app.app_context():
        return get_db().session.scalar(select(Unit.id).where(Unit.code == code))


def _no_secret_in(rows: list[AdminAuditLog], *secrets: str) -> None:
    for row in rows:
        text_of_row = repr((row.who, row.action, row.path, row.target, row.detail))
        for secret in secrets:
            assert secret not in text_of_row, (secret, text_of_row)


def test_logins_refused_passwords_and_logouts_are_written_without_the_password(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    with app.app_context(), get_db().begin() as session:
        create_user(session, "nv.admin", PASSWORD, "admin")
    wrong = "wrong password 123"
    refused = client.post(
        "/admin/login",
        data={"csrf_token": _token(client), "username": "nv.admin", "password": wrong},
    )
    assert refused.status_code == 401
    _log_in_existing = client.post(
        "/admin/login",
        data={"csrf_token": _token(client), "username": "nv.admin", "password": PASSWORD},
    )
    assert _log_in_existing.status_code == 302
    assert client.post("/admin/logout", data={"csrf_token": _token(client)}).status_code == 302
    rows = _rows(app)
    assert [(r.action, r.who, r.role, r.status_code) for r in rows] == [
        ("auth.login", "nv.admin", "", 401),
        ("auth.login", "nv.admin", "admin", 302),
        ("auth.logout", "nv.admin", "admin", 302),
    ]
    assert rows[0].detail == {"fields": ["password", "username"]}
    _no_secret_in(rows, PASSWORD, wrong)


def test_anonymous_posts_write_nothing(app: Flask, client: FlaskClient, survey: dict) -> None:
    reply = client.post(f"/admin/review/{survey['round_id']}", data={"csrf_token": _token(client)})
    assert reply.status_code == 302
    assert _rows(app) == []


def test_a_keyed_paper_form_is_logged_by_field_names_never_its_answers(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    token = _log_in(app, client)
    answers = {**full_answers("3"), "q31": "5", "comment": COMMENT}
    reply = client.post(
        f"/admin/paper/{survey['round_id']}/key",
        data={"csrf_token": token, "unit": _unit_id(app, "SNV"), "form_number": "42", **answers},
    )
    assert reply.status_code == 303
    [row] = _rows(app, action="paper.key")
    assert (row.who, row.role, row.method, row.status_code) == ("nv.admin", "admin", "POST", 303)
    assert row.target == f"round {survey['round_id']}"
    assert row.path == f"/admin/paper/{survey['round_id']}/key"
    assert set(row.detail) == {"fields"}
    assert {"q15", "q33", "comment", "unit", "form_number"} <= set(row.detail["fields"])
    assert "csrf_token" not in row.detail["fields"]
    _no_secret_in([row], COMMENT, token)


def test_a_refused_and_rolled_back_action_still_leaves_its_attempt(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    token = _log_in(app, client, "council")
    reply = client.post(
        "/admin/par/2023/units/SNV",
        data={"csrf_token": token, "code": "8.1", "points": "abc", "reason": "x"},
    )
    assert reply.status_code == 422
    [row] = _rows(app, action="par.unit")
    assert (row.who, row.role, row.status_code) == ("nv.council", "council", 422)
    assert row.target == "year 2023 · unit SNV"
    assert row.detail["criterion"] == "8.1"
    assert sorted(row.detail["fields"]) == ["code", "points", "reason"]
    with app.app_context():
        assert get_db().session.scalar(select(ParChange.id)) is None
    forbidden = client.post(f"/admin/review/{survey['round_id']}", data={"csrf_token": token})
    assert forbidden.status_code == 403
    [refused] = _rows(app, action="review.bulk")
    assert (refused.who, refused.role, refused.status_code) == ("nv.council", "council", 403)


def test_a_body_too_large_is_logged_as_refused_not_failed(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    token = _log_in(app, client)
    app.config["MAX_CONTENT_LENGTH"] = 2000
    reply = client.post(
        f"/admin/review/{survey['round_id']}", data={"csrf_token": token, "reason": "x" * 5000}
    )
    assert reply.status_code == 413
    [row] = _rows(app, action="review.bulk")
    assert row.status_code == 413 and row.detail == {"body": "unreadable"}


def test_a_review_action_keeps_its_choice_and_how_many_changed(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    citizen = app.test_client()
    tokens = form_tokens(citizen.get(f"/s/{survey['counter']}").get_data(as_text=True))
    citizen.post(f"/s/{survey['counter']}", data={**tokens, **full_answers("5")})
    token = _log_in(app, client)
    with app.app_context():
        from survey_app.db.models import Response

        response_id = get_db().session.scalar(select(Response.id))
    reply = client.post(
        f"/admin/review/{survey['round_id']}",
        data={"csrf_token": token, "action": "exclude", "ids": response_id, "reason": "thử"},
    )
    assert reply.status_code == 303
    [row] = _rows(app, action="review.bulk")
    assert row.detail["action"] == "exclude" and row.detail["changed"] == 1
    assert row.detail["fields"] == ["action", "ids", "reason"]


def test_exporting_answers_is_logged_even_though_it_is_a_get(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    _log_in(app, client, "analyst")
    assert client.get("/admin/export/responses.csv?round=Đợt thử").status_code == 200
    assert client.get("/admin/results/1").status_code in (200, 404)  # an ordinary GET: no row
    [row] = _rows(app, action="admin.export_responses")
    assert (row.who, row.role, row.method) == ("nv.analyst", "analyst", "GET")
    assert row.target == "round Đợt thử" and row.detail == {"include_excluded": False}
    assert [r.action for r in _rows(app)] == ["auth.login", "admin.export_responses"]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE admin_audit_log SET who = 'someone else'", "DELETE FROM admin_audit_log"],
)
def test_the_database_refuses_to_change_or_delete_a_row(app: Flask, statement: str) -> None:
    with app.app_context():
        with get_db().begin() as session:
            audit.record(session, who="cli:test", action="cli.test", target="round 1")
        engine = get_db().engine
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        if engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text("TRUNCATE admin_audit_log"))
        with pytest.raises(DBAPIError, match="append-only"), get_db().begin() as session:
            row = session.scalar(select(AdminAuditLog))
            row.target = "round 2"
    [row] = _rows(app)
    assert (row.who, row.target) == ("cli:test", "round 1")


def _many(app: Flask, count: int) -> None:
    with app.app_context(), get_db().begin() as session:
        for n in range(count):
            audit.record(session, who="cli:test", action="cli.test", target=f"round {n}")


def test_the_admin_reads_the_log_by_page_and_filter(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    _many(app, 60)
    _log_in(app, client)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "auth.login" in first and "đợt 59" in first and "đợt 9<" not in first
    assert "page=2" in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "đợt 9<" in second and "đợt 59" not in second
    logins = client.get("/admin/audit?action=auth.").get_data(as_text=True)
    assert "auth.login" in logins and "cli.test" not in logins
    # people read words: the action's name, the role's, the detail as "name: value", no JSON
    assert "Đăng nhập" in logins and "Quản trị viên" in logins and "thành công" in logins
    assert "các ô đã gửi: <code>password, username</code>" in logins
    assert "{&#34;" not in logins and '{"' not in logins
    by_who = client.get("/admin/audit?who=nv.admin").get_data(as_text=True)
    assert "auth.login" in by_who and "cli.test" not in by_who
    today = date.today()
    assert "cli.test" in client.get(f"/admin/audit?since={today - timedelta(days=1)}").text
    later = client.get(f"/admin/audit?since={today + timedelta(days=2)}").get_data(as_text=True)
    assert "cli.test" not in later and "Không có dòng nào" in later
    assert client.get("/admin/audit?until=31/12/2024").status_code == 422


@pytest.mark.parametrize("value", ["\x00", "%", "_", "'; --", "\\", "😀" * 300])
def test_odd_filters_never_fail(app: Flask, client: FlaskClient, survey: dict, value: str) -> None:
    _log_in(app, client)
    for name in ("who", "action", "since", "until", "page"):
        for path in ("/admin/audit", "/admin/audit.csv"):
            reply = client.get(path, query_string={name: value})
            assert reply.status_code in (200, 422), (path, name, reply.status_code)
            reply.get_data()


def test_the_admin_exports_the_log_as_csv(app: Flask, client: FlaskClient, survey: dict) -> None:
    refused = client.post(
        "/admin/login",
        data={"csrf_token": _token(client), "username": '=HYPERLINK("x")', "password": "x" * 10},
    )
    assert refused.status_code == 401
    _many(app, 3)
    _log_in(app, client)
    reply = client.get("/admin/audit.csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    content = reply.get_data(as_text=True)
    assert content.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))
    assert list(table[0]) == list(audit.COLUMNS)
    actions = [r["action"] for r in table]  # newest first, this export's own row too
    assert actions == ["audit.download", "auth.login"] + ["cli.test"] * 3 + ["auth.login"]
    assert table[-1]["who"] == '\'=HYPERLINK("x")'  # a spreadsheet shows it, never runs it
    assert table[0]["at"].endswith("+07:00")
    only = client.get("/admin/audit.csv?action=cli.").get_data(as_text=True)
    assert only.count("cli.test") == 3 and "auth.login" not in only
    exports = _rows(app, action="audit.download")
    assert [(e.who, e.detail) for e in exports] == [
        ("nv.admin", {"filters": {}}),
        ("nv.admin", {"filters": {"action": "cli."}}),
    ]


@pytest.mark.parametrize("role", ["analyst", "council", "unit_officer"])
def test_only_the_admin_reads_the_log(
    app: Flask, client: FlaskClient, survey: dict, role: str
) -> None:
    _log_in(app, client, role)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_cli_account_creation_is_logged(app: Flask, survey: dict, monkeypatch) -> None:
    from click.testing import CliRunner

    from survey_app.cli.main import main

    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    result = CliRunner().invoke(
        main, ["users", "create", "nv.hd", "--role", "council", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    [row] = _rows(app)
    assert row.who.startswith("cli:") and row.action == "cli.users_create"
    assert row.target == "user nv.hd" and row.detail == {"role": "council", "unit": ""}
    _no_secret_in([row], PASSWORD)


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "roles.sqlite")
    else:
        with private_postgresql_database(os.environ["TEST_DATABASE_URL"]) as url:
            yield url


def test_migration_0005_goes_down_and_up_with_its_triggers(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    engine = create_engine(normalise_url(empty_url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, password_hash, role, active, created_at) "
                "VALUES ('nv.admin', 'x', 'admin', true, '2026-01-01')"
            )
        )
    migrate.downgrade(empty_url, "0004")
    tables = inspect(engine)
    assert not tables.has_table("admin_audit_log")
    assert "unit_id" not in {c["name"] for c in tables.get_columns("users")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM users")).scalar_one() == "nv.admin"
        if engine.dialect.name == "postgresql":
            left = "SELECT count(*) FROM pg_proc WHERE proname = 'admin_audit_log_append_only'"
            assert conn.execute(text(left)).scalar_one() == 0
    migrate.upgrade(empty_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO admin_audit_log (at, who, role, action, method, path, target, "
                "detail) VALUES ('2026-01-01', 'cli:x', '', 'cli.x', '', '', '', '{}')"
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM admin_audit_log"))
    engine.dispose()
