"""回避申报: an inspector's declared conflict of interest with a target of the 名录库.

"检查人员与抽查对象有利害关系的，应当依法回避" (法律服务 抽查 example). A declared
conflict keeps the inspector out of every draw for that target (draw_algorithm.ineligibility);
declaring and withdrawing are in the audit trail, so a draw's snapshot can be rebuilt as of
its moment. Declarations are personal: only staff read them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import InspectionTarget, Inspector, InspectorConflict
from .draw_snapshot import CONFLICT_ENTITY
from .errors import FieldError, conflict, not_found, validation_failed
from .history import record_change, snapshot_of
from .permissions import Actor, authorize, departments_where, use_case
from .random_checks import china_today


def conflict_snapshot(row: InspectorConflict) -> dict[str, Any]:
    return snapshot_of(row, "id inspector_id target_id department_id reason declared_on")


@use_case("draws.conflicts")
def declare(session: Session, data: dict[str, Any], actor: Actor) -> InspectorConflict:
    """The inspector's department (its editors, admins) records the declaration."""
    inspector = session.get(Inspector, data["inspector_id"])
    if inspector is None:
        raise validation_failed(
            {
                "inspector_id": [
                    FieldError(
                        "unknown_reference", f"执法检查人员（编号 {data['inspector_id']}）不存在。"
                    )
                ]
            }
        )
    authorize(actor, "draws.conflicts", inspector.department_id)
    if session.get(InspectionTarget, data["target_id"]) is None:
        raise validation_failed(
            {
                "target_id": [
                    FieldError("unknown_reference", f"检查对象（编号 {data['target_id']}）不存在。")
                ]
            }
        )
    row = InspectorConflict(
        inspector_id=inspector.id,
        target_id=data["target_id"],
        department_id=inspector.department_id,
        reason=data["reason"],
        declared_on=data.get("declared_on") or china_today(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("该执法人员对该检查对象的回避申报已存在。") from None
    after = conflict_snapshot(row)
    record_change(session, CONFLICT_ENTITY, row.id, "create", None, after, actor, row.department_id)
    session.commit()
    return row


@use_case("draws.conflicts")
def withdraw(session: Session, conflict_id: int, actor: Actor) -> None:
    row = session.get(InspectorConflict, conflict_id) if 0 < conflict_id < 2**31 else None
    readable = departments_where(actor, "draws.read")
    if row is None or (readable is not None and row.department_id not in readable):
        raise not_found("回避申报", conflict_id)
    authorize(actor, "draws.conflicts", row.department_id)
    before = conflict_snapshot(row)
    session.delete(row)
    session.flush()
    department_id = before["department_id"]
    record_change(
        session, CONFLICT_ENTITY, conflict_id, "delete", before, None, actor, department_id
    )
    session.commit()


@use_case("draws.read")
def list_declarations(
    session: Session, args: dict[str, Any], actor: Actor
) -> list[InspectorConflict]:
    """The declarations of the departments the actor may read (every one for auditors)."""
    query = select(InspectorConflict).order_by(InspectorConflict.id)
    readable = departments_where(actor, "draws.read")
    if readable is not None:
        query = query.where(InspectorConflict.department_id.in_(sorted(readable)))
    for name in ("inspector_id", "target_id", "department_id"):
        if args.get(name) is not None:
            query = query.where(getattr(InspectorConflict, name) == args[name])
    return list(session.scalars(query.limit(1000)))
