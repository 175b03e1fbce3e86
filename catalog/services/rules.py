"""Shared pieces of the cross-field rules: the problem collector and reference checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ..models import Organization, SupervisionItem
from .errors import FieldError
from .mapped import Identified

TOWNSHIP_KINDS = ("township", "street")


@dataclass(frozen=True)
class Notice:
    """A warning about a field: shown beside the row, never blocking a write."""

    field: str
    code: str
    message: str


class Problems:
    """Field → errors, collected across all rules so the user sees every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[FieldError]] = defaultdict(list)

    def add(self, field: str, error: FieldError) -> None:
        self.by_field[field].append(error)

    def add_if(self, field: str, error: FieldError | None) -> None:
        """Add what a check found, if it found anything."""
        if error is not None:
            self.add(field, error)

    def merge(self, other: Problems) -> None:
        for field, errors in other.by_field.items():
            self.by_field[field].extend(errors)

    def __bool__(self) -> bool:
        return bool(self.by_field)


def require_township(session: Session, org_id: int, field: str, problems: Problems) -> None:
    org = session.get(Organization, org_id)
    if org is not None and org.kind not in TOWNSHIP_KINDS:
        problems.add(field, FieldError("not_a_township", f"“{org.name}”不是镇或街道。"))


def forbid_own_parent(row: Organization | SupervisionItem, parent: str, problems: Problems) -> None:
    """A row of a tree (上级机构, 主项) cannot be its own parent."""
    if row.parent_id is not None and row.parent_id == row.id:
        problems.add("parent_id", FieldError("self_parent", f"{parent}不能是自身。"))


def missing_ids(
    session: Session, model: type[Identified], ids: Iterable[int], *where: ColumnElement[bool]
) -> list[int]:
    """The ids with no row of ``model`` (among the rows ``where`` admits)."""
    wanted = set(ids)
    if not wanted:
        return []
    found = set(session.scalars(select(model.id).where(model.id.in_(wanted), *where)))
    return sorted(wanted - found)
