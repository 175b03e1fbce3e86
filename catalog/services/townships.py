"""按镇街办事: what a citizen can apply for at a township or street, and where.

A township's items are the powers devolved to it (下放镇街事项目录) and its own 实施清单 rows
(service items whose township is it), less the powers exercised *on* citizens rather than
applied for by them: 行政处罚, 行政强制 and 行政检查. A devolved power's guide is the published
service item of the same power, the township's own first. The 便民服务中心's address, hours
and phone are those the township's own service items give; a township without them shows
未填报 (unknown is not "none").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from ..models import DevolvedItem, Organization, PowerItem, Region, ServiceItem
from ..models.codes import DEVOLUTION_MODES, ITEM_TYPES, PUBLISHED
from ..models.devolution import devolved_item_receivers
from ..schemas.fields import MAX_ID
from .crud import paged
from .errors import not_found
from .permissions import use_case
from .rules import TOWNSHIP_KINDS

NOT_APPLIED_FOR = ("02", "03", "06")  # 处罚, 强制, 检查: done to citizens, not asked for
UNKNOWN = "未填报"
PER_PAGE = 100
CENTRE_SAMPLE = 200


@dataclass(frozen=True)
class Centre:
    """The township's 便民服务中心 as its service items give it (None: 未填报)."""

    place: str | None
    office_hours: str | None
    phone: str | None


@dataclass
class Entry:
    kind: str  # "devolved" or "service": which item page the name links to
    id: int
    name: str
    item_type: str | None
    department: str
    mode: str | None = None  # 下放 / 委托 … for a devolved power
    guide_id: int | None = None  # the service item whose guide tells how to apply

    @property
    def type_label(self) -> str:
        return ITEM_TYPES.get(self.item_type or "", UNKNOWN)


@dataclass
class Group:
    label: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class TownshipPage:
    township: Organization
    centre: Centre
    groups: list[Group]
    total: int
    page: int
    pages: int


def _applicable(item_type: Any) -> Any:
    return or_(item_type.is_(None), item_type.not_in(NOT_APPLIED_FOR))


def _devolved(township_ids: Any) -> Select[*tuple[Any, ...]]:
    """Published, not revoked devolved powers received by the townships, with their type."""
    receivers = devolved_item_receivers
    return (
        select(
            literal("devolved").label("kind"),
            DevolvedItem.id,
            DevolvedItem.name,
            PowerItem.power_type_code.label("item_type"),
            DevolvedItem.from_department_id.label("department_id"),
            DevolvedItem.mode,
            DevolvedItem.power_item_id,
            receivers.c.township_id,
        )
        .join(receivers, receivers.c.devolved_item_id == DevolvedItem.id)
        .outerjoin(PowerItem, PowerItem.id == DevolvedItem.power_item_id)
        .where(
            receivers.c.township_id.in_(township_ids),
            DevolvedItem.status == PUBLISHED,
            DevolvedItem.devolution_status != "revoked",
            _applicable(PowerItem.power_type_code),
        )
    )


def _own_services(township_ids: Any) -> Select[*tuple[Any, ...]]:
    return select(
        literal("service").label("kind"),
        ServiceItem.id,
        ServiceItem.name,
        ServiceItem.item_type,
        ServiceItem.department_id,
        literal(None).label("mode"),
        ServiceItem.power_item_id,
        ServiceItem.township_id,
    ).where(
        ServiceItem.township_id.in_(township_ids),
        ServiceItem.status == PUBLISHED,
        _applicable(ServiceItem.item_type),
    )


def _townships_query(region_id: int | None = None) -> Select[Organization]:
    query = select(Organization).where(Organization.kind.in_(TOWNSHIP_KINDS))
    return query if region_id is None else query.where(Organization.region_id == region_id)


@use_case("public")  # published rows and figures, as public as the API's
def townships(session: Session) -> list[dict[str, Any]]:
    """Every township and street, by region, with how many items a citizen can apply for there."""
    rows = list(
        session.scalars(_townships_query().order_by(Organization.region_id, Organization.id))
    )
    ids = [row.id for row in rows]
    counts: Counter[int] = Counter()
    for query in (_devolved(ids), _own_services(ids)):
        found = query.subquery()
        counts.update(
            dict(
                session.execute(
                    select(found.c.township_id, func.count()).group_by(found.c.township_id)
                ).all()
            )
        )
    regions = {
        r.id: r
        for r in session.scalars(select(Region).where(Region.id.in_({r.region_id for r in rows})))
    }
    result: list[dict[str, Any]] = []
    for row in rows:
        if not result or result[-1]["region"].id != row.region_id:
            result.append({"region": regions[row.region_id], "townships": []})
        result[-1]["townships"].append({"township": row, "applicable": counts[row.id]})
    return result


