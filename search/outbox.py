"""The indexer that drains the transactional outbox into a search engine.

The catalog writes an outbox row in the same database transaction as every change of a
searchable row; this indexer turns those rows into engine writes. It knows nothing of the
database: an :class:`OutboxStore` claims due rows, decides what each document must now be
and settles the rows once the engine has them.

Several indexers run at once (every gunicorn worker drains after its writes with the embedded
engine; one or more ``flask search worker`` with Elasticsearch), so one document's changes can
be applied by two of them, and a decision made earlier can reach the engine later. The
index never keeps an older decision over a newer one:

1. **Claim** (a short transaction of its own): due rows are leased for ``LEASE_SECONDS``, so
   other indexers skip them; a lease that runs out (an indexer died) makes them due again.
2. **Decide** (a read, no lock held): each document's current state, with the row's version:
   the document, or a :class:`~search.engines.base.Removal` at that version.
3. **Write**, no transaction open: engines order writes *and removals* by that version
   (Elasticsearch ``external_gte``; the embedded engine compares the indexed version), so a
   removal decided before a row was published again never deletes the newer document.
4. **Settle** (a short transaction of its own): the claimed rows are forgotten, and each
   document whose row changed since it was decided is queued again. This closes what
   versions alone leave open — an older write landing after a newer removal, which the
   embedded engine keeps no tombstone for and Elasticsearch forgets after ``gc_deletes`` —
   because the indexer that wrote last always sees the change and queues the document, and
   its next decision reads the current row.

Why versions and a re-check rather than one indexer at a time per document (advisory locks,
``SELECT … FOR UPDATE``): serialising would hold a database lock across the engine write, and
on SQLite that is the one write lock every request waits for. Versions need no lock, work the
same on both databases and both engines, and make every replay (retries, a rebuild's
catch-up) idempotent.

No transaction stays open between these steps or between polls: an idle worker holds no
snapshot (SQLite) and no locks (PostgreSQL). A failed write keeps its rows with a growing
delay (exponential backoff), so an engine outage loses nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from search.documents import SearchDocument
from search.engines.base import BulkResult, Removal, SearchEngine
from search.errors import EngineUnavailable

BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 300.0
LEASE_SECONDS = 60.0  # longer than any batch takes; a dead indexer's rows return after it

Decision = SearchDocument | Removal


def backoff_seconds(attempts: int) -> float:
    """Delay before the next try after ``attempts`` failures: 2 s, 4 s, 8 s … capped at 5 min."""
    return min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2.0 ** max(0, attempts - 1))


@dataclass(frozen=True)
class PendingChange:
    """One catalog row to bring up to date in the index, and the outbox rows that asked."""

    doc_id: str
    outbox_ids: tuple[int, ...]


class OutboxStore(Protocol):
    def claim(self, limit: int) -> list[PendingChange]:
        """Lease due rows, oldest first, grouped one change per document; commits."""

    def decide(self, changes: Sequence[PendingChange]) -> dict[str, Decision]:
        """Each document's current state: its document, or its removal, with the row version."""

    def settle(self, decisions: Mapping[str, Decision], outbox_ids: Sequence[int]) -> list[str]:
        """Forget the rows the engine took; queue again, and return, documents whose row
        changed since it was decided. Commits."""

    def retry_later(self, outbox_ids: Sequence[int], error: str) -> None:
        """Keep the rows, count a failed attempt and delay the next (see backoff_seconds)."""


@dataclass
class DrainReport:
    claimed: int = 0  # documents taken from the outbox
    indexed: int = 0
    deleted: int = 0
    stale: int = 0  # the engine held a newer version: nothing written
    requeued: int = 0  # the row changed while being indexed: queued again
    failed: int = 0
    engine_down: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: DrainReport) -> None:
        for name in ("claimed", "indexed", "deleted", "stale", "requeued", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.engine_down = self.engine_down or other.engine_down
        self.errors.extend(other.errors)


class Indexer:
    """Drains an outbox into one engine, in batches."""

    def __init__(self, store: OutboxStore, engine: SearchEngine, batch_size: int = 500) -> None:
        self.store = store
        self.engine = engine
        self.batch_size = batch_size

    def drain_once(self) -> DrainReport:
        """Claim, decide, write and settle one batch of due changes."""
        report = DrainReport()
        changes = self.store.claim(self.batch_size)
        report.claimed = len(changes)
        if not changes:
            return report
        decisions = self.store.decide(changes)
        documents = [d for d in decisions.values() if isinstance(d, SearchDocument)]
        removals = [d for d in decisions.values() if isinstance(d, Removal)]
        outbox_ids = [i for c in changes for i in c.outbox_ids]
        try:
            indexed = self.engine.index(documents) if documents else BulkResult()
            deleted = self.engine.delete(removals) if removals else BulkResult()
        except EngineUnavailable as error:
            self.store.retry_later(outbox_ids, str(error))
            report.engine_down = True
            report.failed = len(changes)
            report.errors.append(str(error))
            return report
        failed = {e.id: e.reason for result in (indexed, deleted) for e in result.errors}
        settled = {doc_id: d for doc_id, d in decisions.items() if doc_id not in failed}
        report.requeued = len(
            self.store.settle(
                settled, [i for c in changes if c.doc_id not in failed for i in c.outbox_ids]
            )
        )
        for change in changes:
            if change.doc_id in failed:
                self.store.retry_later(change.outbox_ids, failed[change.doc_id])
        report.failed = len(failed)
        report.errors.extend(f"{doc_id}: {reason}" for doc_id, reason in failed.items())
        report.indexed, report.deleted = indexed.indexed, deleted.indexed
        report.stale = indexed.stale + deleted.stale
        return report

    def drain(self, max_batches: int | None = None) -> DrainReport:
        """Handle due changes until none is left (or the engine is down)."""
        total = DrainReport()
        batches = 0
        while max_batches is None or batches < max_batches:
            report = self.drain_once()
            batches += 1
            total.add(report)
            if report.claimed == 0 or report.engine_down:
                break
        return total

    def run(
        self, poll_seconds: float = 1.0, should_stop: Callable[[], bool] = lambda: False
    ) -> None:
        """The worker loop: drain until nothing is due (or the engine is down), then wait."""
        while not should_stop():
            self.drain()
            time.sleep(poll_seconds)
