"""What the public may read: published rows only (the review workflow adds roles)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organization, PowerItem, Region, ServiceItem
from ..models.codes import PUBLISHED
from ..schemas.fields import MAX_ID
from .errors import not_found
from .registry import SEARCH_KINDS
from .rules import Notice
from .search_twins import twin_power_id, twin_service_id
from .service_items import item_warnings

KIND_LABELS = {
    kind: spec.searchable.label
    for kind, spec in SEARCH_KINDS.items()
    if spec.searchable is not None
}


def published_row(session: Session, kind: str, row_id: int) -> Any:
    """A published row of a searchable list, or 404 (drafts are never public)."""
    spec = SEARCH_KINDS.get(kind)
    row = session.get(spec.workflow_model, row_id) if spec and 0 < row_id <= MAX_ID else None
    if row is None or row.status != PUBLISHED:
        raise not_found(KIND_LABELS.get(kind, "事项"), row_id)
    return row


@dataclass(frozen=True)
class Guide:
    """An item's guide (办事指南): the row, what to tell its reader, and its twin in another list."""

    kind: str
    row: Any
    warnings: list[Notice] = field(default_factory=list)
    twin: tuple[str, int] | None = None  # (kind, row id) of the same item in another list


def guide(session: Session, kind: str, row_id: int) -> Guide:
    """The published item's guide, or 404."""
    row = published_row(session, kind, row_id)
    return Guide(kind, row, warnings_of(kind, row), twin_of(session, kind, row_id))


def twin_of(session: Session, kind: str, row_id: int) -> tuple[str, int] | None:
    """The published twin of a service or 权责 item (search_twins), as its search hit names it."""
    if kind == "service":
        twin_id = session.scalar(select(twin_power_id()).where(ServiceItem.id == row_id))
        return ("power", twin_id) if twin_id else None
    if kind == "power":
        twin_id = session.scalar(select(twin_service_id()).where(PowerItem.id == row_id))
        return ("service", twin_id) if twin_id else None
    return None


def warnings_of(kind: str, row: Any) -> list[Notice]:
    """What the item guide tells its reader besides the row (a 10-character 基本编码 …)."""
    return item_warnings(row) if kind == "service" else []


def regions(session: Session) -> list[Region]:
    """Regions that have organizations (the districts whose figures mean something)."""
    with_orgs = select(Organization.region_id).distinct()
    return list(
        session.scalars(select(Region).where(Region.id.in_(with_orgs)).order_by(Region.code))
    )
