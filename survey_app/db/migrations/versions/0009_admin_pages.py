"""admin pages: questionnaire definitions uploaded and published in the browser

Revision ID: 0009_admin_pages
Revises: 0008_answers_storage
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_admin_pages"
down_revision = "0008_answers_storage"
branch_labels = None
depends_on = None

TABLE = "questionnaire_definitions"
# A published version never changes: the database refuses to update or delete its row.
PG_FUNCTION = f"""
CREATE FUNCTION {TABLE}_published_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'a published questionnaire version never changes: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$
"""
PG_TRIGGER = f"""
CREATE TRIGGER {TABLE}_published_fixed BEFORE UPDATE OR DELETE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION {TABLE}_published_fixed()
"""
SQLITE_TRIGGERS = {
    f"{TABLE}_no_update": f"""
CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} WHEN OLD.published_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a published questionnaire version never changes'); END
""",
    f"{TABLE}_no_delete": f"""
CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} WHEN OLD.published_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a published questionnaire version never changes'); END
""",
}


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_format", sa.String(length=10), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("questionnaire_id", "version", name="uq_questionnaire_definitions_key"),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_published_fixed ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_published_fixed()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table(TABLE)
