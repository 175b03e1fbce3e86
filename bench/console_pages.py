"""Server time of the console's form and import pages at 100,000 service items.

Run on demand (not part of the test suite):

    .venv/bin/python bench/console_pages.py [--items 100000] [--database sqlite|postgresql|both] [--requests 30]

The data are bench/list_endpoints.py's (60 departments of skewed sizes, 8 townships, 0-5
materials per item, mostly published), loaded with Core inserts as there. An editor of the
largest department signs in through the login form, then each page is requested in process
through Flask's test client (app + database + template, not the network), warm, --requests
times: the generated forms (new, edit of a published item with its materials, a refused save
that renders the form again with the rule's message, a save that becomes a 修订稿), the
department's rows (first and a deep page), the draft preview, and the import pages. The
issue's target is <= 100 ms server time. The department's export (thousands of rows as a
workbook) is timed once, cold, for information: it is a file, not a page.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bench import page_timing
from bench.list_endpoints import Backend, backend_database, load, migrated_app
from bench.page_timing import Row, time_page
from catalog import models as m
from catalog.extensions import db
from tests import factories
from tests.factories import PASSWORD


def csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def signed_in_editor(app: Any, department_id: int) -> FlaskClient:
    with app.app_context():
        factories.user(db.session, "bench-editor", "editor", department_id)
    client = app.test_client()
    client.post(
        "/login",
        data={
            "username": "bench-editor",
            "password": PASSWORD,
            "csrf_token": csrf(client, "/login"),
        },
    )
    assert client.get("/console").status_code == 200
    return client


def requests_of(
    app: Any, client: FlaskClient, department_id: int
) -> list[tuple[str, Callable[[], Any], int, int | None]]:
    """(label, request, expected status, times to run it: None for --requests after a warm-up)."""
    with app.app_context():
        published = db.session.scalar(
            select(m.ServiceItem.id)
            .join(m.Material)
            .where(
                m.ServiceItem.department_id == department_id, m.ServiceItem.status == "published"
            )
            .order_by(m.ServiceItem.id.desc())
            .limit(1)
        )
        draft = db.session.scalar(
            select(m.ServiceItem.id)
            .where(m.ServiceItem.department_id == department_id, m.ServiceItem.status == "draft")
            .limit(1)
        )
        total = db.session.scalar(
            select(func.count())
            .select_from(m.ServiceItem)
            .where(m.ServiceItem.department_id == department_id)
        )
    token = csrf(client, "/console/new/service-items")
    refused = {
        "csrf_token": token,
        "name": "基准即办事项",
        "item_type": "01",
        "department_id": str(department_id),
        "case_type": "1",
        "legal_time_limit": "20",
        "promised_time_limit": "3",
        "materials-0-name": "身份证",
    }
    edit_url = f"/console/service-items/{published}/edit"
    version = re.search(
        r'name="version" value="(\d+)"', client.get(edit_url).get_data(as_text=True)
    ).group(1)
    revision = {
        **refused,
        "version": version,
        "case_type": "2",
        "promised_time_limit": "5",
        "consult_phone": "0768-1",
    }
    deep_page = max(1, total // 20 - 1)
    return [
        ("new 服务事项 form", lambda: client.get("/console/new/service-items"), 200, None),
        ("edit form, published item", lambda: client.get(edit_url), 200, None),
        (
            "refused save (rule at its field)",
            lambda: client.post("/console/new/service-items", data=refused),
            422,
            None,
        ),
        (
            "save of a published item → 修订稿",
            lambda: client.post(edit_url, data=revision),
            303,
            None,
        ),
        ("department's rows, page 1", lambda: client.get("/console/service-items"), 200, None),
        (
            f"department's rows, page {deep_page}",
            lambda: client.get(f"/console/service-items?page={deep_page}"),
            200,
            None,
        ),
        (
            "preview of a draft",
            lambda: client.get(f"/console/service-items/{draft}/preview"),
            200,
            None,
        ),
        ("new 监管事项 form", lambda: client.get("/console/new/supervision-items"), 200, None),
        ("import lists", lambda: client.get("/console/import"), 200, None),
        ("import upload page", lambda: client.get("/console/service-items/import"), 200, None),
        (
            "empty template (.xlsx)",
            lambda: client.get("/console/service-items/template"),
            200,
            None,
        ),
        (
            f"department's list export ({total:,} rows, file)",
            lambda: client.get("/console/service-items/export"),
            200,
            1,
        ),
    ]


@contextmanager
def largest_department_editor(
    name: str, items: int, pg_database: str
) -> Iterator[tuple[Backend, Flask, FlaskClient, int, int]]:
    """A migrated database of backend ``name`` holding ``items`` service items, the app over it,
    and a client signed in as an editor of the largest department: (backend, app, client,
    department id, the department's items)."""
    with backend_database(name, pg_database=pg_database) as backend:
        app = migrated_app(backend, f"{pg_database}-index", RATELIMIT_ENABLED=False)
        with app.app_context():
            with db.engine.begin() as conn:
                data = load(conn, items)
            backend.finish(db.engine)
        department = max(data.items_per_department, key=data.items_per_department.get)
        yield (
            backend,
            app,
            signed_in_editor(app, department),
            department,
            data.items_per_department[department],
        )
        with app.app_context():
            db.engine.dispose()


def run(name: str, items: int, requests: int) -> list[Row]:
    with largest_department_editor(name, items, "qingdan_bench_console") as (
        backend,
        app,
        client,
        department,
        _rows,
    ):
        return [
            time_page(
                backend.label,
                label,
                call,
                repeats or requests,
                expected,
                warm_up=0 if repeats else 3,
            )
            for label, call, expected, repeats in requests_of(app, client, department)
        ]


def main() -> int:
    return page_timing.main(
        __doc__.splitlines()[0],
        run,
        default_database="both",
        default_requests=30,
        title=lambda args: (
            f"console pages, {args.items:,} service items, {args.requests} requests each"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
