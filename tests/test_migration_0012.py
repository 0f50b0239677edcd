"""Migration 0012 keeps every account and evidence file (SQLite, and PostgreSQL in CI): accounts
get an empty e-mail, files no earlier version, and from then on the database refuses to delete
evidence."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from survey_app.db import migrate, normalise_url

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def test_accounts_and_evidence_survive_and_evidence_can_no_longer_be_deleted(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, "0011_par_rules")
    engine = create_engine(normalise_url(empty_database_url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit_types (id, code, name_vi, name_en) "
                "VALUES (1, 'department', 'Sở', 'Department')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO units (id, code, name, kind, unit_type_id, ranked, valid_from) "
                "VALUES (1, 'SNV', 'Sở Nội vụ', '', 1, true, '2023-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (id, username, password_hash, role, unit_id, active, "
                "created_at, session_version) VALUES "
                "(1, 'admin', 'x', 'admin', NULL, true, '2023-01-01', 1), "
                "(2, 'cb.snv', 'y', 'unit_officer', 1, true, '2023-01-01', 3)"
            )
        )
        for n in range(3):
            conn.execute(
                text(
                    "INSERT INTO par_evidence (id, year, unit_id, code, stage, filename, "
                    "media_type, size, sha256, uploaded_by, uploaded_at) VALUES (:id, 2023, 1, "
                    "'1.1.1', 'self', :name, 'application/pdf', 10, :sha, 'cb.snv', "
                    "'2023-11-01')"
                ),
                {"id": f"{n:032x}", "name": f"tep-{n}.pdf", "sha": f"{n:064x}"},
            )
        conn.execute(
            text("INSERT INTO par_evidence_blobs (sha256, data) VALUES (:s, :d)"),
            {"s": "0" * 64, "d": b"%PDF-1.4"},
        )
    engine.dispose()
    migrate.upgrade(empty_database_url)
    engine = create_engine(normalise_url(empty_database_url))
    with engine.connect() as conn:
        users = conn.execute(
            text("SELECT username, role, unit_id, session_version, email FROM users ORDER BY id")
        ).all()
        files = conn.execute(
            text("SELECT filename, sha256, replaces_id FROM par_evidence ORDER BY id")
        ).all()
    assert [tuple(u) for u in users] == [
        ("admin", "admin", None, 1, ""),
        ("cb.snv", "unit_officer", 1, 3, ""),
    ]
    assert [tuple(f) for f in files] == [(f"tep-{n}.pdf", f"{n:064x}", None) for n in range(3)]
    for statement in (
        "DELETE FROM par_evidence",
        "UPDATE par_evidence SET sha256 = 'x'",
        "DELETE FROM par_evidence_blobs",
    ):
        with pytest.raises(DBAPIError, match="kept for good"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.begin() as conn:  # taking a draft's file off the sheet stays possible
        conn.execute(text("UPDATE par_evidence SET withdrawn_at = '2023-11-02' WHERE size = 10"))
        conn.execute(text("UPDATE users SET email = 'a@b.vn' WHERE id = 2"))
    engine.dispose()
