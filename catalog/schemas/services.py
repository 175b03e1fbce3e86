from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from marshmallow import fields, post_dump, post_load

from ..models.codes import (
    BODY_NATURES,
    CASE_TYPES,
    CHANNELS,
    EXERCISE_LEVELS,
    ITEM_TYPES,
    POWER_SOURCES,
    SERVICE_OBJECTS,
    SERVICE_SCOPES,
    TIME_UNITS,
)
from ..services.rules import Notice
from ..services.service_items import item_warnings
from ..services.time_limits import WORKING_DAYS
from .base import BaseSchema, ListRowSchema
from .fields import Bool, Code, Day, Id, Int, ListOf, NestedList, Str, Text, Url, optional

TIME_LIMIT_MAX = 3650
UNKNOWN_NOTE = "null 为未填报（无期限另见 *_no_limit）"
UNIT_NOTE = "时限单位；填写了时限而未写单位时按工作日"


def _time_limit() -> Int:
    """法定 or 承诺办结时限, in its unit: null when the source does not give it."""
    return optional(Int, maximum=TIME_LIMIT_MAX, description=UNKNOWN_NOTE)


def _time_unit() -> Code:
    return optional(Code, TIME_UNITS, description=UNIT_NOTE)


class MaterialSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = optional(Str, max_length=50)
    name = Str(max_length=300, min_length=1, required=True)
    material_type = optional(Str, max_length=20)
    material_form = optional(Str, max_length=20)
    required = Bool(load_default=True)
    copies = optional(Int, maximum=99)
    source_channel = optional(Str, max_length=200)
    e_license_name = optional(Str, max_length=200, description="已关联电子证照")
    e_license_code = optional(Str, max_length=100)
    exempt = Bool(load_default=False, metadata={"description": "免提交"})
    note = optional(Text)
    blank_form_url = optional(Url, description="空白表格（下载地址）")
    sample_form_url = optional(Url, description="示例样表（下载地址）")


class FeeItemSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = Str(max_length=200, min_length=1, required=True)
    standard = optional(Text)
    basis = optional(Text)
    reducible = Bool(load_default=False)


class FaqSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    question = Str(max_length=500, min_length=1, required=True, metadata={"description": "问题"})
    answer = Text(min_length=1, required=True, metadata={"description": "解答"})


class WarningSchema(BaseSchema):
    field = fields.String(metadata={"description": "字段"})
    code = fields.String(metadata={"description": "稳定的提示代码"})
    message = fields.String(metadata={"description": "中文说明"})


class Warnings(fields.List):
    """The row's warnings, computed when it is shown: things a reader should know that no rule
    forbids (a 10-character 基本编码, a rule that cannot be judged on 未填报 values)."""

    def __init__(self, compute: Callable[[Any], list[Notice]]) -> None:
        super().__init__(
            fields.Nested(WarningSchema),
            dump_only=True,
            metadata={"description": "提示：不阻止保存，页面上以中文显示"},
        )
        self.compute = compute

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return [asdict(notice) for notice in self.compute(obj)]


