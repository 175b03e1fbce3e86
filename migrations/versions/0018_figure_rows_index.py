"""An index for the rows behind a figure by name: a page's ids in name order from the index.

The rows pulling 即办件占比 down, in a region, were all read and sorted to keep fifty (106 ms at
100,000 items on SQLite); with the list's status, item type, name and department in one index
they are walked in order until the page is full (4 ms).

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.create_index(
            "ix_service_items_figure_rows",
            ["status", "item_type", "name", "department_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_index("ix_service_items_figure_rows")
