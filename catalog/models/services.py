"""政务服务事项实施清单: what a department actually delivers, and 一件事 bundles."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ListRow, db
from .codes import CASE_TYPE_INSTANT
from .elements import HasElements
from .legal import CitesLegalBases, LegalBasis, citation_table
from .org import Organization

service_item_citations = citation_table("service_items")


# 即办件 and 零跑动, each stated once. Given a row (an item, a result row) they answer in Python;
# given a table's columns (ServiceItem, or a subquery's ``.c`` such as the figure facts) they
# are the SQL clause. Unknown stays unknown both ways: None in Python, and in SQL
# ``case_type = '1'`` is NULL where case_type is NULL, so neither the clause nor its negation
# picks up an item whose 办件类型 is 未填报.
def is_instant(item: Any) -> Any:
    """即办件: decided on the spot (办件类型 1); None while the 办件类型 is 未填报."""
    return None if item.case_type is None else item.case_type == CASE_TYPE_INSTANT


def is_zero_visit(item: Any) -> Any:
    """零跑动: no visit to the office (到办事现场次数 0); None while the number is 未填报."""
    return None if item.onsite_visits is None else item.onsite_visits == 0


class ServiceItem(HasElements, CitesLegalBases, ListRow, db.Model):
    __tablename__ = "service_items"
    __table_args__ = (  # migration 0004: list sorting, and the filter pairs the list counts
        Index("ix_service_items_updated_at", "updated_at"),
        Index("ix_service_items_department_id_updated_at", "department_id", "updated_at"),
        Index("ix_service_items_department_id_case_type", "department_id", "case_type"),
        Index("ix_service_items_status_item_type", "status", "item_type"),
        Index("ix_service_items_status_id", "status", "id"),
        # migration 0008: the public reads published rows only, so its lists lead with status
        Index("ix_service_items_status_updated_at", "status", "updated_at"),
        Index("ix_service_items_status_name", "status", "name"),
        Index(
            "ix_service_items_status_department_id_updated_at",
            "status",
            "department_id",
            "updated_at",
        ),
        Index(
            "ix_service_items_status_department_id_case_type",
            "status",
            "department_id",
            "case_type",
        ),
        # migration 0016: a department's rows newest first (the console's deep pages on PostgreSQL)
        Index("ix_service_items_department_id_id", "department_id", "id"),
        # migration 0015: a township's page and counts read its published rows from the index alone
        Index(
            "ix_service_items_township_page",
            "township_id",
            "status",
            "item_type",
            "name",
            "department_id",
            "power_item_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)  # 日常用语
    catalog_code: Mapped[str | None] = mapped_column(String(12), index=True)  # 基本编码
    implementation_code: Mapped[str | None] = mapped_column(String(31), unique=True)  # 实施编码
    local_code: Mapped[str | None] = mapped_column(String(80))  # a province's own item code
    handle_item_code: Mapped[str | None] = mapped_column(String(50))  # 业务办理项编码
    item_type: Mapped[str] = mapped_column(String(2), index=True)  # A.1
    exercise_level: Mapped[str] = mapped_column(String(1), default="4")  # A.2
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    body_nature: Mapped[str | None] = mapped_column(String(1))  # A.3
    power_source: Mapped[str | None] = mapped_column(String(1))  # 权力来源
    entrusting_department: Mapped[str | None] = mapped_column(String(200))  # 委托部门
    handling_unit: Mapped[str | None] = mapped_column(String(200))  # 承办机构
    joint_departments: Mapped[str | None] = mapped_column(String(500))
    power_item_id: Mapped[int | None] = mapped_column(ForeignKey("power_items.id"), index=True)
    # Every element a source can leave out is NULL when it did (未填报), never a default that
    # reads as a fact (migration 0010). 法定 and 承诺 time limits: a number in a unit
    # (codes.TIME_UNITS); 无期限, a fact, is ``*_no_limit``; neither is 未填报.
    legal_time_limit: Mapped[int | None] = mapped_column(Integer)
    legal_time_unit: Mapped[str | None] = mapped_column(String(1))
    legal_no_limit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    promised_time_limit: Mapped[int | None] = mapped_column(Integer)
    promised_time_unit: Mapped[str | None] = mapped_column(String(1))
    promised_no_limit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    case_type: Mapped[str | None] = mapped_column(String(1), index=True)  # A.6 办件类型: 1 即办件
    onsite_visits: Mapped[int | None] = mapped_column(Integer, index=True)  # 到办事现场次数
    onsite_reason: Mapped[str | None] = mapped_column(Text)  # 必须现场办理原因
    is_charged: Mapped[bool | None] = mapped_column(Boolean)
    charge_basis: Mapped[str | None] = mapped_column(Text)
    acceptance_conditions: Mapped[str | None] = mapped_column(Text)
    process: Mapped[str | None] = mapped_column(Text)
    service_objects: Mapped[list[str] | None] = mapped_column(JSON)  # A.4 codes
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str] | None] = mapped_column(JSON)  # A.5 codes
    service_scope: Mapped[str | None] = mapped_column(String(1))  # 通办范围
    online_url: Mapped[str | None] = mapped_column(String(500))
    mobile_url: Mapped[str | None] = mapped_column(String(500))
    place: Mapped[str | None] = mapped_column(Text)
    office_hours: Mapped[str | None] = mapped_column(Text)  # 办理时间
    consult_phone: Mapped[str | None] = mapped_column(String(50))
    supervision_phone: Mapped[str | None] = mapped_column(String(50))
    # 结果名称 (the 证照 or 批文 the applicant receives) and a link to its 结果样本: the national
    # exchange (up_task_general_extend: result_name, result_guid) leaves both optional.
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_sample_url: Mapped[str | None] = mapped_column(String(500))
    effective_on: Mapped[date | None] = mapped_column(Date)
    # Derived from the materials when they are set (service_items.set_materials), stored so
    # the figures count them without a subquery per item.
    e_license_linked: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )  # 电子证照事项
    license_free: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )  # 免证办
    # An empty materials list is a fact (无需提交材料) only when the source stated it.
    materials_known: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    instant = hybrid_property(is_instant)
    zero_visit = hybrid_property(is_zero_visit)

    department: Mapped[Organization] = relationship(foreign_keys=[department_id], lazy="joined")
    township: Mapped[Organization | None] = relationship(foreign_keys=[township_id])
    materials: Mapped[list[Material]] = relationship(
        back_populates="service_item",
        cascade="all, delete-orphan",
        order_by="Material.position",
        lazy="selectin",
    )
    fees: Mapped[list[FeeItem]] = relationship(
        cascade="all, delete-orphan", order_by="FeeItem.position", lazy="selectin"
    )
    legal_bases: Mapped[list[LegalBasis]] = relationship(
        secondary=service_item_citations, lazy="selectin"
    )
    faqs: Mapped[list[Faq]] = relationship(
        cascade="all, delete-orphan", order_by="Faq.position", lazy="selectin"
    )


class ServiceItemPart:
    """A row of a service item's own (a material, a fee, a question), kept in the item's order
    and deleted with it."""

    # sort_order keeps these columns first, where the migrations created them (a mixin's
    # columns otherwise come after the class's own).
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_items.id", ondelete="CASCADE"), index=True, sort_order=-1
    )
    position: Mapped[int] = mapped_column(Integer, default=0, sort_order=-1)


class Material(ServiceItemPart, db.Model):
    """申请材料, with its 电子证照 link and 免提交 flag."""

    __tablename__ = "materials"

    code: Mapped[str | None] = mapped_column(String(50))  # 实施编码 + 3-digit sequence
    name: Mapped[str] = mapped_column(String(300))
    material_type: Mapped[str | None] = mapped_column(String(20))  # 原件 / 复印件
    material_form: Mapped[str | None] = mapped_column(String(20))  # 纸质 / 电子化
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    copies: Mapped[int | None] = mapped_column(Integer)
    source_channel: Mapped[str | None] = mapped_column(String(200))
    e_license_name: Mapped[str | None] = mapped_column(String(200))  # 已关联电子证照
    e_license_code: Mapped[str | None] = mapped_column(String(100))
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)  # 免提交
    note: Mapped[str | None] = mapped_column(Text)
    blank_form_url: Mapped[str | None] = mapped_column(String(500))  # 空白表格
    sample_form_url: Mapped[str | None] = mapped_column(String(500))  # 示例样表

    service_item: Mapped[ServiceItem] = relationship(back_populates="materials")


class FeeItem(ServiceItemPart, db.Model):
    """收费项目."""

    __tablename__ = "fee_items"

    name: Mapped[str] = mapped_column(String(200))
    standard: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)
    reducible: Mapped[bool] = mapped_column(Boolean, default=False)


class Faq(ServiceItemPart, db.Model):
    """常见问题: a question citizens ask about the item, with the department's answer."""

    __tablename__ = "service_item_faqs"

    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)


class Bundle(ListRow, db.Model):
    """一件事: several service items delivered as one."""

    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    lifecycle: Mapped[str | None] = mapped_column(String(20))  # 经营主体 / 个人
    stage: Mapped[str | None] = mapped_column(String(50))
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    promised_time_limit: Mapped[int | None] = mapped_column(Integer)
    onsite_visits: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)

    lead_department: Mapped[Organization] = relationship(lazy="joined")
    members: Mapped[list[BundleMember]] = relationship(
        cascade="all, delete-orphan", order_by="BundleMember.position", lazy="selectin"
    )

    @property
    def member_ids(self) -> list[int]:
        return [member.service_item_id for member in self.members]


class BundleMember(db.Model):
    __tablename__ = "bundle_members"

    bundle_id: Mapped[int] = mapped_column(
        ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True
    )
    service_item_id: Mapped[int] = mapped_column(
        ForeignKey("service_items.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
