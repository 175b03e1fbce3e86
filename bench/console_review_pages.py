"""Server time of the review, audit and administration pages at 100,000 items and 100,000 audit
records.

Run on demand (not part of the test suite):

    .venv/bin/python bench/console_review_pages.py [--items 100000] [--changes 100000]
                                                   [--database sqlite|postgresql|both] [--requests 30]

It builds a fresh database per backend with bench/list_endpoints.py's loader (N service items of
~60 departments, their materials, fees and legal bases; a share of them drafts and submitted),
then adds --changes audit records (service-item snapshots before/after, as the trail keeps
them), 300 submitted revisions, and an editor, a reviewer of every department, an auditor and
an admin. Each page is fetched in process through Flask's test client, signed in as the person
who uses it: warm-up, then --requests timed fetches; wall p50/p95/max and CPU p50/p95 in ms
(bench/page_timing.py). The target from the issue is 100 ms. The audit pages include the last page of the whole trail (an OFFSET of
--changes rows) and filtered pages, which count their rows with the indexes of change_records.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update

from bench import page_timing
from bench.list_endpoints import _utc, backend_database, load, migrated_app
from bench.page_timing import print_table, time_page
from catalog import models as m
from catalog.extensions import db
from catalog.services import accounts
from catalog.services.permissions import Actor
from tests import factories
from tests.factories import PASSWORD

TARGET_MS = 100
REVISIONS = 300
SUBMITTED = 400
ACTIONS = ("create", "update", "update", "submit", "approve", "reject", "update", "suspend")


def _snapshot(item_id: int, department_id: int, n: int) -> dict[str, object]:
    return {
        "id": item_id,
        "name": f"基准事项{item_id}",
        "department_id": department_id,
        "version": n,
        "case_type": "1",
        "promised_time_limit": 0,
        "legal_time_limit": 20,
        "onsite_visits": 0,
        "consult_phone": f"0766-{n:07d}",
        "status": "published",
        "service_objects": ["1"],
    }


def add_console_rows(app: Flask, changes: int) -> dict[str, int]:
    """Audit records, submitted rows and revisions, and the people who read them."""
    rng = random.Random(17)
    with app.app_context():
        items = list(db.session.execute(select(m.ServiceItem.id, m.ServiceItem.department_id)))
        departments = sorted({d for _, d in items})
        submitted = [i for i, _ in rng.sample(items, SUBMITTED)]
        db.session.execute(
            update(m.ServiceItem).where(m.ServiceItem.id.in_(submitted)).values(status="submitted")
        )
        published = [(i, d) for i, d in items if i not in set(submitted)]
        revised = rng.sample(published, REVISIONS)
        db.session.execute(
            update(m.ServiceItem)
            .where(m.ServiceItem.id.in_([i for i, _ in revised]))
            .values(status="published")
        )
        db.session.execute(
            insert(m.Revision.__table__),
            [
                {
                    "entity_type": "service_item",
                    "entity_id": i,
                    "department_id": d,
                    "base_version": 1,
                    "state": "submitted",
                    "data": {"consult_phone": "0766-0000000"},
                    "author": "bench",
                    "version": 1,
                    "created_at": _utc(1),
                    "updated_at": _utc(1),
                }
                for i, d in revised
            ],
        )
        batch = []
        for n in range(changes):
            item_id, department_id = items[rng.randrange(len(items))]
            action = ACTIONS[n % len(ACTIONS)]
            before = None if action == "create" else _snapshot(item_id, department_id, n)
            batch.append(
                {
                    "entity_type": "service_item",
                    "entity_id": item_id,
                    "action": action,
                    "version": n % 9 + 1,
                    "actor": f"editor{department_id}",
                    "source": "api",
                    "credential": f"token:{department_id}",
                    "department_id": department_id,
                    "note": "理由" if action == "reject" else None,
                    "changed_at": _utc((changes - n) / 100),
                    "before": before,
                    "after": _snapshot(item_id, department_id, n + 1),
                }
            )
            if len(batch) == 5_000:
                db.session.execute(insert(m.ChangeRecord.__table__), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(m.ChangeRecord.__table__), batch)
        db.session.commit()
        operator = Actor.system("bench")
        for username, role, department, reviews in (
            ("ed", "editor", departments[0], None),
            ("rv", "reviewer", None, departments),
            ("au", "auditor", None, None),
            ("ad", "admin", None, None),
        ):
            factories.user(db.session, username, role, department, reviews)
        for n in range(20):
            accounts.create_token(
                db.session, operator, name=f"bench{n}", role="admin", department_id=None
            )
        return {
            "department": departments[len(departments) // 2],
            "revised": revised[0][0],
            "draft": submitted[0],
        }


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
    ).group(1)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def pages(ids: dict[str, int], changes: int) -> list[tuple[str, str, str]]:
    last = max(1, -(-changes // 20))
    return [
        ("工作台（编辑）", "ed", "/console"),
        ("工作台（审核人，全部部门）", "rv", "/console"),
        ("审核页（修订稿对比）", "rv", f"/console/review/service-items/{ids['revised']}"),
        ("审核页（新事项）", "rv", f"/console/review/service-items/{ids['draft']}"),
        ("公众页面预览（新事项）", "rv", f"/console/review/service-items/{ids['draft']}/preview"),
        ("变更记录 第 1 页", "au", "/console/audit"),
        ("变更记录 第 100 页", "au", "/console/audit?page=100"),
        ("变更记录 最后一页", "au", f"/console/audit?page={last}"),
        ("变更记录 按操作", "au", "/console/audit?action=reject"),
        ("变更记录 按部门", "au", f"/console/audit?department_id={ids['department']}"),
        ("变更记录 按操作人", "au", f"/console/audit?actor=editor{ids['department']}"),
        ("变更记录 按时间段", "au", "/console/audit?since=2024-05-01T00:00&until=2024-05-08T00:00"),
        (
            "变更记录 按对象",
            "au",
            f"/console/audit?entity_type=service_item&entity_id={ids['revised']}",
        ),
        ("用户", "ad", "/console/admin/users"),
        ("API 令牌", "ad", "/console/admin/tokens"),
    ]


def run(name: str, args: argparse.Namespace) -> None:
    with backend_database(name, "qingdan_bench_console_review") as backend:
        app = migrated_app(backend, "qingdan-bench-console-review-index")
        with app.app_context(), db.engine.begin() as conn:
            load(conn, args.items)
        ids = add_console_rows(app, args.changes)
        with app.app_context():
            backend.finish(db.engine)
        clients = {username: signed_in(app, username) for username in ("ed", "rv", "au", "ad")}
        print_table(
            f"{backend.label}: {args.items:,} items, {args.changes:,} audit records, "
            f"{args.requests} requests each, signed in as the page's user",
            [
                time_page(
                    backend.label,
                    label,
                    partial(clients[username].get, path),
                    args.requests,
                    warm_up=3,
                )
                for label, username, path in pages(ids, args.changes)
            ],
            target_ms=TARGET_MS,
        )
        with app.app_context():
            db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = page_timing.parser(__doc__.splitlines()[0], default_requests=30)
    parser.add_argument("--changes", type=int, default=100_000)
    args = parser.parse_args(argv)
    for name in page_timing.databases(args):
        run(name, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
