"""answers storage: answers and profile as jsonb, derived item levels; cache version; scan state

Revision ID: 0008_answers_storage
Revises: 0007_audit_chain
Create Date: 2026-12-06

On PostgreSQL ``responses.answers`` and ``responses.profile`` become ``jsonb`` (``USING
answers::jsonb``: every stored answer is kept, converted in place), so that the analysis reads one
item per answer without re-parsing the whole JSON text for each item (issue 12). SQLite stores
JSON as text either way: nothing changes there. ``responses.levels``: the item levels as one
short text derived from ``answers`` (survey_app/db/levels.py), kept honest by a trigger on
PostgreSQL; empty for every existing answer (readers compute it then). Two one-row tables:
``cache_version`` (bumped by every change to units, counters and rounds; the citizen's pages
cache them) and ``signal_scan`` (when the signals' periodic scan ran, and up to which answer),
docs/decisions/0015.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_answers_storage"
down_revision = "0007_audit_chain"
branch_labels = None
depends_on = None

DOCUMENTS = ("answers", "profile")
# responses.levels is derived from answers (survey_app/db/levels.py): on PostgreSQL it can only be
# written by an UPDATE that leaves answers as they are; every INSERT and every change of answers
# empties it, so a stale value can never be read.
PG_LEVELS_FUNCTION = """
CREATE FUNCTION responses_levels_follow_answers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.answers IS DISTINCT FROM OLD.answers THEN
        NEW.levels := NULL;
    END IF;
    RETURN NEW;
END
$$
"""
PG_LEVELS_TRIGGER = """
CREATE TRIGGER responses_levels_follow_answers
BEFORE INSERT OR UPDATE ON responses
FOR EACH ROW EXECUTE FUNCTION responses_levels_follow_answers()
"""


def upgrade() -> None:
    op.create_table(
        "cache_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "signal_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_scan_at", sa.DateTime(), nullable=True),
        sa.Column("last_response_id", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("responses", sa.Column("levels", sa.Text(), nullable=True))
    op.execute("INSERT INTO cache_version (id, version) VALUES (1, 0)")
    # answers stored before this migration already had their signals computed on submission
    op.execute(
        "INSERT INTO signal_scan (id, last_response_id) "
        "SELECT 1, COALESCE(MAX(id), 0) FROM responses"
    )
    if op.get_bind().dialect.name == "postgresql":
        for column in DOCUMENTS:
            op.execute(
                f"ALTER TABLE responses ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb"
            )
        op.execute(PG_LEVELS_FUNCTION)
        op.execute(PG_LEVELS_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER responses_levels_follow_answers ON responses")
        op.execute("DROP FUNCTION responses_levels_follow_answers()")
        for column in DOCUMENTS:
            op.execute(
                f"ALTER TABLE responses ALTER COLUMN {column} TYPE json USING {column}::json"
            )
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("levels")
    op.drop_table("signal_scan")
    op.drop_table("cache_version")
