"""What the auditors' dashboard shows besides the figures themselves: the rows behind a part of
a figure with names and labels (sorted, paged, exported), each department's value of one
figure, and one figure over as-of dates.

The values are the figures service's (statistics, figures): exact fractions and their display
strings under the named rule; nothing here rounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Row,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from ..models import (
    Bundle,
    DevolvedItem,
    FigureFact,
    Inspector,
    Organization,
    ServiceItem,
    SupervisionItem,
)
from ..models.base import CHINA_TIME
from ..models.codes import CASE_TYPES, TIME_UNITS
from .crud import paged
from .errors import DomainError
from .facts import Query, Scope, Shape
from .figures import (
    PARTS,
    Figure,
    Totals,
    compute_figures,
    department_figures,
    exact_text,
    figures_by_department,
    figures_from,
    merged,
    part_facts,
    totals,
)
from .permissions import use_case
from .statistics import department_names, make_scope
from .tabular_files import MAX_ROWS, Exported, Table, exported

UNKNOWN = "未填报"
NO_APPLICABLE_ROWS = "无适用事项"
PER_PAGE = 50
PART_LABELS = {
    "numerator": "分子",
    "denominator": "分母",
    "excluded": "在分母中、不在分子中（拉低比率）",
    "unknown": "因要素未填报而未计入",
}
SERIES_YEARS = 6  # year-ends shown on a figure's line, before today


@dataclass(frozen=True)
class Source:
    """Where the rows of a figure come from: the list, its name, its page on the portal."""

    model: Any
    name: Any  # None: the facts' own name (as of a date, the name the row had then)
    kind: str | None  # the portal's item page (/items/<kind>/<id>), None when it has none
    headers: tuple[str, ...]  # the columns after 名称 and 部门


SERVICE = Source(
    ServiceItem,
    None,
    "service",
    ("办件类型", "法定办结时限", "承诺办结时限", "到办事现场次数", "关联电子证照", "免证办"),
)
SUPERVISION = Source(SupervisionItem, SupervisionItem.main_name, "supervision", ())
SOURCES: dict[str, Source] = {
    **dict.fromkeys(
        (
            "instant_share",
            "time_reduction",
            "time_reduction_mean",
            "average_visits",
            "zero_visit_rate",
            "e_license_items",
            "license_free_items",
        ),
        SERVICE,
    ),
    "inspection_list_completion": Source(
        SupervisionItem, SupervisionItem.main_name, "supervision", ("检查实施清单",)
    ),
    "supervision_items": SUPERVISION,
    "supervision_claim_rate": SUPERVISION,
    "bundles": Source(Bundle, None, None, ()),
    "devolved_items": Source(DevolvedItem, None, "devolved", ()),
    "certified_inspectors": Source(Inspector, Inspector.name, None, ("在岗",)),
    "enforcement_units": Source(Organization, Organization.name, None, ("在岗持证执法人员数",)),
    "e_license_departments": Source(
        Organization, Organization.name, None, ("关联电子证照的事项数",)
    ),
}
SORTS = ("name", "-name", "department", "-department")
# Each figure's label, percent and places, from the figures service itself (no data needed)
SHAPES: dict[str, Figure] = {f.key: f for f in figures_from(Totals(), Scope(), "HALF_UP")}
LABELS = {key: figure.label for key, figure in SHAPES.items()}


@dataclass
class RowsPage:
    key: str
    label: str
    part: str
    part_label: str
    headers: list[str]
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    kind: str | None


def _limit_text(value: int | None, unit: str | None, no_limit: bool | None) -> str:
    if no_limit:
        return "无期限"
    if value is None or (unit is None and value != 0):
        return UNKNOWN
    return f"{value} {TIME_UNITS.get(unit or '', '')}".strip()


def _yes_no(value: bool | None) -> str:
    return UNKNOWN if value is None else ("是" if value else "否")


def _cells(key: str, row: Any) -> list[str]:
    """The labelled facts of one row, in the order of its Source's headers."""
    m = row._mapping
    if SOURCES[key] is SERVICE:
        return [
            CASE_TYPES.get(m["case_type"] or "", UNKNOWN),
            _limit_text(m["legal_time_limit"], m["legal_time_unit"], m["legal_no_limit"]),
            _limit_text(m["promised_time_limit"], m["promised_time_unit"], m["promised_no_limit"]),
            UNKNOWN if m["onsite_visits"] is None else str(m["onsite_visits"]),
            "是" if m["e_license_linked"] else "否",
            "是" if m["license_free"] else "否",
        ]
    if key == "inspection_list_completion":
        return ["已编制" if m["has_list"] else "未编制"]
    if key == "certified_inspectors":
        return [_yes_no(m["on_duty"])]
    if key == "enforcement_units":
        return [str(m["inspectors"])]
    if key == "e_license_departments":
        return [str(m["items"])]
    return []


