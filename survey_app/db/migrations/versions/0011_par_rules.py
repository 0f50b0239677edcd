"""par rules: a criterion marked not applicable to a unit

Revision ID: 0011_par_rules
Revises: 0010
Create Date: 2026-12-06

Adds ``par_points.not_applicable``: the unit (or its appraisers) marked this criterion as not
applicable, as the catalog's rules allow (docs/decisions/0025-par-province-rules.md). Existing
rows keep their values and apply (false).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_par_rules"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("par_points") as batch:
        batch.add_column(
            sa.Column("not_applicable", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("par_points") as batch:
        batch.drop_column("not_applicable")
