"""Unknown is not zero: elements a source left out become 未填报 (NULL), and completeness is counted.

Schema. On service_items, 办件类型, the time-limit units, 到办事现场次数, 是否收费, 服务对象 and
办理形式 may be NULL (未填报); 无期限 is a stated fact of its own (legal_no_limit,
promised_no_limit); materials_known tells 无需提交材料 (an empty list that was stated) from
materials never given; office_hours (办理时间) is new. Every list whose completeness is counted
gets unfilled_elements (the elements its row leaves unfilled, catalog/models/elements.py), and
figure_facts the columns the new figures read as of a date (无期限, materials_known, the 主项 of
a 监管事项, an inspector's on_duty, the unfilled elements) and facts for 权责事项, 下放事项 and
执法检查人员.

Data: how a value filled in by default is told from a stated one. Before this revision the API
and the imports filled 到办事现场次数 = 0, 是否收费 = 否, 时限单位 = 工作日, empty lists, and an empty
time limit read as 无期限, whenever a value was not given, and a row's history snapshot holds the
value either way. So, for each service item:

1. Rows created by ``seed guangan`` (the create record's source is "seed" and the department is
   in 广安区, 511602): the published catalog file has no 办件类型, time limits, visits, fees,
   materials, 服务对象 or 办理形式 at all, so every one of them becomes 未填报, including the
   办件类型 承诺件 that the seed had made up.
2. Rows created by another seed (``seed yuncheng``): the dataset states each of these elements
   (an empty 法定时限 is its 无法定时限, and its items without fees are stated 不收费), so the
   values stay and an empty time limit becomes 无期限.
3. Every other row (API, pages, imports): a default-valued 到办事现场次数 0, 是否收费 否 or empty
   time limit is kept as a fact only when a later change in the row's history set it (the
   field differs between that change's before and after snapshots); otherwise nothing shows it
   was ever stated, and it becomes 未填报 (an empty time limit set by a later change is 无期限).
   Non-default values (visits > 0, 收费, a number of days) were stated and stay.
4. For all rows: an empty materials list becomes 未填报 (nothing could say 无需提交材料 before), an
   empty 服务对象 or 办理形式 list becomes NULL, and a time unit without a time limit is dropped.

Each corrected row gets its version raised, a ChangeRecord (source "migration", with the row
before and after) and a search outbox row, so the history says when and why the values became
未填报, and the index drops them from the 即办件 and 零跑动 facets. History written earlier is
not touched (it is append-only): figures as of an earlier date show what was published then.

figure_facts is then rebuilt from the whole history with the SQL the application uses
(catalog/models/figure_facts.py), frozen as of this revision; the unfilled elements are
computed with catalog.models.elements.unfilled_mask, a pure function of a snapshot (a later
change to what an element means comes with its own migration that recomputes them).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from catalog.models.base import UtcDateTime
from catalog.models.elements import unfilled_mask

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

GUANGAN_REGION = "511602"
SNAPSHOT = sa.JSON().with_variant(JSONB(), "postgresql")
ELEMENT_LISTS = {
    "service_item": "service_items",
    "power_item": "power_items",
    "devolved_item": "devolved_items",
    "supervision_item": "supervision_items",
    "inspection_impl_list": "inspection_impl_lists",
}
NOT_NULL_BEFORE = {
    "legal_time_unit": sa.String(length=1),
    "promised_time_unit": sa.String(length=1),
    "case_type": sa.String(length=1),
    "onsite_visits": sa.Integer(),
    "is_charged": sa.Boolean(),
    "service_objects": sa.JSON(),
    "channels": sa.JSON(),
}
OLD_FIGURE_COLUMNS = [
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
FIGURE_COLUMNS = [*OLD_FIGURE_COLUMNS, "legal_no_limit", "promised_no_limit", "materials_known"]
COMPLETENESS_FACTS = [
    "entity_type",
    "status",
    "item_type",
    "department_id",
    "unfilled_elements",
    "valid_from",
    "valid_to",
]
COMPLETENESS_LIVE = ["status", "item_type", "department_id", "unfilled_elements"]

change_records = sa.table(
    "change_records",
    sa.column("id", sa.Integer),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("version", sa.Integer),
    sa.column("actor", sa.String),
    sa.column("source", sa.String),
    sa.column("department_id", sa.Integer),
    sa.column("note", sa.Text),
    sa.column("changed_at", UtcDateTime),
    sa.column("before", SNAPSHOT),
    sa.column("after", SNAPSHOT),
)
service_items = sa.table(
    "service_items",
    *(
        sa.column(name)
        for name in (
            "id",
            "department_id",
            "status",
            "version",
            "case_type",
            "legal_time_limit",
            "legal_time_unit",
            "legal_no_limit",
            "promised_time_limit",
            "promised_time_unit",
            "promised_no_limit",
            "onsite_visits",
            "is_charged",
            "service_objects",
            "channels",
            "materials_known",
            "unfilled_elements",
        )
    ),
    sa.column("updated_at", UtcDateTime),
)
search_outbox = sa.table(
    "search_outbox",
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("created_at", UtcDateTime),
    sa.column("attempts", sa.Integer),
    sa.column("next_attempt_at", UtcDateTime),
)

# fact column → (snapshot key, type), per list (catalog.models.figure_facts.FACT_SOURCES)
SOURCES: dict[str, dict[str, tuple[str, Any]]] = {
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
        "parent_id": ("parent_id", sa.Integer),
    },
    "inspection_impl_list": {
        "department_id": ("department_id", sa.Integer),
        "name": ("name", sa.String),
        "supervision_item_id": ("supervision_item_id", sa.Integer),
        "status": ("status", sa.String),
    },
    "bundle": {
        "department_id": ("lead_department_id", sa.Integer),
        "name": ("name", sa.String),
        "status": ("status", sa.String),
    },
    "power_item": {
        "department_id": ("department_id", sa.Integer),
        "name": ("name", sa.String),
        "status": ("status", sa.String),
    },
    "devolved_item": {
        "department_id": ("from_department_id", sa.Integer),
        "name": ("name", sa.String),
        "status": ("status", sa.String),
    },
    "inspector": {
        "department_id": ("department_id", sa.Integer),
        "name": ("certificate_number", sa.String),
        "on_duty": ("on_duty", sa.Boolean),
    },
}


def upgrade() -> None:
    _schema()  # on SQLite with foreign keys off (migrations/env.py): table copies cascade otherwise
    bind = op.get_bind()
    _correct_service_items(bind)
    _live_unfilled(bind)
    _rebuild_facts(bind)
    with op.batch_alter_table("figure_facts") as batch_op:
        batch_op.create_index(
            "ix_figure_facts_figures", ["entity_type", *FIGURE_COLUMNS, "valid_from", "valid_to"]
        )
        batch_op.create_index("ix_figure_facts_completeness", COMPLETENESS_FACTS)
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.create_index("ix_service_items_figures", FIGURE_COLUMNS)
        batch_op.create_index("ix_service_items_completeness", COMPLETENESS_LIVE)


def _schema() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_index("ix_service_items_figures")
        for name, kind in NOT_NULL_BEFORE.items():
            batch_op.alter_column(name, existing_type=kind, nullable=True)
        for name in ("legal_no_limit", "promised_no_limit", "materials_known"):
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        batch_op.add_column(sa.Column("office_hours", sa.Text(), nullable=True))
    for table in ELEMENT_LISTS.values():
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("unfilled_elements", sa.Integer(), nullable=True))
    with op.batch_alter_table("figure_facts") as batch_op:
        batch_op.drop_index("ix_figure_facts_figures")
        for name in ("legal_no_limit", "promised_no_limit", "materials_known", "on_duty"):
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=True))
        for name in ("parent_id", "unfilled_elements"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


# -- the service items' values ---------------------------------------------------------------


def _histories(bind: sa.Connection) -> Iterator[tuple[int, list[Any]]]:
    """Each service item's change records, in order, one item at a time."""
    query = (
        sa.select(
            change_records.c.entity_id,
            change_records.c.action,
            change_records.c.source,
            change_records.c.before,
            change_records.c.after,
        )
        .where(change_records.c.entity_type == "service_item")
        .order_by(change_records.c.entity_id, change_records.c.id)
        .execution_options(yield_per=1000)
    )
    current: int | None = None
    records: list[Any] = []
    for record in bind.execute(query):
        if record.entity_id != current and records:
            yield current, records  # type: ignore[misc]
            records = []
        current = record.entity_id
        records.append(record)
    if records:
        yield current, records  # type: ignore[misc]


