"""The figures' history: each version of a row the figures count, with only the columns they read.

Figures as of a past moment used to rank every JSON snapshot in the history up to that moment
(about 1–2 s at 100,000 items). A FigureFact holds one version of a service item, supervision
item, inspection list or 一件事 — the columns the figures read, taken from the ``after``
snapshot of one ChangeRecord — valid from that change until the row's next one, so the rows
as of a moment are a range condition on an indexed, narrow table.

The table is derived from ``change_records`` and kept equal to it: after every flush that
writes (or changes) a ChangeRecord of those lists, the changed rows' facts are rebuilt from
their whole history in the same transaction (``_follow_history``). Migration 0006 fills it
from the history that existed before; ``rebuild_figure_facts`` refills it from scratch.

Each fact also holds its version's unfilled elements (catalog.models.elements), which the
snapshot carries (ListSpec.snapshot) or, for snapshots written before migration 0010, are
computed in Python from it, so completeness as of a date is the same indexed scan. The
权责清单, 下放镇街事项 and 执法检查人员 have facts too: the report's counts are figures as of a
date like the rates.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Delete,
    Index,
    Insert,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from .audit import ChangeRecord
from .base import UtcDateTime, db
from .elements import ELEMENTS, unfilled_mask
from .services import ServiceItem

# The snapshot keys each list's facts take: fact column → (snapshot key, type). A list without
# a "status" (the 名录库 of inspectors) is in force from its create to its delete.
FACT_SOURCES: dict[str, dict[str, tuple[str, type]]] = {
    "service_item": {
        "department_id": ("department_id", Integer),
        "name": ("name", String),
        "status": ("status", String),
        "item_type": ("item_type", String),
        "case_type": ("case_type", String),
        "legal_time_limit": ("legal_time_limit", Integer),
        "legal_time_unit": ("legal_time_unit", String),
        "promised_time_limit": ("promised_time_limit", Integer),
        "promised_time_unit": ("promised_time_unit", String),
        "onsite_visits": ("onsite_visits", Integer),
        "e_license_linked": ("e_license_linked", Boolean),
        "license_free": ("license_free", Boolean),
        "unfilled_elements": ("unfilled_elements", Integer),
    },
    "supervision_item": {
        "department_id": ("department_id", Integer),
        "name": ("code", String),
        "status": ("status", String),
        "supervision_type": ("supervision_type", String),
        "claimed": ("claimed", Boolean),
        "parent_id": ("parent_id", Integer),
        "unfilled_elements": ("unfilled_elements", Integer),
    },
    "inspection_impl_list": {
        "department_id": ("department_id", Integer),
        "name": ("name", String),
        "supervision_item_id": ("supervision_item_id", Integer),
        "status": ("status", String),
        "unfilled_elements": ("unfilled_elements", Integer),
    },
    "bundle": {
        "department_id": ("lead_department_id", Integer),
        "name": ("name", String),
        "status": ("status", String),
    },
    "power_item": {
        "department_id": ("department_id", Integer),
        "name": ("name", String),
        "status": ("status", String),
        "unfilled_elements": ("unfilled_elements", Integer),
    },
    "devolved_item": {
        "department_id": ("from_department_id", Integer),
        "name": ("name", String),
        "status": ("status", String),
        "unfilled_elements": ("unfilled_elements", Integer),
    },
    "inspector": {
        "department_id": ("department_id", Integer),
        "name": ("certificate_number", String),
        "on_duty": ("on_duty", Boolean),
    },
}


def _no_limit(prefix: str) -> ColumnElement[Any]:
    """无期限 as stated; in snapshots from before migration 0010 (no such key) an empty time
    limit meant 无期限."""
    stated = ChangeRecord.after[f"{prefix}_no_limit"].as_boolean()
    return case(
        (stated.is_(None), ChangeRecord.after[f"{prefix}_time_limit"].as_integer().is_(None)),
        else_=stated,
    )


# Fact columns derived from more than one snapshot key.
DERIVED: dict[str, dict[str, ColumnElement[Any]]] = {
    "service_item": {
        "legal_no_limit": _no_limit("legal"),
        "promised_no_limit": _no_limit("promised"),
        # null materials are 未填报; a list, even empty, is stated (always, before 0010)
        "materials_known": ChangeRecord.after["materials"].as_string().is_not(None),
    },
}


class FigureFact(db.Model):
    """One version of a counted row: its columns as one change left them, and when it held."""

    __tablename__ = "figure_facts"
    __table_args__ = (
        # rebuilding one row's facts
        Index("ix_figure_facts_entity", "entity_type", "entity_id"),
        # covering the figures' scan as of a moment, in the order they group by (see
        # ix_service_items_figures below)
        Index(
            "ix_figure_facts_figures",
            "entity_type",
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
            "legal_no_limit",
            "promised_no_limit",
            "materials_known",
            "valid_from",
            "valid_to",
        ),
        # completeness as of a moment (migration 0010)
        Index(
            "ix_figure_facts_completeness",
            "entity_type",
            "status",
            "item_type",
            "department_id",
            "unfilled_elements",
            "valid_from",
            "valid_to",
        ),
    )

    record_id: Mapped[int] = mapped_column(
        primary_key=True, autoincrement=False
    )  # its ChangeRecord
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(
        UtcDateTime
    )  # None: still the current version
    # The row as the change left it. A delete leaves no status, and every figure counts
    # published rows only, so a deleted row is counted nowhere from then on.
    status: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(Text)  # a supervision item's code
    item_type: Mapped[str | None] = mapped_column(String(2))
    case_type: Mapped[str | None] = mapped_column(String(1))
    legal_time_limit: Mapped[int | None] = mapped_column(Integer)
    legal_time_unit: Mapped[str | None] = mapped_column(String(1))
    promised_time_limit: Mapped[int | None] = mapped_column(Integer)
    promised_time_unit: Mapped[str | None] = mapped_column(String(1))
    onsite_visits: Mapped[int | None] = mapped_column(Integer)
    e_license_linked: Mapped[bool | None] = mapped_column(Boolean)
    license_free: Mapped[bool | None] = mapped_column(Boolean)
    legal_no_limit: Mapped[bool | None] = mapped_column(Boolean)
    promised_no_limit: Mapped[bool | None] = mapped_column(Boolean)
    materials_known: Mapped[bool | None] = mapped_column(Boolean)
    supervision_type: Mapped[str | None] = mapped_column(String(2))
    claimed: Mapped[bool | None] = mapped_column(Boolean)
    supervision_item_id: Mapped[int | None] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(Integer)  # a 监管事项 子项's 主项
    on_duty: Mapped[bool | None] = mapped_column(Boolean)  # an inspector's
    unfilled_elements: Mapped[int | None] = mapped_column(Integer)  # elements.unfilled_mask


# The live figures' scan of the service items, covered: SQLite reads the index alone (no row
# lookups) in the order the figures group by, so it aggregates without sorting (the query alone
# at 100,000 items, all item types: 170 → 26 ms). Declared here, with the figures' own table, not with the
# list's model: only the figures read it.
Index(
    "ix_service_items_figures",
    ServiceItem.status,
    ServiceItem.item_type,
    ServiceItem.department_id,
    ServiceItem.legal_time_limit,
    ServiceItem.legal_time_unit,
    ServiceItem.promised_time_limit,
    ServiceItem.promised_time_unit,
    ServiceItem.case_type,
    ServiceItem.onsite_visits,
    ServiceItem.e_license_linked,
    ServiceItem.license_free,
    ServiceItem.legal_no_limit,
    ServiceItem.promised_no_limit,
    ServiceItem.materials_known,
)
# Completeness, live: the rows in scope and their unfilled elements, from the index alone; in
# 编号 order within a department with the name (PostgreSQL) for the rows behind a figure, which
# otherwise read the table row by row to find the few that miss an element.
Index(
    "ix_service_items_completeness",
    ServiceItem.status,
    ServiceItem.item_type,
    ServiceItem.department_id,
    ServiceItem.id,
    ServiceItem.unfilled_elements,
    postgresql_include=["name"],
)


def _snapshot_value(key: str, kind: type) -> ColumnElement[Any]:
    """A snapshot key read as figures read snapshots before this table (same SQL, same types)."""
    value = ChangeRecord.after[key]
    if kind is Integer:
        return value.as_integer()
    if kind is Boolean:
        return value.as_boolean()
    return value.as_string()


def _facts_from_history(entity_type: str, where: ColumnElement[bool] | None = None) -> Select:
    """One fact per ChangeRecord of ``entity_type`` (matching ``where``), valid until the
    next record of the same row in (changed_at, id) order: the order in which the latest
    record at a moment wins."""
    record = ChangeRecord
    columns: dict[str, ColumnElement[Any]] = {
        "record_id": record.id,
        "entity_type": record.entity_type,
        "entity_id": record.entity_id,
        "valid_from": record.changed_at,
        "valid_to": func.lead(record.changed_at).over(
            partition_by=record.entity_id, order_by=(record.changed_at, record.id)
        ),
    }
    for name, (key, kind) in FACT_SOURCES[entity_type].items():
        columns[name] = _snapshot_value(key, kind)
    columns.update(DERIVED.get(entity_type, {}))
    in_force = columns.get("status", literal("published"))
    columns["status"] = case((record.action == "delete", null()), else_=in_force)
    query = select(*(value.label(name) for name, value in columns.items())).where(
        record.entity_type == entity_type
    )
    return query if where is None else query.where(where)


def _insert_facts(entity_type: str, where: ColumnElement[bool] | None = None) -> Insert:
    query = _facts_from_history(entity_type, where)
    return insert(FigureFact).from_select(list(query.selected_columns.keys()), query)


def rebuild_figure_facts(connection: Connection) -> None:
    """Refill the table from the whole history (after loading history rows with Core)."""
    connection.execute(delete(FigureFact))
    for entity_type in FACT_SOURCES:
        connection.execute(_insert_facts(entity_type))
        if entity_type in ELEMENTS:
            _set_unfilled(connection, entity_type)


MASK_BATCH = 2000
_SET_MASK = (
    update(FigureFact)
    .where(FigureFact.record_id == bindparam("record"))
    .values(unfilled_elements=bindparam("mask"))
)


def _set_unfilled(connection: Connection, entity_type: str, ids: list[int] | None = None) -> None:
    """The unfilled elements of facts whose snapshot does not carry them (written before
    migration 0010), computed from the snapshot; a deleted row's fact has none."""
    query, of_rows = _without_masks(entity_type)
    rows = connection.execute(
        query if ids is None else of_rows, {"type": entity_type, "ids": ids or []}
    ).all()
    batch = [
        {"record": record_id, "mask": unfilled_mask(entity_type, after or {})}
        for record_id, after in rows
    ]
    for start in range(0, len(batch), MASK_BATCH):
        connection.execute(_SET_MASK, batch[start : start + MASK_BATCH])


