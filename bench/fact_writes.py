"""What a write costs with its figure fact: create, edit, submit, approve and delete 服务事项
through the use cases (crud, workflow), on SQLite, each in its own transaction.

Run on demand (not part of the test suite):

    .venv/bin/python bench/fact_writes.py [--items 300] [--history 0]

``--history N`` first gives each item N earlier draft edits, so the cost of a write against a
row with a longer history shows (figure facts used to be rebuilt from the row's whole history
on every write). Prints per step the milliseconds per write (median, p95: they vary with the
machine's load) and the SQL statements per write (they do not).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import event

from catalog.extensions import db
from catalog.services import crud, registry, workflow
from catalog.services.permissions import Actor
from tests import factories
from tests.support.databases import app_on

ACTOR = Actor.system("bench", "seed")
STATEMENTS_BY_STEP: dict[str, list[int]] = defaultdict(list)


STATEMENTS = [0]


def _count(*_args: Any) -> None:
    STATEMENTS[0] += 1


def _timed(times: dict[str, list[float]], step: str, write: Callable[[], Any]) -> Any:
    counted = STATEMENTS[0]
    started = time.perf_counter()
    result = write()
    times[step].append((time.perf_counter() - started) * 1000)
    STATEMENTS_BY_STEP[step].append(STATEMENTS[0] - counted)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--history", type=int, default=0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qingdan-bench-facts-"))
    app = app_on(
        f"sqlite:///{work / 'bench.sqlite3'}", work / "index", SEARCH_DRAIN_IN_PROCESS=False
    )
    spec = registry.SERVICE_ITEMS
    times: dict[str, list[float]] = defaultdict(list)
    with app.app_context():
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        event.listen(db.engine, "before_cursor_execute", _count)
        session = db.session
        department = factories.department(session).id
        for n in range(args.items):
            data = spec.schema().load(factories.service_item_data(department))
            row = _timed(times, "create", partial(crud.create_row, session, spec, data, ACTOR))
            for h in range(args.history):
                edit = {"name": f"事项{n}-{h}"}
                workflow.edit_row(session, spec, row.id, edit, row.version, ACTOR)
            edit = {"name": f"事项{n}改"}
            _timed(
                times,
                "edit (draft)",
                partial(workflow.edit_row, session, spec, row.id, edit, row.version, ACTOR),
            )
            for step in ("submit", "approve"):
                take = partial(workflow.take_step, session, spec, step, row.id, row.version, ACTOR)
                _timed(times, step, take)
        doomed = spec.schema().load(factories.service_item_data(department))
        for _ in range(min(args.items, 100)):
            row = crud.create_row(session, spec, doomed, ACTOR)
            delete = partial(crud.delete_row, session, spec, row.id, row.version, ACTOR)
            _timed(times, "delete", delete)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{args.items} items, {args.history} earlier edits each, SQLite (load {load})")
    for step, values in times.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        statements = statistics.mean(STATEMENTS_BY_STEP[step])
        print(
            f"  {step:14} median {statistics.median(values):6.2f} ms  p95 {p95:6.2f} ms"
            f"  {statements:5.1f} SQL statements"
        )


if __name__ == "__main__":
    main()
