"""The rows behind the figures, live or as of a past moment, as one SQL relation each.

Live facts read the list tables. Facts as of a moment read the figures' history
(catalog.models.figure_facts): the version of each row valid at that moment, which is the
``after`` snapshot of its latest ChangeRecord at or before the moment, with the same column
names, so every figure is computed by the same SQL either way.

A scope's values are bind parameters (``Scope.parameters``); a statement depends only on the
scope's ``Shape`` (which filters it has). Each statement is therefore built once per shape and
reused: building it (column proxies of nested subqueries) cost more than running it on the
small district catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Subquery,
    and_,
    bindparam,
    null,
    or_,
    select,
)

from ..models import (
    Bundle,
    ChangeRecord,
    DevolvedItem,
    FigureFact,
    InspectionImplList,
    Inspector,
    Organization,
    PowerItem,
    ServiceItem,
    SupervisionItem,
)
from ..models.base import UtcDateTime
from ..models.figure_facts import FACT_SOURCES, fact_columns

INSPECTION_TYPE = "06"
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
SERVICE_COLUMNS = fact_columns("service_item")


# A SELECT of any columns (SQLAlchemy's Select is typed by its columns' types).
Query = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class Shape:
    """Which filters a scope has, not their values: what a statement over a scope depends on."""

    region: bool = False
    department: bool = False
    as_of: bool = False


REGION: BindParameter[int] = bindparam("scope_region_id")
DEPARTMENT: BindParameter[int] = bindparam("scope_department_id")
ITEM_TYPES: BindParameter[list[str]] = bindparam("scope_item_types", expanding=True)
AS_OF = bindparam("scope_as_of", type_=UtcDateTime())  # compared in UTC on SQLite too


@dataclass(frozen=True)
class Scope:
    """Which rows a figure counts: published rows of these item types, in a region or department."""

    region_id: int | None = None
    department_id: int | None = None
    item_types: tuple[str, ...] = ("01",)
    as_of: datetime | None = None

    @staticmethod
    def end_of_day(day: date) -> datetime:
        """ "As of 2020-12-31" means the lists as they stood at the end of that day, China time."""
        return datetime.combine(day, time.max, tzinfo=CHINA_TIME)

    @property
    def shape(self) -> Shape:
        return Shape(
            self.region_id is not None, self.department_id is not None, self.as_of is not None
        )

    @property
    def parameters(self) -> dict[str, Any]:
        """The values of the statements' bind parameters (REGION, DEPARTMENT, …) for this scope."""
        return {
            REGION.key: self.region_id,
            DEPARTMENT.key: self.department_id,
            ITEM_TYPES.key: list(self.item_types),
            AS_OF.key: self.as_of,
        }

    def describe(self) -> dict[str, object]:
        """The scope as data (the API's ``scope``); statistics.scope_text says it in words."""
        return {
            "region_id": self.region_id,
            "department_id": self.department_id,
            "item_types": list(self.item_types),
            "status": "published",
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


def _versions_at(entity_type: str, moment: Any = AS_OF) -> ColumnElement[bool]:
    """The facts of one list valid at ``moment`` (the scope's as-of): the version each row had then."""
    return and_(
        FigureFact.entity_type == entity_type,
        FigureFact.valid_from <= moment,
        or_(FigureFact.valid_to.is_(None), FigureFact.valid_to > moment),
    )


@cache
def service_facts(shape: Shape) -> Subquery:
    """One row per service item in scope, with the columns the figures read."""
    if not shape.as_of:
        query: Query = select(
            ServiceItem.id, *(getattr(ServiceItem, name).label(name) for name in SERVICE_COLUMNS)
        )
    else:
        query = select(
            FigureFact.entity_id.label("id"),
            *(getattr(FigureFact, name) for name in SERVICE_COLUMNS),
        ).where(_versions_at("service_item"))
    rows = query.subquery()
    return in_scope(
        select(rows).where(rows.c.status == "published", rows.c.item_type.in_(ITEM_TYPES)),
        rows.c.department_id,
        shape,
    ).subquery("service_facts")


@cache
def inspection_facts(shape: Shape) -> Subquery:
    """One row per 行政检查 监管事项 (claimed, published) with whether it has a published
    检查实施清单 — the two counts of the 实施清单完成率."""
    columns = ("name", "department_id", "status", "supervision_type", "claimed")
    if not shape.as_of:
        items = _live(SupervisionItem, "supervision_item", columns).subquery()
        lists = select(InspectionImplList.supervision_item_id, InspectionImplList.status).subquery()
    else:
        items = _as_of("supervision_item", columns).subquery()
        lists = (
            select(FigureFact.supervision_item_id, FigureFact.status)
            .where(_versions_at("inspection_impl_list"))
            .subquery()
        )
    return inspections_with_lists(items, lists, shape)


def inspections_with_lists(items: Subquery, lists: Subquery, shape: Shape) -> Subquery:
    """The claimed, published 行政检查 among ``items`` in scope, each with whether ``lists``
    holds a published 检查实施清单 for it (the columns of ``inspection_facts``)."""
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
    return in_scope(query, items.c.department_id, shape).subquery("inspection_facts")


def _live(model: Any, entity_type: str, columns: tuple[str, ...]) -> Query:
    """The rows' id and fact ``columns`` now, each read from the attribute FACT_SOURCES names
    (a 监管事项's name is its code, a 一件事's department its lead department)."""
    sources = FACT_SOURCES[entity_type]
    return select(model.id, *(getattr(model, sources[c][0]).label(c) for c in columns))


def _as_of(entity_type: str, columns: tuple[str, ...]) -> Query:
    """The same columns as of the bound moment, from figure_facts."""
    facts = (getattr(FigureFact, column) for column in columns)
    return select(FigureFact.entity_id.label("id"), *facts).where(_versions_at(entity_type))


def _list_facts(
    shape: Shape, entity_type: str, model: Any, columns: tuple[str, ...], published: bool = True
) -> Subquery:
    """One row per row of a list in scope: (id, name, department_id[, status], *columns), live
    or as of a moment. Only published rows count, unless the list has no status (the 名录库 of
    inspectors)."""
    selected = ("name", "department_id", *(["status"] if published else []), *columns)
    if not shape.as_of:
        rows = _live(model, entity_type, selected)
    else:
        rows = _as_of(entity_type, selected)
        if not published:  # a version whose row was deleted has no status
            rows = rows.where(FigureFact.status.is_not(None))
    subquery = rows.subquery()
    query = select(subquery)
    if published:
        query = query.where(subquery.c.status == "published")
    return in_scope(query, subquery.c.department_id, shape).subquery(f"{entity_type}_facts")


@cache
def bundle_facts(shape: Shape) -> Subquery:
    """One row per published 一件事 led by a department in scope."""
    return _list_facts(shape, "bundle", Bundle, ())


@cache
def supervision_facts(shape: Shape) -> Subquery:
    """One row per published 监管事项 (主项 and 子项): whether it is claimed, and its 主项."""
    return _list_facts(shape, "supervision_item", SupervisionItem, ("claimed", "parent_id"))


@cache
def devolved_facts(shape: Shape) -> Subquery:
    """One row per published 下放镇街事项, under its 原实施部门."""
    return _list_facts(shape, "devolved_item", DevolvedItem, ())


@cache
def inspector_facts(shape: Shape) -> Subquery:
    """One row per 执法检查人员 in the 名录库 (on duty or not), by 执法证号."""
    return _list_facts(shape, "inspector", Inspector, ("on_duty",), published=False)


# The lists with completeness figures; their name and department columns are in FACT_SOURCES.
COMPLETENESS_MODELS: dict[str, Any] = {
    "service_item": ServiceItem,
    "power_item": PowerItem,
    "devolved_item": DevolvedItem,
    "supervision_item": SupervisionItem,
    "inspection_impl_list": InspectionImplList,
}


@cache
def element_facts(entity_type: str, shape: Shape) -> Subquery:
    """One row per published row of a list in scope, with its unfilled elements. The item types
    of the scope apply to the 实施清单 only."""
    if not shape.as_of:
        model = COMPLETENESS_MODELS[entity_type]
        item_type = model.item_type if entity_type == "service_item" else null()
        rows = _live(model, entity_type, ("name", "department_id", "status")).add_columns(
            item_type.label("item_type"), model.unfilled_elements
        )
    else:
        columns = ("name", "department_id", "status", "item_type", "unfilled_elements")
        rows = _as_of(entity_type, columns)
    subquery = rows.subquery()
    query = select(subquery).where(subquery.c.status == "published")
    if entity_type == "service_item":
        query = query.where(subquery.c.item_type.in_(ITEM_TYPES))
    return in_scope(query, subquery.c.department_id, shape).subquery(f"{entity_type}_elements")


def devolved_receivers_as_of(moment: datetime) -> Query:
    """(devolved item id, its department, its receiving townships' ids) of every devolved item
    published at ``moment``: the receivers are read from the version's snapshot."""
    return (
        select(FigureFact.entity_id, FigureFact.department_id, ChangeRecord.after["receiver_ids"])
        .join(ChangeRecord, ChangeRecord.id == FigureFact.record_id)
        .where(_versions_at("devolved_item", moment), FigureFact.status == "published")
    )


def in_scope(query: Query, department_column: ColumnElement[Any], shape: Shape) -> Query:
    """``query`` limited to the scope's department and region (bound at execution)."""
    if shape.department:
        query = query.where(department_column == DEPARTMENT)
    if shape.region:
        in_region = select(Organization.id).where(Organization.region_id == REGION)
        query = query.where(department_column.in_(in_region))
    return query


def forget_statements() -> None:
    """Build every statement anew at its next use (the statements are kept per shape for the
    life of the process): for a caller that replaces a builder, as the figures' reference test
    does with its snapshot-based facts."""
    for built in (
        service_facts,
        inspection_facts,
        bundle_facts,
        supervision_facts,
        devolved_facts,
        inspector_facts,
        element_facts,
    ):
        built.cache_clear()
