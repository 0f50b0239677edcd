"""The audit log's hash chain (issue 11 item 6): a row inserted, removed or moved with SQL is found
by ``sipas audit verify``; concurrent appends never fork the chain; migration 0007 chains the rows
already there."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from support import login_as, private_postgresql_database

from survey_app.cli.main import main
from survey_app.config import sqlite_url
from survey_app.db import get_db, migrate, normalise_url
from survey_app.db.models import AdminAuditLog
from survey_app.staff import audit, audit_chain

SECRET = "test-secret-key"
KEY = audit_chain.chain_key(SECRET)


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", SECRET)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def _write(app: Flask, count: int) -> list[int]:
    ids = []
    with app.app_context():
        for n in range(count):
            with get_db().begin() as session:
                ids.append(audit.record(session, who=f"cli:t{n}", action="cli.test").id)
    return ids


def _verdict(app: Flask, start: int | None = None) -> audit_chain.Verdict:
    with app.app_context(), get_db().begin() as session:
        return audit_chain.verify(session, KEY, start)


@contextmanager
def _unguarded(session: Session) -> Iterator[None]:
    """Lift the append-only triggers inside this transaction (as an attacker with the database
    could), and put them back before it commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
        return
    triggers = session.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": "admin_audit_log"},
    ).all()
    for name, _sql in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        session.execute(text(sql))


