"""Keeping the search index equal to the database: documents, the outbox store, rebuild, verify.

Only published rows are searchable. A row's document is built from the database at the
moment it is indexed (never from the change that queued it), and every write and removal
carries the row's version, so retries, out-of-order drains by several indexers and replays
all converge on the current row (search.outbox says how; ``reindex`` how a rebuild loses
no change made while it runs).
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, delete, func, select, text, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from search.documents import SearchDocument
from search.engines.base import ReindexReport, Removal, SearchEngine
from search.outbox import LEASE_SECONDS, Decision, DrainReport, Indexer, PendingChange, backoff_seconds

from ..database import read_snapshot, rollback_quietly, unavailable, write_transaction
from ..models import (
    ChangeRecord,
    DevolvedItem,
    Material,
    Organization,
    PowerItem,
    PowerType,
    Region,
    SearchOutbox,
    ServiceItem,
    SupervisionItem,
)
from ..models.codes import (
    CASE_TYPE_INSTANT,
    DEVOLUTION_MODES,
    ITEM_TYPES,
    SERVICE_OBJECT_AUDIENCE,
    SUPERVISION_TYPES,
)
from ..models.base import utcnow
from ..models.devolution import devolved_item_receivers
from . import search_twins

SEARCHABLE: dict[str, tuple[str, type]] = {
    "service_item": ("service", ServiceItem),
    "power_item": ("power", PowerItem),
    "devolved_item": ("devolved", DevolvedItem),
    "supervision_item": ("supervision", SupervisionItem),
}
KIND_TO_ENTITY = {kind: entity for entity, (kind, _model) in SEARCHABLE.items()}
PUBLISHED = "published"
_IN_LIST = 500  # ids per IN (...) list
MARK_TIMEOUT_SECONDS = 600.0  # how long a rebuild waits for writes in progress to end


def doc_id(entity_type: str, row_id: int) -> str:
    return f"{SEARCHABLE[entity_type][0]}:{row_id}"


def _by_entity(doc_ids: Iterable[str]) -> dict[str, list[int]]:
    """Row ids by entity type, from document ids such as "service:12"."""
    rows: dict[str, list[int]] = defaultdict(list)
    for key in doc_ids:
        kind, row_id = key.split(":")
        rows[KIND_TO_ENTITY[kind]].append(int(row_id))
    return rows


# Documents are read with Core, only the columns they need: loading whole ORM rows (every
# JSON and date column converted, relationships, identity map) cost most of a full reindex.
_department = aliased(Organization, name="department")
_township = aliased(Organization, name="township")


def _with_department(model: type, column: Any, *columns: Any) -> Select:
    """The row's columns, with its department's id and name and the department's region."""
    return (
        select(
            model.id,
            model.version,
            model.updated_at,
            *columns,
            _department.id.label("department_id"),
            _department.name.label("department"),
            Region.name.label("region"),
        )
        .outerjoin(_department, _department.id == column)
        .outerjoin(Region, Region.id == _department.region_id)
    )


@dataclass(frozen=True)
class _Source:
    """How one entity type's documents are read and built.

    ``rows`` selects the row columns; ``values``, when set, selects (row id, value) pairs of
    the row's list (materials, receiving townships) in the list's order, read for a whole
    batch of rows at once; ``build`` makes the document mapping from a row and its values.
    """

    rows: Callable[[], Select]
    build: Callable[[Row[Any], list[str]], dict[str, Any]]
    values: Callable[[], tuple[Select, Any]] | None = None


def _common(kind: str, row: Row[Any]) -> dict[str, Any]:
    return {
        "id": f"{kind}:{row.id}",
        "kind": kind,
        "department": row.department or "",
        "department_id": "" if row.department_id is None else str(row.department_id),
        "region": row.region or "",
        "version": row.version,
        "updated_at": row.updated_at,
    }


_twin_power = aliased(PowerItem, name="twin_power")


