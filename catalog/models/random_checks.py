"""双随机、一公开: 抽查任务 (a batch: items, departments, scope, ratio, window), its draw and the
results per drawn target; 回避 declarations of inspectors.

A task is planned, then committed (a random seed is made and its SHA-256 published), then
drawn once: the directory snapshot, the draw parameters and the result are stored as the exact
canonical JSON text that was hashed, so the draw can be re-run and checked byte for byte
(catalog/services/draw_algorithm.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamped, UtcDateTime, Versioned, db
from .org import Organization
from .supervision import InspectionTarget, Inspector, RandomCheckItem

task_departments = Table(
    "random_check_task_departments",
    db.metadata,
    Column("task_id", ForeignKey("random_check_tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("organizations.id"), primary_key=True, index=True),
)
task_items = Table(
    "random_check_task_items",
    db.metadata,
    Column("task_id", ForeignKey("random_check_tasks.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "random_check_item_id", ForeignKey("random_check_items.id"), primary_key=True, index=True
    ),
)


class RandomCheckTask(Versioned, db.Model):
    """抽查任务: one batch of a year's 抽查工作计划."""

    __tablename__ = "random_check_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(
        String(40), unique=True
    )  # public task number, part of the draw key
    name: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer, index=True)
    batch: Mapped[str | None] = mapped_column(String(50))  # 批次
    initiating_department_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )  # 发起部门
    # Filters on the 检查对象名录库: region_id, township_ids, kinds, industries, abnormal,
    # serious_violation ("only" / "exclude"), credit_risks (schemas/random_checks.ScopeSchema).
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ratio_percent: Mapped[str | None] = mapped_column(String(6))  # 抽查比例, or
    sample_count: Mapped[int | None] = mapped_column(Integer)  # 抽查数量
    inspectors_per_department: Mapped[int] = mapped_column(Integer, default=2)
    window_start: Mapped[date] = mapped_column(Date)  # 检查时间
    window_end: Mapped[date] = mapped_column(Date)
    # Results are published within this many days of the check. 20 is 福建 2019's rule ("检查
    # 结束之日起20日内" — local practice; no national number was found).
    publish_within_days: Mapped[int] = mapped_column(Integer, default=20)
    state: Mapped[str] = mapped_column(
        String(12), default="planned", index=True
    )  # codes.TASK_STATES
    seed_commitment: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the seed, public
    committed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    seed: Mapped[str | None] = mapped_column(String(64))  # kept secret until the draw reveals it

    initiating_department: Mapped[Organization] = relationship(lazy="joined")
    cooperating_departments: Mapped[list[Organization]] = relationship(
        secondary=task_departments, lazy="selectin", order_by=Organization.id
    )
    items: Mapped[list[RandomCheckItem]] = relationship(
        secondary=task_items, lazy="selectin", order_by=RandomCheckItem.id
    )
    draw: Mapped[RandomDraw | None] = relationship(
        back_populates="task", lazy="select", uselist=False
    )
    drawn_targets: Mapped[list[DrawnTarget]] = relationship(
        back_populates="task", lazy="select", order_by="DrawnTarget.rank", viewonly=True
    )

    @property
    def joint(self) -> bool:
        """部门联合抽查: objects drawn once for several departments."""
        return bool(self.cooperating_departments)

    @property
    def department_ids(self) -> list[int]:
        return [self.initiating_department_id, *self.cooperating_department_ids]

    @property
    def cooperating_department_ids(self) -> list[int]:
        return [d.id for d in self.cooperating_departments]

    @property
    def item_ids(self) -> list[int]:
        return [i.id for i in self.items]


class RandomDraw(db.Model):
    """The draw of a task: what went in (parameters, snapshot, seed, witness) and what came out."""

    __tablename__ = "random_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("random_check_tasks.id"), unique=True)
    algorithm: Mapped[str] = mapped_column(String(30))
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime)
    draw_date: Mapped[date] = mapped_column(
        Date
    )  # China date of drawn_at: 执法证 validity is judged on it
    witness: Mapped[str] = mapped_column(Text, default="")  # 现场见证随机数, entered at the draw
    actor: Mapped[str] = mapped_column(String(200))
    parameters: Mapped[str] = mapped_column(Text)  # canonical JSON
    snapshot: Mapped[str] = mapped_column(Text)  # canonical JSON of the directory as drawn from
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)  # canonical JSON
    result_sha256: Mapped[str] = mapped_column(String(64))
    pool_size: Mapped[int] = mapped_column(Integer)  # 名录库相关对象数
    sample_size: Mapped[int] = mapped_column(Integer)  # 抽取对象数

    task: Mapped[RandomCheckTask] = relationship(back_populates="draw")


class DrawnTarget(Versioned, db.Model):
    """One drawn target of a task, and its 检查结果 and 处理情况 once recorded and published."""

    __tablename__ = "drawn_targets"
    __table_args__ = (UniqueConstraint("task_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("random_check_tasks.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("inspection_targets.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    target_key: Mapped[str] = mapped_column(String(400))
    target_name: Mapped[str] = mapped_column(String(300))  # as it stood at the draw
    checked_on: Mapped[date | None] = mapped_column(Date)  # 检查日期
    result: Mapped[str | None] = mapped_column(String(20))  # codes.CHECK_RESULTS
    handling: Mapped[str | None] = mapped_column(Text)  # 处理情况
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)  # 公示时间

    task: Mapped[RandomCheckTask] = relationship(back_populates="drawn_targets", lazy="joined")
    target: Mapped[InspectionTarget] = relationship(lazy="joined")


class InspectorConflict(Timestamped, db.Model):
    """回避申报: an inspector declares a conflict of interest with a target; never drawn for it."""

    __tablename__ = "inspector_conflicts"
    __table_args__ = (UniqueConstraint("inspector_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("inspection_targets.id"), index=True)
    department_id: Mapped[int] = mapped_column(
        Integer, index=True
    )  # the inspector's, for permissions
    reason: Mapped[str] = mapped_column(Text)
    declared_on: Mapped[date] = mapped_column(Date)

    inspector: Mapped[Inspector] = relationship(lazy="joined")
    target: Mapped[InspectionTarget] = relationship(lazy="joined")
