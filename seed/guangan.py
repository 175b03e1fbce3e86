"""广安市广安区 (Sichuan, 511602): the real published catalog of 1,135 items of 34 departments,
kept in the repository at ``seed/data/guangan-items.json`` (a copy of the published catalog,
so the demo and the tests need nothing outside the repository).

Loaded as its own region (四川省 510000 → 广安市 511600 → 广安区 511602), through crud:

- Departments: their names as published ("区行政审批局", "广安区税务局" …). The file's
  ``dept_code`` is often not a USCC (9-digit 组织机构代码, "00877868-5", 19-digit ids …): it is
  stored as the department's USCC only when it passes the GB 32100 check, otherwise the USCC
  stays empty. (区交通运输局 has two codes in the file; the valid one is kept.)
- Service items: name verbatim; 事项类型 from ``task_type`` (1→01, 5→05, 7→07, 8→08, 9→09,
  10→10, 20→20); ``local_code`` = the portal's ``item_code`` (Sichuan format, not a 31-character
  实施编码, so 实施编码 and 基本编码 stay empty); status published; ``main_item`` as an alias
  (日常用语) unless it is "未分类".
- The file gives none of 办件类型, 法定/承诺 time limits, 到办事现场次数, 收费, 申请材料, 服务对象,
  办理形式, 地点, 时间, 电话 or 设定依据: every one of them is stored as unknown (NULL, shown as
  未填报), never as a default that would read as a fact (承诺件, 无期限, 零跑动, 不收费,
  无需提交材料). The figures leave these items out of every rate whose input they lack and
  say how many they left out; the completeness figures list what each item is missing.
- Idempotent by natural key: departments by (region, name), items by (department, item_code).
  History is dated at load time (the catalog has no as-of date).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, scoped_session

from catalog.services import registry as r
from catalog.services.codes import uscc_problem

from .loading import Loader, SeedReport

DATASET = "广安区"
REGION_CODE = "511602"
REGIONS = [
    ("510000", "四川省", None),
    ("511600", "广安市", "510000"),
    ("511602", "广安区", "511600"),
]
TASK_TYPES = {"1": "01", "5": "05", "7": "07", "8": "08", "9": "09", "10": "10", "20": "20"}
UNCLASSIFIED = "未分类"


ITEMS_FILE = Path(__file__).resolve().parent / "data" / "guangan-items.json"


def load_catalog(path: Path = ITEMS_FILE) -> dict[str, Any]:
    """The whole published file: ``items`` and the portal's code tables (``task_type_codes``)."""
    return json.loads(path.read_text(encoding="utf-8"))


def load_items(path: Path = ITEMS_FILE) -> list[dict[str, Any]]:
    return load_catalog(path)["items"]


def department_codes(items: list[dict[str, Any]]) -> dict[str, str | None]:
    """Each department's USCC: the first of its codes in the file that is a valid USCC."""
    codes: dict[str, str | None] = {}
    for item in items:
        department, code = item["department"], item["dept_code"].strip()
        codes.setdefault(department, None)
        if codes[department] is None and uscc_problem(code) is None:
            codes[department] = code
    return codes


def seed_guangan(session: Session | scoped_session, path: Path = ITEMS_FILE) -> SeedReport:
    """Create whatever of the 广安区 catalog is missing; return what was created and found."""
    items = load_items(path)
    with Loader(session, DATASET) as loader:
        region_ids: dict[str, int] = {}
        for code, name, parent in REGIONS:
            data = {
                "code": code,
                "name": name,
                "parent_id": region_ids.get(parent) if parent else None,
            }
            region_ids[code] = loader.ensure(r.REGIONS, ("code",), data)
        region_id = region_ids[REGION_CODE]

        departments: dict[str, int] = {}
        for name, uscc in department_codes(items).items():
            data = {"region_id": region_id, "kind": "department", "name": name, "uscc": uscc}
            departments[name] = loader.ensure(r.ORGANIZATIONS, ("region_id", "name"), data)

        for item in items:
            main = item["main_item"].strip()
            data = {
                "name": item["name"].strip(),
                "item_type": TASK_TYPES[item["task_type"]],
                "local_code": item["item_code"],
                "department_id": departments[item["department"]],
                "aliases": [] if main in ("", UNCLASSIFIED) else [main],
                "status": "published",
            }
            loader.ensure(r.SERVICE_ITEMS, ("department_id", "local_code"), data)
    return loader.report
