"""The use cases every list shares: create, read, delete and list with filters.

Each takes a ListSpec (catalog/services/registry.py) that names the model, its schema, its
rules and its filters, and the Actor who acts (catalog/services/permissions.py). A write checks
the actor's permission, applies the data, runs every rule, records the history and the search
outbox row, and commits once; it either all happens or none of it does. Changing a row goes
through the workflow (catalog/services/workflow.py), which decides whether the change applies
at once or waits for review.

Reads show the public published rows only; signed-in actors also see the unpublished rows of
the departments they may read. A row the actor may not see is "not found", not "forbidden", so
drafts do not leak even their existence: as a reference it does not exist either, and a clash
with its unique code does not name it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models.codes import PUBLISHED
from ..models.elements import HasElements, RowView, unfilled_mask
from ..schemas.fields import MAX_ID
from .errors import FieldError, conflict, not_found, validation_failed
from .history import record_change
from .mapped import Identified
from .permissions import Actor, allowed, authorize, departments_where, use_case
from .registry import ALL_LISTS, ListSpec
from .rules import Problems, missing_ids
from .versions import flush_versioned, require_version

DRAFT = "draft"


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0


def paged(total: int, page: int, per_page: int) -> tuple[int, int, int]:
    """The page asked for, moved into 1‥pages (one page when nothing is found); the number of
    pages; the offset of the page's first row."""
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    return page, pages, (page - 1) * per_page


def visibility_clause(
    actor: Actor, spec: ListSpec, department_id: int | None = None
) -> ColumnElement[bool] | None:
    """Which rows the actor may see, as SQL: published ones, and the unpublished rows of the
    departments they may read; None when they see every row of the list, or when the query is
    already confined to ``department_id``, a department they read (the OR would add nothing
    but make the database read every row of the department: no index can answer it)."""
    readable = departments_where(actor, "row.read_unpublished")
    if not spec.has_workflow or readable is None or department_id in readable:
        return None
    published = spec.workflow_model.status == PUBLISHED
    if not readable or spec.owner is None:
        return published
    return or_(published, spec.owner_column().in_(sorted(readable)))


def matching(
    spec: ListSpec, args: Mapping[str, Any], actor: Actor
) -> list[ColumnExpressionArgument[bool]]:
    """The rows of a list query, as SQL: the spec's filters given in ``args``, among the rows
    the actor may see (the API's pages and the exports select alike)."""
    clauses = [f.clause(args[f.name]) for f in spec.filters if args.get(f.name) is not None]
    visibility = visibility_clause(actor, spec, args.get(OWNER_FILTER) if spec.owner else None)
    if visibility is not None:
        clauses.append(visibility)
    return clauses


@use_case("row.read")
def get_row(session: Session, spec: ListSpec, row_id: int, actor: Actor) -> Any:
    """One row the actor may see; any other is "not found", so drafts do not leak."""
    query = select(spec.model).where(spec.model.id == row_id)
    visibility = visibility_clause(actor, spec)
    if visibility is not None:
        query = query.where(visibility)
    row = session.scalar(query) if 0 < row_id <= MAX_ID else None
    if row is None:
        raise not_found(spec.label, row_id)
    return row


def write_permission(spec: ListSpec) -> str:
    """Rows of a department are written by its editors; reference lists by admins."""
    return "row.edit" if spec.owner else "reference.edit"


def authorize_write(actor: Actor, spec: ListSpec, *departments: int | None) -> None:
    for department_id in dict.fromkeys(departments):
        authorize(actor, write_permission(spec), department_id)


@use_case(write_permission)
def may_write(actor: Actor, spec: ListSpec, department_id: int | None) -> None:
    """The pages' gate: refuse before a form or an upload is read when the actor may not write
    the list's rows of that department (the API's gate is api/gate.py)."""
    authorize_write(actor, spec, department_id)


OWNER_FILTER = "department_id"  # each department's list filters its owner column by this name
# From this offset on, the page's ids are found first (an index-only walk) and only those
# rows are joined and loaded: OFFSET otherwise drags every skipped row through the joins.
DEFERRED_JOIN_OFFSET = 1000


