"""The catalog's generation: one row whose token each commit that records a change replaces.

Each process keeps what it derives from the catalog per token: the figures' totals
(catalog/services/figure_cache.py), so a dashboard read again before the next change costs no
scan of the lists, and the did-you-mean vocabulary. The first token is
random, as every later one is: a database made again never meets the results kept for another.

Revision ID: 0017
Revises: 0016
"""

from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    generation = op.create_table(
        "catalog_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_generation")),
    )
    op.bulk_insert(generation, [{"id": 1, "token": uuid4().hex}])


def downgrade() -> None:
    op.drop_table("catalog_generation")
