"""audit chain: each admin_audit_log row carries a keyed hash linking it to the row before

Revision ID: 0007_audit_chain
Revises: 0006_receipt_tickets_sessions
Create Date: 2026-12-06

Adds ``chain_hash`` and computes it for the existing rows in id order (survey_app.staff.
audit_chain) with the key derived from the environment's SECRET_KEY: run ``sipas db upgrade``
with the server's SECRET_KEY. Without one, the existing rows are chained under a random key, as
if SECRET_KEY had changed after them (``sipas audit verify --from`` the first later row). The
append-only triggers are lifted for this one update and made again.
"""

import os
import secrets

import sqlalchemy as sa
from alembic import op

from survey_app.db import UTCDateTime
from survey_app.staff.audit_chain import chain_key, row_hash

revision = "0007_audit_chain"
down_revision = "0006_receipt_tickets_sessions"
branch_labels = None
depends_on = None

TABLE = "admin_audit_log"
SQLITE_NO_UPDATE = f"""
CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused'); END
"""

log = sa.table(
    TABLE,
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("who", sa.String()),
    sa.column("role", sa.String()),
    sa.column("action", sa.String()),
    sa.column("method", sa.String()),
    sa.column("path", sa.String()),
    sa.column("target", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("status_code", sa.Integer()),
    sa.column("chain_hash", sa.String()),
)


def _chain_existing_rows() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    if not rows:
        return
    key = chain_key(os.environ.get("SECRET_KEY") or secrets.token_hex(32))
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        op.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_append_only")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
    previous = ""
    for row in rows:
        previous = row_hash(key, previous, dict(row))
        connection.execute(log.update().where(log.c.id == row["id"]).values(chain_hash=previous))
    if postgresql:
        op.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_append_only")
    else:
        op.execute(SQLITE_NO_UPDATE)


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("chain_hash", sa.String(length=64), nullable=True))
    _chain_existing_rows()


def downgrade() -> None:
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN chain_hash")
