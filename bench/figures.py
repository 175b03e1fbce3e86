"""Latency of the auditors' figures endpoints at 100,000 service items, SQLite and PostgreSQL.

Run on demand (not part of the test suite):

    .venv/bin/python bench/figures.py [--items 100000] [--database sqlite|postgresql|both] [--requests 50]

The data are bench/list_endpoints.py's (60 departments, 8 townships, ~95% 即办件, visits
mostly 0, 0-5 materials per item), plus 5,000 行政检查 监管事项 of which 4,900 have a
published 检查实施清单, plus one history record per row (the create, dated 2024-05-01) so
that figures as of a date read the history as they do in production. Loading bypasses the
service layer (Core executemany), as in list_endpoints.py, so the figures' history table
(figure_facts), which a write keeps in its transaction, is filled from the loaded history
as migration 0006 fills it.

Measured: whole requests in process through Flask's test client (app + database, not the
network), warm, --requests times each, wall and CPU time (bench/page_timing.py). The issue's
target is p95 <= 100 ms.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from collections import defaultdict

from flask import Flask
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from bench.list_endpoints import Backend, Dataset, backend_database, load, migrated_app
from bench.page_timing import Row, arguments, print_table, time_page
from catalog import models as m
from catalog.extensions import db
from catalog.models.elements import unfilled_mask
from catalog.models.figure_facts import rebuild_figure_facts

HISTORY_DATE = datetime(2024, 5, 1, tzinfo=UTC)
INSPECTION_ITEMS = 5_000
WITHOUT_LIST = 100
BATCH = 5_000

QUERIES = [
    ("figures, live", "/api/v1/stats/figures?region_id=1"),
    ("figures, as of a date (history)", "/api/v1/stats/figures?region_id=1&as_of=2024-05-31"),
    ("figures, one department", "/api/v1/stats/figures?department_id=3"),
    (
        "figures, all item types",
        "/api/v1/stats/figures?region_id=1&item_types=01&item_types=20&item_types=07&item_types=10",
    ),
    (
        "rows behind 即办件占比 (excluded)",
        "/api/v1/stats/figures/instant_share/rows?part=excluded&region_id=1",
    ),
    ("per-department table (60)", "/api/v1/stats/departments?region_id=1"),
    ("completeness, live", "/api/v1/stats/completeness?region_id=1"),
    (
        "completeness, as of a date (history)",
        "/api/v1/stats/completeness?region_id=1&as_of=2024-05-31",
    ),
    (
        "completeness, all item types",
        "/api/v1/stats/completeness?region_id=1&item_types=01&item_types=20&item_types=07&item_types=10",
    ),
    ("completeness per department (60)", "/api/v1/stats/completeness/departments?region_id=1"),
    (
        "rows missing 申请材料",
        "/api/v1/stats/completeness/service-items/rows?region_id=1&element=materials",
    ),
]


def load_supervision(conn: Connection, departments: list[int]) -> None:
    common = {
        "version": 1,
        "created_at": HISTORY_DATE,
        "updated_at": HISTORY_DATE,
        "status": "published",
    }
    items = [
        {
            "id": i,
            "code": f"{37020200600000 + i:014d}",
            "main_name": f"监督检查事项{i}",
            "supervision_type": "06",
            "department_id": departments[i % len(departments)],
            "levels": ["4"],
            "random_check": i % 3 == 0,
            "key_check": False,
            "joint_check_suitable": False,
            "claimed": True,
            **common,
        }
        for i in range(1, INSPECTION_ITEMS + 1)
    ]
    conn.execute(insert(m.SupervisionItem.__table__), items)
    lists = [
        {
            "id": i,
            "supervision_item_id": i,
            "name": f"检查实施清单{i}",
            "department_id": items[i - 1]["department_id"],
            "exercise_level": "4",
            "random_check": False,
            **common,
        }
        for i in range(1, INSPECTION_ITEMS - WITHOUT_LIST + 1)
    ]
    conn.execute(insert(m.InspectionImplList.__table__), lists)


def _lists_of_items(conn: Connection) -> dict[str, dict[int, list]]:
    """Each item's materials (names), fees and legal bases, as its snapshot lists them."""
    lists: dict[str, dict[int, list]] = {
        "materials": defaultdict(list),
        "fees": defaultdict(list),
        "legal_basis_ids": defaultdict(list),
    }
    for item_id, name in conn.execute(select(m.Material.service_item_id, m.Material.name)):
        lists["materials"][item_id].append({"name": name})
    for item_id, name in conn.execute(select(m.FeeItem.service_item_id, m.FeeItem.name)):
        lists["fees"][item_id].append({"name": name})
    citations = m.ServiceItem.legal_bases.property.secondary
    for item_id, basis_id in conn.execute(select(citations.c.item_id, citations.c.legal_basis_id)):
        lists["legal_basis_ids"][item_id].append(basis_id)
    return lists


