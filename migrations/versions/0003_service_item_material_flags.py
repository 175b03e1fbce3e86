"""Store 电子证照事项 and 免证办 on the service item, derived from its materials.

The figures counted them with two subqueries per item; stored flags keep the figures endpoints
fast at 100,000 items. Existing rows are backfilled from their materials.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_items") as batch:
        batch.add_column(
            sa.Column("e_license_linked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("license_free", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE service_items SET e_license_linked = EXISTS (SELECT 1 FROM materials m "
        "WHERE m.service_item_id = service_items.id AND m.e_license_name IS NOT NULL)"
    )
    op.execute(
        "UPDATE service_items SET license_free = EXISTS (SELECT 1 FROM materials m "
        "WHERE m.service_item_id = service_items.id AND m.e_license_name IS NOT NULL AND m.exempt)"
    )


def downgrade() -> None:
    with op.batch_alter_table("service_items") as batch:
        batch.drop_column("license_free")
        batch.drop_column("e_license_linked")
