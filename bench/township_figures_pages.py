"""Server time of the 按镇街办事 pages and the auditors' dashboard pages at 100,000 items.

Run on demand (not part of the test suite):

    .venv/bin/python bench/township_figures_pages.py [--items 100000] [--database sqlite|postgresql|both] [--requests 20]

The data are bench/figures.py's (bench/list_endpoints.py's 100,000 service items over 60
departments and 8 townships, half of them township-level; 5,000 行政检查 监管事项; one history
record per row, so the figure pages' line over as-of dates reads the history), plus 2,000
devolved powers of mixed 职权类型 (about a third 处罚/检查, which the township pages leave out),
each received by 1-8 townships, half of them sharing their power with a service item (the guide
a township page links to).

Measured: whole pages in process through Flask's test client (routing, the services, SQL,
Jinja rendering; not the network), warm, --requests times each. The issue's target is <= 100 ms.
The figure pages keep each department's share of their grouped totals between changes; the rows
"after a change" time them with a generation replaced before each request: the busiest
department's (an item edited: its share is read again) or every department's (机构 changed:
nothing kept is read).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from bench import page_timing
from bench.figures import HISTORY_DATE, loaded_app
from bench.list_endpoints import Dataset
from bench.page_timing import Row, time_page
from catalog import models as m
from catalog.extensions import db
from catalog.models.audit import EVERY_DEPARTMENT, new_generation
from catalog.models.devolution import devolved_item_receivers

DEVOLVED = 2_000
POWER_TYPES = ("01", "01", "05", "07", "02", "02", "06", "10")  # a third 处罚/检查


def load_devolution(conn: Connection, data: Dataset, count: int = DEVOLVED) -> None:
    """``count`` devolved powers, half of them the power of an existing service item."""
    rng = random.Random(18)
    common = {
        "version": 1,
        "created_at": HISTORY_DATE,
        "updated_at": HISTORY_DATE,
        "status": "published",
    }
    existing = {row.code for row in conn.execute(select(m.PowerType.code))}
    missing = sorted(set(POWER_TYPES) - existing)
    if missing:  # the migrations may have seeded the national types already
        conn.execute(
            insert(m.PowerType.__table__),
            [
                {
                    "code": code,
                    "name": f"职权类型{code}",
                    "national": True,
                    "version": 1,
                    "created_at": HISTORY_DATE,
                    "updated_at": HISTORY_DATE,
                }
                for code in missing
            ],
        )
    conn.execute(
        insert(m.DevolutionBatch.__table__),
        [
            {
                "id": 1,
                "title": "第一批下放镇街事项",
                "region_id": 1,
                "version": 1,
                "created_at": HISTORY_DATE,
                "updated_at": HISTORY_DATE,
            }
        ],
    )
    powers, items, receivers, links = [], [], [], []
    for i in range(1, count + 1):
        department = rng.choice(data.departments)
        powers.append(
            {
                "id": i,
                "code": f"QZ-{i:06d}",
                "name": f"下放职权{i}",
                "power_type_code": rng.choice(POWER_TYPES),
                "department_id": department,
                **common,
            }
        )
        items.append(
            {
                "id": i,
                "batch_id": 1,
                "name": f"下放事项{i}",
                "power_item_id": i,
                "from_department_id": department,
                "mode": rng.choice(("transfer", "entrust")),
                "devolution_status": "effective",
                **common,
            }
        )
        receivers += [
            {"devolved_item_id": i, "township_id": t}
            for t in rng.sample(data.townships, rng.randint(1, len(data.townships)))
        ]
        if i % 2:
            links.append({"row": rng.randrange(1, data.items + 1), "power": i})
    conn.execute(insert(m.PowerItem.__table__), powers)
    conn.execute(insert(m.DevolvedItem.__table__), items)
    conn.execute(insert(devolved_item_receivers), receivers)
    table = m.ServiceItem.__table__
    conn.execute(
        update(table)
        .where(table.c.id == bindparam("row"))
        .values(power_item_id=bindparam("power")),
        links,
    )


# The pages that read the figures' kept totals (catalog/services/figure_cache.py), timed again
# as the first request after a commit finds them.
AFTER_A_CHANGE = ("/figures", "/figures?as_of=2024-05-31", "/figures/instant_share")


def pages(data: Dataset) -> list[tuple[str, str]]:
    town = data.townships[0]
    return [
        ("按镇街办事: index", "/townships"),
        ("按镇街办事: a township, page 1", f"/townships/{town}"),
        ("按镇街办事: a township, page 30", f"/townships/{town}?page=30"),
        ("devolved item page (guide, place)", "/items/devolved/1"),
        ("/figures dashboard", "/figures"),
        ("/figures, departments by 平均跑动次数, p.2", "/figures?sort=-average_visits&page=2"),
        ("/figures as of a date", "/figures?as_of=2024-05-31"),
        ("figure page 即办件占比 (bars + line)", "/figures/instant_share"),
        ("figure page 实施清单完成率", "/figures/inspection_list_completion"),
        ("rows behind 即办件占比 (分子), p.1", "/figures/instant_share/rows?part=numerator"),
        (
            "rows behind 即办件占比, by 部门, p.500",
            "/figures/instant_share/rows?part=numerator&sort=department&page=500",
        ),
        ("rows pulling 即办件占比 down (excluded)", "/figures/instant_share/rows?part=excluded"),
        (
            "export: excluded rows as CSV",
            "/figures/instant_share/rows/export?part=excluded&format=csv",
        ),
    ]


def run(name: str, items: int, requests: int) -> list[Row]:
    with loaded_app(name, items, "qingdan_bench_township_figures", more=load_devolution) as (
        backend,
        app,
        data,
    ):
        client = app.test_client()

        busiest = max(data.departments, key=lambda d: data.items_per_department.get(d, 0))
        changes = {
            # an item edited now: its department's share of the live figures is read again;
            # the figures as of a past moment keep theirs (a change dated now cannot alter them)
            "after a change to one department's item": ([busiest], False),
            # 机构 changed (or the facts rebuilt): every department's share is read again
            "after a change to 机构": ([EVERY_DEPARTMENT], True),
        }

        def change(departments: list[int], back_dated: bool) -> None:
            """What a commit recording a change to ``departments``' rows does to the figures
            kept: those departments' shares are not read from what is kept."""
            with app.app_context(), db.engine.begin() as connection:
                new_generation(connection, departments, back_dated=back_dated)

        return [
            *(
                time_page(backend.label, label, lambda url=url: client.get(url), requests)
                for label, url in pages(data)
            ),
            *(
                time_page(
                    backend.label,
                    f"{label}, {what}",
                    lambda url=url: client.get(url),
                    requests,
                    before=lambda how=how: change(*how),
                )
                for what, how in changes.items()
                for label, url in pages(data)
                if url in AFTER_A_CHANGE
            ),
        ]


def main() -> int:
    return page_timing.main(
        __doc__.splitlines()[0],
        run,
        title=lambda args: (
            f"township and figures pages, {args.items:,} service items, {DEVOLVED:,} devolved "
            f"powers, {args.requests} requests each"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
