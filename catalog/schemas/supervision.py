from ..models.codes import (
    CHECK_CATEGORIES,
    CREDIT_RISKS,
    EXERCISE_LEVELS,
    SUPERVISION_TYPES,
    TARGET_KINDS,
)
from .base import ListRowSchema, RowSchema
from .fields import Bool, Code, Day, Id, ListOf, Percent, Str, Text, optional


class SupervisionItemSchema(ListRowSchema):
    code = Str(
        max_length=14, required=True, metadata={"description": "监管事项目录编码（14位数字）"}
    )
    main_name = Str(max_length=300, min_length=1, required=True)
    sub_name = optional(Str, max_length=300)
    parent_id = optional(Id)
    supervision_type = Code(SUPERVISION_TYPES, required=True)
    department_id = Id(required=True)
    objects = optional(Text)
    basis_text = optional(Text)
    levels = ListOf(Code(EXERCISE_LEVELS), max_items=7)
    random_check = Bool(load_default=False)
    key_check = Bool(load_default=False)
    joint_check_suitable = Bool(load_default=False)
    claimed = Bool(load_default=True)
    measures = optional(Text)
    power_item_id = optional(Id)
    legal_basis_ids = ListOf(Id(), max_items=100)


class InspectionImplListSchema(ListRowSchema):
    supervision_item_id = Id(required=True)
    code = optional(Str, max_length=40)
    name = Str(max_length=300, min_length=1, required=True)
    department_id = Id(required=True)
    exercise_level = Code(EXERCISE_LEVELS, load_default="4")
    check_objects = optional(Text)
    check_content = optional(Text)
    check_method = optional(Str, max_length=50)
    check_basis = optional(Text)
    random_check = Bool(load_default=False)
    ratio = optional(Str, max_length=100)
    frequency = optional(Str, max_length=100)
    result_handling = optional(Text)


class RandomCheckItemSchema(ListRowSchema):
    name = Str(max_length=300, min_length=1, required=True)
    field = optional(Str, max_length=100)
    sub_item = optional(Str, max_length=300)
    category = Code(CHECK_CATEGORIES, load_default="general")
    basis_text = optional(Text)
    department_id = Id(required=True)
    targets = optional(Text)
    ratio = optional(Str, max_length=100)
    frequency = optional(Str, max_length=100)
    method = optional(Str, max_length=100)
    content = optional(Text)
    ratio_min = optional(Percent, description="抽查比例下限（%）")
    ratio_max = optional(
        Percent, description="抽查比例上限（%），仅一般检查事项；重点检查事项不设上限"
    )
    supervision_item_id = optional(Id)


class InspectionTargetSchema(RowSchema):
    kind = Code(TARGET_KINDS, load_default="market_entity")
    name = Str(max_length=300, min_length=1, required=True)
    uscc = optional(Str, max_length=18)
    legal_representative = optional(Str, max_length=100)
    registered_address = optional(Str, max_length=400)
    business_address = optional(Str, max_length=400)
    contact = optional(Str, max_length=100)
    phone = optional(Str, max_length=50)
    industry = optional(Str, max_length=100)
    abnormal = Bool(load_default=False, metadata={"description": "列入经营异常名录"})
    serious_violation = Bool(load_default=False, metadata={"description": "列入严重违法失信名单"})
    credit_risk = optional(Code, CREDIT_RISKS, description="信用风险分类（未分类为空）")
    region_id = Id(required=True)
    township_id = optional(Id, description="所属镇街")


class InspectorSchema(RowSchema):
    name = Str(max_length=100, min_length=1, required=True)
    certificate_number = Str(
        max_length=50, min_length=1, required=True, metadata={"description": "执法证号"}
    )
    enforcement_field = optional(Str, max_length=100)
    department_id = Id(required=True)
    on_duty = Bool(load_default=True)
    certified_on = optional(Day, description="执法证发证日期")
    certificate_valid_until = optional(Day, description="执法证有效期至（未登记为空）")
