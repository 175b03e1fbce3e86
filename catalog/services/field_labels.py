"""What users call each field of a list: the label a form, a report or a diff shows.

A field is called what the department's spreadsheet calls its column, else what the
completeness elements call it, else the first words of its schema description. OTHER holds
only the fields none of those name (the nested rows, and lists without a spreadsheet).
"""

from __future__ import annotations

import re
from functools import cache

from marshmallow import Schema

from ..models.elements import ELEMENTS
from .registry import ListSpec
from .spreadsheet_columns import SHEETS

OTHER: dict[str, str] = {
    "legal_basis_ids": "设定依据（法律依据编号）",
    "name": "名称",
    "code": "编码",
    "department_id": "实施主体",
    "lead_department_id": "牵头部门",
    "supervision_item_id": "监管事项编号",
    "exercise_level": "行使层级",
    "random_check": "是否双随机抽查事项",
    "lifecycle": "生命周期",
    "stage": "阶段",
    "promised_time_limit": "承诺办结时限（工作日）",
    "onsite_visits": "到办事现场次数",
    "description": "说明",
    "field": "抽查领域",
    "sub_item": "子项",
    "category": "检查类别",
    "basis_text": "检查依据",
    "targets": "检查对象",
    "ratio": "抽查比例",
    "frequency": "抽查频次",
    "method": "检查方式",
    "content": "检查内容",
    "enforcement_field": "执法领域",
    "on_duty": "在岗",
    # 申请材料 and 收费项目, one row each
    "material_type": "材料类型",
    "material_form": "材料形式",
    "required": "必需",
    "copies": "份数",
    "source_channel": "来源渠道",
    "e_license_code": "电子证照编码",
    "note": "备注",
    "standard": "收费标准",
    "basis": "收费依据",
    "reducible": "可减免",
}

_FIRST_WORDS = re.compile(r"^[^；：（(]+")


@cache
def _element_labels(entity_type: str) -> dict[str, str]:
    return {e.fields[0]: e.label for e in ELEMENTS.get(entity_type, {}).values()}


def field_label(spec: ListSpec, name: str) -> str:
    """The Chinese label of one of the list's top-level fields."""
    sheet = SHEETS.get(spec.name)
    # the column about this field: a 时限 column also fills its unit, which has a column of its own
    header = next((c.header for c in sheet.columns if c.fields[0] == name), None) if sheet else None
    return header or _element_labels(spec.entity_type).get(name) or schema_label(spec.schema, name)


def schema_label(schema: type[Schema], name: str) -> str:
    """The label of a field from its schema's description, or OTHER (nested rows' fields)."""
    described = schema._declared_fields.get(name)
    text = described.metadata.get("description", "") if described else ""
    words = _FIRST_WORDS.match(text)
    return (words.group(0) if words and len(words.group(0)) <= 20 else None) or OTHER.get(
        name, name
    )
