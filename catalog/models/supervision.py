"""互联网+监管: 监管事项 and 检查实施清单; 双随机一公开 items and directories."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ListRow, Versioned, db
from .elements import HasElements
from .legal import CitesLegalBases, LegalBasis, citation_table
from .org import Organization

supervision_item_citations = citation_table("supervision_items")


class SupervisionItem(HasElements, CitesLegalBases, ListRow, db.Model):
    """A 监管事项 (主项 or 子项) of the 监管事项目录清单."""

    __tablename__ = "supervision_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(14), unique=True)  # 监管事项目录编码, 14 digits
    main_name: Mapped[str] = mapped_column(String(300), index=True)  # 主项名称
    sub_name: Mapped[str | None] = mapped_column(String(300))  # 子项名称
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_items.id"), index=True)
    supervision_type: Mapped[str] = mapped_column(String(2), index=True)  # codes.SUPERVISION_TYPES
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    objects: Mapped[str | None] = mapped_column(Text)  # 监管对象
    basis_text: Mapped[str | None] = mapped_column(Text)  # 设定依据
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)  # A.2 codes
    random_check: Mapped[bool] = mapped_column(Boolean, default=False)  # 双随机抽查事项
    key_check: Mapped[bool] = mapped_column(Boolean, default=False)  # 重点检查事项
    joint_check_suitable: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed: Mapped[bool] = mapped_column(Boolean, default=True)  # 已认领
    measures: Mapped[str | None] = mapped_column(Text)  # 监管措施
    power_item_id: Mapped[int | None] = mapped_column(ForeignKey("power_items.id"), index=True)

    department: Mapped[Organization] = relationship(lazy="joined")
    legal_bases: Mapped[list[LegalBasis]] = relationship(
        secondary=supervision_item_citations, lazy="selectin"
    )


class InspectionImplList(HasElements, ListRow, db.Model):
    """检查实施清单 of one 行政检查 监管事项 for one implementing body."""

    __tablename__ = "inspection_impl_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_item_id: Mapped[int] = mapped_column(ForeignKey("supervision_items.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)  # USCC + level + …
    name: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    exercise_level: Mapped[str] = mapped_column(String(1), default="4")
    check_objects: Mapped[str | None] = mapped_column(Text)
    check_content: Mapped[str | None] = mapped_column(Text)  # 检查内容 (检查要点)
    check_method: Mapped[str | None] = mapped_column(String(50))  # 现场 / 书面 / 网络
    check_basis: Mapped[str | None] = mapped_column(Text)
    random_check: Mapped[bool] = mapped_column(Boolean, default=False)
    ratio: Mapped[str | None] = mapped_column(String(100))  # 抽查比例
    frequency: Mapped[str | None] = mapped_column(String(100))  # 抽查频次
    result_handling: Mapped[str | None] = mapped_column(Text)

    supervision_item: Mapped[SupervisionItem] = relationship(lazy="joined")


class RandomCheckItem(ListRow, db.Model):
    """双随机 抽查事项清单 row."""

    __tablename__ = "random_check_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    field: Mapped[str | None] = mapped_column(String(100))  # 抽查领域
    sub_item: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(10), default="general")  # codes.CHECK_CATEGORIES
    basis_text: Mapped[str | None] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    targets: Mapped[str | None] = mapped_column(Text)
    ratio: Mapped[str | None] = mapped_column(String(100))
    frequency: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[str | None] = mapped_column(Text)
    # 抽查比例 bounds as decimal percents ("5", "12.5"), what a draw of the item must respect:
    # a floor for every item, a cap only for 一般检查事项 (市场监管总局 2019 通知: 一般检查事项
    # 抽查比例严格限制, 重点检查事项抽查比例不设上限). None: not set.
    ratio_min: Mapped[str | None] = mapped_column(String(6))
    ratio_max: Mapped[str | None] = mapped_column(String(6))
    supervision_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_items.id"), index=True
    )


class InspectionTarget(Versioned, db.Model):
    """检查对象名录库 entry."""

    __tablename__ = "inspection_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="market_entity")
    name: Mapped[str] = mapped_column(String(300), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    registered_address: Mapped[str | None] = mapped_column(String(400))
    business_address: Mapped[str | None] = mapped_column(String(400))
    contact: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(100))
    abnormal: Mapped[bool] = mapped_column(Boolean, default=False)  # 经营异常名录
    serious_violation: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )  # 严重违法失信名单
    # 信用风险分类 A–D (codes.CREDIT_RISKS); None: not classified (未填报). The field is practice,
    # not a national element; policies use it for differentiated ratios.
    credit_risk: Mapped[str | None] = mapped_column(String(1))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    township_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )  # 所属镇街


class Inspector(Versioned, db.Model):
    """执法检查人员名录库 entry."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    certificate_number: Mapped[str] = mapped_column(String(50), unique=True)  # 执法证号
    enforcement_field: Mapped[str | None] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    certified_on: Mapped[date | None] = mapped_column(Date)
    # 执法证有效期至; None: no end date recorded (a card stays valid until it is 注销, which
    # sets on_duty to false: the 2020 report's "审核注销执法证件32个").
    certificate_valid_until: Mapped[date | None] = mapped_column(Date)

    department: Mapped[Organization] = relationship(lazy="joined")
