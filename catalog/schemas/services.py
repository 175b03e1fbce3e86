from marshmallow import fields

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
from .base import BaseSchema, ListRowSchema
from .fields import Bool, Code, Day, Id, Int, ListOf, NestedList, Str, Text, Url

TIME_LIMIT_MAX = 3650


class MaterialSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = Str(max_length=50, allow_none=True, load_default=None)
    name = Str(max_length=300, min_length=1, required=True)
    material_type = Str(max_length=20, allow_none=True, load_default=None)
    material_form = Str(max_length=20, allow_none=True, load_default=None)
    required = Bool(load_default=True)
    copies = Int(maximum=99, allow_none=True, load_default=None)
    source_channel = Str(max_length=200, allow_none=True, load_default=None)
    e_license_name = Str(
        max_length=200, allow_none=True, load_default=None, metadata={"description": "已关联电子证照"}
    )
    e_license_code = Str(max_length=100, allow_none=True, load_default=None)
    exempt = Bool(load_default=False, metadata={"description": "免提交"})
    note = Text(allow_none=True, load_default=None)


class FeeItemSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = Str(max_length=200, min_length=1, required=True)
    standard = Text(allow_none=True, load_default=None)
    basis = Text(allow_none=True, load_default=None)
    reducible = Bool(load_default=False)


class ServiceItemSchema(ListRowSchema):
    name = Str(max_length=300, min_length=1, required=True, metadata={"description": "事项名称"})
    aliases = ListOf(Str(max_length=100), max_items=20, metadata={"description": "日常用语"})
    catalog_code = Str(max_length=12, allow_none=True, load_default=None, metadata={"description": "基本编码"})
    implementation_code = Str(
        max_length=31, allow_none=True, load_default=None, metadata={"description": "实施编码"}
    )
    local_code = Str(max_length=80, allow_none=True, load_default=None)
    handle_item_code = Str(max_length=50, allow_none=True, load_default=None)
    item_type = Code(ITEM_TYPES, required=True, metadata={"description": "事项类型"})
    exercise_level = Code(EXERCISE_LEVELS, load_default="4", metadata={"description": "行使层级"})
    department_id = Id(required=True, metadata={"description": "实施主体"})
    department_name = fields.String(attribute="department.name", dump_only=True)
    township_id = Id(allow_none=True, load_default=None)
    body_nature = Code(BODY_NATURES, allow_none=True, load_default=None)
    power_source = Code(POWER_SOURCES, allow_none=True, load_default=None)
    entrusting_department = Str(max_length=200, allow_none=True, load_default=None)
    handling_unit = Str(max_length=200, allow_none=True, load_default=None)
    joint_departments = Str(max_length=500, allow_none=True, load_default=None)
    power_item_id = Id(allow_none=True, load_default=None)
    legal_time_limit = Int(maximum=TIME_LIMIT_MAX, allow_none=True, load_default=None)
    legal_time_unit = Code(TIME_UNITS, load_default="W")
    promised_time_limit = Int(maximum=TIME_LIMIT_MAX, allow_none=True, load_default=None)
    promised_time_unit = Code(TIME_UNITS, load_default="W")
    case_type = Code(CASE_TYPES, required=True, metadata={"description": "办件类型：1 即办件"})
    onsite_visits = Int(maximum=20, load_default=0, metadata={"description": "到办事现场次数"})
    onsite_reason = Text(allow_none=True, load_default=None)
    is_charged = Bool(load_default=False)
    charge_basis = Text(allow_none=True, load_default=None)
    acceptance_conditions = Text(allow_none=True, load_default=None)
    process = Text(allow_none=True, load_default=None)
    service_objects = ListOf(Code(SERVICE_OBJECTS), max_items=6)
    themes = ListOf(Str(max_length=50), max_items=30)
    channels = ListOf(Code(CHANNELS), max_items=5)
    service_scope = Code(SERVICE_SCOPES, allow_none=True, load_default=None)
    online_url = Url(allow_none=True, load_default=None)
    mobile_url = Url(allow_none=True, load_default=None)
    place = Text(allow_none=True, load_default=None)
    consult_phone = Str(max_length=50, allow_none=True, load_default=None)
    supervision_phone = Str(max_length=50, allow_none=True, load_default=None)
    effective_on = Day(allow_none=True, load_default=None)
    materials = ListOf(NestedList(MaterialSchema), max_items=100)
    fees = ListOf(NestedList(FeeItemSchema), max_items=50)
    legal_basis_ids = ListOf(Id(), max_items=100)
    e_license_linked = fields.Boolean(dump_only=True, metadata={"description": "电子证照事项"})
    license_free = fields.Boolean(dump_only=True, metadata={"description": "免证办事项"})


# What a list row shows; the whole item (materials, fees, legal bases, texts) is GET /<id>.
SERVICE_ITEM_LIST_FIELDS = (
    "id", "version", "created_at", "updated_at", "status", "name", "catalog_code",
    "implementation_code", "item_type", "exercise_level", "department_id", "department_name",
    "township_id", "case_type", "legal_time_limit", "legal_time_unit", "promised_time_limit",
    "promised_time_unit", "onsite_visits", "is_charged", "service_scope", "effective_on",
    "e_license_linked", "license_free",
)


class ServiceItemListSchema(ServiceItemSchema):
    class Meta(ServiceItemSchema.Meta):
        fields = SERVICE_ITEM_LIST_FIELDS


class BundleSchema(ListRowSchema):
    name = Str(max_length=300, min_length=1, required=True, metadata={"description": "一件事名称"})
    lifecycle = Str(max_length=20, allow_none=True, load_default=None)
    stage = Str(max_length=50, allow_none=True, load_default=None)
    lead_department_id = Id(required=True)
    promised_time_limit = Int(maximum=TIME_LIMIT_MAX, allow_none=True, load_default=None)
    onsite_visits = Int(maximum=20, allow_none=True, load_default=None)
    description = Text(allow_none=True, load_default=None)
    member_ids = ListOf(Id(), max_items=100, metadata={"description": "成员事项（实施清单事项编号）"})
