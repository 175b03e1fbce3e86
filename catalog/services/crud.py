"""The use cases every list shares: create, read, update, delete and list with filters.

Each takes a ListSpec (catalog/services/registry.py) that names the model, its schema, its
rules and its filters. A write applies the data, runs every rule, records the history and the
search outbox row, and commits once; it either all happens or none of it does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..schemas.fields import MAX_ID
from .errors import FieldError, conflict, not_found, stale_version, validation_failed
from .history import record_change
from .registry import ListSpec
from .rules import Problems, missing_ids


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through what (the review workflow adds roles and departments)."""

    name: str = "system"
    source: str = "api"


def get_row(session: Session, spec: ListSpec, row_id: int) -> Any:
    row = session.get(spec.model, row_id) if 0 < row_id <= MAX_ID else None
    if row is None:
        raise not_found(spec.label, row_id)
    return row


# From this offset on, the page's ids are found first (an index-only walk) and only those
# rows are joined and loaded: OFFSET otherwise drags every skipped row through the joins.
DEFERRED_JOIN_OFFSET = 1000


def list_rows(session: Session, spec: ListSpec, args: dict[str, Any], summary: bool = False) -> Page:
    """One page of rows matching the spec's filters, with the total.

    ``summary`` loads only what the list view shows (spec.list_options), for the API's
    collections; exports and other callers get whole rows.
    """
    clauses = [f.clause(args[f.name]) for f in spec.filters if args.get(f.name) is not None]
    total = session.scalar(select(func.count()).select_from(spec.model).where(*clauses)) or 0
    page, per_page = args["page"], args["per_page"]
    offset = (page - 1) * per_page
    order = spec.order_by(args.get("sort"))
    if offset >= DEFERRED_JOIN_OFFSET:
        ids = select(spec.model.id).where(*clauses).order_by(*order).limit(per_page).offset(offset).subquery()
        query = select(spec.model).join(ids, spec.model.id == ids.c.id).order_by(*order)
    else:
        query = select(spec.model).where(*clauses).order_by(*order).limit(per_page).offset(offset)
    if summary and spec.list_options:
        query = query.options(*spec.list_options())
    return Page(list(session.scalars(query).unique()), total, page, per_page)


def create_row(session: Session, spec: ListSpec, data: dict[str, Any], actor: Actor) -> Any:
    row = spec.model()
    _apply(session, spec, row, data, creating=True)
    session.add(row)
    _flush(session, spec)
    _record(session, spec, row, "create", None, actor)
    session.commit()
    return row


def update_row(
    session: Session,
    spec: ListSpec,
    row_id: int,
    data: dict[str, Any],
    expected_version: int,
    actor: Actor,
) -> Any:
    row = get_row(session, spec, row_id)
    if row.version != expected_version:
        raise stale_version()
    before = spec.snapshot(row)
    _apply(session, spec, row, data, creating=False)
    _flush(session, spec)
    _record(session, spec, row, "update", before, actor)
    session.commit()
    return row


def delete_row(
    session: Session, spec: ListSpec, row_id: int, expected_version: int, actor: Actor
) -> None:
    row = get_row(session, spec, row_id)
    if row.version != expected_version:
        raise stale_version()
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
        actor=actor.name,
        source=actor.source,
        searchable=spec.searchable,
    )
    session.commit()


def _apply(session: Session, spec: ListSpec, row: Any, data: dict[str, Any], creating: bool) -> None:
    """Set the fields, then check references, uniqueness and the list's own rules."""
    problems = Problems()
    _check_references(session, spec, data, problems)
    if problems:
        session.rollback()
        raise validation_failed(problems.by_field)
    for name, value in data.items():
        setter = spec.setters.get(name)
        if setter:
            setter(session, row, value)
        else:
            setattr(row, name, value)
    _check_unique(session, spec, row, problems)
    if spec.check:
        with session.no_autoflush:
            problems.merge(spec.check(session, row))
    if problems:
        session.rollback()
        raise validation_failed(problems.by_field)


def _check_references(session: Session, spec: ListSpec, data: dict[str, Any], problems: Problems) -> None:
    for name, (model, label) in spec.references.items():
        value = data.get(name)
        if value is None:
            continue
        ids = value if isinstance(value, list) else [value]
        for missing in missing_ids(session, model, ids):
            problems.add(name, FieldError("unknown_reference", f"{label}（编号 {missing}）不存在。"))


def _check_unique(session: Session, spec: ListSpec, row: Any, problems: Problems) -> None:
    for name in spec.unique:
        value = getattr(row, name)
        if value is None:
            continue
        query = select(spec.model.id).where(getattr(spec.model, name) == value)
        if row.id is not None:
            query = query.where(spec.model.id != row.id)
        with session.no_autoflush:
            clash = session.scalar(query)
        if clash is not None:
            problems.add(name, FieldError("duplicate", f"该值已被{spec.label}（编号 {clash}）使用，不能重复。"))


def _flush(session: Session, spec: ListSpec) -> None:
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise stale_version() from None
    except IntegrityError:
        session.rollback()
        raise conflict(
            f"{spec.label}与其他记录冲突：编码重复，或仍被其他记录引用而不能删除。"
        ) from None


def _record(session: Session, spec: ListSpec, row: Any, action: str, before: Any, actor: Actor) -> None:
    record_change(
        session,
        entity_type=spec.entity_type,
        entity_id=row.id,
        action=action,
        before=before,
        after=spec.snapshot(row),
        actor=actor.name,
        source=actor.source,
        searchable=spec.searchable,
    )


__all__ = [
    "Actor",
    "Page",
    "create_row",
    "delete_row",
    "get_row",
    "list_rows",
    "update_row",
]
