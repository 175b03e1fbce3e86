from marshmallow import fields, validate

from ..models.codes import ITEM_TYPES
from ..services.figures import PARTS, PUBLISHED, RULES
from .base import BaseSchema
from .fields import MESSAGES, Code, Day, Id, ListOf, Str


class ScopeArgsSchema(BaseSchema):
    region_id = Id(load_default=None, strict=False, metadata={"description": "行政区划编号"})
    department_id = Id(load_default=None, strict=False, metadata={"description": "部门编号"})
    item_types = ListOf(Code(ITEM_TYPES), max_items=13, load_default=["01"], metadata={"description": "事项类型（默认 01 行政许可）"})
    as_of = Day(load_default=None, metadata={"description": "截至日期（按北京时间当日结束）"})
    rule = Code({r: r for r in RULES}, load_default="HALF_UP", metadata={"description": "舍入规则"})


class RowsArgsSchema(ScopeArgsSchema):
    part = Code(
        {"numerator": "分子", "denominator": "分母", "excluded": "在分母中但不在分子中"},
        load_default="numerator",
    )


class CheckArgsSchema(ScopeArgsSchema):
    key = Code({key: key for key in PARTS}, required=True)
    published = Str(
        max_length=30, min_length=1, required=True, validate=[validate.Regexp(PUBLISHED, error=MESSAGES["invalid_figure"])],
        metadata={"description": "公布的数值：整数最多 12 位、小数最多 12 位，可带 %，如 95.48%"},
    )


class FigureSchema(BaseSchema):
    key = fields.String()
    label = fields.String()
    formula = fields.String()
    numerator = fields.Raw()
    denominator = fields.Raw(allow_none=True)
    value = fields.String(allow_none=True)
    display = fields.String()
    displays = fields.Dict(keys=fields.String(), values=fields.String())
    rule = fields.String()
    scope = fields.Dict()
    as_of = fields.String(allow_none=True)


class FiguresSchema(BaseSchema):
    figures = fields.List(fields.Nested(FigureSchema))


class DepartmentFiguresSchema(BaseSchema):
    department_id = fields.Integer()
    department = fields.String()
    figures = fields.List(fields.Nested(FigureSchema))


class CheckResultSchema(BaseSchema):
    published = fields.String()
    supported = fields.Boolean()
    supported_by = fields.List(fields.String())
    recomputed = fields.Dict(keys=fields.String(), values=fields.String())
    difference_points = fields.String(allow_none=True)
    figure = fields.Nested(FigureSchema)
