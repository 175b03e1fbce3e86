"""The index stays equal to the database when several indexers, writers and a rebuild run at
once (issue 13, items 1–5), on SQLite and PostgreSQL and on both engines.

Every test works on a database of its own with real separate connections (``live_database``):
each indexer, writer and rebuild here has its own connection and its own handle on the index,
as separate gunicorn workers and ``flask search worker`` processes do. Each ends with
``search_reindex.verify`` reporting no drift, without repair.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from catalog.database import write_intent
from catalog.models import SearchOutbox
from catalog.services import registry, search_outbox, search_reindex, workflow
from search.documents import SearchDocument
from search.engines.base import BulkResult, Removal, SearchEngine
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from search.outbox import Indexer
from seed import atomic_session
from tests import factories
from tests.support.databases import LiveDatabase

SERVICE = registry.SERVICE_ITEMS
SYSTEM = factories.SEED
WAIT = 120.0  # seconds a step may take on a loaded machine before the test gives up

pytestmark = pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")


def handle(engine: SearchEngine) -> SearchEngine:
    """Another process's view of the same index: its own engine object on it."""
    if isinstance(engine, EmbeddedEngine):
        return EmbeddedEngine(engine.directory, lock_timeout=10)
    assert isinstance(engine, ElasticsearchEngine)
    return ElasticsearchEngine(engine._client, prefix=engine.alias)


class Paused:
    """An engine whose next ``index`` or ``delete`` waits, after the indexer decided what to
    write and before it writes: the moment another indexer can overtake it."""

    def __init__(self, engine: SearchEngine, method: str) -> None:
        self.engine, self.method = engine, method
        self.reached, self.release = threading.Event(), threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def _maybe_pause(self, method: str) -> None:
        if method == self.method and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(WAIT), "the test never released the paused indexer"

    def index(self, docs: Iterable[SearchDocument]) -> BulkResult:
        docs = list(docs)
        self._maybe_pause("index")
        return self.engine.index(docs)

    def delete(self, removals: Iterable[Removal]) -> BulkResult:
        removals = list(removals)
        self._maybe_pause("delete")
        return self.engine.delete(removals)


def drainer(live: LiveDatabase, engine: SearchEngine, batch_size: int = 500) -> tuple[Indexer, Any]:
    """An indexer on a connection of its own, and that connection's session."""
    session = live.session()
    return Indexer(search_outbox.SqlOutboxStore(session), engine, batch_size), session


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # noqa: BLE001 (the test thread re-raises it)
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def finished(thread: threading.Thread, outcome: list[Any]) -> Any:
    thread.join(WAIT)
    assert not thread.is_alive(), "a thread of the test did not finish"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


@contextmanager
def writer(live: LiveDatabase) -> Iterator[Session]:
    """A session that writes as a web request does: on SQLite its transactions take the write
    lock as they begin (catalog.database), so they wait for other writers instead of failing."""
    with write_intent(), live.session() as session:
        yield session


def published_items(live: LiveDatabase, count: int, prefix: str = "营业执照办理") -> list[int]:
    with writer(live) as session:
        department = factories.department(session)
        return [
            factories.service_item(
                session, department.id, name=f"{prefix}{n}", status="published"
            ).id
            for n in range(count)
        ]


def step(live: LiveDatabase, name: str, row_id: int) -> int:
    """Take one workflow step on a row in a transaction of its own; returns the new version."""
    with writer(live) as session:
        row = session.get(SERVICE.model, row_id)
        reason = "核查" if workflow.STEPS[name].needs_reason else None
        taken = workflow.take_step(session, SERVICE, name, row_id, row.version, SYSTEM, reason)
        return taken.version


def assert_in_sync(live: LiveDatabase, engine: SearchEngine) -> None:
    with live.session() as session:
        search_outbox.drain_outbox(session, engine)
        drift = search_reindex.verify(session, engine)
        assert (drift.missing, drift.stale, drift.extra) == ([], [], [])
        assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 0


def indexed_version(engine: SearchEngine, row_id: int) -> int | None:
    return engine.fetch_versions().get(f"service:{row_id}")


# -- item 3: two indexers, one row ------------------------------------------------------------