@use_case("row.read")
def list_rows(
    session: Session, spec: ListSpec, args: dict[str, Any], actor: Actor, summary: bool = False
) -> Page:
    """One page of the rows the actor may see that match the spec's filters, with the total.

    ``summary`` loads only what the list view shows (spec.list_options), for the API's
    collections; exports and other callers get whole rows.
    """
    clauses = matching(spec, args, actor)
    total = session.scalar(select(func.count()).select_from(spec.model).where(*clauses)) or 0
    page, per_page = args["page"], args["per_page"]
    offset = (page - 1) * per_page
    order = spec.order_by(args.get("sort"))
    if offset >= DEFERRED_JOIN_OFFSET:
        ids = (
            select(spec.model.id)
            .where(*clauses)
            .order_by(*order)
            .limit(per_page)
            .offset(offset)
            .subquery()
        )
        query = select(spec.model).join(ids, spec.model.id == ids.c.id).order_by(*order)
    else:
        query = select(spec.model).where(*clauses).order_by(*order).limit(per_page).offset(offset)
    if summary and spec.list_options:
        query = query.options(*spec.list_options())
    return Page(list(session.scalars(query).unique()), total, page, per_page)


# Rows (by model and id) a run of creations in one transaction found visible: an import, a seed.
# Each is then not looked up again for every row that names it (the same few departments).
SeenReferences = set[tuple[type[Identified], int]]


@use_case(write_permission)
def create_row(
    session: Session,
    spec: ListSpec,
    data: dict[str, Any],
    actor: Actor,
    *,
    seen: SeenReferences | None = None,
) -> Any:
    """A new row: a draft, unless the actor may publish the department's rows directly.

    ``seen``: references found earlier in this transaction by the same actor (kept across
    calls by a caller that creates many rows, and added to here)."""
    authorize_write(actor, spec, spec.department_of(data))
    publishing = spec.has_workflow and data.get("status", DRAFT) != DRAFT
    if publishing and not allowed(actor, "row.review", spec.department_of(data)):
        raise validation_failed(
            {
                "status": [
                    FieldError("draft_only", "新建的事项只能是草稿；须提交审核，审核通过后发布。")
                ]
            }
        )
    row = spec.model()
    _apply(session, spec, row, data, actor, seen)
    session.add(row)
    _flush(session, spec)
    record(session, spec, row, "create", None, actor)
    session.commit()
    return row


def apply_update(
    session: Session, spec: ListSpec, row: Any, data: dict[str, Any], actor: Actor
) -> None:
    """Set the fields of an existing row and check every rule, as the actor sees the rows it
    refers to (permission checked by the caller)."""
    if spec.has_workflow and data.get("status", row.status) != row.status:
        raise validation_failed(
            {
                "status": [
                    FieldError(
                        "workflow_only",
                        "状态不能直接修改，请使用提交、审核、暂停、恢复或取消操作。",
                    )
                ]
            }
        )
    _apply(session, spec, row, data, actor)
    _flush(session, spec)


# Rows that were public once are kept: they are cancelled (取消), never deleted.
DELETABLE = frozenset({DRAFT, "rejected"})


@use_case(write_permission)
def delete_row(
    session: Session, spec: ListSpec, row_id: int, expected_version: int, actor: Actor
) -> None:
    row = get_row(session, spec, row_id, actor)
    authorize_write(actor, spec, spec.department_of(row))
    require_version(row, expected_version)
    if spec.has_workflow and row.status not in DELETABLE:
        raise conflict(f"{spec.label}已进入审核或已发布，不能删除；已发布的事项请申请取消。")
    before = spec.snapshot(row)
    session.delete(row)
    _flush(session, spec)
    record_change(
        session,
        entity_type=spec.entity_type,
        entity_id=row_id,
        action="delete",
        before=before,
        after=None,
        actor=actor,
        department_id=spec.department_of(before),
        searchable=spec.searchable is not None,
    )
    session.commit()