DEFAULTED = ("onsite_visits", "is_charged", "legal_time_limit", "promised_time_limit")


def _stated_later(records: list[Any]) -> set[str]:
    """The defaultable fields a change after the create set (before ≠ after)."""
    stated = set()
    for record in records[1:]:
        if record.before and record.after:
            stated.update(k for k in DEFAULTED if record.before.get(k) != record.after.get(k))
    return stated


def _corrections(row: Any, records: list[Any], guangan: set[int]) -> dict[str, Any]:
    """The values the row should hold (rules 1–4 of the module docstring)."""
    seeded = bool(records) and records[0].source == "seed"
    if seeded and row.department_id in guangan:
        return {
            "case_type": None,
            "legal_time_limit": None,
            "legal_time_unit": None,
            "promised_time_limit": None,
            "promised_time_unit": None,
            "onsite_visits": None,
            "is_charged": None,
            "service_objects": None,
            "channels": None,
        }
    stated = _stated_later(records)
    values: dict[str, Any] = {}
    for prefix in ("legal", "promised"):
        if getattr(row, f"{prefix}_time_limit") is None:
            values[f"{prefix}_time_unit"] = None
            values[f"{prefix}_no_limit"] = seeded or f"{prefix}_time_limit" in stated
    if row.onsite_visits == 0 and not seeded and "onsite_visits" not in stated:
        values["onsite_visits"] = None
    # (SQLite gives booleans back as 0/1 through this untyped table)
    if (
        row.is_charged is not None
        and not row.is_charged
        and not seeded
        and "is_charged" not in stated
    ):
        values["is_charged"] = None
    for name in ("service_objects", "channels"):
        if not getattr(row, name):
            values[name] = None
    return values


