from ..models.codes import (
    CHECK_CATEGORIES,
    CREDIT_RISKS,
    EXERCISE_LEVELS,
    SUPERVISION_TYPES,
    TARGET_KINDS,
)
from .base import ListRowSchema, RowSchema
from .fields import Bool, Code, Day, Id, ListOf, Percent, Str, Text


class SupervisionItemSchema(ListRowSchema):
    code = Str(
        max_length=14, required=True, metadata={"description": "监管事项目录编码（14位数字）"}
    )
    main_name = Str(max_length=300, min_length=1, required=True)
    sub_name = Str(max_length=300, allow_none=True, load_default=None)
    parent_id = Id(allow_none=True, load_default=None)
    supervision_type = Code(SUPERVISION_TYPES, required=True)
    department_id = Id(required=True)
    objects = Text(allow_none=True, load_default=None)
    basis_text = Text(allow_none=True, load_default=None)
    levels = ListOf(Code(EXERCISE_LEVELS), max_items=7)
    random_check = Bool(load_default=False)
    key_check = Bool(load_default=False)
    joint_check_suitable = Bool(load_default=False)
    claimed = Bool(load_default=True)
    measures = Text(allow_none=True, load_default=None)
    power_item_id = Id(allow_none=True, load_default=None)
    legal_basis_ids = ListOf(Id(), max_items=100)


class InspectionImplListSchema(ListRowSchema):
    supervision_item_id = Id(required=True)
    code = Str(max_length=40, allow_none=True, load_default=None)
    name = Str(max_length=300, min_length=1, required=True)
    department_id = Id(required=True)
    exercise_level = Code(EXERCISE_LEVELS, load_default="4")
    check_objects = Text(allow_none=True, load_default=None)
    check_content = Text(allow_none=True, load_default=None)
    check_method = Str(max_length=50, allow_none=True, load_default=None)
    check_basis = Text(allow_none=True, load_default=None)
    random_check = Bool(load_default=False)
    ratio = Str(max_length=100, allow_none=True, load_default=None)
    frequency = Str(max_length=100, allow_none=True, load_default=None)
    result_handling = Text(allow_none=True, load_default=None)


class RandomCheckItemSchema(ListRowSchema):
    name = Str(max_length=300, min_length=1, required=True)
    field = Str(max_length=100, allow_none=True, load_default=None)
    sub_item = Str(max_length=300, allow_none=True, load_default=None)
    category = Code(CHECK_CATEGORIES, load_default="general")
    basis_text = Text(allow_none=True, load_default=None)
    department_id = Id(required=True)
    targets = Text(allow_none=True, load_default=None)
    ratio = Str(max_length=100, allow_none=True, load_default=None)
    frequency = Str(max_length=100, allow_none=True, load_default=None)
    method = Str(max_length=100, allow_none=True, load_default=None)
    content = Text(allow_none=True, load_default=None)
    ratio_min = Percent(
        allow_none=True, load_default=None, metadata={"description": "抽查比例下限（%）"}
    )
    ratio_max = Percent(
        allow_none=True,
        load_default=None,
        metadata={"description": "抽查比例上限（%），仅一般检查事项；重点检查事项不设上限"},
    )
    supervision_item_id = Id(allow_none=True, load_default=None)


class InspectionTargetSchema(RowSchema):
    kind = Code(TARGET_KINDS, load_default="market_entity")
    name = Str(max_length=300, min_length=1, required=True)
    uscc = Str(max_length=18, allow_none=True, load_default=None)
    legal_representative = Str(max_length=100, allow_none=True, load_default=None)
    registered_address = Str(max_length=400, allow_none=True, load_default=None)
    business_address = Str(max_length=400, allow_none=True, load_default=None)
    contact = Str(max_length=100, allow_none=True, load_default=None)
    phone = Str(max_length=50, allow_none=True, load_default=None)
    industry = Str(max_length=100, allow_none=True, load_default=None)
    abnormal = Bool(load_default=False, metadata={"description": "列入经营异常名录"})
    serious_violation = Bool(load_default=False, metadata={"description": "列入严重违法失信名单"})
    credit_risk = Code(
        CREDIT_RISKS,
        allow_none=True,
        load_default=None,
        metadata={"description": "信用风险分类（未分类为空）"},
    )
    region_id = Id(required=True)
    township_id = Id(allow_none=True, load_default=None, metadata={"description": "所属镇街"})


class InspectorSchema(RowSchema):
    name = Str(max_length=100, min_length=1, required=True)
    certificate_number = Str(
        max_length=50, min_length=1, required=True, metadata={"description": "执法证号"}
    )
    enforcement_field = Str(max_length=100, allow_none=True, load_default=None)
    department_id = Id(required=True)
    on_duty = Bool(load_default=True)
    certified_on = Day(
        allow_none=True, load_default=None, metadata={"description": "执法证发证日期"}
    )
    certificate_valid_until = Day(
        allow_none=True, load_default=None, metadata={"description": "执法证有效期至（未登记为空）"}
    )
