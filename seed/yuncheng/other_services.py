"""Service items other than 行政许可, so the 实施清单 looks like a real one.

The report's service figures (443 项, 即办件 423, 时限压减率 94.70%, 平均跑动次数 0.0045) are
over 行政许可 only (事项类型 01): computed over every item type they would differ. These items
have no material linked to an 电子证照, so the 97 电子证照 / 74 免证办 counts are the same over
许可 items and over all items.

Columns: department, name, 事项类型, 法定时限 (工作日, None = 无法定时限), 承诺时限 (0 = 即办件),
到办事现场次数, reason when > 0, law keys, 服务对象.
"""

from __future__ import annotations

from typing import NamedTuple


class Other(NamedTuple):
    dept: str
    name: str
    item_type: str
    legal: int | None
    promised: int
    visits: int = 0
    reason: str | None = None
    laws: str = ""
    objects: str = "1"


O = Other  # noqa: E741 (one letter keeps each row of the table below on one line)
OTHER_SERVICES: list[Other] = [
    # 公共服务 (20)
    O("hrss", "社会保障卡申领", "20", None, 0, laws="social_insurance"),
    O("hrss", "社会保障卡挂失", "20", None, 0, laws="social_insurance"),
    O("hrss", "失业登记", "20", None, 0, laws="employment"),
    O("hrss", "就业登记", "20", None, 0, laws="employment"),
    O("hrss", "职工参保登记", "20", None, 0, laws="social_insurance", objects="2"),
    O("hrss", "灵活就业人员参保登记", "20", None, 0, laws="social_insurance"),
    O("hrss", "职工基本养老保险关系转移接续", "20", 15, 10, laws="social_insurance"),
    O("medins", "城乡居民基本医疗保险参保登记", "20", None, 0, laws="social_insurance"),
    O("medins", "异地就医备案", "20", None, 0, laws="social_insurance"),
    O("medins", "基本医疗保险关系转移接续", "20", 15, 10, laws="social_insurance"),
    O(
        "health",
        "预防接种证办理",
        "20",
        None,
        0,
        1,
        "须携带儿童到预防接种门诊现场登记并建立接种档案。",
        laws="vaccine",
    ),
    O("edu", "义务教育阶段新生入学登记", "20", None, 20, laws="compulsory_education"),
    O("police", "户籍证明出具", "20", None, 0, laws="household_registration"),
    O(
        "police",
        "居民身份证换领",
        "20",
        60,
        20,
        1,
        "须本人到场采集人像和指纹信息。",
        laws="resident_id",
    ),
    O(
        "police",
        "居民身份证补领",
        "20",
        60,
        20,
        1,
        "须本人到场采集人像和指纹信息。",
        laws="resident_id",
    ),
    O(
        "police",
        "临时居民身份证核发",
        "20",
        3,
        0,
        1,
        "须本人到场采集人像信息。",
        laws="resident_id",
    ),
    O("justice", "法律援助申请受理", "20", 7, 5, laws="legal_aid"),
    O("justice", "人民调解申请受理", "20", None, 0, laws="people_mediation"),
    O(
        "disabled",
        "残疾人证核发",
        "20",
        None,
        20,
        1,
        "须本人到指定医疗机构现场评定残疾类别和等级。",
        laws="disabled_persons",
    ),
    O("gsd", "政务服务事项咨询", "20", None, 0, objects="1 2"),
    O("veterans", "退役军人优待证申领", "20", None, 15, laws="military_pensions"),
    O("civil", "婚姻登记档案查询", "20", None, 0, laws="marriage_registration"),
    # 行政确认 (07)
    O(
        "civil",
        "内地居民结婚登记",
        "07",
        None,
        0,
        1,
        "须男女双方本人共同到婚姻登记机关现场办理。",
        laws="marriage_registration",
    ),
    O(
        "civil",
        "内地居民离婚登记",
        "07",
        None,
        0,
        1,
        "须男女双方本人共同到婚姻登记机关现场办理。",
        laws="marriage_registration",
    ),
    O(
        "civil",
        "补领婚姻登记证",
        "07",
        None,
        0,
        1,
        "须当事人本人到婚姻登记机关现场办理。",
        laws="marriage_registration",
    ),
    O("police", "出生登记", "07", None, 0, laws="household_registration"),
    O("police", "死亡注销户口", "07", None, 0, laws="household_registration"),
    O("police", "夫妻投靠户口迁移", "07", 20, 5, laws="household_registration"),
    O("health", "出生医学证明签发", "07", None, 0, laws="maternal_health"),
    O("health", "居民死亡医学证明（推断）书签发", "07", None, 0, laws="basic_healthcare"),
    O("natres", "不动产首次登记", "07", 30, 5, laws="real_estate_registration", objects="1 2"),
    O("natres", "不动产转移登记", "07", 30, 5, laws="real_estate_registration", objects="1 2"),
    O("natres", "不动产抵押登记", "07", 30, 3, laws="real_estate_registration", objects="1 2"),
    O("hrss", "工伤认定", "07", 60, 30, laws="social_insurance"),
    O("hrss", "就业困难人员认定", "07", None, 0, laws="employment"),
    O("tax", "纳税证明开具", "07", None, 0, laws="tax_collection", objects="1 2"),
    # 行政给付 (05)
    O("hrss", "失业保险金申领", "05", None, 0, laws="unemployment_insurance"),
    O("hrss", "丧葬补助金、抚恤金申领", "05", None, 0, laws="social_insurance"),
    O("hrss", "职工基本养老保险待遇申领", "05", None, 10, laws="social_insurance"),
    O("civil", "最低生活保障金给付", "05", 30, 20, laws="social_assistance"),
    O("civil", "临时救助金给付", "05", None, 10, laws="social_assistance"),
    O(
        "civil",
        "困难残疾人生活补贴和重度残疾人护理补贴给付",
        "05",
        None,
        20,
        laws="disabled_persons",
    ),
    O("civil", "基本殡葬服务费用减免", "05", None, 0, laws="funeral"),
    O(
        "veterans",
        "自主就业退役士兵一次性经济补助金给付",
        "05",
        None,
        20,
        laws="veterans_placement",
    ),
    # 行政奖励 (08)
    O("market", "食品安全违法行为举报奖励", "08", None, 15, laws="food_safety"),
    O("emergency", "安全生产违法行为举报奖励", "08", None, 15, laws="work_safety"),
    O("tax", "检举纳税人税收违法行为奖励", "08", None, 15, laws="tax_collection"),
    # 行政裁决 (09)
    O("natres", "土地权属争议调处", "09", None, 60, laws="land_administration", objects="1 2"),
    O("water", "水事纠纷裁决", "09", None, 30, laws="water", objects="1 2"),
    # 其他 (10)
    O("drc", "企业投资项目备案", "10", None, 0, laws="investment_approval", objects="2"),
    O("commerce", "对外贸易经营者备案登记", "10", None, 0, objects="2"),
    O(
        "commerce",
        "单用途商业预付卡发卡企业备案",
        "10",
        None,
        0,
        laws="single_purpose_cards",
        objects="2",
    ),
    O(
        "housing",
        "房屋建筑和市政基础设施工程竣工验收备案",
        "10",
        None,
        0,
        laws="construction",
        objects="2",
    ),
    O("transport", "机动车维修经营备案", "10", None, 0, laws="road_transport", objects="1 2"),
    O("transport", "机动车驾驶员培训经营备案", "10", None, 0, laws="road_transport", objects="2"),
    O("health", "中医诊所备案", "10", None, 0, laws="basic_healthcare", objects="1 2"),
    O("emergency", "生产安全事故应急预案备案", "10", None, 0, laws="work_safety", objects="2"),
]