def _service_rows() -> Select:
    twin_id = search_twins.twin_power_id()
    return _with_department(
        ServiceItem,
        ServiceItem.department_id,
        ServiceItem.name,
        ServiceItem.aliases,
        ServiceItem.item_type,
        ServiceItem.service_objects,
        ServiceItem.themes,
        ServiceItem.case_type,
        ServiceItem.onsite_visits,
        ServiceItem.acceptance_conditions,
        ServiceItem.process, ServiceItem.result_name,
        _township.name.label("township"),
        _twin_power.id.label("twin_power_id"),
        _twin_power.basis_text.label("twin_basis"),
        _twin_power.responsibilities.label("twin_responsibilities"),
    ).outerjoin(_township, _township.id == ServiceItem.township_id).outerjoin(
        _twin_power, _twin_power.id == twin_id
    )


def _service_materials() -> tuple[Select, Any]:
    parent = Material.service_item_id
    return select(parent, Material.name).order_by(parent, Material.position, Material.id), parent


def _service_document(item: Row[Any], materials: list[str]) -> dict[str, Any]:
    return {
        **_common("service", item),
        "name": item.name,
        "aliases": item.aliases,
        "item_type": item.item_type,
        "item_type_label": ITEM_TYPES.get(item.item_type, ""),
        "townships": [item.township] if item.township is not None else [],
        "service_objects": sorted({SERVICE_OBJECT_AUDIENCE[c] for c in item.service_objects or () if c in SERVICE_OBJECT_AUDIENCE}),
        "themes": item.themes,
        # 未填报 stays out of the 即办件 and 零跑动 facets: no value, not "否"
        "instant": None if item.case_type is None else item.case_type == CASE_TYPE_INSTANT,
        "onsite_visits": item.onsite_visits,
        "zero_visit": None if item.onsite_visits is None else item.onsite_visits == 0,
        "text": "\n".join(filter(None, [
            item.acceptance_conditions, "；".join(materials), item.process, item.result_name,
            item.twin_basis, item.twin_responsibilities,
        ])),
        **_twins("power", item.twin_power_id),
    }


def _twins(kind: str, twin_id: int | None) -> dict[str, Any]:
    """The twin merged into this row's hit (search_twins): its id and list."""
    return {} if twin_id is None else {"twins": [f"{kind}:{twin_id}"], "twin_kinds": [kind]}


def _power_rows() -> Select:
    return _with_department(
        PowerItem,
        PowerItem.department_id,
        PowerItem.name,
        PowerItem.sub_item_name,
        PowerItem.power_type_code,
        PowerType.name.label("power_type"),
        PowerItem.basis_text,
        PowerItem.responsibilities,
        search_twins.twin_service_id().label("merged_into_service"),
    ).outerjoin(PowerType, PowerType.code == PowerItem.power_type_code)


def _power_document(item: Row[Any], _values: list[str]) -> dict[str, Any]:
    name = f"{item.name}（{item.sub_item_name}）" if item.sub_item_name else item.name
    return {
        **_common("power", item),
        "name": name,
        "item_type": item.power_type_code,
        "item_type_label": item.power_type or "",
        "text": "\n".join(filter(None, [item.basis_text, item.responsibilities])),
        "merged_into": "" if item.merged_into_service is None else f"service:{item.merged_into_service}",
    }


def _devolved_rows() -> Select:
    return _with_department(
        DevolvedItem,
        DevolvedItem.from_department_id,
        DevolvedItem.name,
        DevolvedItem.mode,
        DevolvedItem.scope_limit,
        DevolvedItem.attached_powers,
    )


def _devolved_receivers() -> tuple[Select, Any]:
    parent = devolved_item_receivers.c.devolved_item_id
    query = (
        select(parent, Organization.name)
        .join(Organization, Organization.id == devolved_item_receivers.c.township_id)
        .order_by(parent, Organization.id)
    )
    return query, parent


def _devolved_document(item: Row[Any], townships: list[str]) -> dict[str, Any]:
    return {
        **_common("devolved", item),
        "name": item.name,
        "item_type": item.mode,
        "item_type_label": DEVOLUTION_MODES.get(item.mode, ""),
        "townships": townships,
        "text": "\n".join(filter(None, [item.scope_limit, item.attached_powers])),
    }


def _supervision_rows() -> Select:
    return _with_department(
        SupervisionItem,
        SupervisionItem.department_id,
        SupervisionItem.main_name,
        SupervisionItem.sub_name,
        SupervisionItem.supervision_type,
        SupervisionItem.objects,
        SupervisionItem.basis_text,
        SupervisionItem.measures,
    )