def load_history(conn: Connection) -> int:
    """One 'create' ChangeRecord per row, its snapshot being the row's columns and lists, and
    the row's unfilled elements computed from it (as a write through the API keeps them)."""
    written = 0
    models = {
        "service_item": m.ServiceItem,
        "supervision_item": m.SupervisionItem,
        "inspection_impl_list": m.InspectionImplList,
    }
    item_lists = _lists_of_items(conn)
    for entity_type, model in models.items():
        table = model.__table__
        columns = list(table.columns)
        last_id = 0
        while True:
            rows = conn.execute(
                select(table).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            records, masks = [], []
            for row in rows:
                after = {c.name: _json(getattr(row, c.name)) for c in columns}
                if entity_type == "service_item":
                    for name, by_item in item_lists.items():
                        after[name] = by_item.get(row.id, [])
                    if not row.materials_known:
                        after["materials"] = None
                masks.append({"row": row.id, "mask": unfilled_mask(entity_type, after)})
                records.append(
                    {
                        "entity_type": entity_type,
                        "entity_id": row.id,
                        "action": "create",
                        "version": 1,
                        "actor": "bench",
                        "source": "seed",
                        "changed_at": HISTORY_DATE,
                        "before": None,
                        "after": after,
                    }
                )
            conn.execute(insert(m.ChangeRecord.__table__), records)
            conn.execute(
                update(table)
                .where(table.c.id == bindparam("row"))
                .values(unfilled_elements=bindparam("mask")),
                masks,
            )
            written += len(records)
            last_id = rows[-1].id
    return written


def _json(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


@contextmanager
def loaded_app(
    name: str,
    items: int,
    pg_database: str,
    more: Callable[[Connection, Dataset], None] | None = None,
) -> Iterator[tuple[Backend, Flask, Dataset]]:
    """A migrated database of backend ``name`` holding this bench's data (and ``more``), and the
    app over it; the other figure-page benches build on the same data."""
    with backend_database(name, pg_database=pg_database) as backend:
        app = migrated_app(backend, f"{pg_database}-index")
        with app.app_context():
            started = time.perf_counter()
            with db.engine.begin() as conn:
                data = load(conn, items)
                load_supervision(conn, data.departments)
                if more is not None:
                    more(conn, data)
                history = load_history(conn)
                rebuild_figure_facts(conn)
            backend.finish(db.engine)
            print(
                f"[{backend.label}] loaded {items:,} items, {history:,} history records "
                f"in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        yield backend, app, data
        with app.app_context():
            db.engine.dispose()


def first_figure(body: object) -> str:
    """The answer's first figure as the auditors read it, to see the numbers behind the timings."""
    first = body.get("figures", body.get("lists", [None]))[0] if isinstance(body, dict) else None
    if not first:
        return ""
    return f"{first['label']} {first['numerator']}/{first['denominator']} = {first['display']}"


def run(name: str, items: int, requests: int) -> list[Row]:
    with loaded_app(name, items, "qingdan_bench_figures") as (backend, app, _data):
        client = app.test_client()
        rows = []
        for label, url in QUERIES:
            row = time_page(backend.label, label, partial(client.get, url), requests, warm_up=3)
            rows.append(replace(row, note=first_figure(row.timings.last.get_json())))
        return rows


def main() -> int:
    args, names = arguments(__doc__.splitlines()[0], default_database="both", default_requests=50)
    print_table(
        f"figures endpoints, {args.items:,} service items, {args.requests} requests each; "
        "target p95 <= 100 ms",
        [row for name in names for row in run(name, args.items, args.requests)],
        label_header="request",
        note_header="first figure",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
