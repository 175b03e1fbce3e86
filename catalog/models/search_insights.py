"""What citizens searched for and could not find, and the synonyms administrators add."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import UtcDateTime, db, utcnow


class SearchQueryLog(db.Model):
    """One citizen query that found nothing or only relaxed results.

    Only the text, the moment and the count are kept: no address, no user, no session, so
    the log tells departments what citizens miss without telling anyone who searched.
    """

    __tablename__ = "search_query_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200), index=True)
    outcome: Mapped[str] = mapped_column(String(10))  # zero / relaxed
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class SearchSynonym(db.Model):
    """A synonym rule an administrator added in the console (synonyms.txt format, one line).

    Applied at query time: the next search after the change uses it, with no deploy and no
    reindex (catalog.services.search_synonyms).
    """

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
