from marshmallow import fields

from ..models.codes import DEVOLUTION_MODES, DEVOLUTION_STATUSES
from .base import ListRowSchema, RowSchema
from .fields import Code, Day, Id, ListOf, Str, Text, optional


class DevolutionBatchSchema(RowSchema):
    title = Str(max_length=300, min_length=1, required=True)
    document_number = optional(Str, max_length=100)
    issuer = optional(Str, max_length=200)
    batch_number = optional(Str, max_length=50)
    list_kind = optional(Str, max_length=20)
    published_on = optional(Day)
    effective_on = optional(Day)
    region_id = Id(required=True)


class DevolvedItemSchema(ListRowSchema):
    batch_id = Id(required=True)
    name = Str(max_length=300, min_length=1, required=True)
    power_item_id = optional(Id)
    from_department_id = Id(required=True)
    from_department_name = fields.String(attribute="from_department.name", dump_only=True)
    mode = Code(DEVOLUTION_MODES, required=True, metadata={"description": "调整方式"})
    entrusting_department_id = optional(Id)
    devolution_status = Code(DEVOLUTION_STATUSES, load_default="planned")
    effective_on = optional(Day)
    entrusted_until = optional(Day)
    scope_limit = optional(Text)
    retained_cases = optional(Text)
    attached_powers = optional(Text)
    receiver_ids = ListOf(Id(), max_items=100, metadata={"description": "承接镇街"})
