"""The citizen's search page: the engine's answer, the key facts of its service hits and the
districts a search can be narrowed to.

The facts a citizen acts on (即办件 or 承诺时限, 跑动次数, 在线可办) are read for the page's
service hits in one query by primary key, so a page costs the same at 100,000 items as at 1,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from search.citizen import CitizenAnswer
from search.engines.base import SearchEngine
from search.query import Hit

from ..models import ServiceItem
from ..models.services import is_instant, is_zero_visit
from ..schemas.fields import MAX_ID
from . import citizen_search, public_items
from .permissions import use_case

ONLINE_CHANNELS = {"2", "3"}  # 电脑端网上办理, 移动端网上申请 (codes.CHANNELS)


@dataclass(frozen=True)
class ServiceFacts:
    """What a service hit tells before it is opened; None is 未填报, never 0."""

    instant: bool | None
    promised_time_limit: int | None
    promised_time_unit: str | None
    promised_no_limit: bool
    onsite_visits: int | None
    zero_visit: bool | None
    online: bool


@dataclass(frozen=True)
class SearchPage:
    found: CitizenAnswer
    facts: Mapping[str, ServiceFacts] = field(default_factory=dict)  # by hit id
    regions: list[str] = field(default_factory=list)  # offered only when there are several


@use_case("public")  # published rows and figures, as public as the API's
def search_page(
    session: Session,
    engine: SearchEngine,
    args: Mapping[str, Any],
    cache: citizen_search.AnswerCache | None = None,
) -> SearchPage:
    """The answer to a citizen's search, with its service hits' facts and the regions."""
    found = citizen_search.search_items(session, engine, args, cache=cache)
    regions = [region.name for region in public_items.regions(session)]
    return SearchPage(
        found,
        service_facts(session, [*found.result.hits, *found.popular]),
        regions if len(regions) > 1 else [],
    )


def service_facts(session: Session, hits: Iterable[Hit]) -> dict[str, ServiceFacts]:
    """The facts of the service hits among ``hits``, in one query."""
    ids = {int(hit.id.split(":", 1)[1]): hit.id for hit in hits if hit.kind == "service"}
    ids = {row_id: hit_id for row_id, hit_id in ids.items() if 0 < row_id <= MAX_ID}
    if not ids:
        return {}
    rows = session.execute(
        select(
            ServiceItem.id,
            ServiceItem.case_type,
            ServiceItem.promised_time_limit,
            ServiceItem.promised_time_unit,
            ServiceItem.promised_no_limit,
            ServiceItem.onsite_visits,
            ServiceItem.online_url,
            ServiceItem.mobile_url,
            ServiceItem.channels,
        ).where(ServiceItem.id.in_(ids))
    )
    return {ids[row.id]: _facts(row) for row in rows}


def _facts(row: Any) -> ServiceFacts:
    return ServiceFacts(
        instant=is_instant(row),
        promised_time_limit=row.promised_time_limit,
        promised_time_unit=row.promised_time_unit,
        promised_no_limit=bool(row.promised_no_limit),
        onsite_visits=row.onsite_visits,
        zero_visit=is_zero_visit(row),
        online=bool(row.online_url or row.mobile_url or ONLINE_CHANNELS & set(row.channels or ())),
    )
