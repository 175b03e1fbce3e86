"""Use cases of the auditors' figures: what the API and the CLI call."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organization
from .errors import DomainError, FieldError, validation_failed
from .facts import Scope
from .figures import (
    PARTS,
    check_published,
    compute_figures,
    devolved_by_township,
    figure_rows,
    figures_by_department,
)


def make_scope(
    region_id: int | None = None,
    department_id: int | None = None,
    item_types: list[str] | tuple[str, ...] = ("01",),
    as_of: date | None = None,
) -> Scope:
    return Scope(
        region_id=region_id,
        department_id=department_id,
        item_types=tuple(item_types),
        as_of=Scope.end_of_day(as_of) if as_of else None,
    )


def figures(session: Session, rule: str = "HALF_UP", **scope: Any) -> list[dict[str, Any]]:
    return [figure.as_dict() for figure in compute_figures(session, make_scope(**scope), rule)]


def rows_behind(session: Session, key: str, part: str = "numerator", rule: str = "HALF_UP", **scope: Any) -> list[dict[str, Any]]:
    if key not in PARTS:
        raise DomainError("unknown_figure", f"没有名为 {key} 的统计数字。可选：{'、'.join(PARTS)}。", 404)
    return figure_rows(session, key, make_scope(**scope), part)


def by_department(session: Session, rule: str = "HALF_UP", **scope: Any) -> list[dict[str, Any]]:
    made = make_scope(**scope)
    query = select(Organization.id, Organization.name).where(Organization.kind == "department")
    if made.region_id is not None:
        query = query.where(Organization.region_id == made.region_id)
    if made.department_id is not None:
        query = query.where(Organization.id == made.department_id)
    names = dict(session.execute(query).all())
    table = figures_by_department(session, made, list(names), rule)
    return [
        {
            "department_id": row["department_id"],
            "department": names[row["department_id"]],
            "figures": [figure.as_dict() for figure in row["figures"].values()],
        }
        for row in table
    ]


def devolution(session: Session, region_id: int | None) -> list[dict[str, Any]]:
    return devolved_by_township(session, region_id)


def check(session: Session, key: str, published: str, rule: str = "HALF_UP", **scope: Any) -> dict[str, Any]:
    figure = next(f for f in compute_figures(session, make_scope(**scope), rule) if f.key == key)
    if figure.denominator is None and not published.strip().isdigit():
        raise validation_failed({"published": [FieldError("not_a_count", "该数字是计数，应填写整数。")]})
    result = check_published(figure, published)
    return {**asdict(result), "supported": result.supported, "figure": figure.as_dict()}
