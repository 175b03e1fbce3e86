"""An index for the audit page's action filter, which pages the trail newest first.

Without it, "every 退回" read the whole trail (its rows carry their before/after snapshots)
to count and to page: at 100,000 records the filtered page was the slowest console page.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_records") as batch_op:
        batch_op.create_index("ix_change_records_action", ["action", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_records") as batch_op:
        batch_op.drop_index("ix_change_records_action")
