"""Rebuilding the search index from the database, and checking it against the database.

``verify`` compares the versions the index holds with the published rows' and ``repair`` brings
the drifted documents up to date; ``reindex`` builds a new index from one snapshot and switches
to it, losing no change made while it runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from search.documents import SearchDocument
from search.engines.base import ReindexReport, Removal, SearchEngine

from ..database import read_snapshot, unavailable, write_transaction
from ..models import ChangeRecord
from .registry import SEARCHABLE
from .search_documents import (
    decide,
    doc_id,
    published_count,
    published_documents,
    published_versions,
)
from .search_outbox import drain_outbox, outbox_rows

MARK_TIMEOUT_SECONDS = 600.0  # how long a rebuild waits for writes in progress to end


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra)


def verify(session: Session, engine: SearchEngine) -> Drift:
    """Compare the database's searchable rows with the index: missing, stale and extra ids."""
    expected = published_versions(session)
    indexed = engine.fetch_versions()
    return Drift(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(k for k, v in expected.items() if k in indexed and indexed[k] != v),
        extra=sorted(set(indexed) - set(expected)),
    )


def repair(session: Session, engine: SearchEngine, drift: Drift) -> None:
    """Bring the drifted documents up to date: index or remove each as its row now says."""
    decisions = decide(session, [*drift.missing, *drift.stale, *drift.extra])
    session.commit()
    documents = [d for d in decisions.values() if isinstance(d, SearchDocument)]
    removals = [d for d in decisions.values() if isinstance(d, Removal)]
    if documents:
        engine.index(documents)
    if removals:
        engine.delete(removals)


def history_mark(session: Session) -> int:
    """An id of the change history such that every change up to it is committed, and every
    change committed later has a higher one.

    Every change of a searchable row appends to change_records in its own transaction. SQLite
    commits one writer at a time, in id order. PostgreSQL hands out ids as rows are inserted
    and commits in any order, so there the mark is read under a SHARE lock on the table, which
    waits for the transactions writing to it to end (each try waits one second at most, so
    writes queued behind it never wait longer).
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    deadline = time.monotonic() + MARK_TIMEOUT_SECONDS
    while True:
        try:
            with write_transaction(session):
                if postgresql:
                    session.execute(text("SET LOCAL lock_timeout = '1s'"))
                    session.execute(text("LOCK TABLE change_records IN SHARE MODE"))
                return session.scalar(select(func.coalesce(func.max(ChangeRecord.id), 0))) or 0
        except OperationalError as error:
            if unavailable(error) != "busy" or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _changed_since(session: Session, mark: int) -> list[str]:
    query = (
        select(ChangeRecord.entity_type, ChangeRecord.entity_id)
        .where(ChangeRecord.id > mark, ChangeRecord.entity_type.in_(SEARCHABLE))
        .distinct()
    )
    return [doc_id(entity_type, row_id) for entity_type, row_id in session.execute(query)]


def _catch_up(session: Session, mark: int) -> tuple[list[SearchDocument], list[Removal]]:
    """The current state of every row changed after ``mark``, read now."""
    session.commit()
    try:
        decisions = decide(session, _changed_since(session, mark))
    finally:
        session.commit()
    documents = [d for d in decisions.values() if isinstance(d, SearchDocument)]
    return documents, [d for d in decisions.values() if isinstance(d, Removal)]


def reindex(session: Session, engine: SearchEngine) -> ReindexReport:
    """Build a new index from the database and switch to it once verified, losing no change
    made meanwhile.

    1. ``history_mark``: every change up to the mark is in the snapshot read next;
    2. the new index is filled from one snapshot of the database and checked (mapping, count);
    3. just before the switch, the rows changed after the mark are read again and written to
       the new index (versioned, so a document the snapshot already had is rewritten or left);
    4. after the switch, the same rows are queued in the outbox and drained: a change that
       reached only the old index between step 3 and the switch lands in the new one, and one
       made later is the outbox's as always. Every replay reads the row's current state and
       writes it versioned, so replaying twice changes nothing.
    """
    mark = history_mark(session)
    with read_snapshot(session) as reader:
        report = engine.reindex(
            published_documents(reader),
            published_count(reader),
            catch_up=lambda: _catch_up(session, mark),
        )
    if report.switched:
        with write_transaction(session):
            keys = _changed_since(session, mark)
            session.add_all(outbox_rows(keys))
        report.replayed = len(keys)
        drain_outbox(session, engine)
    return report
