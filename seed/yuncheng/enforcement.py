"""双随机一公开 directories: 执法检查人员名录库 and 检查对象名录库.

- Inspectors: the report's "我区现有持证行政执法人员508人" over "全区28个行政执法单位".
  INSPECTORS_PER_UNIT spreads the 508 over the 28 units of organizations.ENFORCEMENT_UNITS.
  Names are generated (deterministic, common surnames and given names: not real people);
  执法证号 = 445302 + unit number (2) + sequence (4), unique.
- Inspection targets: a few dozen made-up market entities of 云城区 with valid USCCs
  (91… enterprises, 92… 个体工商户), products and projects; none is a real company.
"""

from __future__ import annotations

import random

from stdnum.cn.uscc import calc_check_digit

from .organizations import ENFORCEMENT_UNITS, REGION_CODE

INSPECTORS_PER_UNIT: dict[str, int] = {
    "market": 72,
    "urban": 50,
    "police": 38,
    "transport": 30,
    "health": 28,
    "natres": 26,
    "eco": 22,
    "agri": 24,
    "culture": 20,
    "housing": 22,
    "emergency": 18,
    "hrss": 16,
    "water": 14,
    "forestry": 14,
    "edu": 10,
    "medins": 10,
    "civil": 10,
    "commerce": 8,
    "drc": 8,
    "justice": 10,
    "finance": 8,
    "stats": 6,
    "audit": 8,
    "industry": 6,
    "ethnic": 4,
    "meteo": 4,
    "fire": 18,
    "civil_defense": 4,
}
assert set(INSPECTORS_PER_UNIT) == set(ENFORCEMENT_UNITS)
assert sum(INSPECTORS_PER_UNIT.values()) == 508

ENFORCEMENT_FIELDS: dict[str, str] = {
    "market": "市场监管",
    "urban": "城市管理",
    "police": "公安",
    "transport": "交通运输",
    "health": "卫生健康",
    "natres": "自然资源",
    "eco": "生态环境",
    "agri": "农业农村",
    "culture": "文化市场",
    "housing": "住房城乡建设",
    "emergency": "应急管理",
    "hrss": "劳动保障监察",
    "water": "水行政",
    "forestry": "林业",
    "edu": "教育",
    "medins": "医疗保障",
    "civil": "民政",
    "commerce": "商务",
    "drc": "发展改革",
    "justice": "司法行政",
    "finance": "财政",
    "stats": "统计",
    "audit": "审计",
    "industry": "工业和信息化",
    "ethnic": "民族宗教",
    "meteo": "气象",
    "fire": "消防",
    "civil_defense": "人民防空",
}

_SURNAMES = [
    "陈",
    "黄",
    "李",
    "梁",
    "林",
    "张",
    "何",
    "罗",
    "邓",
    "冯",
    "谭",
    "吴",
    "苏",
    "彭",
    "曾",
    "刘",
    "叶",
    "莫",
    "潘",
    "麦",
    "钟",
    "杨",
    "郑",
    "周",
    "余",
    "卢",
    "严",
    "区",
    "蔡",
    "谢",
]
_GIVEN = [
    "伟",
    "敏",
    "杰",
    "婷",
    "浩",
    "俊",
    "明",
    "华",
    "芳",
    "强",
    "丽",
    "文",
    "健",
    "峰",
    "红",
    "辉",
    "静",
    "志",
    "勇",
    "玲",
    "军",
    "燕",
    "斌",
    "洁",
    "涛",
    "霞",
    "平",
    "冰",
    "海",
    "鹏",
    "琳",
    "宇",
]


def inspector_rows() -> list[dict]:
    """508 inspectors: (unit key, name, 执法证号, field, certified_on), deterministic."""
    rng = random.Random(2020_445302)
    rows = []
    for unit_number, unit in enumerate(ENFORCEMENT_UNITS, start=1):
        for seq in range(1, INSPECTORS_PER_UNIT[unit] + 1):
            given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
            year = 2016 + rng.randrange(5)
            rows.append(
                {
                    "unit": unit,
                    "name": rng.choice(_SURNAMES) + given,
                    "certificate_number": f"{REGION_CODE}{unit_number:02d}{seq:04d}",
                    "enforcement_field": ENFORCEMENT_FIELDS[unit],
                    "certified_on": f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                }
            )
    return rows


def entity_uscc(number: int, category: str) -> str:
    """A valid USCC of a 云城区 market entity: 91 企业, 92 个体工商户."""
    first17 = f"{category}{REGION_CODE}MA5{number * 7919 % 1_000_000:06d}"
    return first17 + calc_check_digit(first17)


