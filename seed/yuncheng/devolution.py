"""云城区第一批下放镇级实施行政职权事项目录: 44 powers handed to the 4 streets and 4 towns.

Modes: 36 下放 ("transfer": the township exercises the power in its own
name) and 8 委托 ("entrust": the district department stays the legal body and is recorded as
the entrusting department; the entrustment runs to ENTRUSTED_UNTIL). 处罚 powers carry the
related 检查/强制措施 with them and keep 跨区域/有较大影响 cases at the district, as
粤府函〔2020〕136号 does for 镇街综合行政执法.

Columns: from department, power name, 职权类型 code, mode, receivers (ALL / STREETS / TOWNS,
or a list of township keys). A power whose name is also a permit 主项 or another service item
of the same department is linked to that item's PowerItem; the others get their own.

The batch's 文号 and dates are illustrative: the report names the catalogue and its size
("第一批下放镇级实施行政职权事项目录共计44项"), not its document.
"""

from __future__ import annotations

from typing import NamedTuple

from .organizations import ALL_TOWNSHIPS, STREETS, TOWNS

BATCH = {
    "title": "云城区第一批下放镇级实施行政职权事项目录",
    "issuer": "云浮市云城区人民政府",
    "batch_number": "第一批",
    "list_kind": "具体清单",
    "published_on": "2020-09-28",
    "effective_on": "2020-10-01",
}
ENTRUSTED_UNTIL = "2023-09-30"
ATTACHED = "相关的行政检查权和行政强制措施权"
RETAINED = "跨行政区域的案件和有较大影响的案件由区有关部门管辖。"
ENTRUST_SCOPE = "受托镇（街）以委托部门名义实施，委托部门对其实施行为的后果承担法律责任并负责监督。"

ALL = ALL_TOWNSHIPS
RIVERSIDE = [*TOWNS, "hekou_st"]


class Devolved(NamedTuple):
    dept: str
    name: str
    power_type: str
    mode: str  # transfer / entrust
    receivers: list[str]


D = Devolved
DEVOLVED: list[Devolved] = [
    # 城市管理 (15)
    D(
        "urban",
        "对在城市道路两侧和公共场地堆放物料、搭建建筑物构筑物影响市容的处罚",
        "02",
        "transfer",
        ALL,
    ),
    D("urban", "对擅自设置大型户外广告影响市容的处罚", "02", "transfer", ALL),
    D(
        "urban",
        "对在城市建筑物、设施以及树木上涂写、刻画或者未经批准张挂、张贴宣传品的处罚",
        "02",
        "transfer",
        ALL,
    ),
    D("urban", "对随意倾倒、抛撒、堆放城市生活垃圾的处罚", "02", "transfer", ALL),
    D("urban", "对随意倾倒、抛撒或者堆放建筑垃圾的处罚", "02", "transfer", ALL),
    D("urban", "对城市饲养家畜家禽影响市容和环境卫生的处罚", "02", "transfer", STREETS),
    D("urban", "对擅自占用城市道路的处罚", "02", "transfer", STREETS),
    D("urban", "对擅自挖掘城市道路的处罚", "02", "transfer", STREETS),
    D("urban", "对擅自砍伐城市树木的处罚", "02", "transfer", STREETS),
    D("urban", "对损坏城市绿化设施的处罚", "02", "transfer", STREETS),
    D("urban", "对户外广告设施不符合城市容貌标准的处罚", "02", "transfer", ALL),
    D("urban", "对擅自在街道两侧和公共场地摆卖的处罚", "02", "transfer", ALL),
    D("urban", "临时占用城市道路审批", "01", "entrust", STREETS),
    D("urban", "临时占道经营审批", "01", "transfer", ALL),
    D(
        "urban",
        "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
        "01",
        "entrust",
        STREETS,
    ),
    # 生态环境 (4)
    D("eco", "对露天焚烧秸秆、落叶等产生烟尘污染物质的处罚", "02", "transfer", TOWNS),
    D(
        "eco",
        "对在人口集中地区焚烧沥青、油毡、橡胶、塑料、皮革、垃圾等产生有毒有害烟尘和恶臭气体物质的处罚",
        "02",
        "transfer",
        ALL,
    ),
    D("eco", "对排放油烟的餐饮服务业经营者未安装油烟净化设施的处罚", "02", "transfer", STREETS),
    D("eco", "对在禁止养殖区域内建设畜禽养殖场、养殖小区的处罚", "02", "transfer", TOWNS),
    # 自然资源 (3)
    D("natres", "乡村建设规划许可证核发", "01", "entrust", TOWNS),
    D(
        "natres",
        "对未取得乡村建设规划许可证或者未按照许可证的规定进行建设的处罚",
        "02",
        "transfer",
        TOWNS,
    ),
    D(
        "natres",
        "对占用耕地建窑、建坟或者擅自在耕地上建房、挖砂、采石、采矿、取土的处罚",
        "02",
        "transfer",
        TOWNS,
    ),
    # 农业农村 (5)
    D("agri", "农村村民宅基地审批", "01", "transfer", TOWNS),
    D(
        "agri",
        "对农村村民未经批准或者采取欺骗手段骗取批准非法占用土地建住宅的处罚",
        "02",
        "transfer",
        TOWNS,
    ),
    D(
        "agri",
        "对在禁渔区、禁渔期进行捕捞或者使用禁用的渔具、捕捞方法捕捞的处罚",
        "02",
        "transfer",
        RIVERSIDE,
    ),
    D("agri", "对违法使用禁用农药的处罚", "02", "transfer", TOWNS),
    D("agri", "对随意处置病死动物的处罚", "02", "transfer", TOWNS),
    # 水务 (3)
    D("water", "对在河道管理范围内建设妨碍行洪的建筑物、构筑物的处罚", "02", "transfer", RIVERSIDE),
    D("water", "对在河道管理范围内弃置、堆放阻碍行洪物体的处罚", "02", "transfer", RIVERSIDE),
    D("water", "对未经批准擅自取水的处罚", "02", "entrust", TOWNS),
    # 林业 (2)
    D("forestry", "对违反规定野外用火的处罚", "02", "transfer", TOWNS),
    D("forestry", "对滥伐林木的处罚", "02", "entrust", TOWNS),
    # 应急管理 (2)
    D("emergency", "对生产经营单位未按规定开展安全生产教育和培训的处罚", "02", "entrust", ALL),
    D("emergency", "对未经许可经营烟花爆竹的处罚", "02", "entrust", ALL),
    # 市场监管 (1)
    D("market", "对食品摊贩违反规定从事食品经营的处罚", "02", "entrust", ALL),
    # 民政 (4)
    D("civil", "最低生活保障审核确认", "07", "transfer", ALL),
    D("civil", "特困人员救助供养审核确认", "07", "transfer", ALL),
    D("civil", "临时救助审批", "05", "transfer", ALL),
    D("civil", "对在公墓和农村公益性墓地以外的区域建造坟墓的处罚", "02", "transfer", TOWNS),
    # 人社 (2)
    D("hrss", "就业困难人员认定", "07", "transfer", ALL),
    D("hrss", "灵活就业人员社会保险补贴申领审核", "05", "transfer", ALL),
    # 卫健、住建、退役军人 (3)
    D("health", "计划生育家庭特别扶助对象资格确认", "07", "transfer", ALL),
    D("housing", "农村危房改造补助资格审核", "05", "transfer", TOWNS),
    D("veterans", "义务兵家庭优待金审核", "05", "transfer", ALL),
]
assert len(DEVOLVED) == 44, len(DEVOLVED)
