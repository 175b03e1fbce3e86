"""Rules for the 权责清单."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import PowerItem, PowerType
from .errors import FieldError
from .rules import Problems


def check_power_item(session: Session, item: PowerItem) -> Problems:
    problems = Problems()
    known = session.scalar(select(PowerType.id).where(PowerType.code == item.power_type_code))
    if known is None:
        problems.add(
            "power_type_code",
            FieldError(
                "unknown_power_type", f"职权类型 {item.power_type_code} 不在职权类型代码表中。"
            ),
        )
    return problems


def check_power_type(session: Session, power_type: PowerType) -> Problems:
    problems = Problems()
    if not power_type.code.isdigit():
        problems.add("code", FieldError("power_type_code_format", "职权类型代码应为数字。"))
    return problems
