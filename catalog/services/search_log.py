"""The log of citizen queries that found nothing or only relaxed results.

Kept so departments learn what citizens look for in their own words and cannot find, and
add items, aliases or synonyms for it. Privacy: the query text, the moment and the result
count only (no address, no user, no session); entries older than SEARCH_LOG_RETENTION_DAYS
are deleted by ``flask search purge-log`` (run it daily).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from search.citizen import CitizenAnswer

from ..models import SearchQueryLog
from .mapped import rows_changed
from .permissions import Actor, authorize, use_case
from .tabular_files import Exported, Table, exported

ZERO, RELAXED = "zero", "relaxed"
OUTCOME_LABELS = {ZERO: "无结果", RELAXED: "放宽后有结果"}
EXPORT_HEADERS = ["时间（UTC）", "搜索词", "结果", "结果数"]


def record(session: Session, text: str, answer: CitizenAnswer) -> None:
    """Log the query if it found nothing or only relaxed results (committed at once)."""
    if not text or not (answer.zero_result or answer.relaxed):
        return
    outcome = ZERO if answer.zero_result else RELAXED
    session.add(SearchQueryLog(query=text[:200], outcome=outcome, result_count=answer.result.total))
    session.commit()


@dataclass(frozen=True)
class LoggedQuery:
    query: str
    times: int
    zero: int
    last_seen: datetime


@use_case("search.insights")
def summary(session: Session, actor: Actor, days: int, limit: int = 200) -> list[LoggedQuery]:
    """Queries of the last ``days`` days, the most frequent first."""
    authorize(actor, "search.insights")
    since = datetime.now(UTC) - timedelta(days=days)
    zero = func.sum(case((SearchQueryLog.outcome == ZERO, 1), else_=0))
    query = (
        select(SearchQueryLog.query, func.count(), zero, func.max(SearchQueryLog.created_at))
        .where(SearchQueryLog.created_at >= since)
        .group_by(SearchQueryLog.query)
        .order_by(func.count().desc(), SearchQueryLog.query)
        .limit(limit)
    )
    return [LoggedQuery(q, n, int(z or 0), last) for q, n, z, last in session.execute(query)]


@use_case("search.insights")
def export_log(session: Session, actor: Actor, args: Mapping[str, Any]) -> Exported:
    """Every logged query of the last ``days`` days, oldest first, as xlsx or CSV."""
    authorize(actor, "search.insights")
    since = datetime.now(UTC) - timedelta(days=args["days"])

    def rows() -> Iterator[list[Any]]:
        query = (
            select(SearchQueryLog)
            .where(SearchQueryLog.created_at >= since)
            .order_by(SearchQueryLog.id)
            .execution_options(yield_per=1000)
        )
        for entry in session.scalars(query):
            label = OUTCOME_LABELS.get(entry.outcome, entry.outcome)
            yield [entry.created_at.replace(tzinfo=None), entry.query, label, entry.result_count]

    name = f"未找到的搜索-{date.today():%Y%m%d}"
    return exported(name, args.get("format") or "xlsx", [Table("搜索日志", EXPORT_HEADERS, rows())])


def purge(session: Session, retention_days: int) -> int:
    """Delete entries older than the retention period; return how many went."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    deleted = rows_changed(
        session, delete(SearchQueryLog).where(SearchQueryLog.created_at < cutoff)
    )
    session.commit()
    return int(deleted or 0)
