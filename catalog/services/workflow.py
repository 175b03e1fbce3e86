"""The review workflow: draft → submitted → published, or rejected with a reason; suspended and
cancelled; and revisions (修订稿) of published rows.

A published row is never edited in place. An edit becomes its open Revision; the published row
stays public (and searchable) until a reviewer approves the revision, which then applies it
through the same rules as any write. Each step records a ChangeRecord with the row before and
after, so figures as of a date see exactly what was public then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from marshmallow import ValidationError
from sqlalchemy import (
    CompoundSelect,
    Integer,
    Row,
    String,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, lazyload

from ..models import ChangeRecord, Revision
from ..models.base import utcnow
from ..models.codes import STATUSES
from ..models.workflow import OPEN_REVISION_STATES
from ..schemas.errors import schema_errors
from . import crud
from .errors import DomainError, FieldError, conflict, validation_failed
from .history import record_change, snapshot_of
from .permissions import Actor, allowed, authorize, departments_where, use_case
from .registry import ALL_LISTS, ListSpec
from .versions import require_version

# Rows the public sees, or saw: edits to them wait for review as a revision.
LIVE = frozenset({"published", "suspended"})

REVISION_ENTITY = "revision"
REVISION_STATES: dict[str, str] = {
    "draft": "修订稿",
    "submitted": "修订待审核",
    "rejected": "修订被退回",
    "applied": "修订已生效",
    "withdrawn": "修订已撤销",
}


@dataclass(frozen=True)
class Step:
    """One workflow step: who may take it, from which states, to which."""

    label: str
    permission: str
    row_from: frozenset[str]
    row_to: str
    revision_from: frozenset[str] = frozenset()
    revision_to: str | None = None
    needs_reason: bool = False


STEPS: dict[str, Step] = {
    "submit": Step(
        "提交审核",
        "row.edit",
        frozenset({"draft", "rejected"}),
        "submitted",
        frozenset({"draft", "rejected"}),
        "submitted",
    ),
    "withdraw": Step(
        "撤回", "row.edit", frozenset({"submitted"}), "draft", frozenset({"submitted"}), "draft"
    ),
    "approve": Step(
        "审核通过",
        "row.review",
        frozenset({"submitted"}),
        "published",
        frozenset({"submitted"}),
        "applied",
    ),
    "reject": Step(
        "退回",
        "row.review",
        frozenset({"submitted"}),
        "rejected",
        frozenset({"submitted"}),
        "rejected",
        needs_reason=True,
    ),
    "suspend": Step("暂停", "row.review", frozenset({"published"}), "suspended", needs_reason=True),
    "resume": Step("恢复", "row.review", frozenset({"suspended"}), "published"),
    "cancel": Step(
        "取消", "row.review", frozenset({"published", "suspended"}), "cancelled", needs_reason=True
    ),
}


@use_case(crud.write_permission)
def edit_row(
    session: Session,
    spec: ListSpec,
    row_id: int,
    data: dict[str, Any],
    expected_version: int,
    actor: Actor,
    replace: bool = False,
) -> Any:
    """Change a row: a draft at once; a published or suspended row through a revision.

    Returns the row, or the Revision that now holds the change.
    """
    row = crud.get_row(session, spec, row_id, actor)
    crud.authorize_write(actor, spec, spec.department_of(row), *_new_department(spec, data))
    require_version(row, expected_version)
    if spec.has_workflow and row.status in LIVE:
        return _save_revision(session, spec, row, data, actor, replace)
    if spec.has_workflow and row.status not in crud.DELETABLE:
        raise conflict(f"{spec.label}当前为“{STATUSES[row.status]}”，不能修改；已提交的请先撤回。")
    before = spec.snapshot(row)
    crud.apply_update(session, spec, row, data, actor)
    crud.record(session, spec, row, "update", before, actor)
    session.commit()
    return row


def _new_department(spec: ListSpec, data: dict[str, Any]) -> tuple[int | None, ...]:
    """Moving a row to another department needs the right to write there too."""
    return (data[spec.owner],) if spec.owner and data.get(spec.owner) is not None else ()


def _save_revision(
    session: Session, spec: ListSpec, row: Any, data: dict[str, Any], actor: Actor, replace: bool
) -> Revision:
    revision = stage_revision(session, spec, row, data, actor, replace)
    session.commit()
    return revision


def stage_revision(
    session: Session,
    spec: ListSpec,
    row: Any,
    data: dict[str, Any],
    actor: Actor,
    replace: bool = False,
) -> Revision:
    """Save a change to a live row as its open revision, without committing: for use cases that
    open revisions as part of a larger change (a legal basis revised). The caller authorizes."""
    revision = open_revision_of(session, spec, row.id)
    if revision is not None and revision.state == "submitted":
        raise conflict("该事项的修订稿已提交审核，审核结束前不能再修改；如需修改请先撤回。")
    payload = _as_json(data)
    merged = payload if replace or revision is None else {**revision.data, **payload}
    _check_revision(session, spec, row, merged, actor)
    before = _revision_snapshot(revision) if revision is not None else None
    if revision is None:
        revision = Revision(
            entity_type=spec.entity_type,
            entity_id=row.id,
            department_id=spec.department_of(row),
            base_version=row.version,
            data=merged,
            author=actor.name,
        )
        session.add(revision)
    revision.data, revision.state, revision.author, revision.reason = (
        merged,
        "draft",
        actor.name,
        None,
    )
    session.flush()
    _record_revision(session, revision, "create" if before is None else "update", before, actor)
    return revision


def _as_json(data: dict[str, Any]) -> dict[str, Any]:
    """Loaded values (dates, decimals) as the JSON the schema loads again."""
    as_json: dict[str, Any] = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    return as_json


def load_revision(spec: ListSpec, data: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = spec.schema().load(data, partial=True)
    except ValidationError as error:  # the list's schema changed since the revision was saved
        raise validation_failed(schema_errors(error.messages)) from None
    return loaded


def _check_revision(
    session: Session, spec: ListSpec, row: Any, data: dict[str, Any], actor: Actor
) -> None:
    """Run every rule on the row as the revision would make it, then undo: problems are
    reported when the editor saves, not first when the reviewer approves."""
    nested = session.begin_nested()
    try:
        crud.apply_update(session, spec, row, load_revision(spec, data), actor)
    finally:
        if nested.is_active:
            nested.rollback()


def open_revision_of(session: Session, spec: ListSpec, row_id: int) -> Revision | None:
    return session.scalar(
        select(Revision).where(
            Revision.entity_type == spec.entity_type,
            Revision.entity_id == row_id,
            Revision.state.in_(OPEN_REVISION_STATES),
        )
    )


@use_case(crud.write_permission)
def editable_row(
    session: Session, spec: ListSpec, row_id: int, actor: Actor
) -> tuple[Any, Revision | None]:
    """A row the actor may change (another department's: refused), and its open revision."""
    row = crud.get_row(session, spec, row_id, actor)
    crud.authorize_write(actor, spec, spec.department_of(row))
    return row, open_revision_of(session, spec, row.id) if spec.has_workflow else None


@use_case("row.read_unpublished")
def get_revision(session: Session, spec: ListSpec, row_id: int, actor: Actor) -> Revision:
    """The open revision of a row, for its department's editors and reviewers and auditors."""
    row = crud.get_row(session, spec, row_id, actor)
    authorize(actor, "row.read_unpublished", spec.department_of(row))
    revision = open_revision_of(session, spec, row.id)
    if revision is None:
        raise DomainError("not_found", f"该{spec.label}没有待审核的修订稿。", 404)
    return revision


@use_case(crud.write_permission)
def discard_revision(session: Session, spec: ListSpec, row_id: int, actor: Actor) -> None:
    """The editor drops an open revision that is not under review; the published row stays."""
    row = crud.get_row(session, spec, row_id, actor)
    crud.authorize_write(actor, spec, spec.department_of(row))
    revision = get_revision(session, spec, row_id, actor)
    if revision.state == "submitted":
        raise conflict("修订稿正在审核中，请先撤回再撤销。")
    _close_revision(session, revision, "withdrawn", actor, "withdraw", None)
    session.commit()


def step_permission(name: str) -> str:
    """The permission a workflow step needs (STEPS): row.edit to submit or withdraw, row.review
    for the rest."""
    return STEPS[name].permission


@use_case(step_permission, by="name")
def take_step(
    session: Session,
    spec: ListSpec,
    name: str,
    row_id: int,
    expected_version: int,
    actor: Actor,
    reason: str | None = None,
) -> Any:
    """Take the step ``name`` (a key of STEPS) on the row, or on its open revision when the row
    is live. Returns the row."""
    step = STEPS[name]
    if not spec.has_workflow:
        raise DomainError("no_workflow", f"{spec.label}不走审核流程。", 409)
    row = crud.get_row(session, spec, row_id, actor)
    authorize(actor, step.permission, spec.department_of(row))
    require_version(row, expected_version)
    if step.needs_reason and not (reason and reason.strip()):
        raise validation_failed({"reason": [_reason_required(step)]})
    revision = open_revision_of(session, spec, row.id) if row.status in LIVE else None
    if _on_revision(revision, step):
        _take_on_revision(session, spec, step, name, row, revision, actor, reason)
    elif row.status in step.row_from:
        _take_on_row(session, spec, step, name, row, revision, actor, reason)
    else:
        raise conflict(_not_now(spec, step, row, revision))
    session.commit()
    return row


def _on_revision(revision: Revision | None, step: Step) -> TypeGuard[Revision]:
    """A live row's open revision takes the step when its state allows; otherwise the row does."""
    return revision is not None and revision.state in step.revision_from


def open_steps(actor: Actor, entry: QueueEntry) -> list[str]:
    """The steps this actor may take now on a row or its open revision: the buttons a page
    shows, from the same table and permissions that `take_step` enforces."""
    return [
        name
        for name, step in STEPS.items()
        if allowed(actor, step.permission, entry.department_id)
        and (_on_revision(entry.revision, step) or entry.status in step.row_from)
    ]


def _take_on_row(
    session: Session,
    spec: ListSpec,
    step: Step,
    name: str,
    row: Any,
    revision: Revision | None,
    actor: Actor,
    reason: str | None,
) -> None:
    before = spec.snapshot(row)
    row.status = step.row_to
    crud.apply_update(session, spec, row, {}, actor)
    crud.record(session, spec, row, name, before, actor, note=reason)
    if revision is not None and step.row_to == "cancelled":
        _close_revision(session, revision, "withdrawn", actor, name, reason)


def _take_on_revision(
    session: Session,
    spec: ListSpec,
    step: Step,
    name: str,
    row: Any,
    revision: Revision,
    actor: Actor,
    reason: str | None,
) -> None:
    if step.revision_to == "applied":
        before = spec.snapshot(row)
        crud.apply_update(session, spec, row, load_revision(spec, revision.data), actor)
        crud.record(session, spec, row, name, before, actor, note=f"修订稿 {revision.id} 生效")
    _close_revision(session, revision, step.revision_to or revision.state, actor, name, reason)


def _close_revision(
    session: Session, revision: Revision, state: str, actor: Actor, action: str, reason: str | None
) -> None:
    before = _revision_snapshot(revision)
    revision.state, revision.reason = state, reason
    if action in {"approve", "reject"}:
        revision.reviewer, revision.decided_at = actor.name, utcnow()
    session.flush()
    _record_revision(session, revision, action, before, actor)


def _revision_snapshot(revision: Revision) -> dict[str, Any]:
    return snapshot_of(
        revision, "id entity_type entity_id state data version author reviewer reason"
    )


def _record_revision(
    session: Session, revision: Revision, action: str, before: dict[str, Any] | None, actor: Actor
) -> ChangeRecord:
    after, department_id = _revision_snapshot(revision), revision.department_id
    return record_change(
        session,
        REVISION_ENTITY,
        revision.id,
        action,
        before,
        after,
        actor,
        department_id,
        note=revision.reason,
    )


def _reason_required(step: Step) -> FieldError:
    return FieldError("required", f"{step.label}须填写理由。")


def _not_now(spec: ListSpec, step: Step, row: Any, revision: Revision | None) -> str:
    where = f"修订稿当前为“{REVISION_STATES[revision.state]}”" if revision is not None else ""
    state = STATUSES.get(row.status, row.status)
    return f"{spec.label}当前为“{state}”{('，' + where) if where else ''}，不能{step.label}。"


@dataclass(frozen=True)
class QueueEntry:
    """A row, or a row's revision, waiting for someone's action."""

    spec: ListSpec
    row_id: int
    name: str
    status: str
    version: int
    revision: Revision | None
    department_id: int | None
    reason: str | None = None  # why a reviewer sent it back, for the editor to read


# What awaits each role: editors their unfinished rows, everyone else what awaits review.
EDITOR_QUEUE = ("draft", "rejected", "submitted")
REVIEW_QUEUE = ("submitted",)


@use_case("row.read_unpublished")
def work_queue(session: Session, actor: Actor, page: int, per_page: int) -> crud.Page:
    """Rows, and live rows' revisions, awaiting the actor and readable by them: an editor's
    drafts, a reviewer's submissions; one page of them, the longest waiting first, and how many
    there are in all. Counted and paged in SQL across every list, so a province's queue of
    thousands costs what a district's does."""
    keys = _queue_keys(actor).subquery()
    total = session.scalar(select(func.count()).select_from(keys)) or 0
    page, _pages, offset = crud.paged(total, page, per_page)
    on_page = session.execute(
        select(keys)
        .order_by(keys.c.waiting_since, keys.c.entity_type, keys.c.row_id, keys.c.revision_id)
        .limit(per_page)
        .offset(offset)
    ).all()
    return crud.Page(_queue_entries(session, on_page), total, page, per_page)


def _queue_keys(actor: Actor) -> CompoundSelect[Any]:
    """(entity_type, row_id, revision_id, waiting_since) of everything in the actor's queue."""
    states = EDITOR_QUEUE if actor.role == "editor" else REVIEW_QUEUE
    readable = departments_where(actor, "row.read_unpublished")
    parts = []
    for spec in _workflow_lists():
        model = spec.workflow_model
        rows = select(
            literal(spec.entity_type, String).label("entity_type"),
            model.id.label("row_id"),
            cast(null(), Integer).label("revision_id"),
            model.updated_at.label("waiting_since"),
        ).where(model.status.in_(states))
        if readable is not None:
            rows = rows.where(spec.owner_column().in_(sorted(readable)))
        parts.append(rows)
    revisions = select(
        Revision.entity_type, Revision.entity_id, Revision.id, Revision.updated_at
    ).where(
        Revision.entity_type.in_([spec.entity_type for spec in _workflow_lists()]),
        Revision.state.in_(states),
    )
    if readable is not None:
        revisions = revisions.where(Revision.department_id.in_(sorted(readable)))
    return union_all(*parts, revisions)


def _queue_entries(session: Session, keys: Sequence[Row[Any]]) -> list[QueueEntry]:
    """The queue's entries for a page of its keys, in their order: each list's rows read at
    once, with the open revisions and the reasons of rejected rows."""
    specs = {spec.entity_type: spec for spec in _workflow_lists()}
    rows: dict[tuple[str, int], Any] = {}
    reasons: dict[tuple[str, int], str] = {}
    for entity_type, spec in specs.items():
        ids = {key.row_id for key in keys if key.entity_type == entity_type}
        if not ids:
            continue
        model = spec.workflow_model
        query = select(model).where(model.id.in_(sorted(ids)))
        # the queue reads a row's name, state and version: none of its eagerly loaded elements
        loaded = list(session.scalars(query.options(lazyload("*"))))
        rows.update(((entity_type, row.id), row) for row in loaded)
        rejected = [row.id for row in loaded if row.status == "rejected"]
        for row_id, reason in rejection_reasons(session, spec, rejected).items():
            reasons[entity_type, row_id] = reason
    revision_ids = [key.revision_id for key in keys if key.revision_id is not None]
    revisions = {
        r.id: r for r in session.scalars(select(Revision).where(Revision.id.in_(revision_ids)))
    }
    entries = []
    for key in keys:
        row = rows.get((key.entity_type, key.row_id))
        if row is None:  # the row went between the two reads
            continue
        revision = revisions.get(key.revision_id) if key.revision_id is not None else None
        sent_back = None if revision else reasons.get((key.entity_type, key.row_id))
        entries.append(entry_of(specs[key.entity_type], row, revision, sent_back))
    return entries


def entry_of(
    spec: ListSpec, row: Any, revision: Revision | None, reason: str | None = None
) -> QueueEntry:
    reason = revision.reason if revision is not None else reason
    return QueueEntry(
        spec,
        row.id,
        spec.name_of(row),
        row.status,
        row.version,
        revision,
        spec.department_of(row),
        reason,
    )


def rejection_reasons(session: Session, spec: ListSpec, row_ids: list[int]) -> dict[int, str]:
    """The reason of each row's latest rejection (the trail keeps it as the step's note)."""
    if not row_ids:
        return {}
    latest = (
        select(ChangeRecord.entity_id, func.max(ChangeRecord.id).label("id"))
        .where(
            ChangeRecord.entity_type == spec.entity_type,
            ChangeRecord.entity_id.in_(row_ids),
            ChangeRecord.action == "reject",
        )
        .group_by(ChangeRecord.entity_id)
        .subquery()
    )
    query = select(ChangeRecord.entity_id, ChangeRecord.note).join(
        latest, ChangeRecord.id == latest.c.id
    )
    return {row_id: note for row_id, note in session.execute(query) if note}


def _workflow_lists() -> list[ListSpec]:
    return [spec for spec in ALL_LISTS if spec.has_workflow and spec.owner]
