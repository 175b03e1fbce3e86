"""Requests timed in process through Flask's test client, and the table the page benches print.

Every in-process page and endpoint bench times its requests here. Each request is timed twice:
wall time (``perf_counter``) and the CPU time this process spent on it (``process_time``,
every thread of the process). The app, SQLite and the embedded engine run in this process, so
on a quiet machine the CPU time is close to the server time the issues' targets speak of; on
this shared 2-core machine the wall time grows with whatever else runs and the CPU time hardly
does. The CPU time leaves out what another process does (PostgreSQL's server, Elasticsearch)
and time spent waiting (disk, network, locks): there the wall time, at a low load average, is
the figure to read. The table's footer says so.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import textwrap
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

Call = Callable[[], Any]

FOOTER = (
    "wall: elapsed time, which grows with anything else the machine runs. CPU: this process's "
    "CPU time (every thread): the app, SQLite and the embedded engine run in process, so on a "
    "quiet machine it is about the server time. It leaves out the CPU of PostgreSQL's server "
    "and of Elasticsearch (other processes) and time spent waiting on disk, network or locks: "
    "for those rows read the wall time at a low load average."
)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Timings:
    """Milliseconds per timed request, wall and CPU, in the order they ran."""

    wall: list[float]
    cpu: list[float]
    last: Any  # the last answer, for a bench that reads a figure from it
    load_average: float  # 1-minute load average when the timed requests ended

    def wall_at(self, p: float) -> float:
        return percentile(self.wall, p)

    def cpu_at(self, p: float) -> float:
        return percentile(self.cpu, p)


def gets(client: Any, urls: Sequence[str]) -> list[Call]:
    """One GET of ``client`` per url, to be timed."""
    return [partial(client.get, url) for url in urls]


def _checked(label: str, response: Any, expected: int) -> Any:
    if response.status_code != expected:
        request = response.request
        raise RuntimeError(
            f"{label}: {request.method} {request.full_path} answered {response.status_code}, "
            f"not {expected}: {response.get_data(as_text=True)[:300]}"
        )
    return response


def timed(
    label: str,
    calls: Sequence[Call],
    warm_up: int = 0,
    expected: int = 200,
    before: Callable[[], None] | None = None,
) -> Timings:
    """Each of ``calls`` once, timed, after ``warm_up`` untimed ones (the first calls, cycling);
    every answer must have status ``expected``. ``before`` runs, untimed, before each call, the
    warm-up ones too (what a process does once, compiling a statement, is not timed)."""
    for call in itertools.islice(itertools.cycle(calls), warm_up):
        if before is not None:
            before()
        _checked(label, call(), expected)
    wall, cpu = [], []
    response = None
    for call in calls:
        if before is not None:
            before()
        wall_started, cpu_started = time.perf_counter(), time.process_time()
        response = call()
        cpu.append((time.process_time() - cpu_started) * 1000)
        wall.append((time.perf_counter() - wall_started) * 1000)
        _checked(label, response, expected)
    return Timings(wall, cpu, response, os.getloadavg()[0])


@dataclass(frozen=True)
class Row:
    group: str  # the database, or the engine
    label: str
    timings: Timings
    note: str = ""


def time_page(
    database: str,
    label: str,
    call: Call,
    count: int,
    expected: int = 200,
    warm_up: int = 2,
    before: Callable[[], None] | None = None,
) -> Row:
    """``count`` timed calls after ``warm_up`` untimed ones; every answer must have ``expected``.
    ``before`` runs, untimed, before each timed call."""
    timings = timed(label, [call] * count, warm_up, expected, before)
    print(
        f"[{database}] {label}: p95 {timings.wall_at(95):.1f} ms wall, "
        f"{timings.cpu_at(95):.1f} ms CPU",
        file=sys.stderr,
        flush=True,
    )
    return Row(database, label, timings)


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def load_range(timings: Sequence[Timings]) -> str:
    loads = [t.load_average for t in timings]
    low, high = min(loads), max(loads)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}-{high:.2f}"


def print_table(
    title: str,
    rows: Sequence[Row],
    target_ms: float | None = 100,
    group_header: str = "database",
    label_header: str = "page",
    note_header: str = "",
) -> None:
    """One line a row: wall p50/p95/max and CPU p50/p95 in ms, ``*`` after a p95 over the target;
    the load average while timing; the footer on reading wall and CPU."""
    target = f"; * = p95 over {target_ms:g} ms" if target_ms is not None else ""
    print(f"\n{title}")
    print(f"load average {load_range([row.timings for row in rows])} while timing{target}")
    group = max(len(group_header), *(len(row.group) for row in rows)) + 2
    label = max(width(label_header), *(width(row.label) for row in rows)) + 2
    print(
        f"{group_header:<{group}}{pad(label_header, label)}{'wall p50':>9}{'p95':>9}{'max':>9}"
        f"{'CPU p50':>10}{'p95':>9}  {note_header}".rstrip()
    )
    for row in rows:
        t = row.timings
        print(
            f"{row.group:<{group}}{pad(row.label, label)}{t.wall_at(50):>9.1f}"
            f"{t.wall_at(95):>8.1f}{over(t.wall_at(95), target_ms)}{max(t.wall):>9.1f}"
            f"{t.cpu_at(50):>10.1f}{t.cpu_at(95):>8.1f}{over(t.cpu_at(95), target_ms)}"
            f"  {row.note}".rstrip()
        )
    print(textwrap.fill(FOOTER, 100))


def over(ms: float, target_ms: float | None) -> str:
    """The mark of a figure over the target."""
    return "*" if target_ms is not None and ms > target_ms else " "


def parser(
    description: str, default_database: str = "sqlite", default_requests: int | None = 20
) -> argparse.ArgumentParser:
    """--items, --database (and --requests unless ``default_requests`` is None); a bench adds
    its own options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql", "both"), default=default_database
    )
    if default_requests is not None:
        parser.add_argument("--requests", type=int, default=default_requests)
    return parser


def databases(args: argparse.Namespace) -> tuple[str, ...]:
    """The databases --database names."""
    return ("sqlite", "postgresql") if args.database == "both" else (args.database,)


def arguments(
    description: str, default_database: str = "sqlite", default_requests: int | None = 20
) -> tuple[argparse.Namespace, tuple[str, ...]]:
    """The options of ``parser``, parsed; the databases named."""
    args = parser(description, default_database, default_requests).parse_args()
    return args, databases(args)


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
    print_table(f"{title(args)}; target <= 100 ms server time", rows)
    return 0
