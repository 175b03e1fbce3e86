"""Twins: one item in two lists, shown to citizens as one search hit.

A service item (政务服务事项) and a 权责 item are twins when they have the same name (the
权责 item without a 子项) and either the service item points to it (power_item_id) or both
belong to the same department. A service item that points to a 权责 item of another name is
not its twin: several services (核发, 变更, 注销) often implement one 权责 item, and merging them
would hide services.

The service item's search document is the hit: it names its twin and its list, and carries
the twin's legal basis and responsibilities as searchable text; the twin's own document is
marked merged and never shown as a hit (search.query filters it out). Because each document
depends on its twin, a change to one queues the other too (:func:`partners`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from ..models import PowerItem, ServiceItem
from ..models.codes import PUBLISHED


def _pairs(service: type[ServiceItem], power: type[PowerItem]) -> ColumnElement[bool]:
    return and_(
        power.name == service.name,
        power.sub_item_name.is_(None),
        or_(service.power_item_id == power.id, service.department_id == power.department_id),
    )


def twin_power_id() -> Any:
    """Correlated subquery: the published 权责 twin of the service row being selected."""
    return _published_twin(PowerItem, of=ServiceItem)


def twin_service_id() -> Any:
    """Correlated subquery: the published service item the 权责 row being selected is merged into."""
    return _published_twin(ServiceItem, of=PowerItem)


def _published_twin(model: type[PowerItem | ServiceItem], of: type[PowerItem | ServiceItem]) -> Any:
    return (
        select(func.min(model.id))
        .where(model.status == PUBLISHED, _pairs(ServiceItem, PowerItem))
        .correlate(of)
        .scalar_subquery()
    )


def partners(
    session: Session,
    entity_type: str,
    entity_id: int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> set[tuple[str, int]]:
    """Rows whose search document may change with this change of a service or 权责 row:
    its twins before and after (name, department, link and status may all have changed).
    Only a published row is anyone's twin, so a change between unpublished states (a draft
    edited, an import of drafts) touches no other document and costs no query."""
    found: set[tuple[str, int]] = set()
    for snapshot in (before, after):
        if not snapshot or not snapshot.get("name") or snapshot.get("status") != PUBLISHED:
            continue
        if entity_type == "service_item":
            query = select(PowerItem.id).where(
                PowerItem.name == snapshot["name"],
                PowerItem.sub_item_name.is_(None),
                or_(
                    PowerItem.id == snapshot.get("power_item_id"),
                    PowerItem.department_id == snapshot.get("department_id"),
                ),
            )
            found |= {("power_item", row_id) for row_id in session.scalars(query)}
        elif entity_type == "power_item" and not snapshot.get("sub_item_name"):
            query = select(ServiceItem.id).where(
                ServiceItem.name == snapshot["name"],
                or_(
                    ServiceItem.power_item_id == entity_id,
                    ServiceItem.department_id == snapshot.get("department_id"),
                ),
            )
            found |= {("service_item", row_id) for row_id in session.scalars(query)}
    return found
