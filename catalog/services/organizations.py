"""Rules for regions and organizations."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Organization, Region
from .codes import uscc_problem
from .errors import FieldError
from .rules import Problems, forbid_own_parent


def check_organization(session: Session, org: Organization) -> Problems:
    problems = Problems()
    if org.uscc:
        problems.add_if("uscc", uscc_problem(org.uscc))
    forbid_own_parent(org, "上级机构", problems)
    return problems


def check_region(session: Session, region: Region) -> Problems:
    problems = Problems()
    if not region.code.isdigit() or len(region.code) not in (6, 9, 12):
        problems.add(
            "code",
            FieldError(
                "region_code_format", "行政区划代码应为6位（或9位、12位统计用区划代码）数字。"
            ),
        )
    return problems
