"""The rows behind the figures, live or as of a past moment, as one SQL relation each.

Live facts read the list tables. Facts as of a moment read the history: the latest
ChangeRecord of each row at or before that moment (its ``after`` snapshot), with the same
column names, so every figure is computed by the same SQL either way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Boolean, ColumnElement, Integer, Select, String, Subquery, select

from ..models import Bundle, InspectionImplList, Organization, ServiceItem, SupervisionItem
from .history import snapshots_as_of

INSPECTION_TYPE = "06"
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
SERVICE_COLUMNS = {
    "department_id": Integer,
    "name": String,
    "item_type": String,
    "status": String,
    "case_type": String,
    "legal_time_limit": Integer,
    "legal_time_unit": String,
    "promised_time_limit": Integer,
    "promised_time_unit": String,
    "onsite_visits": Integer,
    "e_license_linked": Boolean,
    "license_free": Boolean,
}


@dataclass(frozen=True)
class Scope:
    """Which rows a figure counts: published rows of these item types, in a region or department."""

    region_id: int | None = None
    department_id: int | None = None
    item_types: tuple[str, ...] = ("01",)
    as_of: datetime | None = None

    @staticmethod
    def end_of_day(day: date) -> datetime:
        """"As of 2020-12-31" means the lists as they stood at the end of that day, China time."""
        return datetime.combine(day, time.max, tzinfo=CHINA_TIME)

    def describe(self) -> dict[str, object]:
        return {
            "region_id": self.region_id,
            "department_id": self.department_id,
            "item_types": list(self.item_types),
            "status": "published",
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


def _from_snapshot(snapshots: Subquery, name: str, kind: type) -> ColumnElement:
    value = snapshots.c.after[name]
    if kind is Integer:
        return value.as_integer().label(name)
    if kind is Boolean:
        return value.as_boolean().label(name)
    return value.as_string().label(name)


def service_facts(scope: Scope) -> Subquery:
    """One row per service item in scope, with the columns the figures read."""
    if scope.as_of is None:
        query: Select = select(
            ServiceItem.id, *(getattr(ServiceItem, name).label(name) for name in SERVICE_COLUMNS)
        )
    else:
        snapshots = snapshots_as_of("service_item", scope.as_of)
        query = select(
            snapshots.c.id, *(_from_snapshot(snapshots, n, k) for n, k in SERVICE_COLUMNS.items())
        )
    rows = query.subquery()
    return _in_scope(
        select(rows).where(rows.c.status == "published", rows.c.item_type.in_(scope.item_types)),
        rows.c.department_id,
        scope,
    ).subquery("service_facts")


def inspection_facts(scope: Scope) -> Subquery:
    """One row per 行政检查 监管事项 (claimed, published) with whether it has a published
    检查实施清单 — the two counts of the 实施清单完成率."""
    if scope.as_of is None:
        items = select(
            SupervisionItem.id,
            SupervisionItem.code.label("name"),
            SupervisionItem.department_id,
            SupervisionItem.status,
            SupervisionItem.supervision_type,
            SupervisionItem.claimed,
        ).subquery()
        lists = select(
            InspectionImplList.supervision_item_id, InspectionImplList.status
        ).subquery()
    else:
        item_snapshots = snapshots_as_of("supervision_item", scope.as_of)
        items = select(
            item_snapshots.c.id,
            item_snapshots.c.after["code"].as_string().label("name"),
            _from_snapshot(item_snapshots, "department_id", Integer),
            _from_snapshot(item_snapshots, "status", String),
            _from_snapshot(item_snapshots, "supervision_type", String),
            _from_snapshot(item_snapshots, "claimed", Boolean),
        ).subquery()
        list_snapshots = snapshots_as_of("inspection_impl_list", scope.as_of)
        lists = select(
            _from_snapshot(list_snapshots, "supervision_item_id", Integer),
            _from_snapshot(list_snapshots, "status", String),
        ).subquery()
    # A join to the set of items that have a published list, computed once; a correlated
    # EXISTS would rebuild the as-of list snapshots for every item.
    with_list = (
        select(lists.c.supervision_item_id.label("item_id"))
        .where(lists.c.status == "published")
        .group_by(lists.c.supervision_item_id)
        .subquery()
    )
    query = (
        select(
            items.c.id,
            items.c.name,
            items.c.department_id,
            with_list.c.item_id.is_not(None).label("has_list"),
        )
        .select_from(items.outerjoin(with_list, with_list.c.item_id == items.c.id))
        .where(
            items.c.status == "published",
            items.c.supervision_type == INSPECTION_TYPE,
            items.c.claimed.is_(True),
        )
    )
    return _in_scope(query, items.c.department_id, scope).subquery("inspection_facts")


def bundle_facts(scope: Scope) -> Subquery:
    """One row per published 一件事 led by a department in scope."""
    if scope.as_of is None:
        rows = select(Bundle.id, Bundle.name, Bundle.lead_department_id.label("department_id"), Bundle.status)
    else:
        snapshots = snapshots_as_of("bundle", scope.as_of)
        rows = select(
            snapshots.c.id,
            _from_snapshot(snapshots, "name", String),
            snapshots.c.after["lead_department_id"].as_integer().label("department_id"),
            _from_snapshot(snapshots, "status", String),
        )
    subquery = rows.subquery()
    query = select(subquery).where(subquery.c.status == "published")
    return _in_scope(query, subquery.c.department_id, scope).subquery("bundle_facts")


def _in_scope(query: Select, department_column: ColumnElement, scope: Scope) -> Select:
    if scope.department_id is not None:
        query = query.where(department_column == scope.department_id)
    if scope.region_id is not None:
        in_region = select(Organization.id).where(Organization.region_id == scope.region_id)
        query = query.where(department_column.in_(in_region))
    return query


