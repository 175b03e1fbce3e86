"""双随机、一公开 in 2020 and the 规范性文件 abolished in 2020: demo data of 云城区.

The report says "实现'双随机、一公开'监管的全覆盖、常态化，抽查结果向社会公开" and "对2件以区政府办公室
名义下发的规范性文件予以废止". It gives no task, no result and no title: everything below is
illustrative (made-up titles, 文号, businesses and outcomes), chosen to show the features:

- a joint draw (部门联合抽查) of the 4th 2020 batch — 区市场监管局 initiating, 区卫健局 and
  区消防救援大队 cooperating — over the 餐饮 and 住宿 entities of the 名录库, with a 回避
  declaration, its results published (one late), and a single-department draw of 企业公示信息;
- the 2 abolished 区政府办公室 documents, the items that cited them, and the effect: the first
  document's items were revised and approved within the year, the second's are still pending
  at 2020-12-31 (so the "items citing abolished bases" figure is not 0 in the demo).

The draws use fixed seeds so the demo is the same on every machine; real tasks get a random
seed when committed (catalog/services/random_checks.commit_task).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))

# 抽查比例 bounds of the random-check items. The floors are the county 细则's ("原则上不低于5%",
# 镇平 2022) and this district's 重点 floor (supervision.RATIO "不低于20%"); the 30% cap of
# 一般检查事项 is this demo district's own practice — 市场监管总局 2019 only says "严格限制".
RATIO_BOUNDS = {"general": ("5", "30"), "key": ("20", None)}

# key → (name, 文号, 施行日期): the 2 区政府办公室 documents abolished in 2020 (illustrative).
NORMATIVE_DOCUMENTS: dict[str, tuple[str, str, str]] = {
    "outdoor_ads_rules": (
        "云浮市云城区城区户外广告设置管理办法",
        "云城府办〔2014〕16号",
        "2014-07-01",
    ),
    "street_stalls_rules": (
        "云浮市云城区城区临时占道经营管理暂行办法",
        "云城府办〔2017〕5号",
        "2017-03-01",
    ),
}
ISSUER = "云浮市云城区人民政府办公室"

# Items (a 许可's main name or a 监管事项's name) that cited them, besides their laws.
CITED_BY: dict[str, str] = {
    "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批": "outdoor_ads_rules",
    "对户外广告设施设置的监督检查": "outdoor_ads_rules",
    "临时占道经营审批": "street_stalls_rules",
    "对临时占道经营的监督检查": "street_stalls_rules",
    "对流动摊贩的巡查检查": "street_stalls_rules",
}


def cited_by(item_name: str) -> list[str]:
    return [CITED_BY[item_name]] if item_name in CITED_BY else []


# The abolitions: document key → (decision 文号, decided on, effective on, reason, revised in 2020).
ABOLITIONS: dict[str, tuple[str, date, date, str, bool]] = {
    "outdoor_ads_rules": (
        "云城府办〔2020〕12号",
        date(2020, 6, 15),
        date(2020, 6, 15),
        "规范性文件清理：部分条款与上位法规定不一致",
        True,
    ),
    "street_stalls_rules": (
        "云城府办〔2020〕35号",
        date(2020, 11, 20),
        date(2020, 11, 20),
        "规范性文件清理：有效期届满，相关规定已由市级规章调整",
        False,
    ),
}

# More 餐饮 and 住宿 businesses for the 名录库 (made up, like enforcement.TARGETS):
# name, USCC category, legal representative, address, industry.
MORE_TARGETS: list[tuple[str, str, str, str, str]] = [
    ("云浮市云城区粤香酒家", "92", "黄志强", "云城街道解放中路", "餐饮服务"),
    ("云浮市云城区顺德鱼生馆", "92", "梁伟", "云城街道环市西路", "餐饮服务"),
    ("云浮市云城区客家风味馆", "92", "李芳", "高峰街道富民路", "餐饮服务"),
    ("云浮市云城区老街肠粉店", "92", "陈杰", "云城街道城中路", "餐饮服务"),
    ("云浮市云城区石城牛腩粉店", "92", "林明", "河口街道河口路", "餐饮服务"),
    ("云浮市云城区南山茶餐厅", "92", "张丽", "高峰街道世纪大道", "餐饮服务"),
    ("云浮市蓬莱海鲜酒楼有限公司", "91", "何海", "云城街道兴云东路", "餐饮服务"),
    ("云浮市云城区金城烧鹅店", "92", "罗华", "安塘街道安塘圩", "餐饮服务"),
    ("云浮市云城区润记粥铺", "92", "邓燕", "云城街道星岩二路", "餐饮服务"),
    ("云浮市云城区星岩快餐店", "92", "冯俊", "云城街道星岩三路", "餐饮服务"),
    ("云浮市云城区万家乐饭店", "92", "谭静", "腰古镇腰古圩", "餐饮服务"),
    ("云浮市云城区聚福楼饮食有限公司", "91", "吴勇", "高峰街道金山路", "餐饮服务"),
    ("云浮市云城区阿华云吞面店", "92", "苏华", "河口街道河口圩", "餐饮服务"),
    ("云浮市云城区稻香居小食店", "92", "彭玲", "思劳镇思劳圩", "餐饮服务"),
    ("云浮市云城区富临食府", "92", "曾斌", "前锋镇前锋圩", "餐饮服务"),
    ("云浮市云城区四季火锅店", "92", "刘涛", "云城街道建设北路", "餐饮服务"),
    ("云浮市云城区丰收农家菜馆", "92", "叶平", "南盛镇南盛圩", "餐饮服务"),
    ("云浮市云城区益民小食店", "92", "莫霞", "安塘街道工业大道", "餐饮服务"),
    ("云浮市星辰商务酒店有限公司", "91", "潘鹏", "云城街道站前路", "住宿"),
    ("云浮市云城区云山宾馆", "92", "麦琳", "云城街道环市东路", "住宿"),
    ("云浮市云城区旅途人家客栈", "92", "钟宇", "高峰街道富民路", "住宿"),
    ("云浮市云城区城东旅馆", "92", "杨冰", "云城街道城东路", "住宿"),
    ("云浮市悦来酒店有限公司", "91", "郑文", "河口街道河口路", "住宿"),
    ("云浮市云城区华悦酒店", "92", "周红", "高峰街道世纪大道", "住宿"),
    ("云浮市云城区安居旅社", "92", "余辉", "腰古镇腰古圩", "住宿"),
]

JOINT_TASK = {
    "code": "YC-2020-SJ-04",
    "name": "2020年第四批部门联合双随机抽查（餐饮、住宿场所）",
    "year": 2020,
    "batch": "第四批",
    "initiating": "market",
    "cooperating": ["health", "fire"],
    "items": [
        ("market", "对餐饮服务提供者的监督检查"),
        ("health", "对公共场所卫生的监督检查"),
        ("fire", "对人员密集场所的消防监督检查"),
    ],
    "scope": {"kinds": ["market_entity"], "industries": ["餐饮服务", "住宿"]},
    "ratio_percent": "20",
    "window": (date(2020, 11, 2), date(2020, 12, 11)),
    "seed": "5f0c6d1ab7e94c2d8a3b90e1d4c7f2a6b8e03d5c9a1f4e7b2d6c8a0e3f5b7d91",
    "witness": "区司法局监督员现场掷骰：3-6-1-4-2",
    "committed_at": datetime(2020, 10, 26, 10, 0, tzinfo=CST),
    "drawn_at": datetime(2020, 11, 2, 9, 30, tzinfo=CST),
    # per rank: result, handling, days after the draw checked, days after the check published
    "results": [
        ("no_problem", None, 3, 5),
        ("rectified", "后厨操作间防蝇设施不全，当场责令整改，11月20日复查已整改", 4, 9),
        ("no_problem", None, 8, 4),
        ("case_filed", "疏散通道堆放杂物、应急照明损坏，依法立案查处", 8, 28),
        ("no_problem", None, 15, 3),
        ("unreachable", "通过登记的经营场所无法联系，已提请列入经营异常名录", 16, 2),
    ],
    "conflict": "执法人员配偶为该单位股东，申报回避",
}

SINGLE_TASK = {
    "code": "YC-2020-SJ-05",
    "name": "2020年企业公示信息随机抽查",
    "year": 2020,
    "batch": "第五批",
    "initiating": "market",
    "cooperating": [],
    "items": [("market", "对企业公示信息的抽查")],
    "scope": {"kinds": ["market_entity"]},
    "ratio_percent": "5",
    "window": (date(2020, 11, 16), date(2020, 12, 18)),
    "seed": "c3a9e27f41d8b6053e9a1c7d2f4b8e60a5d3c1f9e7b2a4d6c8e0f1a3b5d7e9c2",
    "witness": "区司法局监督员现场掷骰：5-2-2-6-4",
    "committed_at": datetime(2020, 11, 9, 15, 0, tzinfo=CST),
    "drawn_at": datetime(2020, 11, 16, 10, 0, tzinfo=CST),
    "results": [
        ("no_problem", None, 5, 6),
        ("no_problem", None, 7, 6),
        ("rectified", "年报资产数据填报有误，已责令更正", 9, 10),
    ],
    "conflict": None,
}
TASKS = (JOINT_TASK, SINGLE_TASK)