def _apply(
    session: Session,
    spec: ListSpec,
    row: Any,
    data: dict[str, Any],
    actor: Actor,
    seen: SeenReferences | None = None,
) -> None:
    """Set the fields, then check references, uniqueness and the list's own rules."""
    problems = Problems()
    _check_references(session, spec, data, actor, problems, seen)
    if problems:
        session.rollback()
        raise validation_failed(problems.by_field)
    for name, value in data.items():
        setter = spec.setters.get(name)
        if setter:
            setter(session, row, value)
        else:
            setattr(row, name, value)
    if isinstance(row, HasElements):
        with session.no_autoflush:
            row.unfilled_elements = unfilled_mask(spec.entity_type, RowView(row))
    _check_unique(session, spec, row, actor, problems)
    if spec.check:
        with session.no_autoflush:
            problems.merge(spec.check(session, row))
    if problems:
        session.rollback()
        raise validation_failed(problems.by_field)


_SPECS_BY_MODEL: dict[type[Identified], ListSpec] = {spec.model: spec for spec in ALL_LISTS}


def _visible(actor: Actor, model: type[Identified]) -> tuple[ColumnElement[bool], ...]:
    """The clause confining ``model``'s rows to those the actor may see (none: all of them)."""
    spec = _SPECS_BY_MODEL.get(model)
    visibility = visibility_clause(actor, spec) if spec is not None else None
    return () if visibility is None else (visibility,)


def _check_references(
    session: Session,
    spec: ListSpec,
    data: dict[str, Any],
    actor: Actor,
    problems: Problems,
    seen: SeenReferences | None = None,
) -> None:
    """A row the actor may not see is referred to as if it did not exist: linking to another
    department's draft answers exactly as linking to no row at all."""
    for name, (model, label) in spec.references.items():
        value = data.get(name)
        if value is None:
            continue
        ids = value if isinstance(value, list) else [value]
        if seen is not None:
            ids = [i for i in ids if (model, i) not in seen]
        missing = missing_ids(session, model, ids, *_visible(actor, model))
        for row_id in missing:
            problems.add(name, FieldError("unknown_reference", f"{label}（编号 {row_id}）不存在。"))
        if seen is not None:
            seen.update((model, i) for i in ids if i not in missing)


def _check_unique(
    session: Session, spec: ListSpec, row: Any, actor: Actor, problems: Problems
) -> None:
    for name in spec.unique:
        value = getattr(row, name)
        if value is None:
            continue
        query = select(spec.model.id).where(getattr(spec.model, name) == value)
        if row.id is not None:
            query = query.where(spec.model.id != row.id)
        with session.no_autoflush:
            clash = session.scalar(query)
            named = (
                clash is not None
                and session.scalar(query.where(*_visible(actor, spec.model))) is not None
            )
        if named:
            problems.add(
                name,
                FieldError("duplicate", f"该值已被{spec.label}（编号 {clash}）使用，不能重复。"),
            )
        elif clash is not None:  # the value is taken all the same, by a row the actor may not see
            problems.add(
                name,
                FieldError("duplicate", f"该值已被其他部门尚未公开的{spec.label}使用，不能重复。"),
            )


def _flush(session: Session, spec: ListSpec) -> None:
    try:
        flush_versioned(session)
    except IntegrityError:
        session.rollback()
        raise conflict(
            f"{spec.label}与其他记录冲突：编码重复，或仍被其他记录引用而不能删除。"
        ) from None


def record(
    session: Session,
    spec: ListSpec,
    row: Any,
    action: str,
    before: Any,
    actor: Actor,
    note: str | None = None,
) -> None:
    """The history record (and search outbox row) of a change to ``row``."""
    record_change(
        session,
        entity_type=spec.entity_type,
        entity_id=row.id,
        action=action,
        before=before,
        after=spec.snapshot(row),
        actor=actor,
        department_id=spec.department_of(row),
        searchable=spec.searchable is not None,
        note=note,
        row=row,
    )