def _correct_service_items(bind: sa.Connection) -> None:
    guangan = set(
        bind.scalars(
            sa.text(
                "SELECT organizations.id FROM organizations JOIN regions ON regions.id = organizations.region_id "
                "WHERE regions.code = :code"
            ),
            {"code": GUANGAN_REGION},
        )
    )
    with_materials = set(bind.scalars(sa.text("SELECT DISTINCT service_item_id FROM materials")))
    # a list of materials was stated; its snapshot already shows it, so no record is needed
    bind.execute(
        service_items.update()
        .where(
            service_items.c.id.in_(
                sa.select(sa.column("service_item_id")).select_from(sa.table("materials"))
            )
        )
        .values(materials_known=True)
    )
    rows = {row.id: row for row in bind.execute(sa.select(service_items))}
    now = datetime.now(UTC)
    records: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    seen: set[int] = set()
    for row_id, history in _histories(bind):
        seen.add(row_id)
        if row_id in rows:
            _correct(
                bind, rows[row_id], history, guangan, row_id in with_materials, now, records, outbox
            )
    for row_id, row in rows.items():
        if row_id not in seen:
            _correct(bind, row, [], guangan, row_id in with_materials, now, records, outbox)
    # written after the history was read: SQLite must not see its own inserts mid-scan
    if records:
        bind.execute(change_records.insert(), records)
    if outbox:
        bind.execute(search_outbox.insert(), outbox)


