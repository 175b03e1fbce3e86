"""The history of list rows: one ChangeRecord per change, written in the change's transaction.

Searchable rows also get a SearchOutbox row in the same transaction, so the search index
learns of every committed change and of no uncommitted one (docs/write-path.md). The lists the
figures count also get the change's FigureFact, from the row itself, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from ..models import ChangeRecord, SearchOutbox
from ..models.base import utcnow
from ..models.figure_facts import FACT_SOURCES, write_facts
from . import figure_cache, search_twins
from .permissions import Actor


def snapshot_of(row: Any, names: str) -> dict[str, Any]:
    """What the trail keeps of a row that is not a list row: the attributes ``names`` lists
    (space-separated, in the order the record shows them), dates and times in ISO 8601. A list
    names what is kept so that nothing else (a password hash, a token digest) ever is."""
    snapshot = {name: getattr(row, name) for name in names.split()}
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in snapshot.items()
    }


def record_change(
    session: Session,
    entity_type: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor: Actor,
    department_id: int | None,
    *,
    searchable: bool = False,
    note: str | None = None,
    row: Any | None = None,
) -> ChangeRecord:
    """Record a change to a row; ``row`` is the row as the change left it (none for a delete),
    which the lists the figures count must give for their fact. Only list rows are
    ``searchable``; accounts, tasks, revisions and reviews are kept in the trail alone."""
    record = ChangeRecord(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        version=(after or before or {}).get("version"),
        actor=actor.name,
        source=actor.source,
        credential=actor.credential,
        department_id=department_id,
        note=note,
        before=before,
        after=after,
        changed_at=utcnow(),  # the change's moment, also when its record is written later
    )
    figure_cache.note_change(session, entity_type, before, after)
    outbox = []
    if searchable:
        outbox.append(SearchOutbox(entity_type=entity_type, entity_id=entity_id))
        # a twin's document depends on this row too (search_twins): queue it as well
        for twin_type, twin_id in search_twins.partners(
            session, entity_type, entity_id, before, after
        ):
            outbox.append(SearchOutbox(entity_type=twin_type, entity_id=twin_id))
    change = _Change(record, outbox, row)
    held: list[_Change] | None = session.info.get(_DEFERRED)
    if held is None:
        _write(session, [change])
    else:
        held.append(change)
    return record


@dataclass
class _Change:
    record: ChangeRecord
    outbox: list[SearchOutbox]
    row: Any | None


_DEFERRED = "qingdan.history.deferred"


@contextmanager
def deferred(session: Session) -> Iterator[None]:
    """Inside the block, hold the changes ``session`` records in memory for ``write_deferred``:
    a file's import writes its rows' records, outbox rows and figure facts a batch at a time
    (one flush, one INSERT of facts) instead of flushing twice a row. The block writes or drops
    every change it held before it ends; an error ends it with them dropped, as its
    transaction is undone."""
    session.info[_DEFERRED] = []
    try:
        yield
        if session.info[_DEFERRED]:
            raise RuntimeError("a deferred block ended with changes neither written nor dropped")
    finally:
        del session.info[_DEFERRED]


def write_deferred(session: Session, *, keep: bool = True) -> None:
    """Write the changes held since the ``deferred`` block began or since the last call (not
    committed), or drop them (``keep=False``) when the caller will undo its transaction anyway
    (a dry run)."""
    held: list[_Change] = session.info[_DEFERRED]
    if keep and held:
        _write(session, held)
    held.clear()


def _write(session: Session, changes: list[_Change]) -> None:
    for change in changes:
        session.add(change.record)
        session.add_all(change.outbox)
    counted = [(c.record, c.row) for c in changes if c.record.entity_type in FACT_SOURCES]
    if counted:
        session.flush()  # the facts are keyed by the records (and the seed dates them at flush)
        write_facts(session.connection(), counted)


def snapshots_as_of(entity_type: str, as_of: datetime) -> Subquery:
    """(id, after) of every row of one entity type as it stood at ``as_of``: the latest change
    at or before the moment wins, and rows deleted by then are left out."""
    # Rank narrow rows (no snapshot in the sort), then fetch the winners' snapshots.
    ranked = (
        select(
            ChangeRecord.id.label("record_id"),
            func.row_number()
            .over(
                partition_by=ChangeRecord.entity_id,
                order_by=(ChangeRecord.changed_at.desc(), ChangeRecord.id.desc()),
            )
            .label("rank"),
        )
        .where(ChangeRecord.entity_type == entity_type, ChangeRecord.changed_at <= as_of)
        .subquery()
    )
    return (
        select(ChangeRecord.entity_id.label("id"), ChangeRecord.after)
        .join(ranked, ChangeRecord.id == ranked.c.record_id)
        .where(ranked.c.rank == 1, ChangeRecord.action != "delete")
        .subquery()
    )


def rows_as_of(session: Session, entity_type: str, as_of: datetime) -> list[dict[str, Any]]:
    """Every row of one entity type as it stood at ``as_of``, from the history alone."""
    snapshots = snapshots_as_of(entity_type, as_of)
    return list(session.scalars(select(snapshots.c.after).order_by(snapshots.c.id)))


def history_of(session: Session, entity_type: str, entity_id: int) -> list[ChangeRecord]:
    return list(
        session.scalars(
            select(ChangeRecord)
            .where(ChangeRecord.entity_type == entity_type, ChangeRecord.entity_id == entity_id)
            .order_by(ChangeRecord.id)
        )
    )
