"""Whole pages timed through Flask's test client, and the table the page benches print."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

Row = tuple[str, str, float, float, float]  # database, page, p50, p95, max (ms)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_page(
    database: str,
    label: str,
    call: Callable[[], Any],
    count: int,
    expected: int = 200,
    warm_up: int = 2,
) -> Row:
    """``count`` timed calls after ``warm_up`` untimed ones; every answer must have ``expected``."""
    times = []
    for attempt in range(warm_up + count):
        started = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == expected, (
            label,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
        if attempt >= warm_up:
            times.append(elapsed)
    print(f"[{database}] {label}: p95 {percentile(times, 95):.1f} ms", file=sys.stderr, flush=True)
    return database, label, statistics.median(times), percentile(times, 95), max(times)


def arguments(
    description: str, default_database: str = "sqlite", default_requests: int | None = 20
) -> tuple[argparse.Namespace, tuple[str, ...]]:
    """--items, --database (and --requests unless ``default_requests`` is None); the databases named."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql", "both"), default=default_database
    )
    if default_requests is not None:
        parser.add_argument("--requests", type=int, default=default_requests)
    args = parser.parse_args()
    return args, ("sqlite", "postgresql") if args.database == "both" else (args.database,)


def main(
    description: str,
    run: Callable[[str, int, int], list[Row]],
    title: Callable[[argparse.Namespace], str],
    default_database: str = "sqlite",
    default_requests: int = 20,
) -> int:
    """Parse --items/--database/--requests, run each database, print one table."""
    args, names = arguments(description, default_database, default_requests)
    rows = [row for name in names for row in run(name, args.items, args.requests)]
    print(f"\n{title(args)} (load average {os.getloadavg()[0]:.2f}); target <= 100 ms server time")
    width = max(len(row[1]) for row in rows) + 2
    print(f"{'database':<11} {'page':<{width}} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for database, label, p50, p95, worst in rows:
        print(f"{database:<11} {label:<{width}} {p50:8.1f} {p95:8.1f} {worst:8.1f}")
    return 0
