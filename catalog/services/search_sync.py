"""Keeping the search index equal to the database: documents, the outbox store, verify.

Only published rows are searchable. A row's document is built from the database at the
moment it is indexed (never from the change that queued it), so retries and out-of-order
drains always converge on the current row.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, raiseload, selectinload

from search.documents import SearchDocument
from search.engines.base import ReindexReport, SearchEngine
from search.outbox import DrainReport, Indexer, PendingChange, backoff_seconds

from ..models import DevolvedItem, PowerItem, SearchOutbox, ServiceItem, SupervisionItem
from ..models.codes import (
    CASE_TYPE_INSTANT,
    DEVOLUTION_MODES,
    ITEM_TYPES,
    SERVICE_OBJECT_AUDIENCE,
    SUPERVISION_TYPES,
)

SEARCHABLE: dict[str, tuple[str, type]] = {
    "service_item": ("service", ServiceItem),
    "power_item": ("power", PowerItem),
    "devolved_item": ("devolved", DevolvedItem),
    "supervision_item": ("supervision", SupervisionItem),
}
KIND_TO_ENTITY = {kind: entity for entity, (kind, _model) in SEARCHABLE.items()}
# What a document needs, loaded in bulk; what it does not (fees, citations) is not loaded.
DOCUMENT_LOADS = {
    "service_item": (
        selectinload(ServiceItem.materials),
        selectinload(ServiceItem.township),
        raiseload(ServiceItem.fees),
        raiseload(ServiceItem.legal_bases),
    ),
    "power_item": (raiseload(PowerItem.legal_bases),),
    "devolved_item": (selectinload(DevolvedItem.receivers),),
    "supervision_item": (raiseload(SupervisionItem.legal_bases),),
}
PUBLISHED = "published"


def doc_id(entity_type: str, row_id: int) -> str:
    return f"{SEARCHABLE[entity_type][0]}:{row_id}"


def _common(kind: str, row: Any, department: Any) -> dict[str, Any]:
    return {
        "id": f"{kind}:{row.id}",
        "kind": kind,
        "department": department.name if department else "",
        "department_id": str(department.id) if department else "",
        "region": department.region.name if department else "",
        "version": row.version,
        "updated_at": row.updated_at,
    }


def _service_document(item: ServiceItem) -> dict[str, Any]:
    materials = "；".join(m.name for m in item.materials)
    return {
        **_common("service", item, item.department),
        "name": item.name,
        "aliases": item.aliases,
        "item_type": item.item_type,
        "item_type_label": ITEM_TYPES.get(item.item_type, ""),
        "townships": [item.township.name] if item.township else [],
        "service_objects": sorted({SERVICE_OBJECT_AUDIENCE[c] for c in item.service_objects if c in SERVICE_OBJECT_AUDIENCE}),
        "themes": item.themes,
        "instant": item.case_type == CASE_TYPE_INSTANT,
        "onsite_visits": item.onsite_visits,
        "zero_visit": (item.onsite_visits or 0) == 0,
        "text": "\n".join(filter(None, [item.acceptance_conditions, materials, item.process])),
    }


def _power_document(item: PowerItem) -> dict[str, Any]:
    name = f"{item.name}（{item.sub_item_name}）" if item.sub_item_name else item.name
    return {
        **_common("power", item, item.department),
        "name": name,
        "item_type": item.power_type_code,
        "item_type_label": item.power_type.name if item.power_type else "",
        "text": "\n".join(filter(None, [item.basis_text, item.responsibilities])),
    }


def _devolved_document(item: DevolvedItem) -> dict[str, Any]:
    return {
        **_common("devolved", item, item.from_department),
        "name": item.name,
        "item_type": item.mode,
        "item_type_label": DEVOLUTION_MODES.get(item.mode, ""),
        "townships": [township.name for township in item.receivers],
        "text": "\n".join(filter(None, [item.scope_limit, item.attached_powers])),
    }


def _supervision_document(item: SupervisionItem) -> dict[str, Any]:
    name = f"{item.main_name}（{item.sub_name}）" if item.sub_name else item.main_name
    return {
        **_common("supervision", item, item.department),
        "name": name,
        "item_type": item.supervision_type,
        "item_type_label": SUPERVISION_TYPES.get(item.supervision_type, ""),
        "text": "\n".join(filter(None, [item.objects, item.basis_text, item.measures])),
    }


_BUILDERS = {
    "service_item": _service_document,
    "power_item": _power_document,
    "devolved_item": _devolved_document,
    "supervision_item": _supervision_document,
}


def build_document(entity_type: str, row: Any) -> SearchDocument | None:
    """The row's search document, or None when citizens may not see it."""
    if row is None or row.status != PUBLISHED:
        return None
    return SearchDocument.from_mapping(_BUILDERS[entity_type](row))


