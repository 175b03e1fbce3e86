"""The rows behind the figures, live or as of a past moment, as one SQL relation each.

Live facts read the list tables. Facts as of a moment read the figures' history
(catalog.models.figure_facts): the version of each row valid at that moment, which is the
``after`` snapshot of its latest ChangeRecord at or before the moment, with the same column
names, so every figure is computed by the same SQL either way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, Select, Subquery, and_, or_, select

from ..models import (
    Bundle,
    FigureFact,
    InspectionImplList,
    Organization,
    ServiceItem,
    SupervisionItem,
)

INSPECTION_TYPE = "06"
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
SERVICE_COLUMNS = (
    "department_id",
    "name",
    "item_type",
    "status",
    "case_type",
    "legal_time_limit",
    "legal_time_unit",
    "promised_time_limit",
    "promised_time_unit",
    "onsite_visits",
    "e_license_linked",
    "license_free",
)


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


def _versions_at(entity_type: str, moment: datetime) -> ColumnElement[bool]:
    """The facts of one list valid at ``moment``: the version each row had then."""
    return and_(
        FigureFact.entity_type == entity_type,
        FigureFact.valid_from <= moment,
        or_(FigureFact.valid_to.is_(None), FigureFact.valid_to > moment),
    )


def service_facts(scope: Scope) -> Subquery:
    """One row per service item in scope, with the columns the figures read."""
    if scope.as_of is None:
        query: Select = select(
            ServiceItem.id, *(getattr(ServiceItem, name).label(name) for name in SERVICE_COLUMNS)
        )
    else:
        query = select(
            FigureFact.entity_id.label("id"), *(getattr(FigureFact, name) for name in SERVICE_COLUMNS)
        ).where(_versions_at("service_item", scope.as_of))
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
        items = (
            select(
                FigureFact.entity_id.label("id"),
                FigureFact.name,
                FigureFact.department_id,
                FigureFact.status,
                FigureFact.supervision_type,
                FigureFact.claimed,
            )
            .where(_versions_at("supervision_item", scope.as_of))
            .subquery()
        )
        lists = (
            select(FigureFact.supervision_item_id, FigureFact.status)
            .where(_versions_at("inspection_impl_list", scope.as_of))
            .subquery()
        )
    # A join to the set of items that have a published list, computed once, rather than a
    # correlated EXISTS per item.
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
        rows = select(
            FigureFact.entity_id.label("id"), FigureFact.name, FigureFact.department_id, FigureFact.status
        ).where(_versions_at("bundle", scope.as_of))
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


