"""par year online: self-assessment with evidence, appraisal steps, reopened sheets

Revision ID: 0010
Revises: 0009_admin_pages
Create Date: 2026-12-06

Adds ``par_steps`` (every step's points with who, when, why), ``par_evidence`` (evidence files'
metadata) and ``par_evidence_blobs`` (their bytes when the store is the database); columns of the
online sheet on ``par_points`` and the reopening of a locked sheet on ``par_assessments``.
Existing rows keep their values; new text columns default to the empty text.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009_admin_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "par_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Double(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("who", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_par_steps_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_par_steps"),
    )
    op.create_index("ix_par_steps_unit_id", "par_steps", ["unit_id"])
    op.create_table(
        "par_evidence",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_par_evidence_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_par_evidence"),
    )
    op.create_index("ix_par_evidence_unit_id", "par_evidence", ["unit_id"])
    op.create_table(
        "par_evidence_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_par_evidence_blobs"),
    )
    with op.batch_alter_table("par_points") as batch:
        batch.add_column(sa.Column("explanation", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("appraised_points", sa.Double(), nullable=True))
        batch.add_column(
            sa.Column("appraisal_comment", sa.Text(), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("returned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reply", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("par_assessments") as batch:
        batch.add_column(sa.Column("reopened_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reopen_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("par_assessments") as batch:
        batch.drop_column("reopen_reason")
        batch.drop_column("reopened_until")
    with op.batch_alter_table("par_points") as batch:
        for column in ("reply", "returned", "appraisal_comment", "appraised_points", "explanation"):
            batch.drop_column(column)
    op.drop_table("par_evidence_blobs")
    op.drop_index("ix_par_evidence_unit_id", table_name="par_evidence")
    op.drop_table("par_evidence")
    op.drop_index("ix_par_steps_unit_id", table_name="par_steps")
    op.drop_table("par_steps")