def check(key: str, part: str = "numerator", sort: str = "name") -> None:
    if key not in PARTS:
        raise DomainError("unknown_figure", f"没有名为 {key} 的统计数字。", 404)
    if part not in PART_LABELS:
        raise DomainError(
            "unknown_part", f"没有 {part} 这一部分。可选：{'、'.join(PART_LABELS)}。", 404
        )
    if sort not in SORTS:
        raise DomainError("unknown_sort", f"不能按 {sort} 排序。可选：{'、'.join(SORTS)}。", 400)


PAGE_IDS: BindParameter[list[int]] = bindparam("page_ids", expanding=True)
GROUP_NAMES: BindParameter[list[str]] = bindparam("page_group_names", expanding=True)
NAMELESS_GROUP: BindParameter[bool] = bindparam("page_nameless_group", type_=Boolean)


@dataclass(frozen=True)
class RowsQuery:
    """The rows of a list behind a figure, sorted: all of them (for an export), their count,
    and for a page, the ids in order, then the rows of a page's ids. Sorting a hundred thousand
    whole rows to keep fifty cost more than all the rest of a page; sorting their ids alone, on
    an index, does not."""

    rows: Query
    count: Query
    ids: Query
    rows_of_ids: Query
    # sorted by department: the rows of each department name, in order, and the ids of some
    groups: Query
    ids_in_groups: Query


@lru_cache(maxsize=512)
def _rows_query(key: str, part: str, shape: Shape, sort: str) -> RowsQuery:
    """The rows behind a part of a figure, sorted, and their count."""
    facts = part_facts(key, shape, part)
    source = SOURCES[key]
    department = Organization.__table__.alias("department")
    name: ColumnElement[Any] = facts.c.name if source.name is None else source.name

    def joined(query: Query) -> Query:
        if source.name is not None:
            query = query.outerjoin(source.model, source.model.id == facts.c.id)
        return query.outerjoin(department, department.c.id == facts.c.department_id)

    columns = [facts, name.label("entity_name"), department.c.name.label("department_name")]
    if source.model is SupervisionItem:  # a 子项 is named with its 主项
        columns.append(SupervisionItem.sub_name.label("sub_name"))
    order = {"name": name, "department": department.c.name}[sort.lstrip("-")]
    order = order.desc() if sort.startswith("-") else order.asc()
    rows = joined(select(*columns).select_from(facts)).order_by(order, facts.c.id)
    ids = joined(select(facts.c.id).select_from(facts)).order_by(order, facts.c.id)
    named = department.c.name
    return RowsQuery(
        rows,
        select(func.count()).select_from(facts),
        ids,
        rows.where(facts.c.id.in_(PAGE_IDS)),
        joined(select(named, func.count()).select_from(facts)).group_by(named).order_by(order),
        ids.where(or_(named.in_(GROUP_NAMES), and_(named.is_(None), NAMELESS_GROUP))),
    )


def _row(key: str, row: Any) -> dict[str, Any]:
    m = row._mapping
    name = m["entity_name"] or m.get("name") or UNKNOWN
    if m.get("sub_name"):
        name = f"{name}（{m['sub_name']}）"
    return {
        "id": m["id"],
        "name": name,
        "department": m["department_name"] or UNKNOWN,
        "cells": _cells(key, row),
    }


@use_case("public")  # published rows and figures, as public as the API's
def rows_page(
    session: Session,
    key: str,
    part: str = "numerator",
    sort: str = "name",
    page: int = 1,
    per_page: int = PER_PAGE,
    **scope: Any,
) -> RowsPage:
    """One page of the rows behind a part of a figure, named and labelled."""
    check(key, part, sort)
    made = make_scope(**scope)
    query = _rows_query(key, part, made.shape, sort)
    if sort.lstrip("-") == "department":
        groups = session.execute(query.groups, made.parameters).all()
        total = sum(count for _, count in groups)
        page, pages, offset = paged(total, page, per_page)
        ids = _ids_of_groups(session, query, made.parameters, groups, offset, per_page)
    else:
        total = session.scalar(query.count, made.parameters) or 0
        page, pages, offset = paged(total, page, per_page)
        ids = session.scalars(query.ids.limit(per_page).offset(offset), made.parameters).all()
    rows = session.execute(query.rows_of_ids, {**made.parameters, PAGE_IDS.key: ids}).all()
    return RowsPage(
        key,
        LABELS[key],
        part,
        PART_LABELS[part],
        ["名称", "部门", *SOURCES[key].headers],
        [_row(key, row) for row in rows],
        total,
        page,
        pages,
        SOURCES[key].kind,
    )