# name, kind, category ("91"/"92"/None), legal representative, address, industry, 经营异常.
TARGETS: list[tuple[str, str, str | None, str | None, str, str, bool]] = [
    (
        "云浮市云城区华丰饭店",
        "market_entity",
        "92",
        "梁志华",
        "云城街道星岩一路",
        "餐饮服务",
        False,
    ),
    ("云浮市云城区明记烧腊店", "market_entity", "92", "陈明", "云城街道城中路", "餐饮服务", False),
    (
        "云浮市云城区好味来小食店",
        "market_entity",
        "92",
        "黄丽",
        "高峰街道金山路",
        "餐饮服务",
        False,
    ),
    (
        "云浮市云城区安康大药房有限公司",
        "market_entity",
        "91",
        "李健",
        "云城街道解放路",
        "药品零售",
        False,
    ),
    ("云浮市云城区仁和堂药店", "market_entity", "92", "何敏", "河口街道河口路", "药品零售", False),
    (
        "云浮市顺达货运有限公司",
        "market_entity",
        "91",
        "邓勇",
        "安塘街道工业大道",
        "道路货物运输",
        False,
    ),
    (
        "云浮市云城区通程客运有限公司",
        "market_entity",
        "91",
        "罗军",
        "云城街道站前路",
        "道路旅客运输",
        False,
    ),
    (
        "云浮市鸿兴石材有限公司",
        "market_entity",
        "91",
        "谭海",
        "河口街道石材基地",
        "石材加工",
        False,
    ),
    ("云浮市云城区石艺石材厂", "market_entity", "92", "冯辉", "河口街道石材基地", "石材加工", True),
    ("云浮市云城区碧水湾宾馆", "market_entity", "91", "苏静", "云城街道环市东路", "住宿", False),
    (
        "云浮市云城区金凤凰酒店有限公司",
        "market_entity",
        "91",
        "彭文",
        "高峰街道世纪大道",
        "住宿",
        False,
    ),
    (
        "云浮市云城区星光娱乐有限公司",
        "market_entity",
        "91",
        "曾杰",
        "云城街道兴云东路",
        "娱乐场所",
        False,
    ),
    (
        "云浮市云城区飞越网络会所",
        "market_entity",
        "92",
        "刘浩",
        "高峰街道富民路",
        "互联网上网服务",
        False,
    ),
    ("云浮市云城区博文书店", "market_entity", "92", "叶芳", "云城街道文化路", "出版物零售", False),
    (
        "云浮市云城区健康人生健身有限公司",
        "market_entity",
        "91",
        "莫峰",
        "云城街道城北路",
        "体育健身",
        False,
    ),
    ("云浮市云城区惠民农资店", "market_entity", "92", "潘强", "腰古镇腰古圩", "农资经营", False),
    ("云浮市云城区绿源兽药店", "market_entity", "92", "麦志", "思劳镇思劳圩", "兽药经营", False),
    ("云浮市云城区前锋生猪定点屠宰场", "market_entity", "91", "钟斌", "前锋镇", "畜禽屠宰", False),
    ("云浮市云城区南盛柑橘专业合作社", "market_entity", "93", "杨平", "南盛镇", "农业", False),
    (
        "云浮市云城区安达危险化学品经营部",
        "market_entity",
        "92",
        "郑伟",
        "安塘街道",
        "危险化学品经营",
        False,
    ),
    (
        "云浮市云城区红运烟花爆竹零售店",
        "market_entity",
        "92",
        "周洁",
        "思劳镇",
        "烟花爆竹零售",
        False,
    ),
    (
        "云浮市宏业建筑工程有限公司",
        "market_entity",
        "91",
        "余涛",
        "云城街道建设路",
        "建筑施工",
        False,
    ),
    (
        "云浮市云城区安居房地产开发有限公司",
        "market_entity",
        "91",
        "卢霞",
        "高峰街道世纪大道",
        "房地产开发",
        False,
    ),
    (
        "云浮市云城区洁美物业服务有限公司",
        "market_entity",
        "91",
        "严冰",
        "云城街道",
        "物业服务",
        False,
    ),
    ("云浮市云城区永安燃气有限公司", "market_entity", "91", "蔡鹏", "安塘街道", "燃气经营", False),
    ("云浮市云城区美丽人生美发店", "market_entity", "92", "谢琳", "云城街道", "美容美发", False),
    ("云浮市云城区康宁诊所", "market_entity", "92", "陈宇", "河口街道", "医疗服务", False),
    ("云浮市云城区育才幼儿园", "market_entity", "52", "黄敏", "高峰街道", "学前教育", False),
    ("云浮市云城区启智培训中心", "market_entity", "52", "李婷", "云城街道", "校外培训", False),
    (
        "云浮市云城区恒信人力资源有限公司",
        "market_entity",
        "91",
        "梁俊",
        "云城街道",
        "人力资源服务",
        False,
    ),
    (
        "云浮市云城区诚信代理记账有限公司",
        "market_entity",
        "91",
        "林明",
        "高峰街道",
        "代理记账",
        False,
    ),
    ("云浮市云城区鑫源加油站", "market_entity", "91", "张华", "腰古镇", "成品油零售", False),
    ("云浮市云城区清泉供水有限公司", "market_entity", "91", "何红", "思劳镇", "集中式供水", False),
    ("云浮市云城区大发建材店", "market_entity", "92", "罗志", "安塘街道", "建材销售", True),
    ("云浮市云城区利民综合市场", "market_entity", "91", "邓燕", "云城街道", "农贸市场", False),
    ("散装白酒", "product", None, None, "全区流通环节", "食品", False),
    ("电动自行车", "product", None, None, "全区销售环节", "工业产品", False),
    ("儿童玩具", "product", None, None, "全区销售环节", "工业产品", False),
    ("云城区城区排水管网改造工程", "project", None, None, "云城街道、高峰街道", "市政工程", False),
    ("云浮市云城区中医院住院综合楼工程", "project", None, None, "云城街道", "房屋建筑", False),
    ("户外广告设置行为", "behaviour", None, None, "全区", "城市管理", False),
]
