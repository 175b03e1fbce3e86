"""Latency of the service-item list endpoint at a realistic size, on SQLite and PostgreSQL.

Run on demand (not part of the test suite):

    .venv/bin/python bench/list_endpoints.py [--items 100000] [--database sqlite|postgresql|both]
                                             [--requests 200] [--explain] [--profile]

For each backend it builds a fresh database (a SQLite file in a temporary directory; the
PostgreSQL database ``qingdan_bench`` on the machine's Debian PostgreSQL 15 cluster through
tests/support/postgres.py, dropped at the end), runs the Alembic migrations, loads N service
items with their materials, fees and legal-basis citations, refreshes the planner statistics,
then calls ``GET /api/v1/service-items`` with a mix of filters, sorts and pages.

What is measured: the whole request in process, through Flask's test client, so the figures
are app + database (query parsing, count(*), the page query and its eager loads, the ORM,
the marshmallow dump, the JSON encoding) and not the network. Caches are warm: each query is
warmed up, then repeated --requests times; each request's wall and CPU time are taken by
bench/page_timing.py. The target from the issue is p95 <= 30 ms.

What is NOT exercised: the write path. The data are loaded with SQLAlchemy Core ``insert()``
executemany in batches, bypassing the service layer (rules, history, search outbox), because
the benchmark measures reads and 100,000 rows through the use cases would take minutes.

Distributions (fixed seed, so runs compare): ~60 departments of skewed sizes, 8 townships
(about half the items are township-level), ~95% 即办件 with promised limit 0 and the rest
承诺件, on-site visits mostly 0, item types 01/20/07/10, status mostly published, 0-5
materials per item, 1-3 legal bases per item, fees on ~3% of items.

The second table splits each wall p50: the request's own SQL (captured from one request) is
re-run alone, rows fetched, --sql-runs times: count(*) / page query / eager selectin loads;
the rest of the p50 is Python (ORM, marshmallow dump, Flask). --explain prints the query
plans (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE) and --profile the cProfile top functions of
every query whose p95 is over --target-ms. The machine's load average is printed with the
figures: on this 2-core machine any other busy process shows up in p95 and max.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import logging
import os
import pstats
import random
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection, Engine

from bench import page_timing
from bench.page_timing import FOOTER, Timings, gets, over, pad, timed, width
from catalog import create_app
from catalog import models as m
from catalog.extensions import db

URL = "/api/v1/service-items"
SEED = 20240601
BATCH = 2_000
WARMUP = 10
DEPARTMENTS = 60
TOWNSHIPS = 8
LEGAL_BASES = 400

# --------------------------------------------------------------------------- data


def _words(text_: str) -> tuple[str, ...]:
    return tuple(text_.split())


_OBJECTS = _words(
    """
    食品经营许可证 食品生产许可证 药品零售企业许可 医疗器械经营备案 公共场所卫生许可证
    建设工程规划许可证 建筑工程施工许可证 城市排水许可证 户外广告设施设置 城市道路占用挖掘
    犬只登记 居民身份证 户口迁移 居住证 医师执业注册 护士执业注册 社会保障卡 失业保险金
    城乡居民基本养老保险 高龄津贴 最低生活保障 特困人员救助供养 残疾人证 出生医学证明
    民办学校办学许可 教师资格认定 导游证 旅行社业务经营许可 道路运输经营许可证
    出租汽车驾驶员从业资格证 房屋租赁登记 住房公积金提取 个体工商户登记 农药经营许可证
    动物诊疗许可证 种子生产经营许可证 取水许可 林木采伐许可证 烟花爆竹经营许可
    危险化学品经营许可证 特种设备使用登记 公众聚集场所投入使用营业前消防安全检查 档案查阅
    法律援助 退役军人优待证 殡葬服务 宗教活动场所登记 慈善组织认定 社会团体登记
    民办非企业单位登记 劳务派遣经营许可 人力资源服务许可 职业技能等级认定 就业创业证
    创业担保贷款贴息 再生育审批 独生子女父母奖励 计划生育家庭特别扶助金 临时救助
    经济困难老年人补贴
    """
)
_ACTIONS = _words(
    "核发 变更 延续 注销 补办 换发 申请 登记 备案 审批 认定 查询 证明开具 审核 确认 给付 发放"
)
# Most names carry no qualifier.
_QUALIFIERS = (
    "",
    "",
    "",
    "",
    *_words("（新办） （变更法定代表人） （镇街受理） （网上办理） （跨省通办）"),
)
_MATERIALS = _words(
    """
    申请表 居民身份证 营业执照 法定代表人身份证明 授权委托书 经营场所证明 承诺书 户口簿 结婚证
    房屋所有权证明 技术人员资格证明 平面布局图
    """
)
_E_LICENSES = frozenset(_words("居民身份证 营业执照 户口簿 结婚证 房屋所有权证明"))
_LEGAL_NAMES = _words(
    """
    中华人民共和国行政许可法 中华人民共和国食品安全法 中华人民共和国药品管理法
    中华人民共和国城乡规划法 中华人民共和国社会保险法 社会救助暂行办法 中华人民共和国动物防疫法
    中华人民共和国消防法 中华人民共和国户口登记条例 城市供水条例 城镇排水与污水处理条例
    特种设备安全监察条例
    """
)
_ITEM_TYPES = (("01", 40), ("20", 35), ("07", 15), ("10", 10))
_STATUSES = (
    ("published", 85),
    ("draft", 6),
    ("submitted", 4),
    ("suspended", 2),
    ("cancelled", 2),
    ("rejected", 1),
)
_VISITS = ((0, 90), (1, 9), (2, 1))


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


@dataclass
class Dataset:
    """What the loader made, so the queries can pick real ids."""

    departments: list[int] = field(default_factory=list)
    townships: list[int] = field(default_factory=list)
    items_per_department: dict[int, int] = field(default_factory=dict)
    items: int = 0
    materials: int = 0
    fees: int = 0
    citations: int = 0


def _utc(days_ago: float) -> datetime:
    return datetime(2024, 6, 1, tzinfo=UTC) - timedelta(days=days_ago)


def load(conn: Connection, n_items: int) -> Dataset:
    """Bulk-load organizations, legal bases and N service items with Core executemany."""
    rng = random.Random(SEED)
    data = Dataset()
    now = _utc(0)
    common = {"version": 1, "created_at": now, "updated_at": now}

    conn.execute(
        insert(m.Region.__table__),
        [{"id": 1, "code": "370202", "name": "某某区", "parent_id": None, **common}],
    )
    orgs = []
    for i in range(1, DEPARTMENTS + 1):
        orgs.append(
            {
                "id": i,
                "region_id": 1,
                "kind": "department",
                "name": f"区第{i}部门",
                "short_name": None,
                "uscc": f"11370202MB{i:07d}X",
                "parent_id": None,
                **common,
            }
        )
        data.departments.append(i)
    for j in range(1, TOWNSHIPS + 1):
        oid = DEPARTMENTS + j
        orgs.append(
            {
                "id": oid,
                "region_id": 1,
                "kind": "street" if j % 2 else "township",
                "name": f"第{j}街道",
                "short_name": None,
                "uscc": f"11370202MC{j:07d}X",
                "parent_id": None,
                **common,
            }
        )
        data.townships.append(oid)
    conn.execute(insert(m.Organization.__table__), orgs)
    conn.execute(
        insert(m.LegalBasis.__table__),
        [
            {
                "id": k,
                "name": f"{_LEGAL_NAMES[k % len(_LEGAL_NAMES)]}（{2000 + k % 24}年修订）",
                "document_number": f"第{k}号",
                "issuer": "全国人民代表大会常务委员会",
                "effective_on": date(2000 + k % 24, 1 + k % 12, 1),
                "abolished_on": None,
                "articles": f"第{k % 90 + 1}条",
                **common,
            }
            for k in range(1, LEGAL_BASES + 1)
        ],
    )

    # Department sizes follow a Zipf-like law: a few big departments, a long tail.
    dept_weights = [1 / (rank**0.9) for rank in range(1, DEPARTMENTS + 1)]
    item_table = m.ServiceItem.__table__
    citation_table = m.ServiceItem.legal_bases.property.secondary
    material_id = fee_id = 0
    for start in range(1, n_items + 1, BATCH):
        items, materials, fees, citations = [], [], [], []
        for item_id in range(start, min(start + BATCH, n_items + 1)):
            department = rng.choices(data.departments, weights=dept_weights)[0]
            data.items_per_department[department] = data.items_per_department.get(department, 0) + 1
            township = rng.choice(data.townships) if rng.random() < 0.5 else None
            instant = rng.random() < 0.95
            visits = _weighted(rng, _VISITS)
            charged = rng.random() < 0.03
            unstated = rng.random() < 0.03
            obj, action = rng.choice(_OBJECTS), rng.choice(_ACTIONS)
            catalog_code = f"{rng.randrange(10**11, 10**12)}"
            created = rng.uniform(30, 900)
            items.append(
                {
                    "id": item_id,
                    "name": f"{obj}{action}{rng.choice(_QUALIFIERS)}",
                    "aliases": [f"办{obj[:4]}"] if rng.random() < 0.3 else [],
                    "catalog_code": catalog_code,
                    "implementation_code": f"11370202MB{department:07d}X{catalog_code}{item_id:06d}"[
                        :31
                    ],
                    "local_code": None,
                    "handle_item_code": f"{catalog_code}{item_id % 100:02d}",
                    "item_type": _weighted(rng, _ITEM_TYPES),
                    "exercise_level": "5" if township else "4",
                    "department_id": department,
                    "township_id": township,
                    "body_nature": "1",
                    "power_source": "1",
                    "entrusting_department": None,
                    "handling_unit": f"区第{department}部门政务服务科",
                    "joint_departments": None,
                    "power_item_id": None,
                    "legal_time_limit": 0 if instant else rng.choice((20, 30, 60)),
                    "legal_time_unit": "W",
                    "promised_time_limit": 0 if instant else rng.choice((1, 3, 5, 7, 10, 15)),
                    "promised_time_unit": "W",
                    "case_type": "1" if instant else "2",
                    # about 3% of the items leave visits and fees 未填报, as imported sources do
                    "onsite_visits": None if unstated else visits,
                    "onsite_reason": "需现场核验原件" if visits and not unstated else None,
                    "is_charged": None if unstated else charged,
                    "materials_known": not unstated,
                    "legal_no_limit": False,
                    "promised_no_limit": False,
                    "office_hours": None if unstated else "工作日 9:00—17:00",
                    "charge_basis": "《行政事业性收费标准》" if charged else None,
                    "acceptance_conditions": f"申请人应当具备法定条件；{obj}{action}须材料齐全、符合法定形式。"
                    * 3,
                    "process": "申请—受理—审查—决定—送达",
                    "service_objects": rng.sample(["1", "2", "3", "6"], rng.randint(1, 2)),
                    "themes": ["营商环境"] if rng.random() < 0.4 else [],
                    "channels": ["1", "2", "3"] if rng.random() < 0.7 else ["1"],
                    "service_scope": rng.choice((None, "1", "4", "5")),
                    "online_url": f"https://zwfw.example.gov.cn/item/{item_id}",
                    "mobile_url": None,
                    "place": f"区政务服务中心{rng.randint(1, 3)}楼{rng.randint(1, 60)}号窗口",
                    "consult_phone": "0532-8888" + f"{rng.randint(0, 9999):04d}",
                    "supervision_phone": "0532-12345",
                    "effective_on": date(2023, 1, 1),
                    "status": _weighted(rng, _STATUSES),
                    "version": 1,
                    "created_at": _utc(created),
                    "updated_at": _utc(rng.uniform(0, created)),
                }
            )
            for position in range(0 if unstated else rng.randint(0, 5)):
                material_id += 1
                material = rng.choice(_MATERIALS)
                licensed = material in _E_LICENSES and rng.random() < 0.6  # 已关联电子证照
                materials.append(
                    {
                        "id": material_id,
                        "service_item_id": item_id,
                        "position": position,
                        "code": f"{item_id:06d}{position + 1:03d}",
                        "name": material,
                        "material_type": rng.choice(("原件", "复印件")),
                        "material_form": rng.choice(("纸质", "电子化")),
                        "required": rng.random() < 0.8,
                        "copies": 1,
                        "source_channel": "申请人自备",
                        "e_license_name": material if licensed else None,
                        "e_license_code": f"EL{position:02d}" if licensed else None,
                        "exempt": licensed and rng.random() < 0.5,
                        "note": None,
                    }
                )
            if charged and not unstated:
                for position in range(rng.randint(1, 2)):
                    fee_id += 1
                    fees.append(
                        {
                            "id": fee_id,
                            "service_item_id": item_id,
                            "position": position,
                            "name": "工本费",
                            "standard": "每证10元",
                            "basis": "价费字〔2019〕1号",
                            "reducible": False,
                        }
                    )
            for basis in rng.sample(range(1, LEGAL_BASES + 1), rng.randint(1, 3)):
                citations.append({"item_id": item_id, "legal_basis_id": basis})
        conn.execute(insert(item_table), items)
        if materials:
            conn.execute(insert(m.Material.__table__), materials)
        if fees:
            conn.execute(insert(m.FeeItem.__table__), fees)
        conn.execute(insert(citation_table), citations)
        data.materials += len(materials)
        data.fees += len(fees)
        data.citations += len(citations)
    data.items = n_items
    return data


# --------------------------------------------------------------------------- backends


@dataclass
class Backend:
    name: str
    label: str
    url: str
    size: Callable[[Engine], int]
    finish: Callable[[Engine], None]  # ANALYZE and friends after the load


def _sqlite_backend(directory: Path) -> Backend:
    path = directory / "bench.sqlite3"

    def size(_engine: Engine) -> int:
        return sum(p.stat().st_size for p in directory.glob("bench.sqlite3*"))

    def finish(engine: Engine) -> None:
        # Outside any transaction (the app's connect hook puts pysqlite in autocommit mode).
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement in ("ANALYZE", "PRAGMA optimize", "PRAGMA wal_checkpoint(TRUNCATE)"):
                cursor.execute(statement)
            cursor.close()
        finally:
            raw.close()

    return Backend("sqlite", "SQLite", f"sqlite:///{path}", size, finish)


def _postgres_backend(url: str) -> Backend:
    def size(engine: Engine) -> int:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT pg_database_size(current_database())")))

    def finish(engine: Engine) -> None:
        with engine.connect() as conn:
            for table in (
                "regions",
                "organizations",
                "legal_bases",
                "service_items",
                "materials",
                "fee_items",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
            conn.commit()
        # VACUUM as well as ANALYZE: it is the steady state autovacuum reaches on its own
        # (visibility map set, so count(*) can use index-only scans), and it keeps
        # autovacuum from starting in the middle of the measurement.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")

    return Backend("postgresql", "PostgreSQL", url, size, finish)


@contextlib.contextmanager
def backend_database(name: str, pg_database: str = "qingdan_bench") -> Iterator[Backend]:
    """A fresh, empty database for backend ``name``, removed afterwards.

    Other bench scripts import this (and ``load``); give each its own ``pg_database`` so two
    scripts running at once do not drop each other's PostgreSQL database.
    """
    if name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="qingdan-bench-") as directory:
            yield _sqlite_backend(Path(directory))
        return
    from tests.support import postgres

    admin = os.environ.get("TEST_DATABASE_URL") or postgres.ensure_cluster_running()
    url = postgres.create_database(admin, pg_database)
    try:
        yield _postgres_backend("postgresql+psycopg://" + url.split("://", 1)[1])
    finally:
        postgres.drop_database(admin, pg_database)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    label: str
    params: str
    note: str = ""


def migrated_app(backend: Backend, index: str, **config: Any) -> Flask:
    """A testing app on the backend's database, migrated to head; its search index is ``index``
    in the temporary folder."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": backend.url,
            "SEARCH_INDEX_PATH": str(Path(tempfile.gettempdir()) / index),
            **config,
        }
    )
    with app.app_context():
        upgrade()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def queries(data: Dataset) -> list[Query]:
    biggest = max(data.items_per_department, key=data.items_per_department.__getitem__)
    ranked = sorted(data.items_per_department, key=data.items_per_department.__getitem__)
    typical = ranked[len(ranked) // 2]
    township = data.townships[0]
    return [
        Query("no filter, page 1", ""),
        Query("department (largest)", f"department_id={biggest}"),
        Query("department (median)", f"department_id={typical}"),
        Query("department (largest) + instant", f"department_id={biggest}&instant=true"),
        Query("item_type=01 + status=published", "item_type=01&status=published"),
        Query("township", f"township_id={township}"),
        Query("max_onsite_visits=0", "max_onsite_visits=0"),
        Query("q=许可 (common word)", "q=%E8%AE%B8%E5%8F%AF", "LIKE '%..%', no index"),
        Query("q=犬只 (rare word)", "q=%E7%8A%AC%E5%8F%AA", "LIKE '%..%', no index"),
        Query("sort=-updated_at", "sort=-updated_at"),
        Query("sort=name", "sort=name"),
        Query(
            "department (largest) + sort=-updated_at", f"department_id={biggest}&sort=-updated_at"
        ),
        Query("page=100", "page=100"),
        Query("page=1000", "page=1000"),
        Query("status=published + page=1000", "status=published&page=1000"),
        Query("per_page=100", "per_page=100"),
        Query("per_page=100 + department (largest)", f"per_page=100&department_id={biggest}"),
    ]


# --------------------------------------------------------------------------- measuring


@dataclass
class Result:
    timings: Timings
    total: int
    sql_ms: dict[str, float] = field(default_factory=dict)  # kind -> median ms, run alone
    statements: list[tuple[str, str, Any]] = field(default_factory=list)  # kind, SQL, parameters


def _kind(statement: str) -> str | None:
    head = " ".join(statement.split()).upper()
    if not head.startswith("SELECT"):
        return None  # BEGIN, ROLLBACK
    if head.startswith("SELECT COUNT("):
        return "count"
    if (
        head.split(" WHERE ")[0].split(" FROM ")[1].startswith("SERVICE_ITEMS ")
        and " LIMIT " in head
    ):
        return "page"
    return "eager"  # the selectin loads of materials, fees and legal bases


@contextlib.contextmanager
def captured_statements(engine: Engine) -> Iterator[list[tuple[str, str, Any]]]:
    """The SELECTs one request sends, with their parameters, as the driver received them."""
    seen: list[tuple[str, str, Any]] = []

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        kind = _kind(statement)
        if kind:
            seen.append((kind, statement, parameters))

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


def time_statements(
    engine: Engine, statements: list[tuple[str, str, Any]], runs: int
) -> dict[str, float]:
    """Median ms of each kind of statement run alone with every row fetched, on a warm connection."""
    spent: dict[str, list[float]] = {}
    with engine.connect() as conn:
        for _ in range(runs):
            per_kind: dict[str, float] = {}
            for kind, statement, parameters in statements:
                started = time.perf_counter()
                conn.exec_driver_sql(statement, parameters).fetchall()
                per_kind[kind] = per_kind.get(kind, 0.0) + (time.perf_counter() - started) * 1000
            for kind, ms in per_kind.items():
                spent.setdefault(kind, []).append(ms)
        conn.rollback()
    return {kind: statistics.median(values) for kind, values in spent.items()}


def measure(app: Flask, query: Query, requests: int, sql_runs: int) -> Result:
    client = app.test_client()
    url = f"{URL}?{query.params}" if query.params else URL
    timings = timed(query.label, gets(client, [url] * requests), WARMUP)
    result = Result(timings, timings.last.get_json()["total"])
    with app.app_context():
        engine = db.engine
    with captured_statements(engine) as statements:
        client.get(url)
    result.statements = list(statements)
    if sql_runs:
        result.sql_ms = time_statements(engine, result.statements, sql_runs)
    return result


def explain(app: Flask, backend: Backend, statements: list[tuple[str, str, Any]]) -> str:
    prefix = "EXPLAIN QUERY PLAN " if backend.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    out = []
    with app.app_context(), db.engine.connect() as conn:
        for kind, statement, parameters in statements:
            if kind == "eager":
                continue
            rows = conn.exec_driver_sql(prefix + statement, parameters).fetchall()
            out.append(f"    -- {kind} query")
            for row in rows:
                out.append(
                    "    "
                    + (
                        " | ".join(str(c) for c in row[-1:])
                        if backend.name == "sqlite"
                        else str(row[0])
                    )
                )
    return "\n".join(out)


_PROFILE_GROUPS = (
    ("marshmallow dump", ("/marshmallow/",)),
    ("SQLAlchemy ORM + core", ("/sqlalchemy/",)),
    ("database driver", ("/psycopg/", "sqlite3", "psycopg")),
    ("Flask, Werkzeug, webargs, smorest", ("/flask", "/werkzeug/", "/webargs/", "/apispec/")),
    ("json (JSON columns, response)", ("/json/", "json.")),
    ("catalog/", ("/catalog/",)),
)


def profile(app: Flask, query: Query, runs: int = 50) -> str:
    """cProfile of `runs` requests: own time per library, then the top functions."""
    client = app.test_client()
    url = f"{URL}?{query.params}" if query.params else URL
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        where = f"{filename} {function}"
        group = next(
            (name for name, marks in _PROFILE_GROUPS if any(m in where for m in marks)), "other"
        )
        groups[group] = groups.get(group, 0.0) + own
    total = sum(groups.values())
    lines = [f"    cProfile, {runs} requests; own time per request (profiler overhead included):"]
    for group, own in sorted(groups.items(), key=lambda item: -item[1]):
        lines.append(f"      {group:<36}{own / runs * 1000:>7.1f} ms  {own / total:>4.0%}")
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(10)
    top = [line for line in buffer.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(top) if line.lstrip().startswith("ncalls")), 0)
    lines += ["      " + line for line in top[start:]]
    return "\n".join(lines)


