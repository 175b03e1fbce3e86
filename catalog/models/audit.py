"""History of every change to a list row, and the search outbox written with it.

A ChangeRecord keeps the row as it was before and after each change. The latest record at or
before a date gives the row as of that date, which is how figures are recomputed for the past.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, Connection, Index, Integer, String, Text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import UtcDateTime, db, utcnow

# JSONB on PostgreSQL: figures as of a date read a dozen keys of every snapshot, and JSONB is
# parsed once when written instead of at every read.
Snapshot = JSON().with_variant(JSONB(), "postgresql")


class ChangeRecord(db.Model):
    """One change to a row: who, through which session or token, when, and the row before and
    after. Append-only: the database refuses UPDATE and DELETE (triggers in migration 0007).

    Snapshots are never pruned: a list is an official act, and its history is the record. A
    row's snapshot is 1–5 KB, so a district's ~10,000 edits a year add ~50 MB a year.
    """

    __tablename__ = "change_records"
    __table_args__ = (
        Index("ix_change_records_entity", "entity_type", "entity_id", "changed_at"),
        Index("ix_change_records_department", "department_id", "changed_at"),
        Index("ix_change_records_actor", "actor", "changed_at"),
        # the audit page filters by action and pages newest first (migration 0014)
        Index("ix_change_records_action", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    # create / update / delete, or a workflow step: submit, approve, reject, suspend, …
    action: Mapped[str] = mapped_column(String(10))
    version: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200), default="system")
    source: Mapped[str] = mapped_column(
        String(40), default="api"
    )  # api / web / cli / seed / import
    # "session:<id>" or "token:<id>": the sign-in the change came through.
    credential: Mapped[str | None] = mapped_column(String(60))
    department_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)  # a rejection's or suspension's reason
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(Snapshot)
    after: Mapped[dict[str, Any] | None] = mapped_column(Snapshot)


class SearchOutbox(db.Model):
    """A change the search index has yet to take; written in the same transaction as the change."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


class CatalogGeneration(db.Model):
    """One row whose token every commit that records a change replaces, in that commit: what a
    process derives from the whole catalog is kept per token (the did-you-mean vocabulary; the
    figures keep each department's share under DepartmentGeneration). A random token, not a count: a
    database made anew (a test's, a restore's) never shows a token that stood for other data,
    and a restored dump brings back its own token with its own data."""

    __tablename__ = "catalog_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))


THE_GENERATION = 1  # CatalogGeneration's only row


class DepartmentGeneration(db.Model):
    """The tokens of one department's counted rows, replaced with the catalog's by every commit
    that records a change to a row a figure counts under that department (the department before
    and after the change): the figures keep each department's share of a grouped scan under its
    token (catalog.services.figure_cache), so a change rescans one department, not 100,000
    items. :data:`EVERY_DEPARTMENT`'s tokens are replaced by a change no department holds alone
    (机构, which departments a region has; a rebuild of the facts): every share is read again.

    ``history_token`` is replaced only by a commit that dates a change in the past (a seed
    standing for a past moment, history loaded in bulk): a change dated now cannot alter what
    the rows were at a moment already past, so the shares of a figure as of a settled moment are
    kept under it (figure_cache.SETTLED)."""

    __tablename__ = "department_generations"

    department_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    history_token: Mapped[str] = mapped_column(String(32))


EVERY_DEPARTMENT = 0  # department ids start at 1


def new_generation(
    connection: Connection,
    departments: Iterable[int] = (EVERY_DEPARTMENT,),
    *,
    back_dated: bool = True,
) -> None:
    """Replace the catalog's token, and the tokens of ``departments``, whose counted rows have
    changed in this transaction; their history tokens too when a change is ``back_dated``."""
    connection.execute(
        update(CatalogGeneration)
        .where(CatalogGeneration.id == THE_GENERATION)
        .values(token=uuid4().hex)
    )
    rows = [
        {"department_id": d, "token": uuid4().hex, "history_token": uuid4().hex}
        for d in sorted(departments)
    ]
    if rows:  # in one order in every writer: two never wait for each other's rows in turn
        upsert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(
            DepartmentGeneration
        )
        replaced = {"token": upsert.excluded.token}
        if back_dated:
            replaced["history_token"] = upsert.excluded.history_token
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=[DepartmentGeneration.department_id], set_=replaced
            ),
            rows,
        )
