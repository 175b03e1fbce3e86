"""Each department's generation: a token per department that every commit recording a change
to a row the figures count under that department replaces.

The figures keep each department's share of a grouped scan under that department's token, so
the first dashboard after a change rescans the one department changed instead of the whole
catalog (catalog/services/figure_cache.py). Department 0 stands for every department (机构
changes, rebuilds); its first tokens are random, so a database made again never meets the
shares kept for another. The history token changes only with a change dated in the past: the
figures as of a settled moment keep their shares under it.

Revision ID: 0019
Revises: 0018
"""

from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    generations = op.create_table(
        "department_generations",
        sa.Column("department_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("history_token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_department_generations")),
    )
    op.bulk_insert(
        generations, [{"department_id": 0, "token": uuid4().hex, "history_token": uuid4().hex}]
    )


def downgrade() -> None:
    op.drop_table("department_generations")