@dataclass
class Run:
    backend: Backend
    data: Dataset
    load_seconds: float
    size_bytes: int
    results: dict[str, Result]
    notes: list[str]
    load_average: tuple[float, float]  # 1-minute load average before and after measuring


def run_backend(name: str, args: argparse.Namespace) -> Run:
    with backend_database(name) as backend:
        app = migrated_app(backend, "qingdan-bench-search-index")
        with app.app_context():
            engine = db.engine
            print(
                f"[{backend.label}] loading {args.items:,} service items ...",
                file=sys.stderr,
                flush=True,
            )
            started = time.perf_counter()
            with engine.begin() as conn:
                data = load(conn, args.items)
            backend.finish(engine)
            load_seconds = time.perf_counter() - started
            size = backend.size(engine)
        results: dict[str, Result] = {}
        notes: list[str] = []
        load_before = os.getloadavg()[0]
        for query in queries(data):
            print(f"[{backend.label}] {query.label} ...", file=sys.stderr, flush=True)
            result = measure(app, query, args.requests, args.sql_runs)
            results[query.label] = result
            if result.timings.wall_at(95) > args.target_ms and (args.explain or args.profile):
                notes.append(
                    f"  {query.label}  ?{query.params}  (p95 {result.timings.wall_at(95):.1f} ms)"
                )
                if args.explain:
                    notes.append(explain(app, backend, result.statements))
                if args.profile:
                    notes.append(profile(app, query))
        with app.app_context():
            db.engine.dispose()
        return Run(
            backend, data, load_seconds, size, results, notes, (load_before, os.getloadavg()[0])
        )


