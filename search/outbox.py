"""The indexer that drains the transactional outbox into a search engine.

The catalog writes an outbox row in the same database transaction as every change of a
searchable row; this indexer turns those rows into engine writes. It knows nothing of the
database: an :class:`OutboxStore` claims due rows, builds the current document of a row (or
says it must leave the index) and records the outcome. A failed write keeps its outbox row
with a growing delay (exponential backoff), so an engine outage loses nothing.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from search.documents import SearchDocument
from search.engines.base import SearchEngine
from search.errors import EngineUnavailable

BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 300.0


def backoff_seconds(attempts: int) -> float:
    """Delay before the next try after ``attempts`` failures: 2 s, 4 s, 8 s … capped at 5 min."""
    return min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class PendingChange:
    """One catalog row to bring up to date in the index, and the outbox rows that asked."""

    doc_id: str
    outbox_ids: tuple[int, ...]


class OutboxStore(Protocol):
    def claim(self, limit: int) -> list[PendingChange]:
        """Due changes, oldest first, one per document."""

    def document(self, change: PendingChange) -> SearchDocument | None:
        """The row's current document, or None when it must not be searchable."""

    def done(self, outbox_ids: Sequence[int]) -> None:
        """Forget outbox rows whose change the engine now holds."""

    def retry_later(self, outbox_ids: Sequence[int], error: str) -> None:
        """Keep the rows, count a failed attempt and delay the next (see backoff_seconds)."""


@dataclass
class DrainReport:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    engine_down: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.indexed + self.deleted + self.failed


class Indexer:
    """Drains an outbox into one engine, in batches."""

    def __init__(self, store: OutboxStore, engine: SearchEngine, batch_size: int = 500) -> None:
        self.store = store
        self.engine = engine
        self.batch_size = batch_size

    def drain_once(self) -> DrainReport:
        """Handle one batch of due changes."""
        report = DrainReport()
        changes = self.store.claim(self.batch_size)
        if not changes:
            return report
        documents = {c.doc_id: self.store.document(c) for c in changes}
        to_index = [doc for doc in documents.values() if doc is not None]
        to_delete = [doc_id for doc_id, doc in documents.items() if doc is None]
        try:
            indexed = self.engine.index(to_index) if to_index else None
            deleted = self.engine.delete(to_delete) if to_delete else None
        except EngineUnavailable as error:
            self.store.retry_later([i for c in changes for i in c.outbox_ids], str(error))
            report.engine_down = True
            report.failed = len(changes)
            report.errors.append(str(error))
            return report
        failed = {e.id: e.reason for result in (indexed, deleted) if result for e in result.errors}
        self.store.done([i for c in changes if c.doc_id not in failed for i in c.outbox_ids])
        for change in changes:
            if change.doc_id in failed:
                self.store.retry_later(change.outbox_ids, failed[change.doc_id])
        report.failed = len(failed)
        report.errors.extend(f"{doc_id}: {reason}" for doc_id, reason in failed.items())
        report.indexed = len([d for d in to_index if d.id not in failed])
        report.deleted = len([d for d in to_delete if d not in failed])
        return report

    def drain(self, max_batches: int | None = None) -> DrainReport:
        """Handle due changes until none is left (or the engine is down)."""
        total = DrainReport()
        batches = 0
        while max_batches is None or batches < max_batches:
            report = self.drain_once()
            batches += 1
            total.indexed += report.indexed
            total.deleted += report.deleted
            total.failed += report.failed
            total.errors.extend(report.errors)
            if report.engine_down:
                total.engine_down = True
                break
            if report.handled < self.batch_size:
                break
        return total

    def run(self, poll_seconds: float = 1.0, should_stop: Callable[[], bool] = lambda: False) -> None:
        """The worker loop: drain, then wait for new changes."""
        while not should_stop():
            report = self.drain()
            if report.handled == 0 or report.engine_down:
                time.sleep(poll_seconds)
