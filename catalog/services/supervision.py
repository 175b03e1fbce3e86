"""Rules for 监管事项 and 检查实施清单 (互联网+监管 data rules)."""

from __future__ import annotations

import re
from fractions import Fraction

from sqlalchemy.orm import Session

from ..models import InspectionImplList, InspectionTarget, RandomCheckItem, SupervisionItem
from .codes import USCC_PATTERN, supervision_code_problem
from .errors import FieldError
from .rules import Problems, forbid_own_parent, require_township

INSPECTION_TYPE = "06"
_LEVEL_DIGIT = re.compile(r"^[1-5]$")


def check_supervision_item(session: Session, item: SupervisionItem) -> Problems:
    problems = Problems()
    problems.add_if("code", supervision_code_problem(item.code))
    forbid_own_parent(item, "主项", problems)
    return problems


def check_inspection_impl_list(session: Session, row: InspectionImplList) -> Problems:
    """The 检查实施清单编码 starts with a USCC and a 行使层级 digit in 1..5."""
    problems = Problems()
    if row.code and (
        not USCC_PATTERN.match(row.code[:18]) or not _LEVEL_DIGIT.match(row.code[18:19])
    ):
        problems.add(
            "code",
            FieldError(
                "inspection_code_format",
                "检查实施清单编码前18位应为统一社会信用代码，第19位为行使层级代码（1至5）。",
            ),
        )
    item = session.get(SupervisionItem, row.supervision_item_id)
    if item is not None and item.supervision_type != INSPECTION_TYPE:
        problems.add(
            "supervision_item_id",
            FieldError("not_an_inspection_item", "只有行政检查类监管事项才编制检查实施清单。"),
        )
    return problems


def check_random_check_item(session: Session, item: RandomCheckItem) -> Problems:
    """抽查比例 bounds: 重点检查事项 have no cap (市场监管总局 2019 通知: 抽查比例不设上限), and a
    floor never exceeds the cap."""
    problems = Problems()
    if item.category == "key" and item.ratio_max is not None:
        problems.add(
            "ratio_max",
            FieldError("key_item_uncapped", "重点检查事项抽查比例不设上限，请清空上限。"),
        )
    if (
        item.ratio_min is not None
        and item.ratio_max is not None
        and Fraction(item.ratio_min) > Fraction(item.ratio_max)
    ):
        problems.add("ratio_min", FieldError("floor_above_cap", "抽查比例下限不能高于上限。"))
    return problems


def check_inspection_target(session: Session, target: InspectionTarget) -> Problems:
    problems = Problems()
    if target.township_id is not None:
        require_township(session, target.township_id, "township_id", problems)
    return problems
