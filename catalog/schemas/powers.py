from marshmallow import fields

from .base import ListRowSchema, RowSchema
from .fields import Id, ListOf, Str, Text, optional


class PowerTypeSchema(RowSchema):
    code = Str(max_length=4, min_length=2, required=True)
    name = Str(max_length=50, min_length=1, required=True)
    national = fields.Boolean(dump_only=True)


class PowerItemSchema(ListRowSchema):
    code = Str(max_length=40, min_length=1, required=True, metadata={"description": "职权编码"})
    name = Str(max_length=300, min_length=1, required=True)
    sub_item_name = optional(Str, max_length=300)
    power_type_code = Str(max_length=4, required=True, metadata={"description": "职权类型"})
    power_type_name = fields.String(attribute="power_type.name", dump_only=True)
    department_id = Id(required=True)
    department_name = fields.String(attribute="department.name", dump_only=True)
    handling_unit = optional(Str, max_length=200)
    level_and_scope = optional(Text)
    basis_text = optional(Text)
    responsibilities = optional(Text)
    responsibility_basis = optional(Text)
    accountability_scope = optional(Text)
    accountability_cases = optional(Text)
    supervision = optional(Text)
    remark = optional(Text)
    legal_basis_ids = ListOf(Id(), max_items=100)
