"""Indexes for the public's lists, which read published rows only (status leads each one).

Since the public sees published rows only (migration 0007's workflow), every anonymous list
query carries status = 'published'; without these, SQLite walked the status index and fetched
each row (sort=-updated_at 61 ms, department counts 21 ms at 100,000 items). (status, name)
also lets the name LIKE filter and sort=name read the index alone.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_service_items_status_updated_at": ["status", "updated_at"],
    "ix_service_items_status_name": ["status", "name"],
    "ix_service_items_status_department_id_updated_at": ["status", "department_id", "updated_at"],
    "ix_service_items_status_department_id_case_type": ["status", "department_id", "case_type"],
}


def upgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
