"""Legal basis documents (法律法规规章) and the items that cite them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Versioned, db

# 效力状态. A basis is changed only by its revision (修订: a new version supersedes it) or its
# abolition (废止): catalog/services/legal_changes.py, which also opens the citing items' reviews.
VALIDITIES = {
    "effective": "现行有效",
    "superseded": "已修订（被新版本取代）",
    "abolished": "已废止",
}
# 效力层级 (立法法): which kind of document the basis is; None when not recorded.
CATEGORIES = {
    "law": "法律",
    "administrative_regulation": "行政法规",
    "local_regulation": "地方性法规",
    "departmental_rule": "部门规章",
    "local_rule": "地方政府规章",
    "normative_document": "行政规范性文件",
    "other": "其他",
}


class LegalBasis(Versioned, db.Model):
    __tablename__ = "legal_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    document_number: Mapped[str | None] = mapped_column(String(100))  # 文号
    issuer: Mapped[str | None] = mapped_column(String(200))  # 颁布机关
    effective_on: Mapped[date | None] = mapped_column(Date)
    abolished_on: Mapped[date | None] = mapped_column(Date)  # 失效日期: abolished, or superseded
    articles: Mapped[str | None] = mapped_column(Text)  # 条款号 and 条款内容 as published
    category: Mapped[str | None] = mapped_column(String(30))  # CATEGORIES
    version_label: Mapped[str | None] = mapped_column(String(100))  # 版本, e.g. "2021年修订"
    validity: Mapped[str] = mapped_column(
        String(12), default="effective", server_default="effective", index=True
    )
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("legal_bases.id"))

    @property
    def in_force(self) -> bool:
        return self.validity == "effective"


def citation_table(item_table: str) -> Table:
    """The link table between one list's rows and the legal bases they cite."""
    return Table(
        f"{item_table}_legal_bases",
        db.metadata,
        Column("item_id", ForeignKey(f"{item_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("legal_basis_id", ForeignKey("legal_bases.id"), primary_key=True, index=True),
    )


class CitesLegalBases:
    """A list row that cites legal bases through its own link table (see citation_table)."""

    legal_bases: Mapped[list[LegalBasis]]

    @property
    def legal_basis_ids(self) -> list[int]:
        return [basis.id for basis in self.legal_bases]
