"""The 职权类型 code list: national 01-10 and 20, and the local extensions.

Revision ID: 0002
Revises: 0001
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen here as they stood when this migration was written; later changes get their own.
NATIONAL = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他类别事项",
    "20": "公共服务事项",
}
LOCAL = {"21": "行政指导", "22": "行政调解", "23": "审核转报", "24": "内部审批", "25": "行政监督"}


def upgrade() -> None:
    table = sa.table(
        "power_types",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("national", sa.Boolean),
        sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    rows = [(code, name, True) for code, name in NATIONAL.items()]
    rows += [(code, name, False) for code, name in LOCAL.items()]
    op.bulk_insert(
        table,
        [
            {
                "code": c,
                "name": n,
                "national": nat,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for c, n, nat in rows
        ],
    )


def downgrade() -> None:
    codes = list(NATIONAL) + list(LOCAL)
    op.execute(
        sa.text("DELETE FROM power_types WHERE code IN :codes").bindparams(
            sa.bindparam("codes", codes, expanding=True)
        )
    )
