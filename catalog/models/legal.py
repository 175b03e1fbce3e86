"""Legal basis documents (法律法规规章) and the items that cite them."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Versioned, db


class LegalBasis(Versioned, db.Model):
    __tablename__ = "legal_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    document_number: Mapped[str | None] = mapped_column(String(100))  # 文号
    issuer: Mapped[str | None] = mapped_column(String(200))  # 颁布机关
    effective_on: Mapped[date | None] = mapped_column(Date)
    abolished_on: Mapped[date | None] = mapped_column(Date)
    articles: Mapped[str | None] = mapped_column(Text)  # 条款号 and 条款内容 as published


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
