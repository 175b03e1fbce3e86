"""抽查任务, draws, results, 回避 declarations and the oversight figures."""

from __future__ import annotations

from marshmallow import fields

from ..models.codes import CHECK_RESULTS, CREDIT_RISKS, TARGET_KINDS, TASK_STATES
from ..services.tabular_files import FORMATS
from .base import BaseSchema, PageResultSchema, PageSchema
from .fields import Code, Day, Id, Int, ListOf, Percent, Str, Text, optional
from .stats import FigureSchema

FLAG_FILTER = {"only": "仅限列入的对象", "exclude": "排除列入的对象"}


class ScopeSchema(BaseSchema):
    """Filters on the 检查对象名录库; each one given narrows the candidates."""

    region_id = optional(Id, description="行政区划")
    township_ids = ListOf(Id(), max_items=50, metadata={"description": "所属镇街"})
    kinds = ListOf(Code(TARGET_KINDS), max_items=4, metadata={"description": "对象类别"})
    industries = ListOf(
        Str(max_length=100, min_length=1), max_items=50, metadata={"description": "行业"}
    )
    credit_risks = ListOf(Code(CREDIT_RISKS), max_items=4, metadata={"description": "信用风险分类"})
    abnormal = optional(Code, FLAG_FILTER, description="经营异常名录")
    serious_violation = optional(Code, FLAG_FILTER, description="严重违法失信名单")


class TaskSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    code = Str(
        max_length=40,
        min_length=1,
        required=True,
        metadata={"description": "任务编号（公开，参与抽取密钥）"},
    )
    name = Str(max_length=300, min_length=1, required=True)
    year = Int(minimum=2000, maximum=2100, required=True, metadata={"description": "年度"})
    batch = optional(Str, max_length=50, description="批次")
    initiating_department_id = Id(required=True, metadata={"description": "发起部门"})
    cooperating_department_ids = ListOf(
        Id(), max_items=20, metadata={"description": "配合部门（联合抽查）"}
    )
    item_ids = ListOf(Id(), max_items=50, metadata={"description": "随机抽查事项（至少一项）"})
    scope = fields.Nested(ScopeSchema, load_default=dict, metadata={"description": "检查对象范围"})
    ratio_percent = optional(Percent, description="抽查比例（%），与抽查数量二选一")
    sample_count = optional(Int, minimum=1, maximum=100_000, description="抽查数量")
    inspectors_per_department = Int(
        minimum=2,
        maximum=10,
        load_default=2,
        metadata={"description": "每部门每对象执法人员数（至少2）"},
    )
    window_start = Day(required=True, metadata={"description": "检查开始日期"})
    window_end = Day(required=True, metadata={"description": "检查结束日期"})
    publish_within_days = Int(
        minimum=1, maximum=365, load_default=20, metadata={"description": "检查后几日内公示结果"}
    )
    state = fields.String(
        dump_only=True,
        metadata={"description": "planned 计划 / committed 已公布种子承诺 / drawn 已抽取"},
    )
    state_label = fields.Function(lambda t: TASK_STATES.get(t.state, t.state), dump_only=True)
    joint = fields.Boolean(dump_only=True, metadata={"description": "部门联合抽查"})
    seed_commitment = fields.String(
        dump_only=True, allow_none=True, metadata={"description": "种子的 SHA-256（抽取前公布）"}
    )
    committed_at = fields.DateTime(dump_only=True, allow_none=True)
    drawn_at = fields.Function(
        lambda t: t.draw.drawn_at.isoformat() if t.draw else None, dump_only=True
    )
    pool_size = fields.Function(
        lambda t: t.draw.pool_size if t.draw else None,
        dump_only=True,
        metadata={"description": "名录库相关对象数"},
    )
    sample_size = fields.Function(
        lambda t: t.draw.sample_size if t.draw else None,
        dump_only=True,
        metadata={"description": "抽取对象数"},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class TaskPatchSchema(TaskSchema):
    """Every field optional: PATCH changes what it names."""


class TaskPageSchema(PageResultSchema):
    items = fields.List(fields.Nested(TaskSchema))


class TaskQuerySchema(PageSchema):
    year = Int(minimum=2000, maximum=2100, load_default=None, strict=False)
    state = Code(TASK_STATES, load_default=None)
    department_id = Id(load_default=None, strict=False, metadata={"description": "发起部门"})

    class Meta:
        exclude = ("sort",)


class ExportArgsSchema(BaseSchema):
    format = Code(FORMATS, load_default="xlsx", metadata={"description": "文件格式"})


class DrawArgsSchema(BaseSchema):
    witness = Str(
        max_length=200,
        load_default="",
        metadata={"description": "现场见证随机数（如监督员掷骰结果），抽取时录入"},
    )


class PersonSchema(BaseSchema):
    name = fields.String()
    certificate_number = fields.String()


class TeamSchema(BaseSchema):
    department = fields.String()
    inspectors = fields.List(fields.Nested(PersonSchema))


class ResultFieldsSchema(BaseSchema):
    checked_on = optional(Day, description="检查日期")
    result = Code(CHECK_RESULTS, required=True, metadata={"description": "检查结果"})
    handling = optional(Text, description="处理情况")


class DrawnTargetSchema(BaseSchema):
    drawn_target_id = fields.Integer()
    rank = fields.Integer()
    key = fields.String(metadata={"description": "抽取所用的键（统一社会信用代码，或类别:名称）"})
    score = fields.String(metadata={"description": "排序值 SHA-256"})
    name = fields.String()
    uscc = fields.String(allow_none=True)
    kind = fields.String()
    industry = fields.String(allow_none=True)
    teams = fields.List(fields.Nested(TeamSchema))
    version = fields.Integer(metadata={"description": "录入结果时放入 If-Match"})
    checked_on = fields.Date(allow_none=True)
    result = fields.String(allow_none=True)
    result_label = fields.String(allow_none=True)
    handling = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    deadline = fields.Date(metadata={"description": "公示期限"})
    on_time = fields.Boolean(allow_none=True, metadata={"description": "按时公示（未公示为空）"})


class ReplacementSchema(BaseSchema):
    target = fields.String()
    department = fields.String()
    inspector = fields.Nested(PersonSchema)
    reason_code = fields.String()
    reason = fields.String()
    replaced_by = fields.Nested(PersonSchema)


class DrawSchema(BaseSchema):
    task_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    algorithm = fields.String()
    drawn_at = fields.DateTime()
    draw_date = fields.Date()
    actor = fields.String()
    seed_commitment = fields.String()
    committed_at = fields.DateTime()
    seed = fields.String(metadata={"description": "种子（抽取后公开，SHA-256 应等于种子承诺）"})
    witness = fields.String()
    draw_key = fields.String()
    pool_size = fields.Integer()
    sample_size = fields.Integer()
    snapshot_sha256 = fields.String()
    result_sha256 = fields.String()
    parameters = fields.Dict()
    targets = fields.List(fields.Nested(DrawnTargetSchema))
    replacements = fields.List(fields.Nested(ReplacementSchema))


class DirectoryCheckSchema(BaseSchema):
    state = fields.String(metadata={"description": "identical / differs / no_history"})
    message = fields.String()
    missing_from_snapshot = fields.Dict()
    not_in_history = fields.Dict()


class VerifySchema(BaseSchema):
    task_id = fields.Integer()
    algorithm = fields.String()
    identical = fields.Boolean(
        metadata={"description": "重新抽取的结果与保存的结果逐字节一致，且各摘要相符"}
    )
    checks = fields.Dict(keys=fields.String(), values=fields.Boolean())
    rerun_sha256 = fields.String()
    directory = fields.Nested(
        DirectoryCheckSchema,
        allow_none=True,
        metadata={"description": "名录库历史核对（页面浏览时不做）"},
    )


class RecordedResultSchema(BaseSchema):
    id = fields.Integer()
    task_id = fields.Integer()
    rank = fields.Integer()
    target_name = fields.String()
    checked_on = fields.Date(allow_none=True)
    result = fields.String(allow_none=True)
    handling = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class PublishArgsSchema(BaseSchema):
    drawn_target_ids = ListOf(
        Id(), max_items=1000, metadata={"description": "要公示的抽取对象编号"}
    )


class PublicResultSchema(BaseSchema):
    id = fields.Integer()
    task_id = fields.Integer()
    task_code = fields.Function(lambda r: r.task.code)
    task_name = fields.Function(lambda r: r.task.name)
    department = fields.Function(lambda r: r.task.initiating_department.name)
    target_name = fields.String()
    checked_on = fields.Date(allow_none=True)
    result = fields.String()
    result_label = fields.Function(lambda r: CHECK_RESULTS.get(r.result, r.result))
    handling = fields.String(allow_none=True)
    published_at = fields.DateTime()


class PublicResultPageSchema(PageResultSchema):
    items = fields.List(fields.Nested(PublicResultSchema))


class PublicResultQuerySchema(PageSchema):
    task_id = Id(load_default=None, strict=False)
    year = Int(minimum=2000, maximum=2100, load_default=None, strict=False)
    department_id = Id(load_default=None, strict=False, metadata={"description": "发起部门"})
    result = Code(CHECK_RESULTS, load_default=None)

    class Meta:
        exclude = ("sort",)


class ConflictSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    inspector_id = Id(required=True)
    target_id = Id(required=True)
    department_id = fields.Integer(dump_only=True)
    reason = Str(
        max_length=500, min_length=1, required=True, metadata={"description": "利害关系说明"}
    )
    declared_on = optional(Day, description="申报日期（默认今天）")


class ConflictQuerySchema(BaseSchema):
    inspector_id = Id(load_default=None, strict=False)
    target_id = Id(load_default=None, strict=False)
    department_id = Id(load_default=None, strict=False)


class OversightArgsSchema(BaseSchema):
    region_id = Id(load_default=None, strict=False)
    department_id = Id(load_default=None, strict=False)
    year = Int(minimum=2000, maximum=2100, load_default=None, strict=False)
    as_of = Day(load_default=None, metadata={"description": "截至日期（北京时间当日结束）"})
    rule = Code({"HALF_UP": "HALF_UP", "DOWN": "DOWN"}, load_default="HALF_UP")


class OversightFiguresSchema(BaseSchema):
    figures = fields.List(fields.Nested(FigureSchema))
    ratios = fields.List(
        fields.Nested(FigureSchema), metadata={"description": "各任务各事项的抽查比例"}
    )
