"""The search outbox in the database: the indexer's store (search.outbox), its drain and worker
loop, and how far the index lags.

Every change of a searchable row queues its row here in the change's own transaction (history).
The indexer claims due rows (leased, so that other drains pass them by), asks search_documents
what the index must hold for each now, writes it, then settles: the rows are deleted, and a
document whose row moved meanwhile is queued again. A failed write backs off (retry_later).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from search.engines.base import SearchEngine
from search.outbox import (
    LEASE_SECONDS,
    Decision,
    DrainReport,
    Indexer,
    PendingChange,
    backoff_seconds,
)

from ..database import rollback_quietly, unavailable, write_transaction
from ..models import SearchOutbox
from ..models.base import utcnow
from .search_documents import by_entity, current_versions, decide, doc_id


class SqlOutboxStore:
    """The outbox table as the indexer's store (search.outbox.OutboxStore).

    Each step is a short transaction of its own; claims and settlements take SQLite's write
    lock as they begin (catalog.database), reads take none.
    """

    def __init__(self, session: Session, due_by: datetime | None = None) -> None:
        self.session = session
        self.due_by = due_by  # None: now; a later moment takes rows still backing off or leased

    def claim(self, limit: int) -> list[PendingChange]:
        if not self._anything_due():
            return []
        with _UnlessBusy(), write_transaction(self.session) as session:
            now = utcnow()
            query = (
                select(SearchOutbox.id, SearchOutbox.entity_type, SearchOutbox.entity_id)
                .where(SearchOutbox.next_attempt_at <= (self.due_by or now))
                .order_by(SearchOutbox.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)  # two claims never take one row
            rows = session.execute(query).all()
            if rows:
                lease = now + timedelta(seconds=LEASE_SECONDS)
                session.execute(
                    update(SearchOutbox)
                    .where(SearchOutbox.id.in_([r.id for r in rows]))
                    .values(next_attempt_at=lease)
                )
            return self._grouped(rows)
        return []  # the database stayed busy: nothing claimed, the next poll tries again

    @staticmethod
    def _grouped(rows: Sequence[Row[int, str, int]]) -> list[PendingChange]:
        grouped: dict[str, list[int]] = {}
        for outbox_id, entity_type, entity_id in rows:
            grouped.setdefault(doc_id(entity_type, entity_id), []).append(outbox_id)
        return [PendingChange(key, tuple(ids)) for key, ids in grouped.items()]

    # The reads below end their transaction on success only: a commit in a ``finally`` raised
    # PendingRollbackError over a connection lost mid-read, which hid the outage from the
    # worker's loop (it waits out OperationalError) and ended the worker. On an error the
    # caller rolls back.

    def _anything_due(self) -> bool:
        """A read first: when other drains leased everything, no write lock is taken at all."""
        self.session.commit()
        due = select(SearchOutbox.id).where(
            SearchOutbox.next_attempt_at <= (self.due_by or utcnow())
        )
        found = self.session.scalar(due.limit(1)) is not None
        self.session.commit()
        return found

    def decide(self, changes: Sequence[PendingChange]) -> dict[str, Decision]:
        self.session.commit()
        decisions = decide(self.session, [c.doc_id for c in changes])
        self.session.commit()  # no snapshot held while the engine writes
        return decisions

    def settle(self, decisions: Mapping[str, Decision], outbox_ids: Sequence[int]) -> list[str]:
        # A database that stays busy leaves the rows leased: when the lease ends they are
        # claimed and decided again, which is what queueing them again would have done.
        with _UnlessBusy(), write_transaction(self.session) as session:
            current = current_versions(session, decisions)
            moved = [key for key, decision in decisions.items() if current[key] != decision.version]
            if outbox_ids:
                session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(outbox_ids)))
            session.add_all(outbox_rows(moved))
            return moved
        return []

    def retry_later(self, outbox_ids: Sequence[int], error: str) -> None:
        with _UnlessBusy(), write_transaction(self.session) as session:
            now = utcnow()
            for row in session.scalars(select(SearchOutbox).where(SearchOutbox.id.in_(outbox_ids))):
                row.attempts += 1
                row.last_error = error[:2000]
                row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))


class _UnlessBusy:
    """Skip a step the database is too busy for (SQLite's lock stayed taken for the busy
    timeout): the outbox keeps the rows, and a later drain takes them.

    A class rather than a @contextmanager generator: its ``__exit__`` is typed to return a
    bool, so mypy knows that the code after the ``with`` runs when a step is skipped.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> bool:
        return isinstance(error, OperationalError) and unavailable(error) == "busy"


def outbox_rows(doc_ids: Iterable[str]) -> list[SearchOutbox]:
    """Outbox rows that queue these documents again."""
    return [
        SearchOutbox(entity_type=entity_type, entity_id=row_id)
        for entity_type, ids in by_entity(doc_ids).items()
        for row_id in ids
    ]


def drain_outbox(
    session: Session, engine: SearchEngine, batch_size: int = 500, due_by: datetime | None = None
) -> DrainReport:
    """Index what the outbox holds (rows due by ``due_by``, default now), until none is due."""
    return Indexer(SqlOutboxStore(session, due_by), engine, batch_size).drain()


def run_indexer(
    session: Session,
    engine: SearchEngine,
    poll_seconds: float = 1.0,
    should_stop: Callable[[], bool] = lambda: False,
    on_outage: Callable[[SQLAlchemyError], None] = lambda _error: None,
) -> None:
    """The search worker's loop. A database restarting or out of reach pauses it (``on_outage``
    hears of each failed poll) instead of ending it: the outbox keeps every change meanwhile."""
    indexer = Indexer(SqlOutboxStore(session), engine)
    while not should_stop():
        try:
            indexer.run(poll_seconds, should_stop)
        except SQLAlchemyError as error:
            rollback_quietly(session)
            if unavailable(error) is None:
                raise
            on_outage(error)
            time.sleep(poll_seconds)


def outbox_lag(session: Session) -> dict[str, Any]:
    """How far the index is behind: pending changes and the age of the oldest."""
    count, oldest = session.execute(select(func.count(), func.min(SearchOutbox.created_at))).one()
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
    failing = session.scalar(select(func.count()).where(SearchOutbox.attempts > 0)) or 0
    return {"pending": count, "oldest_seconds": round(age, 3), "failing": failing}
