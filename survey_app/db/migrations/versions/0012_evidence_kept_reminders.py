"""evidence kept for good (superseded, never deleted), staff e-mail for PAR reminders

Revision ID: 0012
Revises: 0011_par_rules
Create Date: 2026-12-06

Adds ``users.email`` (empty for every existing account) and ``par_evidence.replaces_id`` (the
earlier version a file supersedes; empty for existing files). Triggers then make evidence
permanent in the database itself (docs/decisions/0026): ``par_evidence`` refuses DELETE (and
TRUNCATE) and any change of what names a file's bytes and origin; ``par_evidence_blobs`` refuses
UPDATE, DELETE and TRUNCATE. Taking a draft's file off the sheet (``withdrawn_at``) and marking a
file superseded stay possible.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011_par_rules"
branch_labels = None
depends_on = None

FIXED = (
    "id, year, unit_id, code, stage, filename, media_type, size, sha256, uploaded_by, uploaded_at"
)
PG = [
    """
CREATE FUNCTION par_evidence_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evidence is kept for good (%): % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
""",
    "CREATE TRIGGER par_evidence_no_delete BEFORE DELETE OR TRUNCATE ON par_evidence "
    "FOR EACH STATEMENT EXECUTE FUNCTION par_evidence_kept()",
    f"CREATE TRIGGER par_evidence_fixed BEFORE UPDATE OF {FIXED} ON par_evidence "
    "FOR EACH ROW EXECUTE FUNCTION par_evidence_kept()",
    "CREATE TRIGGER par_evidence_blobs_kept BEFORE UPDATE OR DELETE OR TRUNCATE "
    "ON par_evidence_blobs FOR EACH STATEMENT EXECUTE FUNCTION par_evidence_kept()",
]
SQLITE = {
    "par_evidence_no_delete": "BEFORE DELETE ON par_evidence",
    "par_evidence_fixed": f"BEFORE UPDATE OF {FIXED} ON par_evidence",
    "par_evidence_blobs_no_update": "BEFORE UPDATE ON par_evidence_blobs",
    "par_evidence_blobs_no_delete": "BEFORE DELETE ON par_evidence_blobs",
}


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("email", sa.String(length=254), nullable=False, server_default="")
        )
    with op.batch_alter_table("par_evidence") as batch:
        batch.add_column(sa.Column("replaces_id", sa.String(length=32), nullable=True))
        batch.create_foreign_key(
            "fk_par_evidence_replaces_id_par_evidence", "par_evidence", ["replaces_id"], ["id"]
        )
    if op.get_context().dialect.name == "postgresql":
        for statement in PG:
            op.execute(statement)
    else:
        for name, when in SQLITE.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} BEGIN "
                f"SELECT RAISE(ABORT, 'evidence is kept for good: {name} refused'); END"
            )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS par_evidence_no_delete ON par_evidence")
        op.execute("DROP TRIGGER IF EXISTS par_evidence_fixed ON par_evidence")
        op.execute("DROP TRIGGER IF EXISTS par_evidence_blobs_kept ON par_evidence_blobs")
        op.execute("DROP FUNCTION IF EXISTS par_evidence_kept()")
    else:
        for name in SQLITE:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("par_evidence") as batch:
        batch.drop_constraint("fk_par_evidence_replaces_id_par_evidence", type_="foreignkey")
        batch.drop_column("replaces_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
