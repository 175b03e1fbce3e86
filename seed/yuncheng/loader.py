"""Loads the 云城区 data modules through crud (see seed/loading.py), dated 2020-12-31.

Order: regions → organizations → legal bases → 许可 (with their 权责事项) → other service
items → 一件事 → devolution → supervision (权责事项, 监管事项, 检查实施清单, 双随机抽查事项) →
inspection targets → inspectors → the 2020 draws and the abolished documents (oversight_loader). Codes are computed from the data order, so every run makes
the same codes, and a second run finds every row by its natural key and writes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session, scoped_session

from catalog.services import registry as r
from catalog.services.time_limits import WORKING_DAYS

from ..loading import Loader, SeedReport
from . import (
    bundles,
    devolution,
    e_licences,
    enforcement,
    legal,
    organizations,
    other_services,
    oversight,
    permits,
    supervision,
)
from .oversight_loader import OversightDemo

# The lists as they stood at the start of 2020-12-31, China time.
SEED_AS_OF = datetime(2020, 12, 31, tzinfo=timezone(timedelta(hours=8)))
DATASET = "云城区 2020"
LEVEL = "4"  # 行使层级: 县级
PLACE = "云浮市云城区政务服务中心"
HOURS = "周一至周五（法定节假日除外）上午 8:30—12:00，下午 14:30—17:30"
ONLINE = "https://www.gdzwfw.gov.cn/"
PUBLISHED = "published"

RESPONSIBILITIES = {
    "01": "1.受理责任：公示应当提交的材料，一次性告知补正材料，依法受理或者不予受理。2.审查责任：对申请材料进行审查，"
    "提出审查意见。3.决定责任：依法作出准予许可或者不予许可的决定，不予许可的说明理由。4.送达责任：制发并送达许可证件，"
    "依法公开。5.事后监管责任：对被许可人从事许可事项的活动进行监督检查。6.其他法律法规规章文件规定应履行的责任。",
    "02": "1.立案责任。2.调查取证责任：执法人员不得少于两人，与当事人有直接利害关系的应当回避。3.审查责任。4.告知责任。"
    "5.决定责任。6.送达责任。7.执行责任。8.其他法律法规规章文件规定应履行的责任。",
    "06": "1.检查责任：按照检查实施清单实施检查，执法人员不得少于两人并出示执法证件。2.处置责任：对检查发现的问题依法"
    "作出处理。3.公开责任：依法公示检查结果。4.其他法律法规规章文件规定应履行的责任。",
}
DEFAULT_RESPONSIBILITIES = (
    "1.受理责任。2.审查责任。3.决定责任。4.送达责任。5.其他法律法规规章文件规定应履行的责任。"
)
ACCOUNTABILITY = (
    "因不履行或者不正确履行行政职责，有下列情形之一的，行政机关及其工作人员应当依法承担责任：1.对符合条件的申请"
    "不予受理、不予办理的；2.对不符合条件的申请予以办理的；3.违反法定程序的；4.玩忽职守、滥用职权、徇私舞弊的；"
    "5.其他违反法律法规规章文件规定的行为。"
)

# What kind of application a 子项 is, from the words in its name (first match wins).
_SUB_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("close", ("注销", "歇业", "停业", "停用", "终止")),
    ("renew", ("延续", "延期", "换证", "换发", "再注册", "校验", "复查", "恢复营业")),
    ("reissue", ("补证", "补办")),
    ("change", ("变更",)),
)


def seed_yuncheng(session: Session | scoped_session) -> SeedReport:
    """Create whatever of the 云城区 dataset is missing; return what was created and found."""
    with Loader(session, DATASET, as_of=SEED_AS_OF) as loader:
        _Yuncheng(loader).load()
    return loader.report


class _Yuncheng:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.region_id = 0
        self.org: dict[str, int] = {}
        self.uscc: dict[str, str] = {}
        self.dept_number: dict[str, int] = {}
        self.law: dict[str, int] = {}
        self.law_name: dict[str, str] = {}
        self.item_id: dict[str, int] = {}  # service item name → id
        self.power_id: dict[tuple[str, str], int] = {}  # (dept, power name) → id
        self._power_seq: Counter[tuple[str, str]] = Counter()
        self._catalog_seq: Counter[str] = Counter()

    def load(self) -> None:
        self.regions()
        self.organizations()
        self.legal_bases()
        self.permits()
        self.other_services()
        self.bundles()
        self.devolution()
        self.supervision()
        self.targets()
        self.inspectors()
        OversightDemo(self.loader, self.org, self.law).load()

    # -- reference data -------------------------------------------------------------------
    def regions(self) -> None:
        ids: dict[str, int] = {}
        for code, name, parent in organizations.REGIONS:
            data = {"code": code, "name": name, "parent_id": ids.get(parent) if parent else None}
            ids[code] = self.loader.ensure(r.REGIONS, ("code",), data)
        self.region_id = ids[organizations.REGION_CODE]

    def organizations(self) -> None:
        for number, row in enumerate(organizations.organization_rows(), start=1):
            key = row.pop("key")
            parent = self.org.get("government") if row["kind"] != "government" else None
            data = {**row, "region_id": self.region_id, "parent_id": parent}
            self.org[key] = self.loader.ensure(r.ORGANIZATIONS, ("uscc",), data)
            self.uscc[key] = row["uscc"]
            self.dept_number[key] = number

    def legal_bases(self) -> None:
        for key, (name, number, issuer, effective) in legal.LEGAL_BASES.items():
            data = {
                "name": name,
                "document_number": number,
                "issuer": issuer,
                "effective_on": effective,
            }
            self.law[key] = self.loader.ensure(r.LEGAL_BASES, ("name",), data)
            self.law_name[key] = name
        for key, (name, number, effective) in oversight.NORMATIVE_DOCUMENTS.items():
            data = {
                "name": name,
                "document_number": number,
                "issuer": oversight.ISSUER,
                "effective_on": effective,
                "category": "normative_document",
            }
            self.law[key] = self.loader.ensure(r.LEGAL_BASES, ("name",), data)
            self.law_name[key] = name

    def _laws(self, dept: str, keys: str) -> list[str]:
        return keys.split() if keys else legal.DEPARTMENT_LAWS.get(dept, [])

    def _basis_text(self, law_keys: list[str]) -> str:
        return "；".join(f"《{self.law_name[k]}》" for k in law_keys)

    # -- 权责清单 ------------------------------------------------------------------------
    def power(self, dept: str, name: str, power_type: str, law_keys: list[str]) -> int:
        """The 权责事项 ``name`` of ``dept`` (one per name and department)."""
        if (dept, name) in self.power_id:
            return self.power_id[(dept, name)]
        self._power_seq[(dept, power_type)] += 1
        code = f"{organizations.REGION_CODE}-{self.dept_number[dept]:03d}-{power_type}-{self._power_seq[(dept, power_type)]:04d}"
        data = {
            "code": code,
            "name": name,
            "power_type_code": power_type,
            "department_id": self.org[dept],
            "level_and_scope": "县级",
            "basis_text": self._basis_text(law_keys) or None,
            "responsibilities": RESPONSIBILITIES.get(power_type, DEFAULT_RESPONSIBILITIES),
            "accountability_scope": "实施主体及其承办机构的工作人员",
            "accountability_cases": ACCOUNTABILITY,
            "supervision": "区司法局、区纪委监委派驻纪检监察组监督；12345 政务服务便民热线投诉",
            "status": PUBLISHED,
            "legal_basis_ids": [self.law[k] for k in law_keys],
        }
        self.power_id[(dept, name)] = self.loader.ensure(r.POWER_ITEMS, ("code",), data)
        return self.power_id[(dept, name)]

    # -- 实施清单 ------------------------------------------------------------------------
    def _catalog_code(self, item_type: str, local: bool, sub_number: int) -> str:
        """基本编码: 00/44 + 事项类型 + 主项 (5) + 子项 (3); call with sub_number 0 to open a 主项."""
        if sub_number <= 1:
            self._catalog_seq[item_type] += 1
        main = self._catalog_seq[item_type]
        return f"{'44' if local else '00'}{item_type}{main:05d}{sub_number:03d}"

    def permits(self) -> None:
        licensed: Counter[str] = Counter()  # 许可 items per department, for e_licences.PLAN
        for permit in permits.PERMITS:
            law_keys = self._laws(permit.dept, permit.laws) + oversight.cited_by(permit.main)
            power_id = self.power(permit.dept, permit.main, "01", law_keys)
            children = permit.items()
            for position, (name, legal_limit, sub) in enumerate(children, start=1):
                catalog = self._catalog_code("01", permit.local, position if sub else 0)
                promised = permits.PROMISED.get(name, 0)
                visits, reason = permits.ONSITE.get(name, (0, None))
                charge_basis, fee_items = permits.FEES.get(name, (None, []))
                licensed[permit.dept] += 1
                data = self._service_item(
                    name=name,
                    dept=permit.dept,
                    item_type="01",
                    catalog=catalog,
                    legal_limit=legal_limit,
                    promised=promised,
                    visits=visits,
                    reason=reason,
                    law_keys=law_keys,
                    objects=permit.objects,
                    power_id=power_id,
                    materials=self._permit_materials(permit, sub, licensed[permit.dept]),
                )
                data["aliases"] = permits.ALIASES.get(name, [])
                if fee_items:
                    data.update(
                        is_charged=True,
                        charge_basis=charge_basis,
                        fees=[
                            {"name": n, "standard": s, "basis": charge_basis} for n, s in fee_items
                        ],
                    )
                self.item_id[name] = self.loader.ensure(
                    r.SERVICE_ITEMS, ("implementation_code",), data
                )

    def other_services(self) -> None:
        for item in other_services.OTHER_SERVICES:
            law_keys = self._laws(item.dept, item.laws)
            power_id = self.power(item.dept, item.name, item.item_type, law_keys)
            data = self._service_item(
                name=item.name,
                dept=item.dept,
                item_type=item.item_type,
                catalog=self._catalog_code(item.item_type, False, 0),
                legal_limit=item.legal,
                promised=item.promised,
                visits=item.visits,
                reason=item.reason,
                law_keys=law_keys,
                objects=item.objects,
                power_id=power_id,
                materials=[
                    {
                        "name": f"{item.name}申请表",
                        "material_type": "原件",
                        "material_form": "纸质",
                        "copies": 1,
                    }
                ],
            )
            self.item_id[item.name] = self.loader.ensure(
                r.SERVICE_ITEMS, ("implementation_code",), data
            )

    def _service_item(
        self,
        *,
        name: str,
        dept: str,
        item_type: str,
        catalog: str,
        legal_limit: int | None,
        promised: int,
        visits: int,
        reason: str | None,
        law_keys: list[str],
        objects: str,
        power_id: int,
        materials: list[dict[str, Any]],
    ) -> dict[str, Any]:
        implementation_code = f"{self.uscc[dept]}{LEVEL}{catalog}"
        for number, material in enumerate(materials, start=1):
            material["code"] = f"{implementation_code}{number:03d}"
        instant = promised == 0
        return {
            "name": name,
            "catalog_code": catalog,
            "implementation_code": implementation_code,
            "item_type": item_type,
            "exercise_level": LEVEL,
            "department_id": self.org[dept],
            "body_nature": "1",
            "power_source": "1",
            "power_item_id": power_id,
            "legal_time_limit": legal_limit,
            "legal_time_unit": WORKING_DAYS if legal_limit is not None else None,
            "legal_no_limit": legal_limit is None,  # the dataset states 无法定时限
            "promised_time_limit": promised,
            "promised_time_unit": WORKING_DAYS,
            "case_type": "1" if instant else "2",
            "onsite_visits": visits,
            "onsite_reason": reason,
            # 不收费 is stated (行政许可法 第五十八条: 行政机关实施行政许可不得收取任何费用，
            # 法律、行政法规另有规定的依照其规定); the charged 许可 override it with their fees.
            "is_charged": False,
            "acceptance_conditions": "申请材料齐全、符合法定形式，申请人符合"
            + (self._basis_text(law_keys) or "法律法规")
            + "规定的条件。",
            "process": "申请—受理—当场审查并作出决定—送达"
            if instant
            else "申请—受理—审查—决定—送达",
            "service_objects": objects.split(),
            "channels": ["1", "2", "3"],
            "online_url": ONLINE,
            "place": PLACE,
            "office_hours": HOURS,
            "consult_phone": "12345",
            "supervision_phone": "12345",
            "status": PUBLISHED,
            "materials": materials,
            "legal_basis_ids": [self.law[k] for k in law_keys],
        }

    def _permit_materials(self, permit: permits.Permit, sub: str, nth: int) -> list[dict[str, Any]]:
        """The materials of the ``nth`` 许可 item of its department (1-based)."""
        kind = self._sub_kind(sub)
        form = {
            "name": f"{permit.main}{kind['form']}",
            "material_type": "原件",
            "material_form": "纸质",
            "copies": 1,
        }
        if permit.dept in e_licences.FORM_EXEMPT_DEPARTMENTS:
            form.update(material_form="电子化", exempt=True, note="网上填报，免提交纸质申请表。")
        materials = [form] + [
            {"name": extra, "material_type": "复印件", "material_form": "纸质", "copies": 1}
            for extra in kind["extra"]
        ]
        plan = e_licences.PLAN.get(permit.dept)
        if plan and nth <= plan[1]:
            certificate, _linked, exempt = plan
            materials.append(
                {
                    "name": certificate,
                    "material_type": "原件",
                    "material_form": "电子化",
                    "source_channel": "政府部门核发（电子证照库）",
                    "e_license_name": certificate,
                    "exempt": nth <= exempt,
                    "note": "已关联电子证照，免提交。"
                    if nth <= exempt
                    else "已关联电子证照，现场核验原件。",
                }
            )
        return materials

    @staticmethod
    def _sub_kind(sub: str) -> dict[str, Any]:
        kind = next((k for k, words in _SUB_KINDS if any(w in sub for w in words)), "establish")
        return {
            "close": {"form": "注销申请书", "extra": []},
            "renew": {"form": "延续申请书", "extra": ["原许可证件"]},
            "reissue": {"form": "补证申请书", "extra": ["证件遗失或者损毁情况说明"]},
            "change": {"form": "变更申请书", "extra": ["变更事项的证明材料"]},
            "establish": {
                "form": "申请书",
                "extra": ["申请人主体资格证明", "符合许可条件的证明材料"],
            },
        }[kind]

    # -- 一件事 ---------------------------------------------------------------------------
    def bundles(self) -> None:
        for bundle in bundles.BUNDLES:
            data = {
                "name": bundle.name,
                "lifecycle": bundle.lifecycle,
                "stage": bundle.stage,
                "lead_department_id": self.org[bundle.lead],
                "promised_time_limit": bundle.promised,
                "onsite_visits": bundle.visits,
                "description": "联办事项：" + "、".join(bundle.members),
                "member_ids": [self.item_id[name] for name in bundle.members],
                "status": PUBLISHED,
            }
            self.loader.ensure(r.BUNDLES, ("name",), data)

    # -- 下放镇街 -------------------------------------------------------------------------
    def devolution(self) -> None:
        batch = {**devolution.BATCH, "region_id": self.region_id}
        batch_id = self.loader.ensure(r.DEVOLUTION_BATCHES, ("region_id", "title"), batch)
        for item in devolution.DEVOLVED:
            law_keys = self._laws(item.dept, "")
            power_id = self.power(item.dept, item.name, item.power_type, law_keys)
            punishment = item.power_type == "02"
            data = {
                "batch_id": batch_id,
                "name": item.name,
                "power_item_id": power_id,
                "from_department_id": self.org[item.dept],
                "mode": item.mode,
                "devolution_status": "effective",
                "effective_on": devolution.BATCH["effective_on"],
                "receiver_ids": [self.org[t] for t in item.receivers],
                "status": PUBLISHED,
                "attached_powers": devolution.ATTACHED if punishment else None,
                "retained_cases": devolution.RETAINED if punishment else None,
            }
            if item.mode == "entrust":
                data.update(
                    entrusting_department_id=self.org[item.dept],
                    entrusted_until=devolution.ENTRUSTED_UNTIL,
                    scope_limit=devolution.ENTRUST_SCOPE,
                )
            self.loader.ensure(r.DEVOLVED_ITEMS, ("batch_id", "name"), data)

    # -- 监管 -----------------------------------------------------------------------------
    def supervision(self) -> None:
        main_number = 0
        for dept in organizations.ENFORCEMENT_UNITS:
            for line in supervision.inspection_lines(dept):
                main_number += 1
                self._supervision_row(dept, line, "06", main_number, 0, None)
        for dept, main_name, subs in supervision.COMPOSITE:
            main_number += 1
            parent = self._supervision_row(dept, main_name, "10", main_number, 0, None)
            for sub_number, (sub_type, sub_line) in enumerate(subs, start=1):
                self._supervision_row(
                    dept, sub_line, sub_type, main_number, sub_number, (parent, main_name)
                )

    def _supervision_row(
        self,
        dept: str,
        line: str,
        kind: str,
        main_number: int,
        sub_number: int,
        parent: tuple[int, str] | None,
    ) -> int:
        name, flags = supervision.parse(line)
        law_keys = self._laws(dept, "") + oversight.cited_by(name)
        code = f"{organizations.REGION_CODE}{kind}{main_number:03d}{sub_number:03d}"
        objects = _objects_of(name)
        random_check, key_check = "*" in flags, "!" in flags
        data = {
            "code": code,
            "main_name": parent[1] if parent else name,
            "sub_name": name if parent else None,
            "parent_id": parent[0] if parent else None,
            "supervision_type": kind,
            "department_id": self.org[dept],
            "objects": objects,
            "basis_text": self._basis_text(law_keys) or None,
            "levels": [LEVEL],
            "random_check": random_check,
            "key_check": key_check,
            "joint_check_suitable": random_check
            and dept in {"market", "culture", "health", "emergency", "eco"},
            "claimed": True,
            "measures": "现场检查、书面检查、抽样检测" if kind == "06" else None,
            "status": PUBLISHED,
            "legal_basis_ids": [self.law[k] for k in law_keys],
        }
        if kind != "10":  # a 综合 主项 is not itself a power; its 子项 are
            data["power_item_id"] = self.power(dept, name, kind, law_keys)
        item_id = self.loader.ensure(r.SUPERVISION_ITEMS, ("code",), data)
        if kind == "06":
            self._inspection_list(dept, name, code, item_id, flags, objects, law_keys)
        if random_check:
            self._random_check(dept, name, item_id, key_check, objects, law_keys)
        return item_id

    def _inspection_list(
        self,
        dept: str,
        name: str,
        code: str,
        item_id: int,
        flags: set[str],
        objects: str,
        law_keys: list[str],
    ) -> None:
        if "-" in flags:
            return  # 检查实施清单 not drawn up yet
        category = "key" if "!" in flags else "general"
        data = {
            "supervision_item_id": item_id,
            "code": f"{self.uscc[dept]}{LEVEL}{code}",
            "name": f"{name}检查实施清单",
            "department_id": self.org[dept],
            "exercise_level": LEVEL,
            "check_objects": objects,
            "check_content": f"{objects}遵守{self._basis_text(law_keys) or '有关法律法规'}等规定的情况",
            "check_method": "现场检查",
            "check_basis": self._basis_text(law_keys) or None,
            "random_check": "*" in flags,
            "ratio": supervision.RATIO[category] if "*" in flags else None,
            "frequency": supervision.FREQUENCY[category] if "*" in flags else None,
            "result_handling": "发现违法行为的，依法责令改正并立案查处；检查结果依法公示。",
            "status": "draft" if "~" in flags else PUBLISHED,
        }
        self.loader.ensure(r.INSPECTION_IMPL_LISTS, ("code",), data)

    def _random_check(
        self, dept: str, name: str, item_id: int, key_check: bool, objects: str, law_keys: list[str]
    ) -> None:
        category = "key" if key_check else "general"
        ratio_min, ratio_max = oversight.RATIO_BOUNDS[category]
        data = {
            "name": name,
            "field": enforcement.ENFORCEMENT_FIELDS[dept],
            "category": category,
            "basis_text": self._basis_text(law_keys) or None,
            "department_id": self.org[dept],
            "targets": objects,
            "ratio": supervision.RATIO[category],
            "ratio_min": ratio_min,
            "ratio_max": ratio_max,
            "frequency": supervision.FREQUENCY[category],
            "method": "现场检查",
            "content": f"{objects}遵守有关法律法规的情况",
            "supervision_item_id": item_id,
            "status": PUBLISHED,
        }
        self.loader.ensure(r.RANDOM_CHECK_ITEMS, ("department_id", "name"), data)

    # -- 名录库 ---------------------------------------------------------------------------
    def targets(self) -> None:
        rows = list(enforcement.TARGETS) + [
            (name, "market_entity", category, person, address, industry, False)
            for name, category, person, address, industry in oversight.MORE_TARGETS
        ]
        townships = {short: key for key, _name, short, _kind in organizations.TOWNSHIPS}
        for number, (name, kind, category, person, address, industry, abnormal) in enumerate(
            rows, start=1
        ):
            township = next(
                (key for short, key in townships.items() if address.startswith(short)), None
            )
            data = {
                "kind": kind,
                "name": name,
                "uscc": enforcement.entity_uscc(number, category) if category else None,
                "legal_representative": person,
                "registered_address": f"云浮市云城区{address}",
                "industry": industry,
                "abnormal": abnormal,
                "region_id": self.region_id,
                "township_id": self.org[township] if township else None,
            }
            self.loader.ensure(r.INSPECTION_TARGETS, ("region_id", "name"), data)

    def inspectors(self) -> None:
        for row in enforcement.inspector_rows():
            unit = row.pop("unit")
            self.loader.ensure(
                r.INSPECTORS, ("certificate_number",), {**row, "department_id": self.org[unit]}
            )


_OBJECT = re.compile(r"^对(.+?)(?:的|$)")


def _objects_of(name: str) -> str:
    """监管对象 from an item name: "对食品销售者的监督检查" → "辖区内食品销售者"."""
    match = _OBJECT.match(name)
    return f"辖区内{match.group(1)}" if match else "辖区内相关单位和个人"


__all__ = ["SEED_AS_OF", "seed_yuncheng"]