def test_a_removal_decided_before_a_resume_never_deletes_the_resumed_row(live_database, engine):
    """Indexer A decides "remove" for a suspension and pauses; the row is resumed and indexer B
    indexes it; then A's removal lands. Before versioned removals the row stayed published but
    absent from the index, with an empty outbox."""
    live = live_database
    (row_id,) = published_items(live, 1)
    assert_in_sync(live, engine)
    step(live, "suspend", row_id)

    late = Paused(handle(engine), "delete")
    indexer_a, session_a = drainer(live, late)
    thread, outcome = in_thread(indexer_a.drain)
    assert late.reached.wait(WAIT)

    resumed = step(live, "resume", row_id)
    indexer_b, session_b = drainer(live, handle(engine))
    assert indexer_b.drain().indexed == 1
    assert indexed_version(engine, row_id) == resumed

    late.release.set()
    report = finished(thread, outcome)
    assert report.stale == 1  # the engine refused the older removal
    assert indexed_version(engine, row_id) == resumed
    session_a.close(), session_b.close()
    assert_in_sync(live, engine)


def test_a_write_decided_before_a_suspension_is_undone_by_its_own_indexer(live_database, engine):
    """The other order: A decides "index version 1" and pauses; the row is suspended and B
    removes it; A's older write lands last. The embedded engine keeps no tombstone, so it
    briefly restores the document: A's settlement sees the row changed and queues it again,
    and A's own next batch removes it."""
    live = live_database
    (row_id,) = published_items(live, 1)

    late = Paused(handle(engine), "index")
    indexer_a, session_a = drainer(live, late)
    thread, outcome = in_thread(indexer_a.drain)
    assert late.reached.wait(WAIT)

    step(live, "suspend", row_id)
    indexer_b, session_b = drainer(live, handle(engine))
    indexer_b.drain()
    assert indexed_version(engine, row_id) is None

    late.release.set()
    report = finished(thread, outcome)
    assert report.requeued == 1
    assert indexed_version(engine, row_id) is None
    session_a.close(), session_b.close()
    assert_in_sync(live, engine)


STEPS_FROM = {
    "draft": ["submit"],
    "submitted": ["approve", "reject"],
    "rejected": ["submit"],
    "published": ["suspend", "suspend", "cancel", "edit"],
    "suspended": ["resume", "resume", "cancel"],
}


def random_step(live: LiveDatabase, row_id: int, chance: random.Random) -> None:
    with writer(live) as session:
        row = session.get(SERVICE.model, row_id)
        name = chance.choice(STEPS_FROM.get(row.status, ["submit"]))
        if row.status == "cancelled":
            return
        if name == "edit":  # a revision, approved: the published row changes in place
            workflow.edit_row(
                session, SERVICE, row_id, {"name": f"{row.name}·改"}, row.version, SYSTEM
            )
            for revision_step in ("submit", "approve"):
                workflow.take_step(session, SERVICE, revision_step, row_id, row.version, SYSTEM)
            return
        reason = "核查" if workflow.STEPS[name].needs_reason else None
        workflow.take_step(session, SERVICE, name, row_id, row.version, SYSTEM, reason)


def test_racing_indexers_over_workflow_steps_leave_no_drift(live_database, engine):
    """Three indexers drain in small batches while a writer submits, approves, suspends,
    resumes, edits and cancels the same rows."""
    live = live_database
    with writer(live) as session:
        department = factories.department(session)
        rows = [
            factories.service_item(session, department.id, name=f"食品经营许可{n}").id
            for n in range(8)
        ]
    stop = threading.Event()

    def keep_draining() -> int:
        indexer, session = drainer(live, handle(engine), batch_size=3)
        passes = 0
        with session:
            while not stop.is_set():
                indexer.drain()
                passes += 1
        return passes

    drainers = [in_thread(keep_draining) for _ in range(3)]
    chance = random.Random(13)
    for _ in range(120):
        random_step(live, chance.choice(rows), chance)
    stop.set()
    assert all(finished(*d) > 0 for d in drainers)
    assert_in_sync(live, engine)


# -- item 1: an idle worker holds nothing --------------------------------------------------------