def _supervision_document(item: Row[Any], _values: list[str]) -> dict[str, Any]:
    name = f"{item.main_name}（{item.sub_name}）" if item.sub_name else item.main_name
    return {
        **_common("supervision", item),
        "name": name,
        "item_type": item.supervision_type,
        "item_type_label": SUPERVISION_TYPES.get(item.supervision_type, ""),
        "text": "\n".join(filter(None, [item.objects, item.basis_text, item.measures])),
    }


_SOURCES = {
    "service_item": _Source(_service_rows, _service_document, _service_materials),
    "power_item": _Source(_power_rows, _power_document),
    "devolved_item": _Source(_devolved_rows, _devolved_document, _devolved_receivers),
    "supervision_item": _Source(_supervision_rows, _supervision_document),
}


def _rows(session: Session, entity_type: str, where: ColumnElement[bool], limit: int | None = None) -> list[Row[Any]]:
    """Rows matching ``where`` with the columns their documents need, and their status, by id."""
    model = SEARCHABLE[entity_type][1]
    query = _SOURCES[entity_type].rows().add_columns(model.status).where(where).order_by(model.id)
    return list(session.execute(query if limit is None else query.limit(limit)))


def _documents(session: Session, entity_type: str, rows: Sequence[Row[Any]], consecutive: bool) -> list[SearchDocument]:
    """The documents of ``rows``, each row's list (materials, townships) read for all at once."""
    source = _SOURCES[entity_type]
    values: dict[int, list[str]] = defaultdict(list)
    if source.values is not None and rows:
        query, parent = source.values()
        ids = [row.id for row in rows]
        # a keyset batch reads one id range rather than an IN list of its ids
        condition = parent.between(ids[0], ids[-1]) if consecutive else parent.in_(ids)
        for row_id, value in session.execute(query.where(condition)):
            values[row_id].append(value)
    return [SearchDocument.from_mapping(source.build(row, values.get(row.id, []))) for row in rows]


def decide(session: Session, doc_ids: Iterable[str]) -> dict[str, Decision]:
    """What the index must hold for each document now: the document of a published row, or a
    removal at the row's version (version None: the row is gone).

    A row's status and version come from one statement, so a decision always names the
    version it was made at (search.outbox orders and re-checks decisions by it).
    """
    decisions: dict[str, Decision] = {}
    for entity_type, ids in _by_entity(doc_ids).items():
        kind, model = SEARCHABLE[entity_type]
        for start in range(0, len(ids), _IN_LIST):
            chunk = ids[start : start + _IN_LIST]
            rows = _rows(session, entity_type, model.id.in_(chunk))
            published = [row for row in rows if row.status == PUBLISHED]
            decisions.update((doc.id, doc) for doc in _documents(session, entity_type, published, False))
            decisions.update(
                (f"{kind}:{row.id}", Removal(f"{kind}:{row.id}", row.version))
                for row in rows
                if row.status != PUBLISHED
            )
            gone = set(chunk) - {row.id for row in rows}
            decisions.update((f"{kind}:{i}", Removal(f"{kind}:{i}")) for i in gone)
    return decisions


def document(session: Session, entity_type: str, row_id: int) -> SearchDocument | None:
    """The row's search document, or None when citizens may not see it (or it is gone)."""
    found = decide(session, [doc_id(entity_type, row_id)])[doc_id(entity_type, row_id)]
    return found if isinstance(found, SearchDocument) else None


def published_documents(session: Session, batch_size: int = 1000) -> Iterator[SearchDocument]:
    """Every searchable row's document, read in keyset-paginated batches."""
    for entity_type, (_kind, model) in SEARCHABLE.items():
        last_id = 0
        while True:
            rows = _rows(session, entity_type, (model.status == PUBLISHED) & (model.id > last_id), batch_size)
            if not rows:
                break
            yield from _documents(session, entity_type, rows, True)
            last_id = rows[-1].id


def _current_versions(session: Session, doc_ids: Iterable[str]) -> dict[str, int | None]:
    """Each document's row version now (None: the row is gone)."""
    versions: dict[str, int | None] = {}
    for entity_type, ids in _by_entity(doc_ids).items():
        kind, model = SEARCHABLE[entity_type]
        versions.update((f"{kind}:{i}", None) for i in ids)
        for start in range(0, len(ids), _IN_LIST):
            query = select(model.id, model.version).where(model.id.in_(ids[start : start + _IN_LIST]))
            versions.update((f"{kind}:{row_id}", version) for row_id, version in session.execute(query))
    return versions


