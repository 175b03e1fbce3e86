"""Keeping the search index equal to the database: documents, the outbox store, verify.

Only published rows are searchable. A row's document is built from the database at the
moment it is indexed (never from the change that queued it), so retries and out-of-order
drains always converge on the current row.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, delete, func, select
from sqlalchemy.orm import Session, aliased

from search.documents import SearchDocument
from search.engines.base import ReindexReport, SearchEngine
from search.outbox import DrainReport, Indexer, PendingChange, backoff_seconds

from ..models import (
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


def doc_id(entity_type: str, row_id: int) -> str:
    return f"{SEARCHABLE[entity_type][0]}:{row_id}"


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
        ServiceItem.process,
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
        "service_objects": sorted({SERVICE_OBJECT_AUDIENCE[c] for c in item.service_objects if c in SERVICE_OBJECT_AUDIENCE}),
        "themes": item.themes,
        "instant": item.case_type == CASE_TYPE_INSTANT,
        "onsite_visits": item.onsite_visits,
        "zero_visit": (item.onsite_visits or 0) == 0,
        "text": "\n".join(filter(None, [
            item.acceptance_conditions, "；".join(materials), item.process,
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


def _read(
    session: Session, entity_type: str, where: ColumnElement[bool], limit: int
) -> tuple[list[SearchDocument], int | None]:
    """Documents of the first ``limit`` published rows matching ``where``, in id order, and
    the last id read (None when no row matched)."""
    model = SEARCHABLE[entity_type][1]
    source = _SOURCES[entity_type]
    rows = session.execute(
        source.rows().where(model.status == PUBLISHED, where).order_by(model.id).limit(limit)
    ).all()
    if not rows:
        return [], None
    values: dict[int, list[str]] = defaultdict(list)
    if source.values is not None:
        # one range read for the whole batch, rather than an IN list of its ids
        query, parent = source.values()
        for row_id, value in session.execute(query.where(parent.between(rows[0].id, rows[-1].id))):
            values[row_id].append(value)
    documents = [SearchDocument.from_mapping(source.build(row, values.get(row.id, []))) for row in rows]
    return documents, rows[-1].id


def document(session: Session, entity_type: str, row_id: int) -> SearchDocument | None:
    """The row's search document, or None when citizens may not see it (or it is gone)."""
    documents, _last = _read(session, entity_type, SEARCHABLE[entity_type][1].id == row_id, 1)
    return documents[0] if documents else None


def published_documents(session: Session, batch_size: int = 1000) -> Iterator[SearchDocument]:
    """Every searchable row's document, read in keyset-paginated batches."""
    for entity_type, (_kind, model) in SEARCHABLE.items():
        last_id: int | None = 0
        while last_id is not None:
            documents, last_id = _read(session, entity_type, model.id > last_id, batch_size)
            yield from documents


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
        return document(self.session, KIND_TO_ENTITY[kind], int(row_id))

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
        found = document(session, KIND_TO_ENTITY[kind], int(row_id))
        if found is not None:
            documents.append(found)
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
    "document",
    "drain_outbox",
    "outbox_lag",
    "published_documents",
    "reindex",
    "repair",
    "verify",
]
