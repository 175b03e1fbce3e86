from ..models.codes import ORGANIZATION_KINDS
from .base import RowSchema
from .fields import Code, Id, Str


class RegionSchema(RowSchema):
    code = Str(max_length=12, min_length=6, required=True, metadata={"description": "行政区划代码"})
    name = Str(max_length=100, min_length=1, required=True)
    parent_id = Id(allow_none=True, load_default=None)


class OrganizationSchema(RowSchema):
    region_id = Id(required=True)
    kind = Code(ORGANIZATION_KINDS, required=True)
    name = Str(max_length=200, min_length=1, required=True)
    short_name = Str(max_length=100, allow_none=True, load_default=None)
    uscc = Str(
        max_length=18,
        allow_none=True,
        load_default=None,
        metadata={"description": "统一社会信用代码"},
    )
    parent_id = Id(allow_none=True, load_default=None)
