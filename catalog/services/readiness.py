"""Whether this process can serve: its database, its search engine, and how far the index lags.

Checked at most once per HEALTH_CACHE_SECONDS per process (a load balancer, Prometheus and
people all asking cost one check), so a health request stays cheaper than a search.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from search.engines.base import EngineHealth, SearchEngine

from ..database import rollback_quietly
from . import search_outbox


@dataclass(frozen=True)
class Readiness:
    database_problem: str | None  # None: the database answered
    search: EngineHealth
    lag: dict[str, Any] | None  # search_outbox.outbox_lag, None when the database did not answer
    lag_limit_seconds: float
    checked_at: float  # time.monotonic()

    @property
    def ready(self) -> bool:
        """Can serve pages, figures and searches (an indexer that lags does not stop that)."""
        return self.database_problem is None and self.search.ok

    @property
    def status(self) -> str:
        if not self.ready:
            return "unready"
        return (
            "degraded"
            if self.lag and self.lag["oldest_seconds"] > self.lag_limit_seconds
            else "ready"
        )


def check(session: Session, engine: SearchEngine, lag_limit_seconds: float) -> Readiness:
    """One check: the outbox query doubles as the database's."""
    try:
        lag, problem = search_outbox.outbox_lag(session), None
    except SQLAlchemyError as error:
        rollback_quietly(session)
        lag, problem = None, f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    return Readiness(problem, engine.health(), lag, lag_limit_seconds, time.monotonic())


class ReadinessCache:
    """The last check of this process, redone when older than ``seconds``; one check at a time,
    so a burst of health requests waits for one check rather than each making its own."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._last: Readiness | None = None

    def get(self, run_check: Callable[[], Readiness]) -> Readiness:
        with self._lock:
            last = self._last
            if last is None or time.monotonic() - last.checked_at >= self.seconds:
                last = self._last = run_check()
            return last
