"""A pending change to a published row: the 修订稿 that waits for review.

Editing a published row never touches it: the change is kept here, and the published row
stays public until a reviewer approves the revision, which then applies it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UtcDateTime, Versioned, db

# A row has at most one open revision at a time.
OPEN_REVISION_STATES = ("draft", "submitted", "rejected")


class Revision(Versioned, db.Model):
    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_entity", "entity_type", "entity_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # The fields to change, as JSON the list's schema loads again when the revision is applied.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    base_version: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    reviewer: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
