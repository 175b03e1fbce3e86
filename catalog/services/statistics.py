"""Use cases of the auditors' figures: what the API and the CLI call."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organization, Region
from ..models.codes import ITEM_TYPES
from . import completeness
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


def rows_behind(
    session: Session, key: str, part: str = "numerator", rule: str = "HALF_UP", **scope: Any
) -> list[dict[str, Any]]:
    if key not in PARTS:
        raise DomainError(
            "unknown_figure", f"没有名为 {key} 的统计数字。可选：{'、'.join(PARTS)}。", 404
        )
    return figure_rows(session, key, make_scope(**scope), part)


def department_names(session: Session, scope: Scope) -> dict[int, str]:
    query = select(Organization.id, Organization.name).where(Organization.kind == "department")
    if scope.region_id is not None:
        query = query.where(Organization.region_id == scope.region_id)
    if scope.department_id is not None:
        query = query.where(Organization.id == scope.department_id)
    return dict(session.execute(query).all())


def by_department(session: Session, rule: str = "HALF_UP", **scope: Any) -> list[dict[str, Any]]:
    made = make_scope(**scope)
    names = department_names(session, made)
    table = figures_by_department(session, made, list(names), rule)
    return [
        {
            "department_id": row["department_id"],
            "department": names[row["department_id"]],
            "figures": [figure.as_dict() for figure in row["figures"].values()],
        }
        for row in table
    ]


def devolution(
    session: Session,
    region_id: int | None = None,
    department_id: int | None = None,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    """Devolved items per receiving township, live or as of a day, of a region or department."""
    return devolved_by_township(
        session, make_scope(region_id=region_id, department_id=department_id, as_of=as_of)
    )


def scope_text(session: Session, scope: dict[str, Any]) -> str:
    """A figure's scope in words: 行政区划 云城区（445302）；部门：全部；事项类型：01 行政许可 …"""
    region = session.get(Region, scope["region_id"]) if scope.get("region_id") else None
    department = (
        session.get(Organization, scope["department_id"]) if scope.get("department_id") else None
    )
    types = "、".join(
        f"{code} {ITEM_TYPES.get(code, '')}".strip() for code in scope.get("item_types") or []
    )
    as_of = scope.get("as_of")
    moment = f"截至 {as_of[:10]} 24:00（北京时间）" if as_of else "当前"
    return "；".join(
        [
            f"行政区划：{f'{region.name}（{region.code}）' if region else '全部'}",
            f"部门：{department.name if department else '全部'}",
            f"事项类型（实施清单各项）：{types or '全部'}",
            "状态：已发布",
            moment,
        ]
    )


def completeness_figures(
    session: Session, rule: str = "HALF_UP", lists: list[str] | None = None, **scope: Any
) -> list[dict[str, Any]]:
    return completeness.completeness_figures(
        session, make_scope(**scope), rule, _entity_types(lists)
    )


def completeness_by_department(
    session: Session, rule: str = "HALF_UP", lists: list[str] | None = None, **scope: Any
) -> list[dict[str, Any]]:
    made = make_scope(**scope)
    return completeness.completeness_by_department(
        session, made, department_names(session, made), rule, _entity_types(lists)
    )


def completeness_rows(
    session: Session, list_name: str, element: str | None = None, **scope: Any
) -> list[dict[str, Any]]:
    entity_type = _known_entity_types([list_name])[0]
    if element is not None and element not in {
        e.key for e in completeness.requirements()[entity_type].elements
    }:
        keys = "、".join(e.key for e in completeness.requirements()[entity_type].elements)
        raise validation_failed(
            {
                "element": [
                    FieldError("not_in_choices", f"该清单没有必填要素 {element}。可选：{keys}。")
                ]
            }
        )
    return completeness.completeness_rows(session, entity_type, make_scope(**scope), element)


def _entity_types(lists: list[str] | None) -> list[str] | None:
    """The named lists' entity types; None (every list) when none is named."""
    return _known_entity_types(lists) if lists else None


def _known_entity_types(lists: list[str]) -> list[str]:
    unknown = [name for name in lists if name not in completeness.LIST_NAMES]
    if unknown:
        raise DomainError(
            "unknown_list",
            f"没有名为 {'、'.join(unknown)} 的清单。可选：{'、'.join(completeness.LIST_NAMES)}。",
            404,
        )
    return [completeness.LIST_NAMES[name] for name in lists]


def check(
    session: Session, key: str, published: str, rule: str = "HALF_UP", **scope: Any
) -> dict[str, Any]:
    figure = next(f for f in compute_figures(session, make_scope(**scope), rule) if f.key == key)
    if figure.denominator is None and not published.strip().isdigit():
        raise validation_failed(
            {"published": [FieldError("not_a_count", "该数字是计数，应填写整数。")]}
        )
    result = check_published(figure, published)
    return {**asdict(result), "supported": result.supported, "figure": figure.as_dict()}
