"""云浮市云城区 (445302): its region chain, departments, streets and towns.

Every body gets a 统一社会信用代码 made by ``uscc_for``: "11" (机构编制 / 机关) + 445302 +
a 9-character subject code + the GB 32100 check character. The subject codes are made up
(deterministic, not the bodies' real codes); names follow the bodies of 云城区 as they stood
in 2020 (some city bureaus act in the district through a 分局).

Columns of DEPARTMENTS: key, full name, short name, flags.
- ``E``: one of the 28 行政执法单位 of the report (§(四)三: "全区28个行政执法单位"). It has
  certified enforcement staff (Inspector rows: 508 in all, see enforcement.py) and
  supervision items.
"""

from __future__ import annotations

from stdnum.cn.uscc import calc_check_digit

REGION_CODE = "445302"
# (code, name, parent code): 广东省 → 云浮市 → 云城区.
REGIONS = [
    ("440000", "广东省", None),
    ("445300", "云浮市", "440000"),
    ("445302", "云城区", "445300"),
]


def uscc_for(number: int, category: str = "11") -> str:
    """A valid USCC of a 云城区 public body; ``number`` makes the subject code unique."""
    first17 = f"{category}{REGION_CODE}{71_000_000 + number * 4397:09d}"
    return first17 + calc_check_digit(first17)


E = "enforcement"

# key, name, short name, flags. The order fixes each body's USCC: append, never reorder.
DEPARTMENTS: list[tuple[str, str, str, set[str]]] = [
    ("government", "云浮市云城区人民政府", "区政府", set()),
    ("gov_office", "云浮市云城区人民政府办公室", "区府办", set()),
    ("drc", "云浮市云城区发展和改革局", "区发展改革局", {E}),
    ("edu", "云浮市云城区教育局", "区教育局", {E}),
    ("sci", "云浮市云城区科学技术局", "区科技局", set()),
    ("industry", "云浮市云城区工业和信息化局", "区工信局", {E}),
    ("police", "云浮市公安局云城分局", "云城公安分局", {E}),
    ("civil", "云浮市云城区民政局", "区民政局", {E}),
    ("justice", "云浮市云城区司法局", "区司法局", {E}),
    ("finance", "云浮市云城区财政局", "区财政局", {E}),
    ("hrss", "云浮市云城区人力资源和社会保障局", "区人社局", {E}),
    ("natres", "云浮市自然资源局云城分局", "自然资源云城分局", {E}),
    ("eco", "云浮市生态环境局云城分局", "生态环境云城分局", {E}),
    ("housing", "云浮市云城区住房和城乡建设局", "区住建局", {E}),
    ("transport", "云浮市云城区交通运输局", "区交通运输局", {E}),
    ("water", "云浮市云城区水务局", "区水务局", {E}),
    ("agri", "云浮市云城区农业农村局", "区农业农村局", {E}),
    ("commerce", "云浮市云城区商务局", "区商务局", {E}),
    ("culture", "云浮市云城区文化广电旅游体育局", "区文广旅体局", {E}),
    ("health", "云浮市云城区卫生健康局", "区卫健局", {E}),
    ("veterans", "云浮市云城区退役军人事务局", "区退役军人事务局", set()),
    ("emergency", "云浮市云城区应急管理局", "区应急管理局", {E}),
    ("audit", "云浮市云城区审计局", "区审计局", {E}),
    ("market", "云浮市云城区市场监督管理局", "区市场监管局", {E}),
    ("stats", "云浮市云城区统计局", "区统计局", {E}),
    ("medins", "云浮市云城区医疗保障局", "区医保局", {E}),
    ("forestry", "云浮市云城区林业局", "区林业局", {E}),
    ("urban", "云浮市云城区城市管理和综合执法局", "区城管执法局", {E}),
    ("gsd", "云浮市云城区政务服务数据管理局", "区政数局", set()),
    ("ethnic", "云浮市云城区民族宗教事务局", "区民宗局", {E}),
    ("meteo", "云浮市云城区气象局", "区气象局", {E}),
    ("civil_defense", "云浮市云城区人民防空办公室", "区人防办", {E}),
    ("fire", "云浮市云城区消防救援大队", "区消防救援大队", {E}),
    ("tax", "国家税务总局云浮市云城区税务局", "区税务局", set()),
    ("tobacco", "云浮市云城区烟草专卖局", "区烟草专卖局", set()),
    ("disabled", "云浮市云城区残疾人联合会", "区残联", set()),
]

# The 4 streets and 4 towns (key, name, short name, kind). Numbers 101… in uscc_for.
TOWNSHIPS: list[tuple[str, str, str, str]] = [
    ("yuncheng_st", "云浮市云城区云城街道办事处", "云城街道", "street"),
    ("gaofeng_st", "云浮市云城区高峰街道办事处", "高峰街道", "street"),
    ("hekou_st", "云浮市云城区河口街道办事处", "河口街道", "street"),
    ("antang_st", "云浮市云城区安塘街道办事处", "安塘街道", "street"),
    ("yaogu", "云浮市云城区腰古镇人民政府", "腰古镇", "township"),
    ("silao", "云浮市云城区思劳镇人民政府", "思劳镇", "township"),
    ("qianfeng", "云浮市云城区前锋镇人民政府", "前锋镇", "township"),
    ("nansheng", "云浮市云城区南盛镇人民政府", "南盛镇", "township"),
]
STREETS = [key for key, *_rest, kind in TOWNSHIPS if kind == "street"]
TOWNS = [key for key, *_rest, kind in TOWNSHIPS if kind == "township"]
ALL_TOWNSHIPS = [key for key, *_ in TOWNSHIPS]

ENFORCEMENT_UNITS = [key for key, _n, _s, flags in DEPARTMENTS if E in flags]
assert len(ENFORCEMENT_UNITS) == 28, len(ENFORCEMENT_UNITS)


def organization_rows() -> list[dict]:
    """Departments then townships, each with its USCC (the natural key of the seed)."""
    rows = []
    for number, (key, name, short, _flags) in enumerate(DEPARTMENTS, start=1):
        kind = "government" if key == "government" else "department"
        rows.append(
            {"key": key, "kind": kind, "name": name, "short_name": short, "uscc": uscc_for(number)}
        )
    for number, (key, name, short, kind) in enumerate(TOWNSHIPS, start=101):
        rows.append(
            {"key": key, "kind": kind, "name": name, "short_name": short, "uscc": uscc_for(number)}
        )
    return rows
