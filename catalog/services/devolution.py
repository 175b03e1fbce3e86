"""Rules for the 下放镇街事项目录: 委托 needs its entrusting department; receivers are townships."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import DevolvedItem
from .errors import FieldError
from .rules import Problems, require_township


def check_devolved_item(session: Session, item: DevolvedItem) -> Problems:
    problems = Problems()
    if item.mode == "entrust" and item.entrusting_department_id is None:
        problems.add(
            "entrusting_department_id",
            FieldError("entrusting_department_required", "调整方式为委托时，须填写委托部门。"),
        )
    if not item.receivers:
        problems.add(
            "receiver_ids", FieldError("receivers_required", "须至少指定一个承接的镇或街道。")
        )
    for township in item.receivers:
        require_township(session, township.id, "receiver_ids", problems)
    if item.entrusted_until and item.effective_on and item.entrusted_until < item.effective_on:
        problems.add("entrusted_until", FieldError("date_order", "委托期限不能早于生效日期。"))
    return problems