class ServiceItemSchema(ListRowSchema):
    name = Str(max_length=300, min_length=1, required=True, metadata={"description": "事项名称"})
    aliases = ListOf(Str(max_length=100), max_items=20, metadata={"description": "日常用语"})
    catalog_code = optional(Str, max_length=12, description="基本编码")
    implementation_code = optional(Str, max_length=31, description="实施编码")
    local_code = optional(Str, max_length=80)
    handle_item_code = optional(Str, max_length=50)
    item_type = Code(ITEM_TYPES, required=True, metadata={"description": "事项类型"})
    exercise_level = Code(EXERCISE_LEVELS, load_default="4", metadata={"description": "行使层级"})
    department_id = Id(required=True, metadata={"description": "实施主体"})
    department_name = fields.String(attribute="department.name", dump_only=True)
    township_id = optional(Id)
    body_nature = optional(Code, BODY_NATURES)
    power_source = optional(Code, POWER_SOURCES)
    entrusting_department = optional(Str, max_length=200)
    handling_unit = optional(Str, max_length=200)
    joint_departments = optional(Str, max_length=500)
    power_item_id = optional(Id)
    legal_time_limit = _time_limit()
    legal_time_unit = _time_unit()
    legal_no_limit = Bool(
        load_default=False, metadata={"description": "法定办结时限为“无期限”（事实，不同于未填报）"}
    )
    promised_time_limit = _time_limit()
    promised_time_unit = _time_unit()
    promised_no_limit = Bool(load_default=False, metadata={"description": "承诺办结时限为“无期限”"})
    case_type = optional(Code, CASE_TYPES, description="办件类型：1 即办件；null 为未填报")
    onsite_visits = optional(
        Int, maximum=20, description="到办事现场次数；0 为零跑动，null 为未填报"
    )
    onsite_reason = optional(Text)
    is_charged = optional(Bool, description="是否收费；false 为不收费，null 为未填报")
    charge_basis = optional(Text)
    acceptance_conditions = optional(Text)
    process = optional(Text)
    service_objects = optional(
        ListOf, Code(SERVICE_OBJECTS), max_items=6, description="服务对象；null 或空列表为未填报"
    )
    themes = ListOf(Str(max_length=50), max_items=30)
    channels = optional(
        ListOf, Code(CHANNELS), max_items=5, description="办理形式；null 或空列表为未填报"
    )
    service_scope = optional(Code, SERVICE_SCOPES)
    online_url = optional(Url)
    mobile_url = optional(Url)
    place = optional(Text)
    office_hours = optional(Text, description="办理时间")
    consult_phone = optional(Str, max_length=50)
    supervision_phone = optional(Str, max_length=50)
    result_name = optional(
        Str, max_length=200, description="结果名称（证照、批文等）；null 为未填报"
    )
    result_sample_url = optional(Url, description="结果样本（下载地址）")
    effective_on = optional(Day)
    materials = optional(
        ListOf,
        NestedList(MaterialSchema),
        max_items=100,
        description="申请材料；[] 为无需提交材料（事实），null 为未填报",
    )
    fees = ListOf(NestedList(FeeItemSchema), max_items=50)
    faqs = ListOf(NestedList(FaqSchema), max_items=50, metadata={"description": "常见问题"})
    legal_basis_ids = ListOf(
        Id(), max_items=100, metadata={"description": "设定依据；空列表为未填报"}
    )
    e_license_linked = fields.Boolean(dump_only=True, metadata={"description": "电子证照事项"})
    license_free = fields.Boolean(dump_only=True, metadata={"description": "免证办事项"})
    warnings = Warnings(item_warnings)

    @post_load
    def _stated(
        self, data: dict[str, Any], partial: bool | None = None, **_kwargs: Any
    ) -> dict[str, Any]:
        """A number without a unit is in 工作日 (行政许可法 第八十二条); a 服务对象 or 办理形式
        list left empty says nothing, so it is 未填报."""
        if not partial:
            for prefix in ("legal", "promised"):
                if (
                    data.get(f"{prefix}_time_limit") is not None
                    and data.get(f"{prefix}_time_unit") is None
                ):
                    data[f"{prefix}_time_unit"] = WORKING_DAYS
        for name in ("service_objects", "channels"):
            if name in data and not data[name]:
                data[name] = None
        return data

    @post_dump(pass_original=True)
    def _unknown_materials(self, data: dict[str, Any], item: Any, **_kwargs: Any) -> dict[str, Any]:
        if "materials" in data and not getattr(item, "materials_known", True):
            data["materials"] = None
        return data


# What a list row shows; the whole item (materials, fees, legal bases, texts) is GET /<id>.
SERVICE_ITEM_LIST_FIELDS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "status",
    "name",
    "catalog_code",
    "implementation_code",
    "item_type",
    "exercise_level",
    "department_id",
    "department_name",
    "township_id",
    "case_type",
    "legal_time_limit",
    "legal_time_unit",
    "promised_time_limit",
    "promised_time_unit",
    "legal_no_limit",
    "promised_no_limit",
    "onsite_visits",
    "is_charged",
    "service_scope",
    "effective_on",
    "e_license_linked",
    "license_free",
)


class ServiceItemListSchema(ServiceItemSchema):
    class Meta(ServiceItemSchema.Meta):
        fields = SERVICE_ITEM_LIST_FIELDS


class BundleSchema(ListRowSchema):
    name = Str(max_length=300, min_length=1, required=True, metadata={"description": "一件事名称"})
    lifecycle = optional(Str, max_length=20)
    stage = optional(Str, max_length=50)
    lead_department_id = Id(required=True)
    promised_time_limit = optional(Int, maximum=TIME_LIMIT_MAX)
    onsite_visits = optional(Int, maximum=20)
    description = optional(Text)
    member_ids = ListOf(
        Id(), max_items=100, metadata={"description": "成员事项（实施清单事项编号）"}
    )
