"""Server time of the citizen's pages at 100,000 items: the search page (engine answer, every
facet, the service hits' facts, the region choice, rendering), the item guide and the home page.

Run on demand (not part of the test suite):

    .venv/bin/python bench/citizen_pages.py [--items 100000] [--samples 200]

The catalog is bench/search_api.py's (the 1,135 real 广安区 items, then copies under varied
names, as published service items) on the embedded engine, the default (bench/search_api.py
compares the engines); the guides measured get five materials and a fee each, as a real guide
has. Pages go through Flask's test client, in process: app, database, engine and
templates, not the network: wall and CPU time per request (bench/page_timing.py). Target
(issue 18): ≤ 100 ms server time per page.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import insert, update

from bench.page_timing import Row, gets, print_table, timed
from bench.search_api import WARM_UP, citizen_queries, load, vocabulary_ready
from bench.search_engines import search_queries
from catalog import create_app
from catalog import models as m
from catalog.extensions import db
from catalog.services import search_reindex
from search.engines.embedded import EmbeddedEngine
from seed.guangan import load_items

GUIDE_MATERIALS = 5


def furnish_guides(ids: list[int]) -> None:
    """Materials, a fee and the place and hours for the guides the bench opens."""
    db.session.execute(
        insert(m.Material.__table__),
        [
            {
                "service_item_id": item_id,
                "position": n,
                "name": f"申请材料{n}",
                "material_type": "原件",
                "material_form": "纸质",
                "required": True,
                "copies": 1,
                "exempt": False,
            }
            for item_id in ids
            for n in range(GUIDE_MATERIALS)
        ],
    )
    db.session.execute(
        insert(m.FeeItem.__table__),
        [
            {
                "service_item_id": item_id,
                "position": 0,
                "name": "工本费",
                "standard": "10 元",
                "reducible": False,
            }
            for item_id in ids
        ],
    )
    db.session.execute(
        update(m.ServiceItem.__table__)
        .where(m.ServiceItem.id.in_(ids))
        .values(
            place="政务服务中心一楼",
            office_hours="周一至周五 9:00—17:00",
            online_url="https://zwfw.example.cn/",
            materials_known=True,
            is_charged=True,
            charge_basis="收费依据",
        )
    )
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    items = load_items()
    work = Path(tempfile.mkdtemp(prefix="qingdan-bench-pages-"))
    app = create_app(
        {
            "TESTING": True,  # a throwaway secret key, as the other benches
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}",
            "SEARCH_INDEX_PATH": str(work / "index"),
            "SEARCH_DRAIN_IN_PROCESS": False,
        }
    )
    engine = EmbeddedEngine(work / "index")
    picker = random.Random(18)
    guide_ids = picker.sample(range(1, args.items + 1), min(args.samples, args.items))
    queries = search_queries(items, args.samples)
    citizen = citizen_queries()
    with app.app_context():
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        started = time.perf_counter()
        load(items, args.items)
        furnish_guides(guide_ids)
        print(
            f"loaded {args.items:,} items in {time.perf_counter() - started:.0f} s", file=sys.stderr
        )
        report = search_reindex.reindex(db.session, engine)
    assert report.ok, report.problems
    app.extensions["qingdan_search_engine"] = engine
    vocabulary_ready(app)
    client = app.test_client()
    pages = [
        ("/search, judged and name pieces", [f"/search?q={quote(q)}" for q in queries]),
        (
            "  the same through /api/v1/search (no page)",
            [f"/api/v1/search?q={quote(q)}" for q in queries],
        ),
        ("/search, held-out citizen queries", [f"/search?q={quote(q)}" for q in citizen]),
        (
            "/search, 即办件 filter, page 3",
            [f"/search?q={quote(q)}&instant=true&page=3" for q in queries[:50]],
        ),
        ("/items/service/<id> (guide)", [f"/items/service/{i}" for i in guide_ids]),
        ("/ (home)", ["/"] * 50),
    ]
    print_table(
        f"citizen pages through Flask's test client, {args.items:,} items, SQLite and the "
        "embedded engine; target <= 100 ms server time",
        [Row("sqlite", label, timed(label, gets(client, urls), WARM_UP)) for label, urls in pages],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
