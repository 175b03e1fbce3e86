"""权责清单: a department's powers (职权) and responsibilities."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ListRow, Versioned, db
from .elements import HasElements
from .legal import CitesLegalBases, LegalBasis, citation_table
from .org import Organization

power_item_citations = citation_table("power_items")


class PowerType(Versioned, db.Model):
    """职权类型: an extensible code list, seeded with the national 01-10, 20 and local types."""

    __tablename__ = "power_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    national: Mapped[bool] = mapped_column(default=False)


class PowerItem(HasElements, CitesLegalBases, ListRow, db.Model):
    __tablename__ = "power_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 职权编码 (provincial format)
    name: Mapped[str] = mapped_column(String(300), index=True)
    sub_item_name: Mapped[str | None] = mapped_column(String(300))
    power_type_code: Mapped[str] = mapped_column(ForeignKey("power_types.code"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    handling_unit: Mapped[str | None] = mapped_column(String(200))  # 承办机构
    level_and_scope: Mapped[str | None] = mapped_column(Text)  # 实施层级及权限
    basis_text: Mapped[str | None] = mapped_column(Text)  # 实施依据 as published
    responsibilities: Mapped[str | None] = mapped_column(Text)  # 责任事项
    responsibility_basis: Mapped[str | None] = mapped_column(Text)
    accountability_scope: Mapped[str | None] = mapped_column(Text)  # 追责对象范围
    accountability_cases: Mapped[str | None] = mapped_column(Text)  # 追责情形
    supervision: Mapped[str | None] = mapped_column(Text)  # 监督方式
    remark: Mapped[str | None] = mapped_column(Text)

    department: Mapped[Organization] = relationship(lazy="joined")
    power_type: Mapped[PowerType] = relationship(lazy="joined")
    legal_bases: Mapped[list[LegalBasis]] = relationship(
        secondary=power_item_citations, lazy="selectin"
    )