@use_case("public")  # published rows and figures, as public as the API's
def township_page(session: Session, township_id: int, page: int = 1) -> TownshipPage:
    """One township's items, grouped by type, a page at a time, with its service centre."""
    township = session.get(Organization, township_id) if 0 < township_id <= MAX_ID else None
    if township is None or township.kind not in TOWNSHIP_KINDS:
        raise not_found("镇街", township_id)
    items = union_all(_devolved([township_id]), _own_services([township_id])).subquery()
    total = session.scalar(select(func.count()).select_from(items)) or 0
    page, pages, offset = paged(total, page, PER_PAGE)
    department = aliased(Organization)
    rows = session.execute(
        select(items, department.name.label("department"))
        .join(department, department.id == items.c.department_id)
        .order_by(
            items.c.item_type.is_(None), items.c.item_type, items.c.name, items.c.kind, items.c.id
        )
        .limit(PER_PAGE)
        .offset(offset)
    ).all()
    guides = _guides(
        session,
        township_id,
        {r.power_item_id for r in rows if r.kind == "devolved" and r.power_item_id},
    )
    groups: list[Group] = []
    for r in rows:
        entry = Entry(
            r.kind,
            r.id,
            r.name,
            r.item_type,
            r.department,
            DEVOLUTION_MODES.get(r.mode or ""),
            r.id if r.kind == "service" else guides.get(r.power_item_id),
        )
        if not groups or groups[-1].label != entry.type_label:
            groups.append(Group(entry.type_label))
        groups[-1].entries.append(entry)
    return TownshipPage(township, centre(session, township_id), groups, total, page, pages)


def _guides(session: Session, township_id: int, power_ids: set[int]) -> dict[int, int]:
    """For each power, the published service item whose guide to show: the township's own
    row first, then the department's (the lowest id, so the choice is stable)."""
    if not power_ids:
        return {}
    query = (
        select(ServiceItem.power_item_id, ServiceItem.id)
        .where(ServiceItem.power_item_id.in_(power_ids), ServiceItem.status == PUBLISHED)
        .order_by(
            ServiceItem.power_item_id,
            (ServiceItem.township_id == township_id).desc(),
            ServiceItem.id,
        )
    )
    chosen: dict[int, int] = {}
    for power_id, item_id in session.execute(query):
        chosen.setdefault(cast(int, power_id), item_id)  # in power_ids: never NULL
    return chosen


def centre(session: Session, township_id: int) -> Centre:
    """The most common place, hours and phone among the township's newest published service
    items (CENTRE_SAMPLE of them: the centre's current details, read in one bounded query
    whatever the township's thousands of items)."""
    rows = session.execute(
        select(ServiceItem.place, ServiceItem.office_hours, ServiceItem.consult_phone)
        .where(ServiceItem.township_id == township_id, ServiceItem.status == PUBLISHED)
        .order_by(ServiceItem.id.desc())
        .limit(CENTRE_SAMPLE)
    ).all()
    return (
        Centre(*(_most_common(column) for column in zip(*rows, strict=True)))
        if rows
        else Centre(None, None, None)
    )


def _most_common(values: tuple[str | None, ...]) -> str | None:
    """The most frequent given value; among equals the first in order, so the choice is stable."""
    counts = Counter(v for v in values if v and v.strip())
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


@use_case("public")  # published rows and figures, as public as the API's
def guide_of(session: Session, item: DevolvedItem) -> ServiceItem | None:
    """The service item whose guide a devolved power's page links to (its receivers' own row
    first, then the department's)."""
    if item.power_item_id is None:
        return None
    receivers = [t.id for t in item.receivers]
    return session.scalars(
        select(ServiceItem)
        .where(ServiceItem.power_item_id == item.power_item_id, ServiceItem.status == PUBLISHED)
        .order_by(
            and_(
                ServiceItem.township_id.is_not(None), ServiceItem.township_id.in_(receivers)
            ).desc(),
            ServiceItem.id,
        )
        .limit(1)
    ).first()
