"""The search query log (queries that found nothing or only relaxed results) and the
query-time synonyms administrators add in the console.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_query_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_search_query_log_query", "search_query_log", ["query"])
    op.create_index("ix_search_query_log_created_at", "search_query_log", ["created_at"])
    op.create_table(
        "search_synonyms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule", sa.String(500), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_synonyms")
    op.drop_index("ix_search_query_log_created_at", "search_query_log")
    op.drop_index("ix_search_query_log_query", "search_query_log")
    op.drop_table("search_query_log")
