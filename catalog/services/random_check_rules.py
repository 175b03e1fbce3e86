"""The rules a 抽查任务 keeps: its departments and items, its scope, and a ratio or count within
the items' bounds (一般检查事项 capped, 重点检查事项 uncapped: 市场监管总局 2019 通知)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organization, RandomCheckItem, RandomCheckTask, Region
from .errors import FieldError
from .rules import Problems, missing_ids, require_township


def bounds(items: list[RandomCheckItem]) -> tuple[Fraction | None, Fraction | None]:
    """The floor (highest item floor) and cap (lowest 一般检查事项 cap) a draw must respect."""
    floors = [Fraction(i.ratio_min) for i in items if i.ratio_min is not None]
    caps = [
        Fraction(i.ratio_max) for i in items if i.ratio_max is not None and i.category == "general"
    ]
    return (max(floors) if floors else None), (min(caps) if caps else None)


def percent_text(value: Fraction | None) -> str | None:
    if value is None:
        return None
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def check_task(
    session: Session, task: RandomCheckTask, item_ids: list[int], cooperating: list[int]
) -> Problems:
    problems = Problems()
    initiating = session.get(Organization, task.initiating_department_id)
    if initiating is None:
        problems.add(
            "initiating_department_id",
            FieldError(
                "unknown_reference", f"机构（编号 {task.initiating_department_id}）不存在。"
            ),
        )
    for missing in missing_ids(session, Organization, cooperating):
        problems.add(
            "cooperating_department_ids",
            FieldError("unknown_reference", f"机构（编号 {missing}）不存在。"),
        )
    if task.initiating_department_id in cooperating:
        problems.add(
            "cooperating_department_ids",
            FieldError("initiator_repeated", "配合部门不能包含发起部门。"),
        )
    if not item_ids:
        problems.add("item_ids", FieldError("required", "至少选择一项随机抽查事项。"))
    for missing in missing_ids(session, RandomCheckItem, item_ids):
        problems.add(
            "item_ids", FieldError("unknown_reference", f"随机抽查事项（编号 {missing}）不存在。")
        )
    if task.window_end < task.window_start:
        problems.add("window_end", FieldError("window_reversed", "检查结束日期不能早于开始日期。"))
    _check_scope(session, task.scope or {}, problems)
    if problems:
        return problems
    departments = {task.initiating_department_id, *cooperating}
    items = list(session.scalars(select(RandomCheckItem).where(RandomCheckItem.id.in_(item_ids))))
    _check_items(items, departments, problems)
    _check_ratio(task, items, problems)
    return problems


def _check_scope(session: Session, scope: dict[str, Any], problems: Problems) -> None:
    if scope.get("region_id") is not None and session.get(Region, scope["region_id"]) is None:
        problems.add(
            "scope.region_id",
            FieldError("unknown_reference", f"行政区划（编号 {scope['region_id']}）不存在。"),
        )
    for township_id in scope.get("township_ids") or []:
        if session.get(Organization, township_id) is None:
            problems.add(
                "scope.township_ids",
                FieldError("unknown_reference", f"镇街（编号 {township_id}）不存在。"),
            )
        else:
            require_township(session, township_id, "scope.township_ids", problems)


def _check_items(items: list[RandomCheckItem], departments: set[int], problems: Problems) -> None:
    for item in items:
        if item.status != "published":
            problems.add(
                "item_ids",
                FieldError("item_unpublished", f"随机抽查事项“{item.name}”尚未发布，不能抽查。"),
            )
        if item.department_id not in departments:
            problems.add(
                "item_ids",
                FieldError("item_department", f"随机抽查事项“{item.name}”不属于发起或配合部门。"),
            )
    # 联合抽查: each department takes part through its own items ("进一次门，查多项事").
    without = departments - {item.department_id for item in items}
    if without:
        problems.add(
            "cooperating_department_ids",
            FieldError("department_without_item", "每个参与部门至少要有一项本部门的抽查事项。"),
        )


def _check_ratio(task: RandomCheckTask, items: list[RandomCheckItem], problems: Problems) -> None:
    if (task.ratio_percent is None) == (task.sample_count is None):
        problems.add(
            "ratio_percent",
            FieldError("ratio_or_count", "抽查比例和抽查数量须填写且只填写其中一项。"),
        )
        return
    floor, cap = bounds(items)
    if floor is not None and cap is not None and floor > cap:
        problems.add(
            "item_ids",
            FieldError(
                "bounds_conflict",
                f"所选事项的抽查比例下限 {percent_text(floor)}% 高于一般检查事项上限 {percent_text(cap)}%。",
            ),
        )
    if task.ratio_percent is None:
        return
    ratio = Fraction(task.ratio_percent)
    if floor is not None and ratio < floor:
        problems.add(
            "ratio_percent",
            FieldError("below_floor", f"抽查比例不得低于所选事项的下限 {percent_text(floor)}%。"),
        )
    if cap is not None and ratio > cap:
        problems.add(
            "ratio_percent",
            FieldError(
                "above_cap",
                f"一般检查事项抽查比例不得高于 {percent_text(cap)}%（重点检查事项不设上限）。",
            ),
        )
