"""receipt tickets sessions: random receipt-code ids, a session version per staff account

Revision ID: 0006_receipt_tickets_sessions
Revises: 0005
Create Date: 2026-12-06

Written by hand (issue 11):
- ``receipt_codes.id`` becomes a 64-bit integer (PostgreSQL; SQLite's is already) and every
  existing row gets a random id, so ids no longer follow the order codes were asked for
  (docs/decisions/0009). Nothing refers to these ids.
- ``users.session_version``: a staff session remembers the number it was made with and is refused
  once logout, a password or role change or deactivation raised it (docs/decisions/0013).
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_receipt_tickets_sessions"
down_revision = "0005"
branch_labels = None
depends_on = None


def _random_ids() -> None:
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM receipt_codes"))]
    secrets.SystemRandom().shuffle(ids)
    taken = set(ids)
    for old in ids:
        new = secrets.randbelow(2**62) + 1
        while new in taken:
            new = secrets.randbelow(2**62) + 1
        taken.add(new)
        conn.execute(
            sa.text("UPDATE receipt_codes SET id = :new WHERE id = :old"), {"new": new, "old": old}
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("receipt_codes", "id", type_=sa.BigInteger(), existing_type=sa.Integer())
    _random_ids()
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
    # the random ids stay (they fit PostgreSQL's bigint only; numbering them 1.. again would
    # bring back the order of issue): the column keeps its 64-bit type
