"""Memory and time of a spreadsheet import, and of the hostile workbooks an upload may carry.

Run on demand (not part of the test suite):

    .venv/bin/python bench/import_memory.py [--rows 50000] [--commit] [--hostile-only]

It builds a throwaway SQLite database in a temporary directory, runs the migrations and makes
three departments, then:

1. writes an .xlsx of --rows service items (the columns a department's sheet has: 序号, 事项
   名称, 事项类型, 实施主体, 办件类型, 时限, 现场次数, 收费, 服务对象, 状态 and two text
   columns of about 120 characters), and imports it in process through
   ``row_import.import_file`` (a dry run, or a commit with --commit) as a system operator;
2. reads hostile workbooks through ``tabular_files.read_file``: a forged sheet dimension
   (``<dimension ref="A1:XFD20000">`` over 20,000 short rows), the same rows each ending in an
   empty cell in column XFD, and a zip bomb (a part that unpacks to more than the limit).

What is measured: wall time, and the growth of the process's peak resident memory (VmHWM,
reset through /proc/self/clear_refs before each step) over its resident memory before the
step, once the memory freed before it is handed back to the system (glibc's malloc_trim), so
that memory the process freed earlier does not hide what the step needs; for the import also
its CPU seconds and the SQL statements it sends per row (each row costs a few: a SAVEPOINT and
its INSERTs; a commit's history, outbox rows and figure facts are written 500 rows at a time,
and a dry run writes none). The target (issue
13): a 50,000-row import grows memory by less than 200 MB, and no hostile workbook costs more
than a few MB or a second. Linux only (/proc, glibc).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import io
import logging
import os
import re
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine

from catalog import create_app
from catalog.extensions import db
from catalog.services import registry, row_import, tabular_files
from catalog.services.errors import DomainError
from catalog.services.permissions import Actor
from tests import factories
from tests.support.hostile_files import empty_cell_at_xfd, forged_dimension, workbook, zip_bomb

HEADERS = [
    "序号",
    *factories.SERVICE_ITEM_HEADERS,
    "是否收费",
    "服务对象",
    "状态",
    "受理条件",
    "办理流程",
]
OPERATOR = Actor.system("bench", "import")
_LIBC = ctypes.CDLL("libc.so.6")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def peak_growth(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """``step``'s result (or the DomainError it raised), its seconds, and the growth in MB of
    the process's peak resident memory over its resident memory before it."""
    gc.collect()
    _LIBC.malloc_trim(
        0
    )  # memory freed before the step goes back to the system: the step's own counts
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from now
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    try:
        result = step()
    except DomainError as error:
        result = error
    return result, time.perf_counter() - started, (_status_kb("VmHWM") - before) / 1024


def measured(label: str, step: Callable[[], Any]) -> Any:
    """Run ``step``; print its seconds and the growth of peak memory over memory before it."""
    result, seconds, growth = peak_growth(step)
    outcome = f"refused: {result.code}" if isinstance(result, DomainError) else "read"
    print(f"{label:<58} {seconds:8.2f} s {growth:9.1f} MB  {outcome}")
    return result


def _counter(counts: Counter[str]) -> Callable[..., None]:
    """A cursor listener that counts statements by their first words (INSERT INTO items …)."""

    def count(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts[re.sub(r"\d+", "N", " ".join(statement.split()[:3]))] += 1  # sa_savepoint_N

    return count


def service_rows(count: int, departments: list[str]) -> list[list[Any]]:
    condition = "申请人应当具备相应的资格条件，提交的材料齐全、符合法定形式，" * 3
    process = "申请、受理、审查、决定、送达；网上申请的，由窗口工作人员在线预审后通知申请人。" * 2
    rows: list[list[Any]] = [HEADERS]
    for i in range(count):
        rows.append(
            [
                i + 1,
                f"内存测试事项{i:06d}",
                "01",
                departments[i % len(departments)],
                "承诺件",
                20,
                5,
                0,
                "否",
                "个人、法人",
                "草稿",
                f"{condition}（第{i}项）",
                process,
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--commit", action="store_true", help="commit instead of the dry run")
    parser.add_argument("--hostile-only", action="store_true", help="skip the large import")
    options = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    for label, make in [
        ("forged dimension A1:XFD20000, 20,000 rows", lambda: forged_dimension(20_000)),
        ("empty cell in column XFD on each of 20,000 rows", lambda: empty_cell_at_xfd(20_000)),
        ("zip bomb: a part of 400 MB", zip_bomb),
    ]:
        data = make()
        table = measured(
            f"{label} ({len(data) // 1024} KB)",
            lambda data=data: tabular_files.read_file(data, "x.xlsx"),
        )
        if isinstance(table, tabular_files.SheetFile):
            widest = max(len(cells) for _, rows in table.sheets for _, cells in rows)
            print(f"{'':<58} {len(table.rows):,} rows, widest {widest} cells")
    if options.hostile_only:
        return

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "SEARCH_INDEX_PATH": f"{folder}/search-index",
                "SEARCH_DRAIN_IN_PROCESS": False,
            }
        )
        with app.app_context():
            upgrade()
            region = factories.region(db.session)
            names = [
                factories.department(db.session, region.id, name=n).name
                for n in ("区民政局", "区教育局", "区卫生健康局")
            ]
            data = workbook(service_rows(options.rows, names))
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
            print(
                f"{options.rows:,}-row workbook: {len(data) / 1e6:.1f} MB, unpacked {unpacked / 1e6:.1f} MB"
            )
            statements: Counter[str] = Counter()
            # every engine: a dry run writes on a scratch copy of the database
            event.listen(Engine, "before_cursor_execute", _counter(statements))
            cpu = time.process_time()
            report = measured(
                f"{'commit' if options.commit else 'dry run'} of {options.rows:,} rows",
                lambda: row_import.import_file(
                    db.session,
                    registry.SERVICE_ITEMS,
                    data,
                    actor=OPERATOR,
                    dry_run=not options.commit,
                    filename="bench.xlsx",
                ),
            )
            print(
                f"{'':<58} {report.rows:,} rows, {report.valid:,} valid, {len(report.problems)} problems"
            )
            print(f"{'':<58} {time.process_time() - cpu:.2f} s of CPU")
            print(f"{'':<58} SQL statements a row:")
            for kind, count in statements.most_common():
                print(f"{'':<60} {count / options.rows:5.2f}  {kind}")
            db.engine.dispose()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