# --------------------------------------------------------------------------- report


def report(runs: list[Run], args: argparse.Namespace) -> None:
    first = runs[0]
    print()
    print(
        f"GET {URL}: {args.items:,} service items, {args.requests} requests per query after "
        f"{WARMUP} warm-up, in-process test client; times in ms; target p95 <= {args.target_ms:g} ms "
        f"(* = over)"
    )
    print(
        f"data: {first.data.items:,} items over {DEPARTMENTS} departments / {TOWNSHIPS} townships, "
        f"{first.data.materials:,} materials, {first.data.fees:,} fees, {first.data.citations:,} citations"
    )
    for run in runs:
        print(
            f"{run.backend.label}: load + analyze {run.load_seconds:.1f} s, "
            f"database size {run.size_bytes / 2**20:.1f} MiB; machine load average "
            f"{run.load_average[0]:.2f} -> {run.load_average[1]:.2f} while measuring "
            f"({os.cpu_count()} CPUs: above ~1 other work competes and the figures are high)"
        )
    print()
    columns = max(width(q) for q in first.results) + 2
    header = f"{'query':<{columns}}{'rows':>8}"
    for run in runs:
        header += f" | {run.backend.label:^44}"
    sub = f"{'':<{columns}}{'':>8}"
    for _ in runs:
        sub += f" | {'wall p50':>8}{'p95':>9}{'max':>9}{'CPU p50':>9}{'p95':>9}"
    print(header)
    print(sub)
    print("-" * len(sub))
    for label in first.results:
        line = f"{pad(label, columns)}{first.results[label].total:>8,}"
        for run in runs:
            t = run.results[label].timings
            wall, cpu = t.wall_at(95), t.cpu_at(95)
            line += (
                f" | {t.wall_at(50):>8.1f}{wall:>8.1f}{over(wall, args.target_ms)}{max(t.wall):>9.1f}"
                f"{t.cpu_at(50):>9.1f}{cpu:>8.1f}{over(cpu, args.target_ms)}"
            )
        print(line)
    print()
    print(textwrap.fill(FOOTER, 100))
    print(
        "q= filters are LIKE '%word%' on name: no index can serve them (full scan), by design "
        "until search/ serves free text."
    )
    if args.sql_runs:
        print()
        print(
            f"where the wall p50 goes: the request's SQL run alone, rows fetched, median of {args.sql_runs} "
            f"(count(*) / page query / eager selectin loads), rest = wall p50 - SQL = ORM + marshmallow + Flask"
        )
        print(f"{'query':<{columns}}" + "".join(f" | {run.backend.label:^31}" for run in runs))
        print(
            f"{'':<{columns}}"
            + "".join(f" | {'count':>7}{'page':>8}{'eager':>8}{'rest':>8}" for _ in runs)
        )
        for label in first.results:
            line = pad(label, columns)
            for run in runs:
                r = run.results[label]
                sql = [r.sql_ms.get(kind, 0.0) for kind in ("count", "page", "eager")]
                rest = r.timings.wall_at(50) - sum(sql)
                line += f" | {sql[0]:>7.1f}{sql[1]:>8.1f}{sql[2]:>8.1f}{rest:>8.1f}"
            print(line)
    for run in runs:
        if run.notes:
            print()
            print(f"{run.backend.label}: queries over the target")
            print("\n".join(run.notes))


def main(argv: list[str] | None = None) -> int:
    parser = page_timing.parser(__doc__.splitlines()[0], "both", default_requests=200)
    parser.add_argument("--target-ms", type=float, default=30.0)
    parser.add_argument(
        "--sql-runs",
        type=int,
        default=20,
        help="times each request's SQL is re-run alone for the SQL/Python split (0 to skip)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print query plans of queries over the target"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile of queries over the target"
    )
    args = parser.parse_args(argv)
    runs = [run_backend(name, args) for name in page_timing.databases(args)]
    report(runs, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
