"""What a reviewer reads before deciding: the row, its open revision as a field-by-field
before/after table, and the row as citizens would see it once approved.

Field labels and values come from the list's spreadsheet columns (spreadsheet_columns.SHEETS:
the headers departments already use, and the same cell text an export writes: codes as their
labels, 机构 by name, 即办 and 无期限 for time limits); fields no sheet names fall back to the
schema's own description. One definition, shared with import and export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from . import crud, workflow
from .errors import not_found
from .permissions import Actor, authorize, use_case
from .registry import ALL_LISTS, ListSpec
from .sheet_cells import Kind
from .sheet_references import References
from .spreadsheet_columns import SHEETS

# Written by the service, not by the editor: never part of what a reviewer decides on.
_BOOKKEEPING = frozenset(
    {"id", "version", "status", "created_at", "updated_at", "warnings", "unfilled_elements"}
)
_LABEL_MAX = 16  # a schema description longer than this is an explanation, not a label


@dataclass(frozen=True)
class FieldChange:
    """One line of the before/after table (texts as a person reads them; None: not filled)."""

    label: str
    before: str | None
    after: str | None
    changed: bool


@dataclass(frozen=True)
class Review:
    entry: workflow.QueueEntry
    changes: list[FieldChange]
    steps: list[str]

    @property
    def changed_count(self) -> int:
        return sum(change.changed for change in self.changes)


@use_case("row.read_unpublished")
def review_of(session: Session, spec: ListSpec, row_id: int, actor: Actor) -> Review:
    """A row of the actor's readable departments with its open revision, compared field by field
    (a row without a revision: its fields as they would be published)."""
    if not spec.has_workflow:
        raise not_found(spec.label, row_id)
    row = crud.get_row(session, spec, row_id, actor)
    authorize(actor, "row.read_unpublished", spec.department_of(row))
    revision = (
        workflow.open_revision_of(session, spec, row.id) if row.status in workflow.LIVE else None
    )
    reason = None
    if revision is None and row.status == "rejected":
        reason = workflow.rejection_reasons(session, spec, [row.id]).get(row.id)
    entry = workflow.entry_of(spec, row, revision, reason)
    current = spec.snapshot(row)
    if revision is None:
        changes = compare(session, spec, None, current, set())
    else:
        changes = compare(session, spec, current, {**current, **revision.data}, set(revision.data))
    return Review(entry, changes, workflow.open_steps(actor, entry))


def compare(
    session: Session,
    spec: ListSpec,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    edited: set[str],
    refs: References | None = None,
) -> list[FieldChange]:
    """Each field as a line; a line is changed when an edited field's value differs."""
    refs = refs or References(session)
    lines = []
    for label, fields, show in _columns(spec):
        changed = (
            before is None and any(after.get(f) not in (None, [], "") for f in fields)
        ) or any(
            f in edited
            and _comparable(before.get(f) if before else None) != _comparable(after.get(f))
            for f in fields
        )
        lines.append(
            FieldChange(label, show(before, refs) if before else None, show(after, refs), changed)
        )
    return lines


Show = Callable[
    [dict[str, Any], References], str | None
]  # a field's value as the reviewer reads it


def _columns(spec: ListSpec) -> Iterator[tuple[str, tuple[str, ...], Show]]:
    sheet = SHEETS.get(spec.name)
    covered: set[str] = set()
    for column in sheet.columns if sheet else ():
        if set(column.fields) <= covered:
            continue  # 实施主体编码 and 时限单位 repeat fields of a column before them
        covered.update(column.fields)
        yield column.header, column.fields, _exported(column.kind)
    for name, field in _schema_fields(spec).items():
        if name in covered or name in _BOOKKEEPING or field.dump_only:
            continue
        description = field.metadata.get("description") or ""
        label = description if 0 < len(description) <= _LABEL_MAX else name
        yield label, (name,), _plain(name)


def _exported(kind: Kind) -> Show:
    return lambda row, refs: _text(kind.export(row, refs))


def _plain(name: str) -> Show:
    return lambda row, _refs: _text(row.get(name))


_FIELDS: dict[str, dict[str, Any]] = {}


def _schema_fields(spec: ListSpec) -> dict[str, Any]:
    """The list schema's fields, built once: a schema deep-copies every field when made."""
    if spec.name not in _FIELDS:
        _FIELDS[spec.name] = spec.schema().fields
    return _FIELDS[spec.name]


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_text(v.get("name") if isinstance(v, dict) else v) or "" for v in value)
    return str(value)


def _comparable(value: Any) -> Any:
    """A value without the ids the database gives nested rows (a revision carries none)."""
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k != "id"}
    return None if value in ("", []) else value


@use_case("row.read_unpublished")
def preview(
    session: Session, spec: ListSpec, row_id: int, actor: Actor, render: Callable[[Any], str]
) -> str:
    """The row as citizens will read it once approved: its open revision applied through the
    list's own rules inside a savepoint, rendered, and rolled back."""
    row = crud.get_row(session, spec, row_id, actor)
    authorize(actor, "row.read_unpublished", spec.department_of(row))
    revision = (
        workflow.open_revision_of(session, spec, row.id) if row.status in workflow.LIVE else None
    )
    if revision is None:
        return render(row)
    nested = session.begin_nested()
    try:
        crud.apply_update(session, spec, row, workflow.load_revision(spec, revision.data), actor)
        return render(row)
    finally:
        if nested.is_active:
            nested.rollback()
        session.expire(row)


@use_case("audit.read")
def record_lines(
    session: Session, records: list[Any], actor: Actor
) -> dict[int, list[FieldChange]]:
    """The changed fields of each audit record, labelled like the review table (a list's row by
    its columns, any other snapshot by its keys)."""
    authorize(actor, "audit.read")
    specs = {spec.entity_type: spec for spec in ALL_LISTS}
    refs = References(session)
    lines: dict[int, list[FieldChange]] = {}
    for record in records:
        before, after = record.before or {}, record.after or {}
        spec = specs.get(record.entity_type)
        if spec is not None:
            edited = {
                k
                for k in {*before, *after}
                if _comparable(before.get(k)) != _comparable(after.get(k))
            }
            found = compare(session, spec, before or None, after, edited, refs)
            lines[record.id] = [line for line in found if line.changed]
        else:
            lines[record.id] = [
                FieldChange(key, _text(before.get(key)), _text(after.get(key)), True)
                for key in sorted({*before, *after})
                if _comparable(before.get(key)) != _comparable(after.get(key))
            ]
    return lines
