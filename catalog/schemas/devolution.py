from marshmallow import fields

from ..models.codes import DEVOLUTION_MODES, DEVOLUTION_STATUSES
from .base import ListRowSchema, RowSchema
from .fields import Code, Day, Id, ListOf, Str, Text


class DevolutionBatchSchema(RowSchema):
    title = Str(max_length=300, min_length=1, required=True)
    document_number = Str(max_length=100, allow_none=True, load_default=None)
    issuer = Str(max_length=200, allow_none=True, load_default=None)
    batch_number = Str(max_length=50, allow_none=True, load_default=None)
    list_kind = Str(max_length=20, allow_none=True, load_default=None)
    published_on = Day(allow_none=True, load_default=None)
    effective_on = Day(allow_none=True, load_default=None)
    region_id = Id(required=True)


class DevolvedItemSchema(ListRowSchema):
    batch_id = Id(required=True)
    name = Str(max_length=300, min_length=1, required=True)
    power_item_id = Id(allow_none=True, load_default=None)
    from_department_id = Id(required=True)
    from_department_name = fields.String(attribute="from_department.name", dump_only=True)
    mode = Code(DEVOLUTION_MODES, required=True, metadata={"description": "调整方式"})
    entrusting_department_id = Id(allow_none=True, load_default=None)
    devolution_status = Code(DEVOLUTION_STATUSES, load_default="planned")
    effective_on = Day(allow_none=True, load_default=None)
    entrusted_until = Day(allow_none=True, load_default=None)
    scope_limit = Text(allow_none=True, load_default=None)
    retained_cases = Text(allow_none=True, load_default=None)
    attached_powers = Text(allow_none=True, load_default=None)
    receiver_ids = ListOf(Id(), max_items=100, metadata={"description": "承接镇街"})
