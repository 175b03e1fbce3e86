"""The figures' history (figure_facts): each version of a counted row, filled from change_records.

Figures as of a date ranked every JSON snapshot up to the date: 1.0–1.9 s at 100,000 items.
A version valid at a moment is now a range condition on a narrow, indexed table. The facts of
the history written before this migration are derived here, with the SQL the application
uses (catalog/models/figure_facts.py), frozen as of this revision. Covering indexes let
SQLite count the figures from an index alone, live and as of a date.

Revision ID: 0006_figure_facts
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_figure_facts"
down_revision = "0005"
branch_labels = None
depends_on = None

# fact column → (snapshot key, type), per list (catalog.models.figure_facts.FACT_SOURCES)
SOURCES = {
    "service_item": {
        "department_id": ("department_id", sa.Integer),
        "name": ("name", sa.String),
        "status": ("status", sa.String),
        "item_type": ("item_type", sa.String),
        "case_type": ("case_type", sa.String),
        "legal_time_limit": ("legal_time_limit", sa.Integer),
        "legal_time_unit": ("legal_time_unit", sa.String),
        "promised_time_limit": ("promised_time_limit", sa.Integer),
        "promised_time_unit": ("promised_time_unit", sa.String),
        "onsite_visits": ("onsite_visits", sa.Integer),
        "e_license_linked": ("e_license_linked", sa.Boolean),
        "license_free": ("license_free", sa.Boolean),
    },
    "supervision_item": {
        "department_id": ("department_id", sa.Integer),
        "name": ("code", sa.String),
        "status": ("status", sa.String),
        "supervision_type": ("supervision_type", sa.String),
        "claimed": ("claimed", sa.Boolean),
    },
    "inspection_impl_list": {
        "supervision_item_id": ("supervision_item_id", sa.Integer),
        "status": ("status", sa.String),
    },
    "bundle": {
        "department_id": ("lead_department_id", sa.Integer),
        "name": ("name", sa.String),
        "status": ("status", sa.String),
    },
}

# The covering indexes' columns: what the figures filter on, in the order they group by,
# then what they count (live on service_items; with the validity on figure_facts).
FIGURE_COLUMNS = [
    "status",
    "item_type",
    "department_id",
    "legal_time_limit",
    "legal_time_unit",
    "promised_time_limit",
    "promised_time_unit",
    "case_type",
    "onsite_visits",
    "e_license_linked",
    "license_free",
]

change_records = sa.table(
    "change_records",
    sa.column("id", sa.Integer),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("changed_at", sa.DateTime(timezone=True)),
    sa.column("after", sa.JSON().with_variant(JSONB(), "postgresql")),
)


def _snapshot_value(key: str, kind: type) -> sa.ColumnElement:
    value = change_records.c.after[key]
    if kind is sa.Integer:
        return value.as_integer()
    if kind is sa.Boolean:
        return value.as_boolean()
    return value.as_string()


def _backfill(entity_type: str) -> None:
    record = change_records.c
    columns = {
        "record_id": record.id,
        "entity_type": record.entity_type,
        "entity_id": record.entity_id,
        "valid_from": record.changed_at,
        "valid_to": sa.func.lead(record.changed_at).over(
            partition_by=record.entity_id, order_by=(record.changed_at, record.id)
        ),
    }
    for name, (key, kind) in SOURCES[entity_type].items():
        columns[name] = _snapshot_value(key, kind)
    columns["status"] = sa.case((record.action == "delete", sa.null()), else_=columns["status"])
    query = sa.select(*(value.label(name) for name, value in columns.items())).where(
        record.entity_type == entity_type
    )
    facts = sa.table("figure_facts", *(sa.column(name) for name in columns))
    op.execute(facts.insert().from_select(list(columns), query))


def upgrade() -> None:
    op.create_table(
        "figure_facts",
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("item_type", sa.String(length=2), nullable=True),
        sa.Column("case_type", sa.String(length=1), nullable=True),
        sa.Column("legal_time_limit", sa.Integer(), nullable=True),
        sa.Column("legal_time_unit", sa.String(length=1), nullable=True),
        sa.Column("promised_time_limit", sa.Integer(), nullable=True),
        sa.Column("promised_time_unit", sa.String(length=1), nullable=True),
        sa.Column("onsite_visits", sa.Integer(), nullable=True),
        sa.Column("e_license_linked", sa.Boolean(), nullable=True),
        sa.Column("license_free", sa.Boolean(), nullable=True),
        sa.Column("supervision_type", sa.String(length=2), nullable=True),
        sa.Column("claimed", sa.Boolean(), nullable=True),
        sa.Column("supervision_item_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_figure_facts")),
    )
    for entity_type in SOURCES:
        _backfill(entity_type)
    # indexes after the backfill: one sort each instead of one insert per row and index
    with op.batch_alter_table("figure_facts") as batch_op:
        batch_op.create_index("ix_figure_facts_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(
            "ix_figure_facts_figures",
            ["entity_type", *FIGURE_COLUMNS, "valid_from", "valid_to"],
            unique=False,
        )
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.create_index("ix_service_items_figures", FIGURE_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_index("ix_service_items_figures")
    op.drop_table("figure_facts")