@cache
def _without_masks(entity_type: str) -> tuple[Select, Select]:
    """(every list's, some rows') facts lacking a mask, with their snapshots: built once, as
    building a statement costs more than running it on every write."""
    query = (
        select(FigureFact.record_id, ChangeRecord.after)
        .join(ChangeRecord, ChangeRecord.id == FigureFact.record_id)
        .where(
            FigureFact.entity_type == bindparam("type"),
            FigureFact.unfilled_elements.is_(None),
            FigureFact.status.is_not(None),
        )
    )
    return query, query.where(FigureFact.entity_id.in_(bindparam("ids", expanding=True)))


@cache
def _refresh(entity_type: str) -> tuple[Delete, Insert]:
    """The statements replacing the facts of some rows (``ids``) of one list, built once:
    building and keying them cost ten times what running them costs."""
    ids = bindparam("ids", expanding=True)
    return (
        delete(FigureFact).where(
            FigureFact.entity_type == entity_type, FigureFact.entity_id.in_(ids)
        ),
        _insert_facts(entity_type, ChangeRecord.entity_id.in_(ids)),
    )


@event.listens_for(Session, "after_flush")
def _follow_history(session: Session, _flush: UOWTransaction) -> None:
    """Rebuild the facts of every row whose history this flush wrote or changed.

    A row's whole history is reread (a handful of records), so a record dated before the
    row's latest one (a back-dated seed) or a corrected date lands in the right place. Two
    transactions never rebuild one row at once: a row's writes are serialised by its version.
    """
    changed: dict[str, set[int]] = defaultdict(set)
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, ChangeRecord) and obj.entity_type in FACT_SOURCES:
            changed[obj.entity_type].add(obj.entity_id)
    if not changed:
        return
    connection = session.connection()
    for entity_type, ids in changed.items():
        for statement in _refresh(entity_type):
            connection.execute(statement, {"ids": sorted(ids)})
        if entity_type in ELEMENTS:
            _set_unfilled(connection, entity_type, sorted(ids))
