"""History snapshots as JSONB on PostgreSQL (SQLite keeps JSON text).

Figures as of a date read a dozen keys of every snapshot; JSONB is parsed once when written.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in ("before", "after"):
        op.alter_column(
            "change_records", column, type_=JSONB(), postgresql_using=f'"{column}"::jsonb'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in ("before", "after"):
        op.alter_column(
            "change_records", column, type_=sa.JSON(), postgresql_using=f'"{column}"::json'
        )
