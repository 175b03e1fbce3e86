"""The completeness index covers the rows behind a figure: 编号 order within a department, and
the name on PostgreSQL (an index-only scan instead of reading every row of the table).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BEFORE = ["status", "item_type", "department_id", "unfilled_elements"]
AFTER = ["status", "item_type", "department_id", "id", "unfilled_elements"]


def upgrade() -> None:
    _replace(AFTER, include=["name"])


def downgrade() -> None:
    _replace(BEFORE, include=None)


def _replace(columns: list[str], include: list[str] | None) -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_index("ix_service_items_completeness")
    extra = {"postgresql_include": include} if include else {}
    op.create_index("ix_service_items_completeness", "service_items", columns, **extra)
