"""Rules of the 政务服务事项实施清单 (docs/architecture.md, "Where a rule lives"), enforced once, here.

Also the two flags derived from the materials: 电子证照事项 (a material linked to an electronic
certificate) and 免证办 (such a material marked 免提交, so the office fetches the certificate
from the 电子证照库 and the applicant brings nothing).


- 即办件 (ServiceItem.instant: 办件类型 code 1) ⇔ 承诺时限 = 0;
- 承诺时限 ≤ 法定时限 after conversion to 工作日;
- 到办事现场次数 > 0 ⇒ 必须现场办理原因;
- 委托 ⇒ 委托部门; 收费 ⇒ 收费依据 and at least one 收费项目;
- 实施编码 = 实施主体 USCC + 行使层级 + 基本编码; 材料编码 starts with the 实施编码.

Each rule judges known values only: an element left unfilled (None, shown as 未填报) neither
breaks a rule nor is filled in to pass one. Where a rule cannot be
judged because one side is unknown, ``item_warnings`` says so; warnings never block a write.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from ..models import Bundle, BundleMember, Faq, FeeItem, Material, Organization, ServiceItem
from ..models.codes import ENTRUSTED_POWER_SOURCES
from .codes import catalog_code_problem, catalog_code_warning, implementation_code_problems
from .errors import FieldError
from .rules import Notice, Problems, require_township
from .time_limits import in_working_days

TIME_LIMIT_LABELS = {"legal": "法定办结时限", "promised": "承诺办结时限"}


def check_service_item(session: Session, item: ServiceItem) -> Problems:
    problems = Problems()
    _check_codes(session, item, problems)
    _check_time_limits(item, problems)
    if (item.onsite_visits or 0) > 0 and not (item.onsite_reason or "").strip():
        problems.add(
            "onsite_reason",
            FieldError(
                "onsite_reason_required", "到办事现场次数大于0时，须填写必须现场办理的原因。"
            ),
        )
    if (
        item.power_source in ENTRUSTED_POWER_SOURCES
        and not (item.entrusting_department or "").strip()
    ):
        problems.add(
            "entrusting_department",
            FieldError("entrusting_department_required", "权力来源为委托时，须填写委托部门。"),
        )
    if item.is_charged is True:
        if not (item.charge_basis or "").strip():
            problems.add(
                "charge_basis", FieldError("charge_basis_required", "收费事项须填写收费依据。")
            )
        if not item.fees:
            problems.add(
                "fees", FieldError("fee_items_required", "收费事项须至少列出一个收费项目。")
            )
    if item.township_id is not None:
        require_township(session, item.township_id, "township_id", problems)
    return problems


def _check_time_limits(item: ServiceItem, problems: Problems) -> None:
    for prefix, label in TIME_LIMIT_LABELS.items():
        if (
            getattr(item, f"{prefix}_no_limit")
            and getattr(item, f"{prefix}_time_limit") is not None
        ):
            problems.add(
                f"{prefix}_time_limit",
                FieldError("no_limit_with_value", f"{label}已标为“无期限”，不能同时填写天数。"),
            )
    promised = _working_days(item, "promised")
    if item.instant and promised is not None and promised != 0:
        problems.add(
            "promised_time_limit",
            FieldError("instant_requires_zero_promise", "即办件的承诺办结时限必须为0。"),
        )
    if item.instant and item.promised_no_limit:
        problems.add(
            "promised_no_limit",
            FieldError(
                "instant_requires_zero_promise", "即办件的承诺办结时限必须为0，不能为“无期限”。"
            ),
        )
    if promised == 0 and item.instant is False:
        problems.add(
            "case_type",
            FieldError(
                "zero_promise_requires_instant", "承诺办结时限为0的事项应标为即办件（办件类型 1）。"
            ),
        )
    legal = _working_days(item, "legal")
    if promised is not None and legal is not None and promised > legal:
        problems.add(
            "promised_time_limit",
            FieldError(
                "promise_exceeds_legal",
                f"承诺办结时限（折合 {float(promised):g} 个工作日）不能超过法定办结时限（折合 {float(legal):g} 个工作日）。",
            ),
        )


def _working_days(item: ServiceItem, prefix: str) -> Fraction | None:
    """The limit in 工作日; None when it is 无期限 or unknown (no value, or no unit)."""
    return in_working_days(
        getattr(item, f"{prefix}_time_limit"), getattr(item, f"{prefix}_time_unit")
    )


def item_warnings(item: ServiceItem) -> list[Notice]:
    """What a reader should know about an item that no rule forbids: a 10-character 基本编码,
    a time limit without a unit, a rule that cannot be judged because one side is 未填报."""
    notices = []
    legacy = catalog_code_warning(item.catalog_code)
    if legacy is not None:
        notices.append(Notice("catalog_code", legacy.code, legacy.message))
        if item.implementation_code:
            notices.append(
                Notice(
                    "implementation_code",
                    "implementation_code_legacy",
                    "实施编码基于旧版10位基本编码，已接受；请随基本编码核对补全。",
                )
            )
    for prefix, label in TIME_LIMIT_LABELS.items():
        if getattr(item, f"{prefix}_time_limit") and getattr(item, f"{prefix}_time_unit") is None:
            notices.append(
                Notice(
                    f"{prefix}_time_unit",
                    "time_unit_unknown",
                    f"{label}未写单位，统计时按未填报处理。",
                )
            )
    if item.case_type is None and item.promised_time_limit == 0:
        notices.append(
            Notice(
                "case_type",
                "case_type_unknown",
                "承诺办结时限为0，但办件类型未填报（按规则应为即办件）。",
            )
        )
    if item.instant and item.promised_time_limit is None and not item.promised_no_limit:
        notices.append(
            Notice(
                "promised_time_limit",
                "promise_unknown",
                "即办件的承诺办结时限未填报（按规则应为0）。",
            )
        )
    return notices


def _check_codes(session: Session, item: ServiceItem, problems: Problems) -> None:
    if item.catalog_code:
        problems.add_if("catalog_code", catalog_code_problem(item.catalog_code, item.item_type))
    if item.implementation_code:
        body = session.get(Organization, item.department_id)
        for problem in implementation_code_problems(
            item.implementation_code,
            body.uscc if body else None,
            item.exercise_level,
            item.catalog_code,
        ):
            problems.add("implementation_code", problem)
        for position, material in enumerate(item.materials):
            if material.code and not material.code.startswith(item.implementation_code):
                problems.add(
                    f"materials.{position}.code",
                    FieldError("material_code_prefix", "材料编码应以所属事项的实施编码开头。"),
                )


def set_materials(
    session: Session, item: ServiceItem, materials: list[dict[str, Any]] | None
) -> None:
    """``None``: the materials are 未填报; ``[]``: the item needs none (a fact)."""
    item.materials_known = materials is not None
    item.materials = [Material(position=i, **data) for i, data in enumerate(materials or [])]
    item.e_license_linked = any(m.e_license_name for m in item.materials)
    item.license_free = any(m.e_license_name and m.exempt for m in item.materials)


def set_fees(session: Session, item: ServiceItem, fees: list[dict[str, Any]]) -> None:
    item.fees = [FeeItem(position=i, **data) for i, data in enumerate(fees)]


def set_faqs(session: Session, item: ServiceItem, faqs: list[dict[str, Any]]) -> None:
    item.faqs = [Faq(position=i, **data) for i, data in enumerate(faqs)]


def set_bundle_members(session: Session, bundle: Bundle, member_ids: list[int]) -> None:
    bundle.members = [
        BundleMember(service_item_id=item_id, position=i)
        for i, item_id in enumerate(dict.fromkeys(member_ids))
    ]
