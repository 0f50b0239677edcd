"""answers storage: answers and profile as jsonb on PostgreSQL; cache version; signal scan state

Revision ID: 0008_answers_storage
Revises: 0005
Create Date: 2026-12-06

On PostgreSQL ``responses.answers`` and ``responses.profile`` become ``jsonb`` (``USING
answers::jsonb``: every stored answer is kept, converted in place), so that the analysis reads one
item per answer without re-parsing the whole JSON text for each item (issue 12). SQLite stores
JSON as text either way: nothing changes there. Two one-row tables: ``cache_version`` (bumped by
every change to units, counters and rounds; the citizen's pages cache them) and ``signal_scan``
(when the signals' periodic scan ran, and up to which answer), docs/decisions/0015.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_answers_storage"
down_revision = "0005"
branch_labels = None
depends_on = None

DOCUMENTS = ("answers", "profile")


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


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in DOCUMENTS:
            op.execute(f"ALTER TABLE responses ALTER COLUMN {column} TYPE json USING {column}::json")
    op.drop_table("signal_scan")
    op.drop_table("cache_version")
