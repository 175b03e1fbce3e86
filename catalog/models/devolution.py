"""下放镇（街）实施的行政职权事项目录: powers handed from district departments to townships."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ListRow, Versioned, db
from .elements import HasElements
from .org import Organization

devolved_item_receivers = Table(
    "devolved_item_receivers",
    db.metadata,
    Column(
        "devolved_item_id", ForeignKey("devolved_items.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("township_id", ForeignKey("organizations.id"), primary_key=True, index=True),
)


class DevolutionBatch(Versioned, db.Model):
    """One 公告/决定 that devolves a batch of powers."""

    __tablename__ = "devolution_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    document_number: Mapped[str | None] = mapped_column(String(100), unique=True)  # 文号
    issuer: Mapped[str | None] = mapped_column(String(200))
    batch_number: Mapped[str | None] = mapped_column(String(50))
    list_kind: Mapped[str | None] = mapped_column(
        String(20)
    )  # 通用目录 / 指导目录 / 具体清单 / 收回
    published_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)


class DevolvedItem(HasElements, ListRow, db.Model):
    __tablename__ = "devolved_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("devolution_batches.id"), index=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    power_item_id: Mapped[int | None] = mapped_column(ForeignKey("power_items.id"), index=True)
    from_department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16), index=True)  # codes.DEVOLUTION_MODES
    entrusting_department_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    devolution_status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    effective_on: Mapped[date | None] = mapped_column(Date)
    entrusted_until: Mapped[date | None] = mapped_column(Date)
    scope_limit: Mapped[str | None] = mapped_column(Text)  # 范围限制 / 备注
    retained_cases: Mapped[str | None] = mapped_column(Text)  # 保留事项
    attached_powers: Mapped[str | None] = mapped_column(Text)  # 随附的检查、强制措施

    batch: Mapped[DevolutionBatch] = relationship(lazy="joined")
    from_department: Mapped[Organization] = relationship(
        foreign_keys=[from_department_id], lazy="joined"
    )
    receivers: Mapped[list[Organization]] = relationship(
        secondary=devolved_item_receivers, lazy="selectin", order_by="Organization.id"
    )

    @property
    def receiver_ids(self) -> list[int]:
        return [township.id for township in self.receivers]
