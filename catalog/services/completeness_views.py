"""The rows behind a completeness figure as the dashboard shows them: named, with their
department and the required elements they leave 未填报, sorted, paged and exported like the
rows behind the other figures (figure_views.RowsPage).

The rows are completeness.missing_facts: live or as of a date, in the figure's scope.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Organization
from . import completeness
from .errors import DomainError
from .facts import Query, Shape
from .figure_views import PER_PAGE, SORTS, UNKNOWN, RowsPage, export_named, page_of
from .permissions import use_case
from .statistics import make_scope
from .tabular_files import Exported

ALL_ELEMENTS = "缺少任一必填要素"
# The portal's item page of each list (/items/<kind>/<id>); 检查实施清单 have none.
ITEM_PAGES = {
    "service_item": "service",
    "power_item": "power",
    "devolved_item": "devolved",
    "supervision_item": "supervision",
}
HEADERS = ["名称", "部门", "缺少的必填要素"]


def requirement(list_name: str, element: str | None = None) -> completeness.Requirement:
    """The list's required elements; an unknown list is not found, an element it does not
    require is a field error naming the choices."""
    entity_type = completeness.LIST_NAMES.get(list_name)
    if entity_type is None:
        raise DomainError(
            "unknown_list",
            f"没有名为 {list_name} 的清单。可选：{'、'.join(completeness.LIST_NAMES)}。",
            404,
        )
    required = completeness.requirements()[entity_type]
    keys = [e.key for e in required.elements]
    if element is not None and element not in keys:
        raise DomainError(
            "unknown_element", f"该清单没有必填要素 {element}。可选：{'、'.join(keys)}。", 400
        )
    return required


def _query(list_name: str, element: str | None, shape: Shape, sort: str) -> tuple[Query, Query]:
    """The rows missing ``element`` (or any), sorted, and their count."""
    if sort not in SORTS:
        raise DomainError("unknown_sort", f"不能按 {sort} 排序。可选：{'、'.join(SORTS)}。", 400)
    entity_type = requirement(list_name, element).entity_type
    facts = completeness.missing_facts(entity_type, shape, element)
    department = Organization.__table__.alias("department")
    order = {"name": facts.c.name, "department": department.c.name}[sort.lstrip("-")]
    query = (
        select(
            facts.c.id,
            facts.c.name,
            department.c.name.label("department"),
            facts.c.unfilled_elements,
        )
        .outerjoin(department, department.c.id == facts.c.department_id)
        .order_by(order.desc() if sort.startswith("-") else order.asc(), facts.c.id)
    )
    return query, select(func.count()).select_from(facts)


def _row(entity_type: str, row: Any) -> dict[str, Any]:
    missing = "、".join(completeness.missing_labels(entity_type, row.unfilled_elements))
    return {
        "id": row.id,
        "name": row.name or UNKNOWN,
        "department": row.department or UNKNOWN,
        "cells": [missing],
    }


def _label(required: completeness.Requirement, element: str | None) -> str:
    return next((f"缺少“{e.label}”" for e in required.elements if e.key == element), ALL_ELEMENTS)


@use_case("public")  # counts of published rows, like every other figure
def rows_page(
    session: Session,
    list_name: str,
    element: str | None = None,
    sort: str = "name",
    page: int = 1,
    per_page: int = PER_PAGE,
    **scope: Any,
) -> RowsPage:
    """One page of the rows behind a completeness figure (missing ``element``, or any)."""
    made = make_scope(**scope)
    query, count = _query(list_name, element, made.shape, sort)
    required = completeness.requirements()[completeness.LIST_NAMES[list_name]]
    rows, total, page, pages = page_of(session, query, count, made.parameters, page, per_page)
    return RowsPage(
        list_name,
        required.figure,
        element or "",
        _label(required, element),
        HEADERS,
        [_row(required.entity_type, row) for row in rows],
        total,
        page,
        pages,
        ITEM_PAGES.get(required.entity_type),
    )


@use_case("public")  # counts of published rows, like every other figure
def export_rows(
    session: Session,
    fmt: str,
    list_name: str,
    element: str | None = None,
    sort: str = "name",
    **scope: Any,
) -> Exported:
    """Every row behind a completeness figure (up to the export cap) as xlsx or CSV."""
    made = make_scope(**scope)
    query, _count = _query(list_name, element, made.shape, sort)
    required = completeness.requirements()[completeness.LIST_NAMES[list_name]]
    return export_named(
        session,
        fmt,
        query,
        made.parameters,
        lambda row: _row(required.entity_type, row),
        f"{required.figure}-{_label(required, element)}",
        HEADERS,
        f"{required.figure}-{element or 'all'}",
    )
