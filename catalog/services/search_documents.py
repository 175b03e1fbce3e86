"""Search documents built from the catalog: what the index must hold for each searchable row.

Only published rows are searchable (registry.SEARCHABLE says which lists are). A row's document
is built from the database at the moment it is indexed (never from the change that queued it),
and every write and removal carries the row's version, so that retries, out-of-order drains
and replays all converge on the current row (search.outbox says how).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import Session, aliased

from search.documents import SearchDocument
from search.engines.base import Removal
from search.outbox import Decision

from ..models import (
    DevolvedItem,
    Material,
    Organization,
    PowerItem,
    PowerType,
    Region,
    ServiceItem,
    SupervisionItem,
)
from ..models.codes import (
    DEVOLUTION_MODES,
    ITEM_TYPES,
    PUBLISHED,
    SERVICE_OBJECT_AUDIENCE,
    SUPERVISION_TYPES,
)
from ..models.devolution import devolved_item_receivers
from ..models.services import is_instant, is_zero_visit
from . import search_twins
from .mapped import ListModel
from .registry import SEARCH_KINDS, SEARCHABLE

_IN_LIST = 500  # ids per IN (...) list
_KINDS = {spec.entity_type: kind for kind, spec in SEARCH_KINDS.items()}


def kind_of(entity_type: str) -> str:
    """The kind a searchable list's documents carry ("service" for service_item)."""
    return _KINDS[entity_type]


def doc_id(entity_type: str, row_id: int) -> str:
    return f"{kind_of(entity_type)}:{row_id}"


def by_entity(doc_ids: Iterable[str]) -> dict[str, list[int]]:
    """Row ids by entity type, from document ids such as "service:12"."""
    rows: dict[str, list[int]] = defaultdict(list)
    for key in doc_ids:
        kind, row_id = key.split(":")
        rows[SEARCH_KINDS[kind].entity_type].append(int(row_id))
    return rows


# Documents are read with Core, only the columns they need: loading whole ORM rows (every
# JSON and date column converted, relationships, identity map) cost most of a full reindex.
AnySelect = Select[*tuple[Any, ...]]  # the columns differ from list to list
_department = aliased(Organization, name="department")
_township = aliased(Organization, name="township")


def _with_department(model: type[ListModel], column: Any, *columns: Any) -> AnySelect:
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

    rows: Callable[[], AnySelect]
    build: Callable[[Row[Any], list[str]], dict[str, Any]]
    values: Callable[[], tuple[AnySelect, Any]] | None = None


def _document(
    kind: str,
    row: Row[Any],
    name: str,
    item_type: tuple[str | None, str],
    texts: Iterable[str | None],
    **fields: Any,
) -> dict[str, Any]:
    """What every list's document holds: the row's id, department and version, its name, its
    type (code, label) and its full text (the parts it has, a line each); then its own fields."""
    return {
        "id": f"{kind}:{row.id}",
        "kind": kind,
        "department": row.department or "",
        "department_id": "" if row.department_id is None else str(row.department_id),
        "region": row.region or "",
        "version": row.version,
        "updated_at": row.updated_at,
        "name": name,
        "item_type": item_type[0],
        "item_type_label": item_type[1],
        "text": "\n".join(filter(None, texts)),
        **fields,
    }


_twin_power = aliased(PowerItem, name="twin_power")


def _service_rows() -> AnySelect:
    twin_id = search_twins.twin_power_id()
    return (
        _with_department(
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
            ServiceItem.result_name,
            _township.name.label("township"),
            _twin_power.id.label("twin_power_id"),
            _twin_power.basis_text.label("twin_basis"),
            _twin_power.responsibilities.label("twin_responsibilities"),
        )
        .outerjoin(_township, _township.id == ServiceItem.township_id)
        .outerjoin(_twin_power, _twin_power.id == twin_id)
    )


def _service_materials() -> tuple[AnySelect, Any]:
    parent = Material.service_item_id
    return select(parent, Material.name).order_by(parent, Material.position, Material.id), parent


def _service_document(item: Row[Any], materials: list[str]) -> dict[str, Any]:
    texts = [
        item.acceptance_conditions,
        "；".join(materials),
        item.process,
        item.result_name,
        item.twin_basis,
        item.twin_responsibilities,
    ]
    return _document(
        "service",
        item,
        item.name,
        (item.item_type, ITEM_TYPES.get(item.item_type, "")),
        texts,
        aliases=item.aliases,
        townships=[item.township] if item.township is not None else [],
        service_objects=sorted(
            {
                SERVICE_OBJECT_AUDIENCE[c]
                for c in item.service_objects or ()
                if c in SERVICE_OBJECT_AUDIENCE
            }
        ),
        themes=item.themes,
        # 未填报 stays out of the 即办件 and 零跑动 facets: no value, not "否"
        instant=is_instant(item),
        onsite_visits=item.onsite_visits,
        zero_visit=is_zero_visit(item),
        **_twins("power", item.twin_power_id),
    )


