"""The figures' history: each version of a row the figures count, with only the columns they read.

Figures as of a past moment used to rank every JSON snapshot in the history up to that moment
(about 1–2 s at 100,000 items). A FigureFact holds one version of a service item, supervision
item, inspection list or 一件事 — the columns the figures read — valid from its ChangeRecord's
moment until the row's next record, so the rows as of a moment are a range condition on an
indexed, narrow table.

FACT_SOURCES (with DERIVED) is the one list of each list's fact columns, read two ways:
- a write: ``history.record_change`` writes its record's fact from the row's own attributes
  (``write_facts``) in the change's transaction, and closes the fact it follows;
- history loaded without the application (migrations 0006 and 0010, ``bench/``, tests):
  ``rebuild_figure_facts`` refills the table from the records' JSON snapshots.
Both give the same facts (tests/test_figure_facts.py compares them).

Each fact also holds its version's unfilled elements (catalog.models.elements): the row's own
mask on a write; for snapshots written before migration 0010, computed in Python from the
snapshot, so completeness as of a date is the same indexed scan. The 权责清单, 下放镇街事项
and 执法检查人员 have facts too: the report's counts are figures as of a date like the rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Index,
    Insert,
    Integer,
    Select,
    String,
    Text,
    Update,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column

from .audit import ChangeRecord, new_generation
from .base import UtcDateTime, db
from .elements import ELEMENTS, RowView, unfilled_mask
from .services import ServiceItem

# The type a snapshot's value of each fact column is read as.
_TYPES: dict[str, type] = {
    **dict.fromkeys(("department_id", "parent_id", "supervision_item_id"), Integer),
    **dict.fromkeys(("legal_time_limit", "promised_time_limit", "onsite_visits"), Integer),
    "unfilled_elements": Integer,
    **dict.fromkeys(("claimed", "e_license_linked", "license_free", "on_duty"), Boolean),
}


def _facts(columns: str, **attributes: str) -> dict[str, tuple[str, type]]:
    """Fact column → (the row's attribute, which is also its snapshot key; the type the snapshot
    is read as, String unless _TYPES says). A column is read from the attribute of its own name
    unless ``attributes`` names another."""
    return {
        column: (attributes.get(column, column), _TYPES.get(column, String))
        for column in columns.split()
    }


# Each list's fact columns. A list without a "status" (the 名录库 of inspectors) is in force from
# its create to its delete.
FACT_SOURCES: dict[str, dict[str, tuple[str, type]]] = {
    "service_item": _facts(
        "department_id name status item_type case_type legal_time_limit legal_time_unit"
        " promised_time_limit promised_time_unit onsite_visits e_license_linked license_free"
        " unfilled_elements"
    ),
    "supervision_item": _facts(
        "department_id name status supervision_type claimed parent_id unfilled_elements",
        name="code",
    ),
    "inspection_impl_list": _facts(
        "department_id name supervision_item_id status unfilled_elements"
    ),
    "bundle": _facts("department_id name status", department_id="lead_department_id"),
    "power_item": _facts("department_id name status unfilled_elements"),
    "devolved_item": _facts(
        "department_id name status unfilled_elements", department_id="from_department_id"
    ),
    "inspector": _facts("department_id name on_duty", name="certificate_number"),
}


def _no_limit(prefix: str) -> ColumnElement[Any]:
    """无期限 as stated; in snapshots from before migration 0010 (no such key) an empty time
    limit meant 无期限."""
    stated = ChangeRecord.after[f"{prefix}_no_limit"].as_boolean()
    return case(
        (stated.is_(None), ChangeRecord.after[f"{prefix}_time_limit"].as_integer().is_(None)),
        else_=stated,
    )


# Fact columns the row holds itself (a write reads the row's attribute of the same name) and a
# snapshot states with more than one key, or not at all before migration 0010.
DERIVED: dict[str, dict[str, ColumnElement[Any]]] = {
    "service_item": {
        "legal_no_limit": _no_limit("legal"),
        "promised_no_limit": _no_limit("promised"),
        # null materials are 未填报; a list, even empty, is stated (always, before 0010)
        "materials_known": ChangeRecord.after["materials"].as_string().is_not(None),
    },
}


def fact_columns(entity_type: str) -> tuple[str, ...]:
    """The fact columns of one list, as the figures select them."""
    return (*FACT_SOURCES[entity_type], *DERIVED.get(entity_type, {}))


# The service items' fact columns the figures group by, in the order they group: the covering
# indexes of the live figures (service_items) and of the figures as of a moment lead with them.
GROUPED_BY = (
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
)


class FigureFact(db.Model):
    """One version of a counted row: its columns as one change left them, and when it held."""

    __tablename__ = "figure_facts"
    __table_args__ = (
        # rebuilding one row's facts
        Index("ix_figure_facts_entity", "entity_type", "entity_id"),
        # covering the figures' scan as of a moment, in the order they group by (see
        # ix_service_items_figures below)
        Index("ix_figure_facts_figures", "entity_type", *GROUPED_BY, "valid_from", "valid_to"),
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
Index("ix_service_items_figures", *(getattr(ServiceItem, name) for name in GROUPED_BY))
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
# The rows behind a figure by name, a page at a time: the ids in name order straight from the
# index, for any part of any figure, in a region or not (migration 0018; 106 → 4 ms at 100,000
# items for the rows pulling 即办件占比 down, which were sorted whole before).
Index(
    "ix_service_items_figure_rows",
    ServiceItem.status,
    ServiceItem.item_type,
    ServiceItem.name,
    ServiceItem.department_id,
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
    new_generation(connection)  # rows loaded with Core recorded no change


MASK_BATCH = 2000
_SET_MASK = (
    update(FigureFact)
    .where(FigureFact.record_id == bindparam("record"))
    .values(unfilled_elements=bindparam("mask"))
)
# Facts lacking a mask (snapshots written before migration 0010), with their snapshots; a
# deleted row's fact has none.
_WITHOUT_MASKS = (
    select(FigureFact.record_id, ChangeRecord.after)
    .join(ChangeRecord, ChangeRecord.id == FigureFact.record_id)
    .where(
        FigureFact.entity_type == bindparam("type"),
        FigureFact.unfilled_elements.is_(None),
        FigureFact.status.is_not(None),
    )
)


def _set_unfilled(connection: Connection, entity_type: str) -> None:
    """The unfilled elements of facts whose snapshot does not carry them, computed from the
    snapshot with the same rules a write applies to its row."""
    rows = connection.execute(_WITHOUT_MASKS, {"type": entity_type}).all()
    batch = [
        {"record": record_id, "mask": unfilled_mask(entity_type, after or {})}
        for record_id, after in rows
    ]
    for start in range(0, len(batch), MASK_BATCH):
        connection.execute(_SET_MASK, batch[start : start + MASK_BATCH])


# -- one write's fact ------------------------------------------------------------------------


def fact_of(entity_type: str, row: Any) -> dict[str, Any]:
    """The fact columns of a list row, read from the row's own attributes: FACT_SOURCES'
    keys are the row's attribute names, and DERIVED's columns are the row's columns of the
    same name (the snapshot only lacks them before migration 0010)."""
    keys = {column: key for column, (key, _) in FACT_SOURCES[entity_type].items()}
    fact = {column: getattr(row, keys.get(column, column)) for column in fact_columns(entity_type)}
    fact.setdefault("status", "published")  # a list without a status is in force until deleted
    if entity_type in ELEMENTS and fact["unfilled_elements"] is None:
        # a row loaded without its mask: the mask every write computes, from the row
        fact["unfilled_elements"] = unfilled_mask(entity_type, RowView(row))
    return fact


@cache
def _from_own_snapshot(entity_type: str) -> Insert:
    """One record's fact read from its own snapshot, as the rebuild reads it: a delete has no
    row left to read."""
    return _insert_facts(entity_type, ChangeRecord.id == bindparam("record"))


def _reseat() -> Update:
    """Close each of one row's facts at the start of the next one in (valid_from, record_id)
    order — the order in which the latest record at a moment wins — for the facts in force at
    or after ``moment``: those a new fact dated ``moment`` may follow or precede."""
    later = aliased(FigureFact)
    following = (
        select(func.min(later.valid_from))
        .where(
            later.entity_type == FigureFact.entity_type,
            later.entity_id == FigureFact.entity_id,
            or_(
                later.valid_from > FigureFact.valid_from,
                and_(
                    later.valid_from == FigureFact.valid_from,
                    later.record_id > FigureFact.record_id,
                ),
            ),
        )
        .scalar_subquery()
    )
    return (
        update(FigureFact)
        .where(
            FigureFact.entity_type == bindparam("fact_type"),
            FigureFact.entity_id == bindparam("fact_row"),
            FigureFact.valid_from <= bindparam("moment"),
            or_(FigureFact.valid_to.is_(None), FigureFact.valid_to > bindparam("moment")),
        )
        .values(valid_to=following)
    )


_RESEAT = _reseat()
_INSERT = insert(FigureFact)


def write_facts(connection: Connection, changes: Sequence[tuple[ChangeRecord, Any | None]]) -> None:
    """The facts of flushed ChangeRecords, each from the row its change left (``None`` for a
    delete), placed in their rows' histories by the records' times: a back-dated record (the
    seed's) lands between the facts around its moment, as the rebuild would place it.

    Many changes cost one INSERT per list and one executemany of the reseat (an import's
    batch): the reseat recomputes a row's ``valid_to`` from all of its facts, so closing each
    row once all the facts are in gives what one change at a time gives."""
    facts: dict[str, list[dict[str, Any]]] = {}
    for record, row in changes:
        entity_type = record.entity_type
        if record.action == "delete":
            connection.execute(_from_own_snapshot(entity_type), {"record": record.id})
        elif row is None:
            raise ValueError(
                f"a change to {entity_type} {record.entity_id} needs its row for its fact"
            )
        else:
            fact = fact_of(entity_type, row)
            fact.update(
                record_id=record.id,
                entity_type=entity_type,
                entity_id=record.entity_id,
                valid_from=record.changed_at,
            )
            facts.setdefault(entity_type, []).append(fact)  # one list's facts share their keys
    for rows in facts.values():
        connection.execute(_INSERT, rows)
    connection.execute(
        _RESEAT,
        [
            {"fact_type": r.entity_type, "fact_row": r.entity_id, "moment": r.changed_at}
            for r, _ in changes
        ],
    )
