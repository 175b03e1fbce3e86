"""The guide's 结果名称 and 结果样本, each material's 空白表格 and 示例样表, and 常见问题.

The guide showed the result as 未填报 for every item and had no place for sample forms or
questions: the list had no columns for them. Existing rows get NULL (未填报) and no questions.

Also an index for the 按镇街办事 pages: a township's published rows, their type, name,
department and power, so its page and the index's counts read the index alone (at 100,000
items they read a table row for each of a township's thousands of items: 0.5–1.5 s a page).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TOWNSHIP_PAGE = ["township_id", "status", "item_type", "name", "department_id", "power_item_id"]


def upgrade() -> None:
    with op.batch_alter_table("service_items") as batch:
        batch.add_column(sa.Column("result_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("result_sample_url", sa.String(length=500), nullable=True))
    with op.batch_alter_table("materials") as batch:
        batch.add_column(sa.Column("blank_form_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("sample_form_url", sa.String(length=500), nullable=True))
    op.create_table(
        "service_item_faqs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_item_id"],
            ["service_items.id"],
            ondelete="CASCADE",
            name="fk_service_item_faqs_service_item_id_service_items",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_service_item_faqs"),
    )
    op.create_index(
        "ix_service_item_faqs_service_item_id", "service_item_faqs", ["service_item_id"]
    )
    op.create_index("ix_service_items_township_page", "service_items", TOWNSHIP_PAGE)


def downgrade() -> None:
    op.drop_index("ix_service_items_township_page", table_name="service_items")
    op.drop_index("ix_service_item_faqs_service_item_id", table_name="service_item_faqs")
    op.drop_table("service_item_faqs")
    with op.batch_alter_table("materials") as batch:
        batch.drop_column("sample_form_url")
        batch.drop_column("blank_form_url")
    with op.batch_alter_table("service_items") as batch:
        batch.drop_column("result_sample_url")
        batch.drop_column("result_name")
