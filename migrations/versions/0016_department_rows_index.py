"""An index for a department's rows newest first, the console's list of its 服务事项.

PostgreSQL answers a deep page (OFFSET of thousands within one department) by walking this
index alone, backwards; without it, it read and sorted every row of the department. SQLite's
department_id index already ends with the rowid, so there it changes little.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.create_index(
            "ix_service_items_department_id_id", ["department_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_index("ix_service_items_department_id_id")
