from ..models.codes import ORGANIZATION_KINDS
from .base import RowSchema
from .fields import Code, Id, Str, optional


class RegionSchema(RowSchema):
    code = Str(max_length=12, min_length=6, required=True, metadata={"description": "行政区划代码"})
    name = Str(max_length=100, min_length=1, required=True)
    parent_id = optional(Id)


class OrganizationSchema(RowSchema):
    region_id = Id(required=True)
    kind = Code(ORGANIZATION_KINDS, required=True)
    name = Str(max_length=200, min_length=1, required=True)
    short_name = optional(Str, max_length=100)
    uscc = optional(Str, max_length=18, description="统一社会信用代码")
    parent_id = optional(Id)