def _correct(
    bind: sa.Connection,
    row: Any,
    history: list[Any],
    guangan: set[int],
    has_materials: bool,
    now: datetime,
    records: list[dict[str, Any]],
    outbox: list[dict[str, Any]],
) -> None:
    wanted = _corrections(row, history, guangan)
    changes = {k: v for k, v in wanted.items() if getattr(row, k) != v}
    last = next((r.after for r in reversed(history) if r.after), None)
    unstated_materials = (
        not has_materials and last is not None and last.get("materials") is not None
    )
    if not changes and not unstated_materials:
        return
    version = row.version + 1
    bind.execute(
        service_items.update()
        .where(service_items.c.id == row.id)
        .values(**changes, version=version, updated_at=now)
    )
    if last is None:
        return  # a row loaded without history (bulk SQL): no snapshot to continue
    after = {
        "legal_no_limit": bool(row.legal_no_limit),
        "promised_no_limit": bool(row.promised_no_limit),
        **last,
        **changes,
        "version": version,
        "materials": last.get("materials") if has_materials else None,
    }
    records.append(
        {
            "entity_type": "service_item",
            "entity_id": row.id,
            "action": "update",
            "version": version,
            "actor": "migration 0010",
            "source": "migration",
            "department_id": row.department_id,
            "note": "迁移 0010：来源未提供、由默认值填入的要素改为未填报",
            "changed_at": now,
            "before": last,
            "after": after,
        }
    )
    if row.status == "published":
        outbox.append(
            {
                "entity_type": "service_item",
                "entity_id": row.id,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
        )


def _live_unfilled(bind: sa.Connection) -> None:
    """Each row's unfilled elements, from its latest snapshot (the row as it now stands)."""
    for entity_type, table in ELEMENT_LISTS.items():
        latest = (
            sa.select(sa.func.max(change_records.c.id))
            .where(change_records.c.entity_type == entity_type)
            .group_by(change_records.c.entity_id)
        )
        query = sa.select(change_records.c.entity_id, change_records.c.after).where(
            change_records.c.id.in_(latest), change_records.c.action != "delete"
        )
        masks = [
            {"row": row_id, "mask": unfilled_mask(entity_type, after)}
            for row_id, after in bind.execute(query)
        ]
        if masks:
            target = sa.table(table, sa.column("id"), sa.column("unfilled_elements"))
            bind.execute(
                target.update()
                .where(target.c.id == sa.bindparam("row"))
                .values(unfilled_elements=sa.bindparam("mask")),
                masks,
            )


# -- figure_facts ---------------------------------------------------------------------------


def _snapshot_value(key: str, kind: Any) -> sa.ColumnElement:
    value = change_records.c.after[key]
    if kind is sa.Integer:
        return value.as_integer()
    if kind is sa.Boolean:
        return value.as_boolean()
    return value.as_string()


def _no_limit(prefix: str) -> sa.ColumnElement:
    stated = change_records.c.after[f"{prefix}_no_limit"].as_boolean()
    empty = change_records.c.after[f"{prefix}_time_limit"].as_integer().is_(None)
    return sa.case((stated.is_(None), empty), else_=stated)


def _rebuild_facts(bind: sa.Connection) -> None:
    bind.execute(sa.text("DELETE FROM figure_facts"))
    record = change_records.c
    for entity_type, sources in SOURCES.items():
        columns: dict[str, sa.ColumnElement] = {
            "record_id": record.id,
            "entity_type": record.entity_type,
            "entity_id": record.entity_id,
            "valid_from": record.changed_at,
            "valid_to": sa.func.lead(record.changed_at).over(
                partition_by=record.entity_id, order_by=(record.changed_at, record.id)
            ),
        }
        for name, (key, kind) in sources.items():
            columns[name] = _snapshot_value(key, kind)
        if entity_type == "service_item":
            columns["legal_no_limit"] = _no_limit("legal")
            columns["promised_no_limit"] = _no_limit("promised")
            columns["materials_known"] = record.after["materials"].as_string().is_not(None)
        in_force = columns.get("status", sa.literal("published"))
        columns["status"] = sa.case((record.action == "delete", sa.null()), else_=in_force)
        query = sa.select(*(value.label(name) for name, value in columns.items())).where(
            record.entity_type == entity_type
        )
        facts = sa.table("figure_facts", *(sa.column(name) for name in columns))
        bind.execute(facts.insert().from_select(list(columns), query))
        if entity_type in ELEMENT_LISTS:
            _fact_masks(bind, entity_type)


def _fact_masks(bind: sa.Connection, entity_type: str) -> None:
    query = sa.select(change_records.c.id, change_records.c.after).where(
        change_records.c.entity_type == entity_type, change_records.c.action != "delete"
    )
    masks = [
        {"record": record_id, "mask": unfilled_mask(entity_type, after or {})}
        for record_id, after in bind.execute(query)
    ]
    if masks:
        facts = sa.table("figure_facts", sa.column("record_id"), sa.column("unfilled_elements"))
        bind.execute(
            facts.update()
            .where(facts.c.record_id == sa.bindparam("record"))
            .values(unfilled_elements=sa.bindparam("mask")),
            masks,
        )


def downgrade() -> None:
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_index("ix_service_items_completeness")
        batch_op.drop_index("ix_service_items_figures")
    with op.batch_alter_table("figure_facts") as batch_op:
        batch_op.drop_index("ix_figure_facts_completeness")
        batch_op.drop_index("ix_figure_facts_figures")
        for name in (
            "legal_no_limit",
            "promised_no_limit",
            "materials_known",
            "on_duty",
            "parent_id",
            "unfilled_elements",
        ):
            batch_op.drop_column(name)
        batch_op.create_index(
            "ix_figure_facts_figures",
            ["entity_type", *OLD_FIGURE_COLUMNS, "valid_from", "valid_to"],
        )
    op.execute(
        "DELETE FROM figure_facts WHERE entity_type IN ('power_item', 'devolved_item', 'inspector')"
    )
    for table in ELEMENT_LISTS.values():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("unfilled_elements")
    # 未填报 has no old form: the defaults it replaced come back, as they were before 0010
    op.execute("UPDATE service_items SET legal_time_unit = 'W' WHERE legal_time_unit IS NULL")
    op.execute("UPDATE service_items SET promised_time_unit = 'W' WHERE promised_time_unit IS NULL")
    op.execute("UPDATE service_items SET case_type = '2' WHERE case_type IS NULL")
    op.execute("UPDATE service_items SET onsite_visits = 0 WHERE onsite_visits IS NULL")
    op.execute(
        f"UPDATE service_items SET is_charged = {'false' if op.get_bind().dialect.name == 'postgresql' else '0'} WHERE is_charged IS NULL"
    )
    op.execute("UPDATE service_items SET service_objects = '[]' WHERE service_objects IS NULL")
    op.execute("UPDATE service_items SET channels = '[]' WHERE channels IS NULL")
    with op.batch_alter_table("service_items") as batch_op:
        for name in ("legal_no_limit", "promised_no_limit", "materials_known", "office_hours"):
            batch_op.drop_column(name)
        for name, kind in NOT_NULL_BEFORE.items():
            batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.create_index("ix_service_items_figures", OLD_FIGURE_COLUMNS)
