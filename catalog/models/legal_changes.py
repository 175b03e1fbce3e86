"""A legal basis's revision (修订) or abolition (废止), and the review it opens on each citing item.

When a basis changes, every 权责事项, 实施清单事项 and 监管事项 citing it must be found and
reviewed by its department (规范性文件清理: the 2020 report abolished 2 documents). A BasisReview
is that task. Whether it is still pending is not stored: it is pending while the item, not
cancelled, still cites the changed basis (catalog/services/legal_changes.py), so approving the
item's revision or cancelling the item closes it, through the workflow and its audit trail.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UtcDateTime, db, utcnow
from .legal import LegalBasis

CHANGE_KINDS = {"revise": "修订", "abolish": "废止"}


class LegalBasisChange(db.Model):
    """One decision that revised or abolished a basis: its 文号 and dates. Never edited."""

    __tablename__ = "legal_basis_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_basis_id: Mapped[int] = mapped_column(ForeignKey("legal_bases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # CHANGE_KINDS
    document_number: Mapped[str] = mapped_column(String(100))  # 文号 of the decision
    decided_on: Mapped[date] = mapped_column(Date)  # 决定（公布）日期
    effective_on: Mapped[date] = mapped_column(Date)  # the old text ceases to apply
    new_basis_id: Mapped[int | None] = mapped_column(
        ForeignKey("legal_bases.id")
    )  # 修订: the new version
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    legal_basis: Mapped[LegalBasis] = relationship(foreign_keys=[legal_basis_id], lazy="joined")
    new_basis: Mapped[LegalBasis | None] = relationship(foreign_keys=[new_basis_id], lazy="joined")
    reviews: Mapped[list[BasisReview]] = relationship(
        back_populates="change", order_by="BasisReview.id"
    )


class BasisReview(db.Model):
    """The review a change opened on one citing item, for the item's department."""

    __tablename__ = "basis_reviews"
    __table_args__ = (Index("ix_basis_reviews_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("legal_basis_changes.id"), index=True)
    entity_type: Mapped[str] = mapped_column(
        String(40)
    )  # power_item / service_item / supervision_item
    entity_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The revision opened for the department (修订: the citation moved to the new version), if any.
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    opened: Mapped[str] = mapped_column(String(20))  # revision / review
    note: Mapped[str] = mapped_column(Text)  # what the department is asked to do

    change: Mapped[LegalBasisChange] = relationship(back_populates="reviews")
