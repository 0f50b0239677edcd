"""Migrations upgrade a database that already holds answers (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from survey_app.db import migrate, normalise_url

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def test_a_response_stored_before_the_review_columns_survives_the_upgrade(
    empty_database_url: str,
) -> None:
    migrate.upgrade(empty_database_url, "0003")
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
                "INSERT INTO units (id, code, name, kind, unit_type_id, ranked, "
                "valid_from) VALUES (1, 'SNV', 'Sở Nội vụ', 'so', 1, true, "
                "'2023-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO survey_rounds (id, name, questionnaire_id, "
                "questionnaire_version, opens_at, closes_at, created_at) VALUES "
                "(1, 'r', 'sipas-2023', 1, '2023-01-01', '2024-01-01', "
                "'2023-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO responses (id, submission_id, round_id, unit_id, "
                "channel, submitted_at, questionnaire_id, questionnaire_version, "
                "language, answers, profile) VALUES (1, 'x', 1, 1, 'counter_qr', "
                "'2023-05-01', 'sipas-2023', 1, 'vi', '{\"q15\": 5}', '{}')"
            )
        )
    migrate.upgrade(empty_database_url)
    with engine.connect() as conn:
        state, flags = conn.execute(text("SELECT state, flags FROM responses")).one()
    engine.dispose()
    assert state == "received"
    assert flags in ([], "[]")


def _revisions() -> list[str]:
    """Every revision of the packaged migrations, oldest first (read from the scripts)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


@pytest.mark.parametrize("start", _revisions()[:-1])
def test_any_earlier_revision_upgrades_to_the_head_keeping_its_rows(
    empty_database_url: str, start: str
) -> None:
    """A database left at any earlier revision (by the old layout, too: the revision ids did not
    change when migrations moved to survey_app/db/migrations) reaches the head with its units."""
    migrate.upgrade(empty_database_url, start)
    engine = create_engine(normalise_url(empty_database_url))
    with engine.begin() as conn:
        type_id = conn.execute(
            text(
                "INSERT INTO unit_types (code, name_vi, name_en) "
                "VALUES ('department', 'Sở', 'Department') RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO units (code, name, kind, unit_type_id, ranked, valid_from) "
                "VALUES ('SNV', 'Sở Nội vụ', '', :t, true, '2023-01-01')"
            ),
            {"t": type_id},
        )
    engine.dispose()
    migrate.upgrade(empty_database_url)
    engine = create_engine(normalise_url(empty_database_url))
    with engine.connect() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        names = conn.execute(text("SELECT code, name FROM units")).all()
    engine.dispose()
    assert head == _revisions()[-1]
    assert [tuple(n) for n in names] == [("SNV", "Sở Nội vụ")]


def test_receipt_codes_get_random_ids_and_users_a_session_version(empty_database_url: str) -> None:
    """0006: every receipt code kept with a random id; every account kept, at version 1."""
    migrate.upgrade(empty_database_url, "0005")
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
                "VALUES (1, 'SNV', 'Sở Nội vụ', 'so', 1, true, '2023-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO survey_rounds (id, name, questionnaire_id, questionnaire_version, "
                "opens_at, closes_at, created_at) VALUES (1, 'r', 'sipas-2023', 1, "
                "'2023-01-01', '2024-01-01', '2023-01-01')"
            )
        )
        for n in range(1, 21):
            conn.execute(
                text(
                    "INSERT INTO receipt_codes (id, code_hash, round_id, unit_id, expires_at) "
                    "VALUES (:id, :hash, 1, 1, '2023-02-01')"
                ),
                {"id": n, "hash": f"{n:064x}"},
            )
        conn.execute(
            text(
                "INSERT INTO users (id, username, password_hash, role, active, created_at) "
                "VALUES (1, 'admin', 'x', 'admin', true, '2023-01-01')"
            )
        )
    migrate.upgrade(empty_database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, code_hash FROM receipt_codes")).all()
        version = conn.execute(text("SELECT session_version FROM users")).scalar_one()
    engine.dispose()
    assert sorted(h for _, h in rows) == [f"{n:064x}" for n in range(1, 21)]
    ids = [i for i, _ in sorted(rows, key=lambda r: r[1])]
    assert ids != sorted(ids) and max(ids) > 2**40  # random, no longer the order of issue
    assert version == 1