def published_versions(session: Session) -> dict[str, int]:
    versions: dict[str, int] = {}
    for entity_type, (kind, model) in SEARCHABLE.items():
        for row_id, version in session.execute(select(model.id, model.version).where(model.status == PUBLISHED)):
            versions[f"{kind}:{row_id}"] = version
    return versions


def published_count(session: Session) -> int:
    return sum(
        session.scalar(select(func.count()).select_from(model).where(model.status == PUBLISHED)) or 0
        for _kind, model in SEARCHABLE.values()
    )


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
        with _unless_busy(), write_transaction(self.session) as session:
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
                    update(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])).values(next_attempt_at=lease)
                )
            return self._grouped(rows)
        return []  # the database stayed busy: nothing claimed, the next poll tries again

    @staticmethod
    def _grouped(rows: Sequence[Row[Any]]) -> list[PendingChange]:
        grouped: dict[str, list[int]] = {}
        for outbox_id, entity_type, entity_id in rows:
            grouped.setdefault(doc_id(entity_type, entity_id), []).append(outbox_id)
        return [PendingChange(key, tuple(ids)) for key, ids in grouped.items()]

    def _anything_due(self) -> bool:
        """A read first: when other drains leased everything, no write lock is taken at all."""
        self.session.commit()
        try:
            due = select(SearchOutbox.id).where(SearchOutbox.next_attempt_at <= (self.due_by or utcnow()))
            return self.session.scalar(due.limit(1)) is not None
        finally:
            self.session.commit()

    def decide(self, changes: Sequence[PendingChange]) -> dict[str, Decision]:
        self.session.commit()
        try:
            return decide(self.session, [c.doc_id for c in changes])
        finally:
            self.session.commit()  # no snapshot held while the engine writes

    def settle(self, decisions: Mapping[str, Decision], outbox_ids: Sequence[int]) -> list[str]:
        # A database that stays busy leaves the rows leased: when the lease ends they are
        # claimed and decided again, which is what queueing them again would have done.
        with _unless_busy(), write_transaction(self.session) as session:
            current = _current_versions(session, decisions)
            moved = [key for key, decision in decisions.items() if current[key] != decision.version]
            if outbox_ids:
                session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(outbox_ids)))
            session.add_all(_outbox_rows(moved))
            return moved
        return []

    def retry_later(self, outbox_ids: Sequence[int], error: str) -> None:
        with _unless_busy(), write_transaction(self.session) as session:
            now = utcnow()
            for row in session.scalars(select(SearchOutbox).where(SearchOutbox.id.in_(outbox_ids))):
                row.attempts += 1
                row.last_error = error[:2000]
                row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))


@contextmanager
def _unless_busy() -> Iterator[None]:
    """Skip a step the database is too busy for (SQLite's lock stayed taken for the busy
    timeout): the outbox keeps the rows, and a later drain takes them."""
    try:
        yield
    except OperationalError as error:
        if unavailable(error) != "busy":
            raise


def _outbox_rows(doc_ids: Iterable[str]) -> list[SearchOutbox]:
    """Outbox rows that queue these documents again."""
    return [
        SearchOutbox(entity_type=entity_type, entity_id=row_id)
        for entity_type, ids in _by_entity(doc_ids).items()
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
    age = (datetime.now(timezone.utc) - oldest).total_seconds() if oldest else 0.0
    failing = session.scalar(select(func.count()).where(SearchOutbox.attempts > 0)) or 0
    return {"pending": count, "oldest_seconds": round(age, 3), "failing": failing}


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
            published_documents(reader), published_count(reader), catch_up=lambda: _catch_up(session, mark)
        )
    if report.switched:
        with write_transaction(session):
            keys = _changed_since(session, mark)
            session.add_all(_outbox_rows(keys))
        report.replayed = len(keys)
        drain_outbox(session, engine)
    return report


__all__ = [
    "Drift",
    "decide",
    "history_mark",
    "SqlOutboxStore",
    "document",
    "drain_outbox",
    "outbox_lag",
    "published_documents",
    "reindex",
    "repair",
    "verify",
]
