"""What the public may read: published rows only (the review workflow adds roles)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Organization, Region
from ..schemas.fields import MAX_ID
from .errors import not_found
from .rules import Notice
from .search_sync import KIND_TO_ENTITY, PUBLISHED, SEARCHABLE
from .service_items import item_warnings

KIND_LABELS = {"service": "政务服务事项", "power": "权责事项", "devolved": "下放镇街事项", "supervision": "监管事项"}


def published_row(session: Session, kind: str, row_id: int) -> Any:
    """A published row of a searchable list, or 404 (drafts are never public)."""
    entity = KIND_TO_ENTITY.get(kind)
    row = session.get(SEARCHABLE[entity][1], row_id) if entity and 0 < row_id <= MAX_ID else None
    if row is None or row.status != PUBLISHED:
        raise not_found(KIND_LABELS.get(kind, "事项"), row_id)
    return row


def warnings_of(kind: str, row: Any) -> list[Notice]:
    """What the item guide tells its reader besides the row (a 10-character 基本编码 …)."""
    return item_warnings(row) if kind == "service" else []


def counts(session: Session) -> dict[str, int]:
    """Published rows per list."""
    return {
        kind: session.scalar(select(func.count()).select_from(model).where(model.status == PUBLISHED)) or 0
        for kind, model in ((SEARCHABLE[e][0], SEARCHABLE[e][1]) for e in SEARCHABLE)
    }


def regions(session: Session) -> list[Region]:
    """Regions that have organizations (the districts whose figures mean something)."""
    with_orgs = select(Organization.region_id).distinct()
    return list(session.scalars(select(Region).where(Region.id.in_(with_orgs)).order_by(Region.code)))
