"""Time and memory of a department's list export (.xlsx and CSV) at 100,000 service items.

Run on demand (not part of the test suite):

    .venv/bin/python bench/list_export.py [--items 100000] [--database sqlite|postgresql|both]

The data and the signed-in editor of the largest department (17,647 items at 100,000) are
bench/console_pages.py's. The editor downloads the department's list from the console, once
per format, through Flask's test client: the whole request in process (query, cells, file,
response), the body read chunk by chunk as a client reads it, never held whole. Memory is the
growth of the process's peak resident memory over its resident memory before the request
(bench/import_memory.py's peak_growth). Linux only (/proc, glibc).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient

from bench.console_pages import largest_department_editor
from bench.import_memory import peak_growth
from bench.page_timing import arguments

FORMATS = ("xlsx", "csv")
Result = tuple[
    str, str, int, float, float, int
]  # database, format, rows, seconds, MB of peak growth, bytes


def download(client: FlaskClient, url: str) -> int:
    """The bytes of the answer, read as they come."""
    response = client.get(url, buffered=False)
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response.iter_encoded())
    response.close()
    return size


def run(name: str, items: int) -> list[Result]:
    results = []
    with largest_department_editor(name, items, "qingdan_bench_export") as (
        backend,
        _app,
        client,
        _department,
        rows,
    ):
        for fmt in FORMATS:
            size, seconds, growth = peak_growth(
                lambda fmt=fmt: download(client, f"/console/service-items/export?format={fmt}")
            )
            print(
                f"[{backend.label}] {fmt}: {seconds:.1f} s, +{growth:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            results.append((backend.label, fmt, rows, seconds, growth, size))
    return results


def main() -> int:
    args, names = arguments(__doc__.splitlines()[0], default_database="both", default_requests=None)
    load_before = os.getloadavg()[0]
    results = [row for name in names for row in run(name, args.items)]
    print(
        f"\ndepartment's list export, {args.items:,} service items "
        f"(load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after)"
    )
    line = "{:<11} {:<7} {:>7} {:>8} {:>9} {:>8}"
    print(line.format("database", "format", "rows", "seconds", "peak +MB", "file MB"))
    for database, fmt, rows, seconds, growth, size in results:
        print(
            line.format(
                database, fmt, f"{rows:,}", f"{seconds:.1f}", f"{growth:.0f}", f"{size / 1e6:.1f}"
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