def published_documents(session: Session, batch_size: int = 1000) -> Iterator[SearchDocument]:
    """Every searchable row's document, read in keyset-paginated batches."""
    for entity_type, (_kind, model) in SEARCHABLE.items():
        last_id = 0
        while True:
            rows = list(
                session.scalars(
                    select(model)
                    .options(*DOCUMENT_LOADS[entity_type])
                    .where(model.status == PUBLISHED, model.id > last_id)
                    .order_by(model.id)
                    .limit(batch_size)
                ).unique()
            )
            if not rows:
                break
            for row in rows:
                document = build_document(entity_type, row)
                if document is not None:
                    yield document
            last_id = rows[-1].id
            session.expunge_all()  # keep memory flat over 100,000 rows


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
    """The outbox table as the indexer's store (search.outbox.OutboxStore)."""

    def __init__(self, session: Session, due_by: datetime | None = None) -> None:
        self.session = session
        self.due_by = due_by  # None: now; a later moment takes rows still backing off

    def claim(self, limit: int) -> list[PendingChange]:
        now = self.due_by or datetime.now(timezone.utc)
        query = (
            select(SearchOutbox.id, SearchOutbox.entity_type, SearchOutbox.entity_id)
            .where(SearchOutbox.next_attempt_at <= now)
            .order_by(SearchOutbox.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # several workers never take one row twice
        grouped: dict[str, list[int]] = {}
        for outbox_id, entity_type, entity_id in self.session.execute(query):
            grouped.setdefault(doc_id(entity_type, entity_id), []).append(outbox_id)
        return [PendingChange(key, tuple(ids)) for key, ids in grouped.items()]

    def document(self, change: PendingChange) -> SearchDocument | None:
        kind, row_id = change.doc_id.split(":")
        entity_type = KIND_TO_ENTITY[kind]
        return build_document(entity_type, self.session.get(SEARCHABLE[entity_type][1], int(row_id)))

    def done(self, outbox_ids: Sequence[int]) -> None:
        if outbox_ids:
            self.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(outbox_ids)))
        self.session.commit()

    def retry_later(self, outbox_ids: Sequence[int], error: str) -> None:
        rows = self.session.scalars(select(SearchOutbox).where(SearchOutbox.id.in_(outbox_ids)))
        now = datetime.now(timezone.utc)
        for row in rows:
            row.attempts += 1
            row.last_error = error[:2000]
            row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
        self.session.commit()


def drain_outbox(
    session: Session, engine: SearchEngine, batch_size: int = 500, due_by: datetime | None = None
) -> DrainReport:
    """Index what the outbox holds (rows due by ``due_by``, default now)."""
    return Indexer(SqlOutboxStore(session, due_by), engine, batch_size).drain()


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
    """Index the missing and stale documents and remove the extra ones."""
    wanted = drift.missing + drift.stale
    documents = []
    for key in wanted:
        kind, row_id = key.split(":")
        entity_type = KIND_TO_ENTITY[kind]
        document = build_document(entity_type, session.get(SEARCHABLE[entity_type][1], int(row_id)))
        if document is not None:
            documents.append(document)
    if documents:
        engine.index(documents)
    if drift.extra:
        engine.delete(drift.extra)


def reindex(session: Session, engine: SearchEngine) -> ReindexReport:
    """Build a new index from the database and switch to it once verified."""
    # An engine may pull documents from a worker thread (Elasticsearch's parallel bulk),
    # where Flask-SQLAlchemy's session cannot find its app; a plain Session on the same
    # connection reads the same data from any thread.
    with Session(bind=session.connection()) as reader:
        return engine.reindex(published_documents(reader), published_count(reader))


__all__ = [
    "Drift",
    "SqlOutboxStore",
    "build_document",
    "drain_outbox",
    "outbox_lag",
    "published_documents",
    "reindex",
    "repair",
    "verify",
]
