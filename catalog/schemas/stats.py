from typing import Any

from marshmallow import ValidationError, fields, validate

from ..models.codes import ITEM_TYPES
from ..services.completeness import LIST_NAMES
from ..services.figures import PARTS, PUBLISHED, RULES
from .base import BaseSchema
from .fields import MESSAGES, Code, Day, Id, ListOf, Str, Verbatim


class ScopeArgsSchema(BaseSchema):
    region_id = Id(load_default=None, strict=False, metadata={"description": "行政区划编号"})
    department_id = Id(load_default=None, strict=False, metadata={"description": "部门编号"})
    item_types = ListOf(
        Code(ITEM_TYPES),
        max_items=13,
        load_default=["01"],
        metadata={"description": "事项类型（默认 01 行政许可）"},
    )
    as_of = Day(load_default=None, metadata={"description": "截至日期（按北京时间当日结束）"})
    rule = Code({r: r for r in RULES}, load_default="HALF_UP", metadata={"description": "舍入规则"})


class RowsArgsSchema(ScopeArgsSchema):
    part = Code(
        {
            "numerator": "分子",
            "denominator": "分母",
            "excluded": "在分母中但不在分子中（拉低比率的记录）",
            "unknown": "在口径范围内、因要素未填报而未计入的记录",
        },
        load_default="numerator",
    )


class Refused(fields.Raw):
    """A parameter other endpoints take that this one cannot honour: refused, never ignored."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(metadata={"description": message}, **kwargs)
        self.message = message

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        raise ValidationError(self.message)


class DevolutionArgsSchema(BaseSchema):
    """下放事项按镇街计数：地区、部门（原实施部门）和截至日期。"""

    region_id = Id(load_default=None, strict=False, metadata={"description": "行政区划编号"})
    department_id = Id(load_default=None, strict=False, metadata={"description": "原实施部门编号"})
    as_of = Day(load_default=None, metadata={"description": "截至日期（按北京时间当日结束）"})
    item_types = Refused("下放镇街事项不按事项类型统计：请去掉 item_types。")
    rule = Refused("下放事项按镇街计数，是整数，不涉及舍入：请去掉 rule。")


LISTS = {name: name for name in LIST_NAMES}


class CompletenessArgsSchema(ScopeArgsSchema):
    lists = ListOf(
        Code(LISTS), max_items=5, load_default=None, metadata={"description": "清单（默认全部）"}
    )


class CompletenessRowsArgsSchema(ScopeArgsSchema):
    element = Str(
        max_length=40, load_default=None, metadata={"description": "要素（默认：缺任一必填要素）"}
    )


class CheckArgsSchema(ScopeArgsSchema):
    key = Code({key: key for key in PARTS}, required=True)
    published = Str(
        max_length=30,
        min_length=1,
        required=True,
        validate=[validate.Regexp(PUBLISHED, error=MESSAGES["invalid_figure"])],
        metadata={"description": "公布的数值：整数最多 12 位、小数最多 12 位，可带 %，如 95.48%"},
    )


class FigureSchema(BaseSchema):
    key = fields.String()
    label = fields.String()
    formula = fields.String()
    numerator = fields.Raw(metadata={"description": "分子：整数，或分数字符串如 2147/5"})
    denominator = fields.Raw(allow_none=True, metadata={"description": "分母；计数类为 null"})
    numerator_text = fields.String(metadata={"description": "分子的精确写法：整数、有限小数或分数"})
    value = fields.String(
        allow_none=True,
        metadata={"description": "精确值：分数与12位小数（截断），如 423/443 = 0.954853273137"},
    )
    in_scope = fields.Integer(metadata={"description": "口径范围内的记录数"})
    unknown = fields.Integer(
        metadata={
            "description": "范围内因所需要素未填报而未计入的记录数（可用 part=unknown 查看）；全部未填报时 display 为“全部未填报”"
        }
    )
    display = fields.String()
    displays = fields.Dict(keys=fields.String(), values=fields.String())
    rule = fields.String()
    scope = fields.Dict()
    as_of = fields.String(allow_none=True)


class FiguresSchema(BaseSchema):
    figures = Verbatim(FigureSchema, many=True)


class DepartmentRowSchema(BaseSchema):
    """A row of a table by department: the department, then its figures."""

    department_id = fields.Integer()
    department = fields.String()


class DepartmentFiguresSchema(DepartmentRowSchema):
    figures = Verbatim(FigureSchema, many=True)


class MissingElementSchema(BaseSchema):
    key = fields.String(metadata={"description": "要素"})
    label = fields.String(metadata={"description": "要素名称"})
    missing = fields.Integer(metadata={"description": "缺该要素的记录数"})


class CompletenessFigureSchema(FigureSchema):
    list = fields.String(metadata={"description": "清单（实体类型）"})
    list_name = fields.String(metadata={"description": "清单在接口地址中的名称，如 service-items"})
    list_label = fields.String()
    elements = fields.List(
        fields.Nested(MissingElementSchema),
        metadata={"description": "各必填要素及缺该要素的记录数"},
    )


class CompletenessSchema(BaseSchema):
    lists = Verbatim(CompletenessFigureSchema, many=True)


class DepartmentCompletenessSchema(DepartmentRowSchema):
    lists = Verbatim(CompletenessFigureSchema, many=True)


class CompletenessRowSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    department_id = fields.Integer()
    missing = fields.List(fields.String(), metadata={"description": "缺少的必填要素"})


class CompletenessRowsSchema(BaseSchema):
    rows = fields.List(fields.Nested(CompletenessRowSchema))


class CheckResultSchema(BaseSchema):
    published = fields.String()
    supported = fields.Boolean()
    supported_by = fields.List(fields.String())
    recomputed = fields.Dict(keys=fields.String(), values=fields.String())
    difference_points = fields.String(allow_none=True)
    figure = fields.Nested(FigureSchema)
