"""Code tables from GB/T 39046-2020 附录A and from practice.

Codes are stored as the national strings; labels are what people read. The 职权类型 list is
extensible and therefore a table (see powers.PowerType), seeded by migration 0002.
"""

from __future__ import annotations

# A.1 事项类型代码 (n2)
ITEM_TYPES: dict[str, str] = {
    "00": "行政权力事项",
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他类别事项",
    "11": "政府内部审批",
    "20": "公共服务事项",
}


# A.2 行使层级代码
EXERCISE_LEVELS: dict[str, str] = {
    "1": "国家级",
    "2": "省级",
    "3": "市级",
    "4": "县级",
    "5": "镇（乡、街道）级",
    "6": "村（社区）级",
    "7": "分级管理",
}

# A.3 实施主体性质代码
BODY_NATURES: dict[str, str] = {"1": "法定机关", "2": "授权组织", "3": "受委托组织", "9": "其他"}

# A.4 服务对象代码
SERVICE_OBJECTS: dict[str, str] = {
    "1": "自然人",
    "2": "企业法人",
    "3": "事业法人",
    "4": "社会组织法人",
    "5": "行政机关",
    "6": "其他组织",
}
# Citizens filter by 个人 / 法人; every code above falls in one of the two.
SERVICE_OBJECT_AUDIENCE: dict[str, str] = {"1": "个人", **dict.fromkeys("23456", "法人")}

# A.5 办理形式代码
CHANNELS: dict[str, str] = {
    "1": "窗口办理",
    "2": "电脑端网上办理",
    "3": "移动端网上申请",
    "4": "快递申请",
    "9": "其他",
}

# A.6 办件类型代码
CASE_TYPE_INSTANT = "1"
CASE_TYPES: dict[str, str] = {CASE_TYPE_INSTANT: "即办件", "2": "承诺件", "9": "其他"}

# 权力来源 (practice, §2.2)
POWER_SOURCES: dict[str, str] = {
    "1": "法定本级行使",
    "2": "上级下放",
    "3": "上级授权",
    "4": "同级授权",
    "5": "上级委托",
    "6": "同级委托",
}
ENTRUSTED_POWER_SOURCES = frozenset({"5", "6"})

# 时限单位 and the conversion to 工作日 used by the 时限压减率 (docs/figures.md).
TIME_UNITS: dict[str, str] = {"W": "工作日", "N": "自然日", "M": "月", "Y": "年"}

# 通办范围
SERVICE_SCOPES: dict[str, str] = {
    "1": "全国",
    "2": "跨省",
    "3": "跨市",
    "4": "跨县",
    "5": "全镇（乡、街道）",
    "6": "全村（社区）",
}

# 下放方式
DEVOLUTION_MODES: dict[str, str] = {
    "transfer": "下放",
    "entrust": "委托",
    "authorize": "授权",
    "empower": "赋权",
    "revoke": "收回",
}
DEVOLUTION_STATUSES: dict[str, str] = {
    "planned": "拟下放",
    "effective": "已生效",
    "revoked": "已收回",
}

# 监管类型
SUPERVISION_TYPES: dict[str, str] = {
    "06": "行政检查",
    "02": "行政处罚",
    "03": "行政强制",
    "10": "其他",
}
CHECK_CATEGORIES: dict[str, str] = {"general": "一般检查事项", "key": "重点检查事项"}
TARGET_KINDS: dict[str, str] = {
    "market_entity": "市场主体",
    "product": "产品",
    "project": "项目",
    "behaviour": "行为",
}

# 抽查检查结果 (practice: the result categories 国家企业信用信息公示系统 shows for 双随机 抽查;
# no national code table was found).
CHECK_RESULTS: dict[str, str] = {
    "no_problem": "未发现问题",
    "rectified": "发现问题，已责令整改",
    "case_filed": "发现问题，已立案查处",
    "unreachable": "通过登记的住所（经营场所）无法联系",
    "not_operating": "检查对象已注销、歇业或迁出",
}
# 抽查任务 stages: planned → committed (the seed's SHA-256 published) → drawn.
TASK_STATES: dict[str, str] = {"planned": "计划", "committed": "已公布种子承诺", "drawn": "已抽取"}

# 信用风险分类 (practice: 市场监管 信用风险分类管理; the letters are local usage)
CREDIT_RISKS: dict[str, str] = {"A": "低风险", "B": "一般风险", "C": "较高风险", "D": "高风险"}

ORGANIZATION_KINDS: dict[str, str] = {
    "department": "部门",
    "township": "镇",
    "street": "街道",
    "government": "人民政府",
}

# Workflow statuses of every list row (the review workflow is its own issue).
STATUSES: dict[str, str] = {
    "draft": "草稿",
    "submitted": "待审核",
    "published": "已发布",
    "rejected": "审核不通过",
    "suspended": "暂停",
    "cancelled": "取消",
}
PUBLISHED = "published"  # the only status the public sees and search holds