def _ids_of_groups(
    session: Session,
    query: RowsQuery,
    parameters: dict[str, Any],
    groups: Sequence[Any],  # (department name, rows)
    offset: int,
    per_page: int,
) -> Sequence[int]:
    """A page's ids in department order, read from the departments the page falls in only:
    the departments before it are skipped by their counts (on PostgreSQL, sorting 95,000 rows
    by department to skip 25,000 took 130 ms). The same ORDER BY, so the same collation and
    place of rows without a department, as the whole sort's."""
    covering: list[str | None] = []
    covered = 0
    for name, count in groups:
        if not covering and offset >= count:
            offset -= count
            continue
        covering.append(name)
        covered += count
        if covered - offset >= per_page:
            break
    named = [name for name in covering if name is not None]
    chosen = {**parameters, GROUP_NAMES.key: named, NAMELESS_GROUP.key: None in covering}
    return session.scalars(query.ids_in_groups.limit(per_page).offset(offset), chosen).all()


def page_of(
    session: Session,
    query: Query,
    count: Query,
    parameters: dict[str, Any],
    page: int,
    per_page: int,
) -> tuple[Sequence[Row[Any]], int, int, int]:
    """One page of ``query`` with the total ``count`` finds, the page (moved into 1‥pages)
    and the number of pages: the paging of every list of rows behind a figure."""
    total = session.scalar(count, parameters) or 0
    page, pages, offset = paged(total, page, per_page)
    rows = session.execute(query.limit(per_page).offset(offset), parameters).all()
    return rows, total, page, pages


def export_named(
    session: Session,
    fmt: str,
    query: Query,
    parameters: dict[str, Any],
    named: Callable[[Row[Any]], dict[str, Any]],
    title: str,
    headers: list[str],
    stem: str,
) -> Exported:
    """Every row of ``query`` (up to the export cap), named by ``named`` as on a page, as a
    sheet of ``title`` and ``headers`` in xlsx or CSV."""
    rows = (
        [n["name"], n["department"], *n["cells"]]
        for n in map(named, session.execute(query.limit(MAX_ROWS), parameters))
    )
    table = Table(title[:31], headers, rows)
    return exported(f"{stem}-{date.today():%Y%m%d}", fmt, [table])


@use_case("public")  # published rows and figures, as public as the API's
def export_rows(
    session: Session, fmt: str, key: str, part: str = "numerator", sort: str = "name", **scope: Any
) -> Exported:
    """Every row behind a part of a figure (up to the export cap) as xlsx or CSV."""
    check(key, part, sort)
    made = make_scope(**scope)
    return export_named(
        session,
        fmt,
        _rows_query(key, part, made.shape, sort).rows,
        made.parameters,
        lambda row: _row(key, row),
        f"{LABELS[key]}-{PART_LABELS[part]}",
        ["名称", "部门", *SOURCES[key].headers],
        f"{LABELS[key]}-{part}",
    )


@dataclass(frozen=True)
class Value:
    """One figure of one department or one day: its exact value and its display string."""

    label: str
    figure: Figure

    @property
    def value(self) -> Fraction | None:
        return self.figure.value

    @property
    def text(self) -> str:
        """The display, or 无适用事项 when nothing is in scope (0/0)."""
        return NO_APPLICABLE_ROWS if self.empty else self.figure.display()

    @property
    def counts(self) -> str | None:
        """Numerator / denominator, exactly, for a rate with rows in scope."""
        f = self.figure
        if f.denominator is None or self.empty:
            return None
        return f"{exact_text(f.numerator)}/{exact_text(f.denominator)}"

    @property
    def empty(self) -> bool:
        return self.figure.value is None and self.figure.in_scope == 0


@use_case("public")  # published rows and figures, as public as the API's
def by_department(session: Session, key: str, rule: str = "HALF_UP", **scope: Any) -> list[Value]:
    """Each department's value of one figure, highest first; a department with nothing in
    the figure's scope (0/0) last, marked."""
    check(key)
    made = make_scope(**scope)
    names = department_names(session, made)
    found = {
        row["department_id"]: row["figures"][key]
        for row in figures_by_department(session, made, list(names), rule, keys=[key])
    }
    values = [
        Value(name, found.get(i) or _nothing(key, made, i, rule)) for i, name in names.items()
    ]
    return sorted(values, key=lambda v: (v.value is None, v.empty, -(v.value or 0), v.label))


