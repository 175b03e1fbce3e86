"""What a draw reads from the 名录库: the targets in the task's scope, the inspectors of its
departments and their 回避 declarations, as plain JSON-ready dicts.

The same builder takes the live tables (at the draw) and the history as of the draw moment (at
verification), so "the snapshot kept with the draw is the directory as it then stood" is
checked by building it again from the audit trail and comparing the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    InspectionTarget,
    Inspector,
    InspectorConflict,
    Organization,
    RandomCheckTask,
)
from .history import rows_as_of
from .mapped import Identified

TARGET_FIELDS = (
    "id",
    "kind",
    "name",
    "uscc",
    "industry",
    "region_id",
    "township_id",
    "abnormal",
    "serious_violation",
    "credit_risk",
)
INSPECTOR_FIELDS = (
    "id",
    "name",
    "certificate_number",
    "department_id",
    "enforcement_field",
    "on_duty",
    "certified_on",
    "certificate_valid_until",
)
CONFLICT_FIELDS = ("inspector_id", "target_id", "reason")
CONFLICT_ENTITY = "inspector_conflict"


def in_scope(target: Mapping[str, Any], scope: Mapping[str, Any]) -> bool:
    """Whether a directory entry falls in a task's scope (each filter given narrows it)."""
    checks = (
        ("region_id", lambda v: target.get("region_id") == v),
        ("township_ids", lambda v: target.get("township_id") in v),
        ("kinds", lambda v: target.get("kind") in v),
        ("industries", lambda v: target.get("industry") in v),
        ("credit_risks", lambda v: target.get("credit_risk") in v),
        ("abnormal", lambda v: bool(target.get("abnormal")) == (v == "only")),
        ("serious_violation", lambda v: bool(target.get("serious_violation")) == (v == "only")),
    )
    return all(check(scope[name]) for name, check in checks if scope.get(name) not in (None, []))


def target_key(target: Mapping[str, Any]) -> str:
    """The key a target is drawn by: its 统一社会信用代码, the public 名录库's own key, so a draw
    can be checked against the 国家企业信用信息公示系统; products, projects and behaviours,
    which have none, by kind and name."""
    return target.get("uscc") or f"{target.get('kind')}:{target.get('name')}"


def department_key(department: Organization) -> str:
    return department.uscc or department.name


def departments_of(task: RandomCheckTask) -> list[dict[str, Any]]:
    """The task's departments, initiating first, with the 执法领域 their items require (a
    department whose items record no field requires none: unknown is not a restriction)."""
    entries = []
    for department in [task.initiating_department, *task.cooperating_departments]:
        fields = sorted(
            {
                item.field
                for item in task.items
                if item.department_id == department.id and item.field
            }
        )
        entries.append(
            {
                "key": department_key(department),
                "id": department.id,
                "name": department.name,
                "fields": fields,
            }
        )
    return entries


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _pick(row: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(row.get(name)) for name in names}


def build_snapshot(
    targets: Iterable[Mapping[str, Any]],
    inspectors: Iterable[Mapping[str, Any]],
    conflicts: Iterable[Mapping[str, Any]],
    departments: list[dict[str, Any]],
    scope: Mapping[str, Any],
) -> dict[str, Any]:
    chosen = [_pick(t, TARGET_FIELDS) for t in targets if in_scope(t, scope)]
    keys = [target_key(t) for t in chosen]
    for target, key in zip(chosen, keys, strict=True):
        target["key"] = key if keys.count(key) == 1 else f"{key}#{target['id']}"
    by_department = {d["id"]: d["key"] for d in departments}
    team = []
    for row in inspectors:
        if row.get("department_id") in by_department:
            entry = _pick(row, INSPECTOR_FIELDS)
            team.append(
                {
                    **entry,
                    "key": entry["certificate_number"],
                    "department": by_department[entry["department_id"]],
                }
            )
    target_keys = {t["id"]: t["key"] for t in chosen}
    inspector_keys = {i["id"]: i["key"] for i in team}
    declared = [
        {
            "inspector": inspector_keys[c["inspector_id"]],
            "target": target_keys[c["target_id"]],
            "reason": c.get("reason"),
        }
        for c in conflicts
        if c.get("inspector_id") in inspector_keys and c.get("target_id") in target_keys
    ]
    return {
        "targets": sorted(chosen, key=lambda t: t["key"]),
        "inspectors": sorted(team, key=lambda i: i["key"]),
        "conflicts": sorted(declared, key=lambda c: (c["inspector"], c["target"])),
    }


def _rows(
    session: Session, model: type[Identified], names: tuple[str, ...]
) -> list[dict[str, Any]]:
    columns = [getattr(model, name) for name in names]
    return [dict(row._mapping) for row in session.execute(select(*columns).order_by(model.id))]


def live_snapshot(session: Session, task: RandomCheckTask) -> dict[str, Any]:
    return build_snapshot(
        _rows(session, InspectionTarget, TARGET_FIELDS),
        _rows(session, Inspector, INSPECTOR_FIELDS),
        _rows(session, InspectorConflict, CONFLICT_FIELDS),
        departments_of(task),
        task.scope or {},
    )


def snapshot_as_of(session: Session, task: RandomCheckTask, moment: datetime) -> dict[str, Any]:
    """The snapshot rebuilt from the history (every change's row after) as of ``moment``."""
    return build_snapshot(
        rows_as_of(session, "inspection_target", moment),
        rows_as_of(session, "inspector", moment),
        rows_as_of(session, CONFLICT_ENTITY, moment),
        departments_of(task),
        task.scope or {},
    )
