"""The spreadsheet columns of each list: the headers departments already use, in export order.

A list's ``Sheet`` names its columns in export order. Each ``Column`` has the header written on
export, the other headers seen in departments' sheets and on the provinces' portals, and a
``Kind`` (sheet_cells.py) that reads its cell and writes it again.

Headers are compared without spaces, line breaks, "*" or "(必填)" marks, and with full-width
forms folded (NFKC), so "法定办结\\n时限（工作日）" is read as 法定办结时限 in 工作日.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import models as m
from ..models.codes import (
    BODY_NATURES,
    CASE_TYPES,
    CHANNELS,
    DEVOLUTION_MODES,
    DEVOLUTION_STATUSES,
    EXERCISE_LEVELS,
    ITEM_TYPES,
    POWER_SOURCES,
    SERVICE_OBJECTS,
    SERVICE_SCOPES,
    STATUSES,
    SUPERVISION_TYPES,
    TIME_UNITS,
)
from . import registry
from .errors import DomainError
from .sheet_cells import (
    TIME_UNIT_ALIASES,
    Choice,
    Choices,
    Day,
    FeeNames,
    Flag,
    Integer,
    Kind,
    MaterialNames,
    OrganizationRef,
    OrganizationRefs,
    PowerTypeRef,
    RowRef,
    RowRefs,
    Text,
    TimeLimit,
    Words,
)


@dataclass(frozen=True)
class Column:
    header: str  # written on export
    kind: Kind
    synonyms: tuple[str, ...] = ()  # other headers that mean the same column

    @property
    def fields(self) -> tuple[str, ...]:
        return self.kind.fields


@dataclass(frozen=True, eq=False)
class Sheet:
    spec: registry.ListSpec
    title: str  # the worksheet and file name on export
    columns: tuple[Column, ...]
    # Natural keys: no two rows of a file, and no file row and existing row, may share one.
    # (The spec's unique fields are checked by crud.create_row against the database already.)
    keys: tuple[tuple[str, ...], ...] = ()
    ignored: tuple[str, ...] = ("序号", "编号")  # headers read as nothing, silently

    def field_header(self, field: str) -> str | None:
        return next((c.header for c in self.columns if field in c.fields), None)


# Aliases shared by the lists (codes.py holds the national labels; these are the other spellings).
ITEM_TYPE_ALIASES = {
    "其他行政权力": "10",
    "其他类别": "10",
    "其他": "10",
    "公共服务": "20",
    "内部审批": "11",
    "行政权力": "00",
}
LEVEL_ALIASES = {
    "国家": "1",
    "省": "2",
    "省级": "2",
    "市": "3",
    "市级": "3",
    "县": "4",
    "区": "4",
    "区级": "4",
    "县(区)级": "4",
    "县区级": "4",
    "镇": "5",
    "乡": "5",
    "镇级": "5",
    "乡级": "5",
    "乡镇级": "5",
    "街道级": "5",
    "镇街": "5",
    "村": "6",
    "社区": "6",
    "村级": "6",
    "社区级": "6",
}
STATUS_ALIASES = {
    # 事项状态 of the national exchange (1 在用 / 2 暂停 / 3 取消) and the vendors' workflow words.
    "在用": "published",
    "发布": "published",
    "已发布": "published",
    "1": "published",
    "暂停": "suspended",
    "2": "suspended",
    "取消": "cancelled",
    "已取消": "cancelled",
    "3": "cancelled",
    "待提交审核": "draft",
    "待审核": "submitted",
}
TOWNSHIPS = ("township", "street")

STATUS = Column(
    "状态", Choice("status", STATUSES, STATUS_ALIASES), ("事项状态", "清单状态", "工作流状态")
)


def _power_item_code(*aliases: str) -> Column:
    """权责事项编码: the 权责事项 a row implements, devolves or supervises, found by its code."""
    return Column(
        "权责事项编码", RowRef("power_item_id", m.PowerItem, ("code",), "权责事项"), aliases
    )


def _time_limit_columns(kind: str, field: str) -> tuple[Column, Column]:
    """The 法定 and the 承诺 time limit are read alike: a limit, then its unit."""
    limit, unit = f"{field}_time_limit", f"{field}_time_unit"
    return (
        Column(
            f"{kind}办结时限",
            TimeLimit(limit, unit),
            (f"{kind}时限", f"{kind}期限", f"{kind}办结期限"),
        ),
        Column(
            f"{kind}办结时限单位",
            Choice(unit, TIME_UNITS, TIME_UNIT_ALIASES),
            (f"{kind}时限单位", f"{kind}期限单位"),
        ),
    )


SERVICE_ITEMS = Sheet(
    registry.SERVICE_ITEMS,
    "政务服务事项实施清单",
    (
        Column(
            "事项名称",
            Text("name"),
            ("实施清单事项名称", "事项名", "服务事项名称", "业务办理项名称"),
        ),
        Column(
            "事项类型",
            Choice("item_type", ITEM_TYPES, ITEM_TYPE_ALIASES),
            ("事项类别", "事项类型代码", "权力类型"),
        ),
        # 实施主体 by name, 简称 or USCC; with a 实施主体编码 column as well, the two must agree.
        Column(
            "实施主体",
            OrganizationRef("department_id"),
            ("实施部门", "实施机关", "实施主体名称", "实施机构", "部门", "部门名称"),
        ),
        Column(
            "实施主体编码",
            OrganizationRef("department_id", by_code=True),
            (
                "实施主体统一社会信用代码",
                "实施主体代码",
                "统一社会信用代码",
                "部门统一社会信用代码",
            ),
        ),
        Column("基本编码", Text("catalog_code", digits=12), ("事项基本编码", "目录编码")),
        Column("实施编码", Text("implementation_code"), ("事项实施编码", "实施清单编码")),
        Column(
            "地方编码", Text("local_code"), ("事项编码", "地方事项编码", "事项代码", "地方实施编码")
        ),
        Column("业务办理项编码", Text("handle_item_code"), ("办理项编码",)),
        Column("行使层级", Choice("exercise_level", EXERCISE_LEVELS, LEVEL_ALIASES), ("层级",)),
        Column(
            "实施镇街", OrganizationRef("township_id", TOWNSHIPS), ("乡镇街道", "承接镇街", "镇街")
        ),
        Column("实施主体性质", Choice("body_nature", BODY_NATURES), ("主体性质",)),
        Column("权力来源", Choice("power_source", POWER_SOURCES), ()),
        Column("委托部门", Text("entrusting_department"), ()),
        Column("承办机构", Text("handling_unit"), ("承办科室", "承办处室", "内设机构")),
        Column("联办机构", Text("joint_departments"), ("共同实施部门", "联办部门")),
        _power_item_code("职权编码", "对应权责事项编码"),
        *_time_limit_columns("法定", "legal"),  # 法定办结时限, 法定办结时限单位
        *_time_limit_columns("承诺", "promised"),  # 承诺办结时限, 承诺办结时限单位
        Column(
            "办件类型", Choice("case_type", CASE_TYPES, {"即办": "1", "承诺": "2"}), ("办件类别",)
        ),
        Column(
            "到办事现场次数",
            Integer("onsite_visits"),
            (
                "到现场次数",
                "到办事现场次数(次)",
                "跑动次数",
                "到现场大厅次数",
                "现场次数",
                "最多跑动次数",
            ),
        ),
        Column(
            "必须现场办理原因",
            Text("onsite_reason"),
            ("现场办理原因", "必须现场办理原因说明", "办理现场办理原因说明", "到现场原因"),
        ),
        Column("是否收费", Flag("is_charged", true=("收费",), false=("不收费", "免费")), ("收费",)),
        Column("收费依据", Text("charge_basis"), ()),
        Column("收费项目", FeeNames("fees"), ("收费项目名称",)),
        Column("申请材料", MaterialNames("materials"), ("申报材料", "申请材料名称", "材料名称")),
        Column(
            "设定依据",
            RowRefs(
                "legal_basis_ids",
                m.LegalBasis,
                ("name", "document_number"),
                "法律法规（名称或文号）",
            ),
            ("法律依据", "设定和实施依据"),
        ),
        Column("受理条件", Text("acceptance_conditions"), ("申请条件", "办理条件")),
        Column("办理流程", Text("process"), ("流程",)),
        Column(
            "结果名称",
            Text("result_name"),
            ("审批结果名称", "办理结果名称", "结果证照名称", "证照名称", "办理结果"),
        ),
        Column("结果样本", Text("result_sample_url"), ("审批结果样本", "结果样本地址")),
        # 个人 / 法人 as citizens filter (codes.SERVICE_OBJECT_AUDIENCE): 法人 = the three 法人 of A.4.
        Column(
            "服务对象",
            Choices(
                "service_objects",
                SERVICE_OBJECTS,
                {"企业": "2"},
                {"个人": ("1",), "法人": ("2", "3", "4")},
            ),
            ("面向对象", "办理对象"),
        ),
        Column("服务主题", Words("themes"), ("主题分类", "事项主题分类")),
        Column(
            "办理形式",
            Choices(
                "channels",
                CHANNELS,
                {"窗口": "1", "网上办理": "2", "网办": "2", "移动端": "3", "快递": "4"},
            ),
            ("办理方式",),
        ),
        Column("通办范围", Choice("service_scope", SERVICE_SCOPES), ()),
        Column("网上办理地址", Text("online_url"), ("网办地址", "在线办理地址")),
        Column("移动端办理地址", Text("mobile_url"), ()),
        Column("办理地点", Text("place"), ("办理地址",)),
        Column("办理时间", Text("office_hours"), ("受理时间", "办公时间")),
        Column("咨询电话", Text("consult_phone"), ("咨询方式",)),
        Column("监督投诉电话", Text("supervision_phone"), ("监督电话", "投诉电话", "监督投诉方式")),
        Column("生效日期", Day("effective_on"), ("计划生效日期",)),
        Column("日常用语", Words("aliases"), ("别名",)),
        STATUS,
    ),
    keys=(("department_id", "local_code"),),
)

POWER_ITEMS = Sheet(
    registry.POWER_ITEMS,
    "权责清单",
    (
        Column("职权编码", Text("code"), ("事项编码", "权力编码", "权责事项编码", "编码")),
        # the headers of a real 权责清单 importer.
        Column("事项名称", Text("name"), ("职权名称", "权力名称", "主项名称", "权责事项名称")),
        Column("子项名称", Text("sub_item_name"), ("子项",)),
        Column(
            "职权类型",
            PowerTypeRef("power_type_code"),
            ("权力类型", "事项类型", "职权类别", "权力类别"),
        ),
        Column(
            "实施主体",
            OrganizationRef("department_id"),
            ("行使主体", "责任主体", "实施部门", "实施机关", "部门"),
        ),
        Column(
            "实施主体编码",
            OrganizationRef("department_id", by_code=True),
            ("统一社会信用代码", "实施主体统一社会信用代码"),
        ),
        Column("承办机构", Text("handling_unit"), ("承办科室", "承办处室", "内设机构")),
        Column("实施层级及权限", Text("level_and_scope"), ("实施层级", "行使层级")),
        Column("实施依据", Text("basis_text"), ("设定依据", "设定和实施依据", "法律依据", "依据")),
        Column("责任事项", Text("responsibilities"), ("责任事项(内容)", "责任事项内容")),
        Column("责任事项依据", Text("responsibility_basis"), ("问责依据",)),
        Column("追责对象范围", Text("accountability_scope"), ("追责对象",)),
        Column("追责情形", Text("accountability_cases"), ()),
        Column("监督方式", Text("supervision"), ("监督电话", "监督方式及电话")),
        Column("备注", Text("remark"), ()),
        STATUS,
    ),
)

DEVOLVED_ITEMS = Sheet(
    registry.DEVOLVED_ITEMS,
    "下放镇街事项目录",
    (
        Column("事项名称", Text("name"), ("职权名称", "权力事项名称", "下放事项名称", "职权事项")),
        Column(
            "下放批次",
            RowRef(
                "batch_id",
                m.DevolutionBatch,
                ("document_number", "title"),
                "下放批次（文号或文件名称）",
            ),
            ("文号", "批次", "下放文件", "文件名称", "依据文件"),
        ),
        Column(
            "原实施部门",
            OrganizationRef("from_department_id"),
            ("实施部门", "下放部门", "原实施单位", "实施单位", "部门"),
        ),
        Column(
            "调整方式",
            Choice("mode", DEVOLUTION_MODES, {"赋予": "empower", "委托实施": "entrust"}),
            ("下放方式", "方式"),
        ),
        Column("委托部门", OrganizationRef("entrusting_department_id"), ("委托单位", "委托机关")),
        Column(
            "承接镇街",
            OrganizationRefs("receiver_ids", TOWNSHIPS),
            ("承接主体", "承接单位", "承接镇(街道)"),
        ),
        _power_item_code("职权编码"),
        Column(
            "下放状态",
            Choice(
                "devolution_status", DEVOLUTION_STATUSES, {"生效": "effective", "收回": "revoked"}
            ),
            ("调整状态",),
        ),
        Column("生效日期", Day("effective_on"), ("实施时间", "起始时间", "生效时间")),
        Column("委托期限", Day("entrusted_until"), ("委托截止日期",)),
        Column("范围限制", Text("scope_limit"), ("备注", "范围")),
        Column("保留事项", Text("retained_cases"), ("县级保留事项",)),
        Column("随附职权", Text("attached_powers"), ("相关行政检查、行政强制措施",)),
        STATUS,
    ),
    keys=(("batch_id", "from_department_id", "name"),),
)

SUPERVISION_ITEMS = Sheet(
    registry.SUPERVISION_ITEMS,
    "监管事项目录清单",
    (
        Column("监管事项编码", Text("code", digits=14), ("监管事项目录编码", "事项编码", "编码")),
        Column("主项名称", Text("main_name"), ("监管事项名称", "事项名称", "监管事项主项名称")),
        Column("子项名称", Text("sub_name"), ("监管事项子项名称", "子项")),
        Column(
            "主项编码",
            RowRef("parent_id", m.SupervisionItem, ("code",), "监管事项主项"),
            ("所属主项编码", "上级事项编码"),
        ),
        Column(
            "监管类型",
            Choice("supervision_type", SUPERVISION_TYPES, {"其他行政权力": "10", "检查": "06"}),
            ("事项类型", "监管事项类型"),
        ),
        Column(
            "监管部门",
            OrganizationRef("department_id"),
            ("实施机构", "实施主体", "实施部门", "部门"),
        ),
        Column(
            "监管部门编码",
            OrganizationRef("department_id", by_code=True),
            ("实施机构编码", "统一社会信用代码"),
        ),
        Column("监管对象", Text("objects"), ("检查对象",)),
        Column("设定依据", Text("basis_text"), ("监管依据", "依据")),
        Column("监管层级", Choices("levels", EXERCISE_LEVELS, LEVEL_ALIASES), ("行使层级",)),
        Column("是否双随机抽查事项", Flag("random_check"), ("双随机抽查事项", "是否双随机")),
        Column("是否重点检查事项", Flag("key_check"), ("重点检查事项",)),
        Column(
            "是否适合联合抽查", Flag("joint_check_suitable"), ("适合部门联合抽查", "是否联合抽查")
        ),
        Column(
            "是否已认领",
            Flag("claimed", true=("已认领",), false=("未认领",)),
            ("认领状态", "是否认领"),
        ),
        Column("监管措施", Text("measures"), ()),
        _power_item_code("对应权责清单事项编码", "职权编码"),
        STATUS,
    ),
)

SHEETS: dict[str, Sheet] = {
    sheet.spec.name: sheet
    for sheet in (SERVICE_ITEMS, POWER_ITEMS, DEVOLVED_ITEMS, SUPERVISION_ITEMS)
}


def sheet_of(spec: registry.ListSpec | str) -> Sheet:
    name = spec if isinstance(spec, str) else spec.name
    if name not in SHEETS:
        raise DomainError(
            "no_spreadsheet", f"清单 {name} 不支持表格导入导出。可用：{'、'.join(SHEETS)}。", 404
        )
    return SHEETS[name]