def _nothing(key: str, scope: Scope, department_id: int, rule: str) -> Figure:
    """The figure of a department with no row of its kind in scope."""
    empty = replace(scope, department_id=department_id)
    return next(f for f in figures_from(Totals(), empty, rule) if f.key == key)


@use_case("public")  # published rows and figures, as public as the API's
def series(session: Session, key: str, rule: str = "HALF_UP", **scope: Any) -> list[Value]:
    """One figure as of the last year-ends since the history begins, then now (oldest first)."""
    check(key)
    scope.pop("as_of", None)
    first = session.scalar(select(func.min(FigureFact.valid_from)))
    today = datetime.now(CHINA_TIME).date()
    start = max(
        first.astimezone(CHINA_TIME).year if first else today.year, today.year - SERIES_YEARS
    )
    days = [date(year, 12, 31) for year in range(start, today.year)]
    values = [
        Value(day.isoformat(), _one(session, key, rule, make_scope(as_of=day, **scope)))
        for day in days
    ]
    return [
        *values,
        Value(f"{today.isoformat()}（当前）", _one(session, key, rule, make_scope(**scope))),
    ]


def _one(session: Session, key: str, rule: str, scope: Scope) -> Figure:
    return next(f for f in compute_figures(session, scope, rule, keys=[key]) if f.key == key)


@use_case("public")  # published rows and figures, as public as the API's
def one(session: Session, key: str, rule: str = "HALF_UP", **scope: Any) -> Figure:
    """One figure for a scope (reading only the facts it needs)."""
    check(key)
    return _one(session, key, rule, make_scope(**scope))


DEPARTMENT_COLUMNS = (
    "instant_share",
    "time_reduction",
    "average_visits",
    "zero_visit_rate",
    "inspection_list_completion",
)
DEPARTMENTS_PER_PAGE = 20


@dataclass
class DepartmentsPage:
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[tuple[str, list[Value]]]  # (department, one Value per column)
    sort: str
    total: int
    page: int
    pages: int


def department_sorts() -> tuple[str, ...]:
    return tuple(s for key in ("department", *DEPARTMENT_COLUMNS) for s in (key, f"-{key}"))


@dataclass
class Dashboard:
    figures: list[dict[str, Any]]  # as the figures API answers them
    departments: DepartmentsPage


@use_case("public")  # published rows and figures, as public as the API's
def dashboard(
    session: Session,
    rule: str = "HALF_UP",
    sort: str = "instant_share",
    page: int = 1,
    **scope: Any,
) -> Dashboard:
    """The scope's figures and the per-department table from one grouped read of the facts:
    the scope's totals are its departments' added up, not read a second time."""
    _check_department_sort(sort)
    made = make_scope(**scope)
    grouped = totals(session, made, by_department=True)
    figures = figures_from(merged(grouped.values()), made, rule)
    return Dashboard(
        [figure.as_dict() for figure in figures],
        _departments_table(session, made, grouped, rule, sort, page),
    )


def _check_department_sort(sort: str) -> None:
    if sort not in department_sorts():
        raise DomainError(
            "unknown_sort", f"不能按 {sort} 排序。可选：{'、'.join(department_sorts())}。", 400
        )


def _departments_table(
    session: Session,
    made: Scope,
    grouped: dict[int | None, Totals],
    rule: str,
    sort: str,
    page: int,
) -> DepartmentsPage:
    names = department_names(session, made)
    found = {
        row["department_id"]: row["figures"]
        for row in department_figures(grouped, made, list(names), rule)
    }
    rows = [
        (
            name,
            [
                Value(name, found[i][k] if i in found else _nothing(k, made, i, rule))
                for k in DEPARTMENT_COLUMNS
            ],
        )
        for i, name in names.items()
    ]
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if key == "department":
        rows.sort(key=lambda r: r[0], reverse=descending)
    else:
        at = DEPARTMENT_COLUMNS.index(key)
        known = sorted(
            (r for r in rows if r[1][at].value is not None),
            key=lambda r: (r[1][at].value, r[0]),
            reverse=descending,
        )
        rows = known + sorted(
            (r for r in rows if r[1][at].value is None), key=lambda r: (r[1][at].empty, r[0])
        )
    page, pages, start = paged(len(rows), page, DEPARTMENTS_PER_PAGE)
    return DepartmentsPage(
        [(k, LABELS[k]) for k in DEPARTMENT_COLUMNS],
        rows[start : start + DEPARTMENTS_PER_PAGE],
        sort,
        len(rows),
        page,
        pages,
    )