def test_rows_written_by_the_app_verify(app: Flask, sipas) -> None:
    staff = login_as(app, role="admin", username="nv.admin")
    staff.post("/admin/logout", data={})
    _write(app, 3)
    with app.app_context():
        rows = get_db().session.scalars(select(AdminAuditLog).order_by(AdminAuditLog.id)).all()
        assert len(rows) >= 4 and all(r.chain_hash for r in rows)
    result = sipas("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"ok: {len(rows)} rows" in result.output
    assert f"last: id {rows[-1].id}, hash {rows[-1].chain_hash}" in result.output


def test_an_empty_log_verifies_and_verify_needs_the_secret(app: Flask, sipas, monkeypatch) -> None:
    assert sipas("audit", "verify").output.startswith("ok: 0 rows")
    monkeypatch.delenv("SECRET_KEY")
    result = sipas("audit", "verify")
    assert result.exit_code != 0 and "SECRET_KEY" in result.output


def test_a_backdated_row_inserted_with_sql_is_found(app: Flask, sipas) -> None:
    ids = _write(app, 3)
    with app.app_context(), get_db().begin() as session:
        previous = session.get(AdminAuditLog, ids[-1]).chain_hash
        session.execute(
            text(
                "INSERT INTO admin_audit_log (at, who, role, action, method, path, target, "
                "detail, status_code, chain_hash) VALUES ('2020-01-01 08:00:00', 'nv.admin', "
                "'admin', 'review.bulk', 'POST', '/admin/review/1/bulk', 'round 1', '{}', 303, "
                ":h)"
            ),
            {"h": audit_chain.row_hash(b"guessed key", previous, {"x": 1} | _fake())},
        )
        forged = session.scalar(select(AdminAuditLog.id).order_by(AdminAuditLog.id.desc()))
    _write(app, 1)  # the app goes on appending after it
    result = sipas("audit", "verify")
    assert result.exit_code == 1
    assert f"broken: row {forged}: its hash does not match" in result.output
    assert "3 row(s) before it are intact" in result.output


def _fake() -> dict:
    return {name: "" for name in audit_chain.FIELDS}


def test_a_row_without_a_hash_is_found(app: Flask, sipas) -> None:
    _write(app, 2)
    with app.app_context(), get_db().begin() as session:
        session.execute(
            text(
                "INSERT INTO admin_audit_log (at, who, role, action, method, path, target, "
                "detail) VALUES ('2020-01-01', 'cli:x', '', 'cli.x', '', '', '', '{}')"
            )
        )
    result = sipas("audit", "verify")
    assert result.exit_code == 1 and "it has no chain hash" in result.output


def test_a_removed_row_is_found(app: Flask, sipas) -> None:
    ids = _write(app, 5)
    with app.app_context(), get_db().begin() as session, _unguarded(session):
        session.execute(text("DELETE FROM admin_audit_log WHERE id = :i"), {"i": ids[2]})
    result = sipas("audit", "verify")
    assert result.exit_code == 1
    assert f"broken: row {ids[3]}" in result.output
    assert f"ids {ids[2]}–{ids[2]} are not in the log" in result.output


def test_two_swapped_rows_are_found(app: Flask, sipas) -> None:
    ids = _write(app, 4)
    columns = [c for c in audit_chain.FIELDS if c != "id"] + ["chain_hash"]
    with app.app_context(), get_db().begin() as session:
        first, second = (
            session.execute(
                text(f"SELECT {', '.join(columns)} FROM admin_audit_log WHERE id = :i"), {"i": i}
            )
            .mappings()
            .one()
            for i in (ids[1], ids[2])
        )
        assignments = ", ".join(f"{c} = :{c}" for c in columns)
        sql = text(f"UPDATE admin_audit_log SET {assignments} WHERE id = :i")
        with _unguarded(session):
            for values, target in ((second, ids[1]), (first, ids[2])):
                detail = values["detail"]
                detail = detail if isinstance(detail, str) else json.dumps(detail)
                session.execute(sql, {**values, "detail": detail, "i": target})
    result = sipas("audit", "verify")
    assert result.exit_code == 1 and f"broken: row {ids[1]}" in result.output


def test_a_changed_row_is_found_and_another_key_fails_from_the_first_row(app: Flask) -> None:
    ids = _write(app, 3)
    assert _verdict(app).ok and _verdict(app).rows == 3
    with app.app_context(), get_db().begin() as session:
        wrong = audit_chain.verify(session, audit_chain.chain_key("another secret"))
    assert wrong.broken_id == ids[0]
    with app.app_context(), get_db().begin() as session, _unguarded(session):
        session.execute(
            text("UPDATE admin_audit_log SET who = 'someone else' WHERE id = :i"),
            {"i": ids[1]},
        )
    assert _verdict(app).broken_id == ids[1]


def test_after_a_secret_key_change_verify_from_the_first_new_row(app: Flask, sipas) -> None:
    _write(app, 2)
    renewed = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "the new secret"
    try:
        new_ids = _write(app, 2)
    finally:
        app.config["SECRET_KEY"] = renewed
    result = sipas("audit", "verify")
    assert result.exit_code == 1 and f"broken: row {new_ids[0]}" in result.output
    with app.app_context(), get_db().begin() as session:
        later = audit_chain.verify(session, audit_chain.chain_key("the new secret"), new_ids[0])
    assert later.ok and later.rows == 2


def test_concurrent_appends_never_fork_the_chain(app: Flask) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                for i in range(8):
                    with get_db().begin() as session:
                        audit.record(session, who=f"cli:w{n}", action=f"cli.{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    verdict = _verdict(app)
    assert verdict.ok, verdict.reason
    assert verdict.rows == 48


# --- migration 0007 ------------------------------------------------------------------------------
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "chain.sqlite")
    else:
        with private_postgresql_database(os.environ["TEST_DATABASE_URL"]) as url:
            yield url


def test_migration_0007_chains_the_rows_already_there(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.upgrade(empty_url, "0005")
    engine = create_engine(normalise_url(empty_url))
    with engine.begin() as conn:
        for n in range(5):
            conn.execute(
                text(
                    "INSERT INTO admin_audit_log (at, who, role, action, method, path, target, "
                    "detail, status_code) VALUES (:at, :who, 'admin', 'auth.login', 'POST', "
                    "'/admin/login', '', :detail, 302)"
                ),
                {"at": f"2026-11-2{n} 0{n}:00:00.12345{n}", "who": f"nv.{n}", "detail": '{"b": 1}'},
            )
    monkeypatch.setenv("SECRET_KEY", SECRET)
    migrate.upgrade(empty_url)
    with Session(engine) as session:
        verdict = audit_chain.verify(session, KEY)
        assert verdict.ok and verdict.rows == 5, verdict.reason
        audit_chain.append(session, KEY, {"who": "cli:x", "action": "cli.after"})
        session.commit()
        assert audit_chain.verify(session, KEY).rows == 6
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE admin_audit_log SET who = 'x'"))
    migrate.downgrade(empty_url, "0009_admin_pages")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM admin_audit_log")).scalar_one() == 6
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM admin_audit_log"))
    engine.dispose()