def test_the_worker_takes_commits_made_elsewhere_after_an_empty_poll(live_database, engine):
    """The worker loop polls an empty outbox a few times, then another connection commits a
    published row: the next poll indexes it. Before each poll ran in its own transaction, the
    worker kept the snapshot of its first poll (SQLite: it never saw the row) or sat idle in
    transaction (PostgreSQL)."""
    live = live_database
    stop, idle = threading.Event(), threading.Event()
    empty_polls: list[int] = []
    worker_session = live.session()
    store = search_outbox.SqlOutboxStore(worker_session)
    claim = store.claim

    def counted_claim(limit: int) -> Any:
        claimed = claim(limit)
        if not claimed:
            empty_polls.append(1)
            if len(empty_polls) >= 3:
                idle.set()
        return claimed

    store.claim = counted_claim  # type: ignore[method-assign]
    worker = Indexer(store, handle(engine))
    thread, outcome = in_thread(lambda: worker.run(poll_seconds=0.05, should_stop=stop.is_set))
    assert idle.wait(WAIT)

    if live.engine.dialect.name == "postgresql":
        with live.session() as observer:
            states = observer.scalars(
                text(
                    "SELECT state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        assert "idle in transaction" not in states

    (row_id,) = published_items(live, 1, prefix="建设工程规划许可")
    deadline = time.monotonic() + WAIT
    while indexed_version(engine, row_id) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    finished(thread, outcome)
    worker_session.close()
    assert indexed_version(engine, row_id) == 1
    assert_in_sync(live, engine)


# -- item 2: drain until nothing is due ----------------------------------------------------------


def test_drain_continues_until_nothing_is_due(live_database, engine):
    """30 rows with 3 outbox rows each, batches of 50 outbox rows: every document is indexed."""
    live = live_database
    rows = published_items(live, 30, prefix="道路运输经营许可")
    for row_id in rows:
        step(live, "suspend", row_id)
        step(live, "resume", row_id)
    with live.session() as session:
        assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 90
        report = search_outbox.drain_outbox(session, engine, batch_size=50)
        # two batches: 30 creations and 10 rows' steps, then the other 20 rows' steps
        assert (report.claimed, report.indexed) == (50, 50)
        assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert engine.fetch_versions() == {f"service:{row_id}": 3 for row_id in rows}
    assert_in_sync(live, engine)


# -- item 4: a rebuild under a write storm ----------------------------------------------------------


class Storm:
    """A writer on its own connection: suspends and resumes rows, 10 changes a transaction,
    with a moment between transactions as a client has (SQLite's lock is not a queue: a writer
    that begins again at once can keep another waiting past its busy timeout)."""

    def __init__(self, live: LiveDatabase, rows: list[int]) -> None:
        self.live = live
        self.cycle = itertools.cycle(rows)
        self.versions = dict.fromkeys(rows, 1)  # only the storm writes these rows
        self.made = 0

    def changes(self, count: int) -> int:
        for start in range(0, count, 10):
            # each step's commit releases a SAVEPOINT; the 10 are committed together
            with write_intent(), atomic_session(self.live.engine) as session:
                for _ in range(min(10, count - start)):
                    row_id = next(self.cycle)
                    version = self.versions[row_id]
                    if version % 2:  # published at odd versions, suspended at even ones
                        row = workflow.take_step(
                            session, SERVICE, "suspend", row_id, version, SYSTEM, "核查"
                        )
                    else:
                        row = workflow.take_step(
                            session, SERVICE, "resume", row_id, version, SYSTEM
                        )
                    self.versions[row_id] = row.version
                    self.made += 1
            time.sleep(0.02)
        return count


@pytest.mark.slow
def test_a_rebuild_under_1000_changes_ends_with_no_drift(live_database, engine, monkeypatch):
    """While the new index is filled, between its catch-up and the switch, and after the switch,
    another connection writes 1,000 changes and an indexer drains them into the live index."""
    live = live_database
    storm = Storm(live, published_items(live, 40, prefix="危险化学品经营许可"))
    assert_in_sync(live, engine)
    stop = threading.Event()

    def keep_draining() -> None:
        indexer, session = drainer(live, handle(engine), batch_size=50)
        with session:
            while not stop.is_set():
                indexer.drain()
                time.sleep(0.01)

    background = in_thread(keep_draining)
    after_switch: list[tuple[threading.Thread, list[Any]]] = []
    reindex = engine.reindex

    def storming_reindex(
        docs: Iterator[SearchDocument], expected: int, catch_up: Any = None
    ) -> Any:
        def filling() -> Iterator[SearchDocument]:
            for number, doc in enumerate(docs):
                if number == 1:  # the snapshot is taken: 600 changes while the index fills
                    finished(*in_thread(lambda: storm.changes(600)))
                yield doc

        def catching_up() -> Any:
            caught = catch_up()
            finished(*in_thread(lambda: storm.changes(300)))  # between catch-up and switch
            after_switch.append(in_thread(lambda: storm.changes(100)))  # racing the switch
            return caught

        return reindex(filling(), expected, catch_up=catching_up)

    monkeypatch.setattr(engine, "reindex", storming_reindex)
    with live.session() as session:
        report = search_reindex.reindex(session, engine)
    assert report.ok, report.problems
    finished(*after_switch[0])
    stop.set()
    finished(*background)
    assert storm.made == 1000
    assert report.caught_up > 0 and report.replayed > 0
    assert_in_sync(live, engine)