def _twins(kind: str, twin_id: int | None) -> dict[str, Any]:
    """The twin merged into this row's hit (search_twins): its id and list."""
    return {} if twin_id is None else {"twins": [f"{kind}:{twin_id}"], "twin_kinds": [kind]}


def _power_rows() -> AnySelect:
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
    merged_into = "" if item.merged_into_service is None else f"service:{item.merged_into_service}"
    return _document(
        "power",
        item,
        name,
        (item.power_type_code, item.power_type or ""),
        [item.basis_text, item.responsibilities],
        merged_into=merged_into,
    )


def _devolved_rows() -> AnySelect:
    return _with_department(
        DevolvedItem,
        DevolvedItem.from_department_id,
        DevolvedItem.name,
        DevolvedItem.mode,
        DevolvedItem.scope_limit,
        DevolvedItem.attached_powers,
    )


def _devolved_receivers() -> tuple[AnySelect, Any]:
    parent = devolved_item_receivers.c.devolved_item_id
    query = (
        select(parent, Organization.name)
        .join(Organization, Organization.id == devolved_item_receivers.c.township_id)
        .order_by(parent, Organization.id)
    )
    return query, parent


def _devolved_document(item: Row[Any], townships: list[str]) -> dict[str, Any]:
    mode = (item.mode, DEVOLUTION_MODES.get(item.mode, ""))
    texts = [item.scope_limit, item.attached_powers]
    return _document("devolved", item, item.name, mode, texts, townships=townships)


def _supervision_rows() -> AnySelect:
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
    type_ = (item.supervision_type, SUPERVISION_TYPES.get(item.supervision_type, ""))
    texts = [item.objects, item.basis_text, item.measures]
    return _document("supervision", item, name, type_, texts)


_SOURCES = {
    "service_item": _Source(_service_rows, _service_document, _service_materials),
    "power_item": _Source(_power_rows, _power_document),
    "devolved_item": _Source(_devolved_rows, _devolved_document, _devolved_receivers),
    "supervision_item": _Source(_supervision_rows, _supervision_document),
}


def _rows(
    session: Session, entity_type: str, where: ColumnElement[bool], limit: int | None = None
) -> list[Row[Any]]:
    """Rows matching ``where`` with the columns their documents need, and their status, by id."""
    model = SEARCHABLE[entity_type].workflow_model
    query = _SOURCES[entity_type].rows().add_columns(model.status).where(where).order_by(model.id)
    return list(session.execute(query if limit is None else query.limit(limit)))


def _documents(
    session: Session, entity_type: str, rows: Sequence[Row[Any]], consecutive: bool
) -> list[SearchDocument]:
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
    for entity_type, ids in by_entity(doc_ids).items():
        kind, model = kind_of(entity_type), SEARCHABLE[entity_type].workflow_model
        for start in range(0, len(ids), _IN_LIST):
            chunk = ids[start : start + _IN_LIST]
            rows = _rows(session, entity_type, model.id.in_(chunk))
            published = [row for row in rows if row.status == PUBLISHED]
            decisions.update(
                (doc.id, doc) for doc in _documents(session, entity_type, published, False)
            )
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
    for entity_type, spec in SEARCHABLE.items():
        model, last_id = spec.workflow_model, 0
        while True:
            rows = _rows(
                session, entity_type, (model.status == PUBLISHED) & (model.id > last_id), batch_size
            )
            if not rows:
                break
            yield from _documents(session, entity_type, rows, True)
            last_id = rows[-1].id


def current_versions(session: Session, doc_ids: Iterable[str]) -> dict[str, int | None]:
    """Each document's row version now (None: the row is gone)."""
    versions: dict[str, int | None] = {}
    for entity_type, ids in by_entity(doc_ids).items():
        kind, model = kind_of(entity_type), SEARCHABLE[entity_type].workflow_model
        versions.update((f"{kind}:{i}", None) for i in ids)
        for start in range(0, len(ids), _IN_LIST):
            query = select(model.id, model.version).where(
                model.id.in_(ids[start : start + _IN_LIST])
            )
            versions.update(
                (f"{kind}:{row_id}", version) for row_id, version in session.execute(query)
            )
    return versions


def published_versions(session: Session) -> dict[str, int]:
    versions: dict[str, int] = {}
    for entity_type, spec in SEARCHABLE.items():
        kind, model = kind_of(entity_type), spec.workflow_model
        for row_id, version in session.execute(
            select(model.id, model.version).where(model.status == PUBLISHED)
        ):
            versions[f"{kind}:{row_id}"] = version
    return versions


def published_counts(session: Session) -> dict[str, int]:
    """Published rows per searchable list, by kind."""
    published = {
        entity_type: select(func.count()).where(spec.workflow_model.status == PUBLISHED)
        for entity_type, spec in SEARCHABLE.items()
    }
    return {
        kind_of(entity_type): session.scalar(query) or 0 for entity_type, query in published.items()
    }


def published_count(session: Session) -> int:
    return sum(published_counts(session).values())
