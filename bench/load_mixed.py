"""Mixed citizen traffic while editors write, against gunicorn, beside a bare Flask JSON endpoint
measured in the same run; or a soak of the same traffic for minutes.

    .venv/bin/python bench/load_mixed.py --backend sqlite  [--items 100000] [--seconds 60]
    .venv/bin/python bench/load_mixed.py --backend cluster [--items 100000] [--seconds 60]
    .venv/bin/python bench/load_mixed.py --backend cluster --minutes 10        # the soak
    .venv/bin/python bench/load_mixed.py --backend cluster --rates 5 10 20     # below saturation

Load generator: wrk (Debian's ``wrk``; ``apt-get install wrk``), loopback only, every run bounded
by ``--seconds`` / ``--minutes``. Citizens: 70% ``/api/v1/search?q=`` (queries from the judged set
and pieces of names), 20% the item guide page ``/items/service/<id>``, 5% ``/api/v1/suggest``,
5% ``/api/v1/stats/figures``; ``--connections`` keep-alive connections (default 16). Meanwhile
``--editors`` threads publish new items and revise published ones through the API
(deploy/faults/traffic.py), each write a real commit with its outbox row.

Backends (each a database and an index of the run's own, removed at the end):

- ``sqlite``: a SQLite file and the embedded engine, drained in the web processes (the default
  one-machine setup);
- ``cluster``: the PostgreSQL cluster and the three-node Elasticsearch cluster of ``deploy/stack``
  (start it first: ``deploy/stack up``), a database ``qingdan_load`` and indices ``qingdan-load-*``
  there, plus one ``flask search worker`` draining the outbox.

The catalog is bench/search_engines.py's (the 1,135 real 广安区 items, then copies under varied
names, ``--items`` in all), stored as published service items with Core inserts and indexed by
the catalog's own ``search reindex``. Both gunicorns use deploy/gunicorn.conf.py with
``--workers`` workers × 2 threads. The app is warmed up first (10 s wrk runs until its
throughput stops rising: a cold worker's first search costs seconds). The run is measured in
slices of ``--slice`` seconds (one wrk run each, back to back), so a soak shows p95 over time.
The unpaced run measures the most the stack answers, and latency at saturation (every connection
waits its turn); ``--rates`` then offers the same traffic at given rates from ``--connections``
Python keep-alive clients, each pausing a random time between an answer and its next request
(``offered``), which is the latency a citizen sees when the stack is not saturated.
Printed: the command, commit, cores and
load average (the machine may be shared: compare runs only at a like load); how long loading and
indexing took; per slice, requests/s, p50/p95/p99 (wrk's), errors, the outbox and the resident
memory of every gunicorn process; then the whole run's figures, the ratio to the bare endpoint,
the editors' writes and their latencies, each worker's memory at start and end (a replaced worker
shows as a new pid), and ``flask search verify`` at the end. Exit status 1 on any 5xx/socket
error or drift.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests
from flask import Flask, jsonify

from bench.search_engines import search_queries, suggest_prefixes
from tests.support.servers import run_flask

SLOW = 300  # seconds: a request queued behind wrk's connections on a loaded machine still gets its answer
LUA = r"""
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
-- without LOAD_PATHS (the bare endpoint) every request is the URL's own path
-- a line is a path to GET, or "POST <path> <JSON body>"
local file = os.getenv("LOAD_PATHS")
if file then
    local made = {}
    for line in io.lines(file) do
        local path, body = line:match("^POST (%S+) (.*)$")
        if path then
            made[#made + 1] = wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
        else
            made[#made + 1] = wrk.format("GET", line)
        end
    end
    request = function()
        return made[math.random(#made)]
    end
end
done = function(summary, latency, requests)
    io.write(string.format(
        'RESULT {"requests": %d, "seconds": %.3f, "non2xx": %d, "connect": %d, "read": %d, "write": %d, '
        .. '"timeout": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f}\n',
        summary.requests, summary.duration / 1e6, summary.errors.status, summary.errors.connect,
        summary.errors.read, summary.errors.write, summary.errors.timeout,
        latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
        latency.max / 1000))
end
"""


def bare() -> Flask:
    """The bare endpoint: Flask answering a small JSON document, nothing else."""
    app = Flask("bare")

    @app.get("/api/v1/health")
    def health():
        return jsonify(ok=True, engine="none", count=0)

    return app


def flask_command(environ: dict[str, str], *args: str) -> str:
    done = run_flask(environ, *args)
    if done.returncode and args[:2] != ("search", "verify"):
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# -- the catalog ------------------------------------------------------------------------------


@contextmanager
def backend_settings(name: str, folder: Path):
    """Environment for the app processes of this run; the database and index dropped afterwards."""
    environ = {
        **os.environ,
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(folder),
    }
    environ.pop("QINGDAN_ENV", None)
    if name == "sqlite":
        environ.pop("ELASTICSEARCH_URL", None)
        yield {
            **environ,
            "DATABASE_URL": f"sqlite:///{folder / 'load.sqlite3'}",
            "SEARCH_INDEX_PATH": str(folder / "index"),
        }
        return
    from deploy import stack

    if not stack.pg_online() or not all(
        stack.pid_alive(stack.read_pid(n.pid_file)) for n in stack.NODES
    ):
        sys.exit("the cluster backend runs on deploy/stack: start it first (deploy/stack up)")
    stack.as_postgres("dropdb", "-p", str(stack.PG_PORT), "--if-exists", "--force", "qingdan_load")
    stack.as_postgres("createdb", "-p", str(stack.PG_PORT), "-O", "qingdan", "qingdan_load")
    cluster = stack.app_environment()
    try:
        yield {
            **environ,
            "DATABASE_URL": stack.database_url("qingdan_load"),
            "ELASTICSEARCH_URL": cluster["ELASTICSEARCH_URL"],
            "ELASTICSEARCH_INDEX_PREFIX": "qingdan-load",
            "SEARCH_INDEX_PATH": str(folder / "unused-index"),
        }
    finally:
        stack.as_postgres(
            "dropdb",
            "-p",
            str(stack.PG_PORT),
            "--if-exists",
            "--force",
            "qingdan_load",
            check=False,
        )
        requests.delete(cluster["ELASTICSEARCH_URL"] + "/qingdan-load-*", timeout=60)


def build(environ: dict[str, str], size: int, items: list[dict]) -> None:
    """Migrate, store ``size`` published items, then the catalog's own full reindex."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench.search_api import load
    from catalog import create_app
    from catalog.extensions import db, search_engine
    from catalog.services import search_reindex
    from search.engines.elasticsearch import ElasticsearchEngine

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": environ["DATABASE_URL"],
            "ELASTICSEARCH_URL": environ.get("ELASTICSEARCH_URL"),
            "ELASTICSEARCH_INDEX_PREFIX": environ.get(
                "ELASTICSEARCH_INDEX_PREFIX", "qingdan-items"
            ),
            "SEARCH_INDEX_PATH": environ["SEARCH_INDEX_PATH"],
            "SEARCH_DRAIN_IN_PROCESS": False,
        }
    )
    with app.app_context():
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        started = time.perf_counter()
        load(items, size)
        if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("regions", "organizations", "service_items"):
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
            db.session.commit()
        print(f"loaded {size:,} items in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        engine = search_engine()
        if environ.get(
            "ELASTICSEARCH_URL"
        ):  # bulk writes of a full rebuild outlast the app's 10 s timeout
            engine = ElasticsearchEngine(
                environ["ELASTICSEARCH_URL"],
                prefix=environ["ELASTICSEARCH_INDEX_PREFIX"],
                timeout=120,
            )
        report = search_reindex.reindex(db.session, engine)
        assert report.ok, report.problems
        print(f"indexed {report.indexed:,} documents at {report.rate:,.0f}/s", file=sys.stderr)
        db.engine.dispose()


def paths_file(folder: Path, items: list[dict], size: int) -> Path:
    """The citizens' mix as 200 request paths, drawn in proportion."""
    queries = search_queries(items, 140)
    prefixes = suggest_prefixes(items, 10)
    ids = [1 + (n * 7919) % size for n in range(40)]
    paths = [f"/api/v1/search?q={quote(q)}" for q in queries[:140]]
    paths += [f"/items/service/{i}" for i in ids]
    paths += [f"/api/v1/suggest?q={quote(p)}" for p in prefixes[:10]]
    paths += ["/api/v1/stats/figures"] * 10
    path = folder / "paths.txt"
    path.write_text("\n".join(paths) + "\n")
    return path


# -- measuring --------------------------------------------------------------------------------


def wrk(url: str, seconds: float, connections: int, paths: Path | None) -> dict:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(LUA)
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{int(seconds)}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
    ]
    env = {k: v for k, v in os.environ.items() if k != "LOAD_PATHS"}
    if paths:
        env["LOAD_PATHS"] = str(paths)
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, env=env, timeout=seconds + 120, check=False
    )
    script.unlink()
    line = next((out for out in done.stdout.splitlines() if out.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(line[len("RESULT ") :])


def resident_mb(master_pid: int) -> dict[int, float]:
    """Resident memory (MB) of a gunicorn master and of each of its workers, by pid."""
    children = subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    memory = {}
    for pid in [master_pid, *map(int, children)]:
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        memory[pid] = next(
            (int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:")), 0.0
        )
    return memory


def memory_line(memory: dict[int, float]) -> str:
    return " ".join(f"{pid}:{mb:.0f}" for pid, mb in memory.items())


def machine() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (nearest rank) of latencies in seconds, in milliseconds."""
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000
        if ordered
        else float("nan")
    )


def warm_up(url: str, connections: int, paths: Path | None, most: float = 300) -> None:
    """10 s runs until every connection had answers and the throughput stopped rising (by 10%),
    ``most`` seconds at most: a worker's first search builds the pinyin, segmentation and synonym
    tables, seconds on a busy machine, which the measured run must not count."""
    started, previous = time.monotonic(), 0.0
    while True:
        result = wrk(url, 10, connections, paths)
        rate = result["requests"] / result["seconds"]
        print(f"warm-up: {rate:.1f} req/s, slowest {result['max']:.0f} ms", flush=True)
        steady = result["requests"] >= 2 * connections and rate <= previous * 1.1
        if steady or time.monotonic() - started > most:
            return
        previous = rate


def pending(url: str) -> int:
    return requests.get(url + "/api/v1/health", timeout=SLOW).json()["lag"]["pending"]


def slices(server, seconds: float, args: argparse.Namespace, paths: Path) -> dict:
    """wrk in back-to-back slices of ``args.slice`` seconds, a line each; the whole run's figures
    (requests and errors summed; percentiles the slices' worst, as a run's own would be no lower
    than the slice that held its slowest requests)."""
    print(
        f"{'slice':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'outbox':>8}  "
        f"load avg  resident MB by pid (master first)",
        flush=True,
    )
    results, done = [], 0.0
    while done < seconds:
        length = min(args.slice, seconds - done)
        result = wrk(server.url, length, args.connections, paths)
        done += length
        results.append(result)
        print(
            f"{done:>6.0f}s{result['requests'] / result['seconds']:>9.1f}{result['p50']:>9.1f}{result['p95']:>9.1f}"
            f"{result['p99']:>9.1f}{errors(result):>8}{pending(server.url):>8}  {os.getloadavg()[0]:>8.2f}  "
            f"{memory_line(resident_mb(server.process.pid))}",
            flush=True,
        )
    total = {
        key: sum(r[key] for r in results)
        for key in ("requests", "seconds", "non2xx", "connect", "read", "write", "timeout")
    }
    return {**total, **{key: max(r[key] for r in results) for key in ("p50", "p95", "p99", "max")}}


def offered(url: str, paths: Path, rate: float, seconds: float, connections: int) -> dict:
    """Citizens arriving at about ``rate`` requests a second for ``seconds``: ``connections``
    keep-alive clients, each waiting a random time (exponential) between an answer and its next
    request, timed from sending to the last byte. Python clients, not wrk: wrk's ``delay()``
    counts part of the wait as latency (a bare endpoint showed p99 4 s at 5 requests/s, where
    these clients measure 6 ms)."""
    lines = paths.read_text().splitlines()
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    failed = {"non2xx": 0, "read": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def citizen() -> None:
        session, pick = requests.Session(), random.Random()
        while True:
            time.sleep(pick.expovariate(rate / connections))
            if time.monotonic() >= deadline:
                return
            path = pick.choice(lines)
            started = time.perf_counter()
            try:
                status = session.get(url + path, timeout=SLOW).status_code
            except requests.RequestException:
                status = None
            took = time.perf_counter() - started  # seconds, as percentile() takes them
            with lock:
                latencies.append(took)
                by_kind.setdefault(re.sub(r"/\d+$", "/…", path.split("?")[0]), []).append(took)
                if status is None:
                    failed["read"] += 1
                elif status >= 400:
                    failed["non2xx"] += 1

    clients = [threading.Thread(target=citizen, daemon=True) for _ in range(connections)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    cuts = {
        name: percentile(latencies, share)
        for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    }
    for kind, taken in sorted(by_kind.items()):
        print(
            f"    {kind:<28}{len(taken):>6} requests, p50 {percentile(taken, 0.5):7.1f} ms, "
            f"p95 {percentile(taken, 0.95):7.1f} ms"
        )
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "connect": 0,
        "write": 0,
        "timeout": 0,
        **failed,
        **cuts,
    }


def errors(result: dict) -> int:
    return (
        result["non2xx"] + result["connect"] + result["read"] + result["write"] + result["timeout"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "cluster"), default="sqlite")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--minutes", type=float, help="soak: run the mixed traffic this long (no bare run)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        help="after the unpaced run, the same traffic offered at about each of these requests/s "
        "(paced connections), --seconds each: the latency below saturation",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--editors", type=int, default=2)
    parser.add_argument(
        "--editor-pause",
        type=float,
        default=0.2,
        help="seconds each editor waits between two items (publishing one is three writes): "
        "0.2 writes flat out (about 12 writes a second from two editors); 5 is about 1,400 "
        "items an hour from two",
    )
    parser.add_argument(
        "--slice",
        type=float,
        default=60,
        help="seconds of one wrk run; the soak prints a line each",
    )
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}: {' '.join(sys.argv)} (commit "
        f"{commit.stdout.strip() or '?'}; {machine()})",
        flush=True,
    )
    from deploy.faults.traffic import Traffic
    from seed.guangan import load_items
    from tests.support.servers import gunicorn

    items = load_items()
    seconds = args.minutes * 60 if args.minutes else args.seconds
    folder = Path(tempfile.mkdtemp(prefix="qingdan-load-"))
    with ExitStack() as stack_:
        stack_.callback(shutil.rmtree, folder, True)
        environ = stack_.enter_context(backend_settings(args.backend, folder))
        build(environ, args.items, items)
        paths = paths_file(folder, items, args.items)
        token = (
            flask_command(environ, "tokens", "create", "load", "--role", "admin")
            .strip()
            .splitlines()[-1]
        )
        workers = {**environ, "WEB_CONCURRENCY": str(args.workers)}
        bare_result = None
        if not args.minutes:
            with gunicorn(
                workers, folder / "bare.log", workers=args.workers, app="bench.load_mixed:bare()"
            ) as server:
                wrk(server.url + "/api/v1/health", 5, args.connections, None)  # warm-up
                bare_result = wrk(server.url + "/api/v1/health", seconds, args.connections, None)
        server = stack_.enter_context(gunicorn(workers, folder / "app.log", workers=args.workers))
        if args.backend == "cluster":
            worker_log = stack_.enter_context((folder / "worker.log").open("wb"))
            worker = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "catalog", "search", "worker"],
                cwd=ROOT,
                env=environ,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
            stack_.callback(worker.wait, 30)
            stack_.callback(worker.terminate)
        department = requests.get(
            server.url + "/api/v1/organizations",
            params={"kind": "department", "per_page": 1},
            timeout=SLOW,
        ).json()["items"][0]["id"]
        warm_up(server.url, args.connections, paths)
        memory_start = resident_mb(server.process.pid)
        with Traffic(
            server.url, token, department, editors=args.editors, citizens=0, pause=args.editor_pause
        ) as editors:
            mixed = slices(server, seconds, args, paths)
            paced = {}
            for rate in args.rates or ():
                paced[rate] = offered(server.url, paths, rate, seconds, args.connections)
                print(
                    f"offered about {rate:g} requests/s: {paced[rate]['requests'] / seconds:.1f} "
                    f"answered a second, p50/p95/p99 {paced[rate]['p50']:.1f} / "
                    f"{paced[rate]['p95']:.1f} / {paced[rate]['p99']:.1f} ms, "
                    f"{errors(paced[rate])} errors",
                    flush=True,
                )
        memory_end = resident_mb(server.process.pid)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and pending(server.url):
            time.sleep(2)
        verified = flask_command(environ, "search", "verify")
    report(args, seconds, bare_result, mixed, paced, editors, memory_start, memory_end, verified)
    failed = errors(mixed) + sum(map(errors, paced.values())) + len(editors.tally.failures)
    return (
        1
        if failed
        or "缺失 0" not in verified
        or "过期 0" not in verified
        or "多余 0" not in verified
        else 0
    )


def report(
    args, seconds, bare_result, mixed, paced, editors, memory_start, memory_end, verified
) -> None:
    print(
        f"\nmixed citizen traffic, {args.backend}, {args.items:,} items, {args.connections} connections, "
        f"{args.workers} workers × 2 threads, {seconds:.0f} s ({machine()} at the end)"
    )
    print(f"{'':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = (
        [("mixed (70/20/5/5) + editors", mixed)]
        + [(f"  the same, offered ~{rate:g} req/s", r) for rate, r in paced.items()]
        + ([("bare Flask JSON endpoint", bare_result)] if bare_result else [])
    )
    for label, r in rows:
        print(
            f"{label:<34}{r['requests'] / r['seconds']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{errors(r):>8}"
        )
    if seconds > args.slice:
        print(
            f"(mixed: requests summed over the {args.slice:.0f} s slices; p50/p95/p99 those of the worst slice)"
        )
    if bare_result:
        print(
            f"ratio mixed / bare: {mixed['requests'] / mixed['seconds'] / (bare_result['requests'] / bare_result['seconds']):.2f}"
        )
    writes = [s for op, values in editors.tally.latencies.items() if op != "read" for s in values]
    print(
        f"editors: {len(writes)} writes, {len(editors.tally.published)} items published; write p50 "
        f"{percentile(writes, 0.5):.0f} ms, p95 {percentile(writes, 0.95):.0f} ms; answers {editors.tally.summary()}; "
        f"failures {len(editors.tally.failures)}"
    )
    for failure in editors.tally.failures[:5]:
        print(f"  {failure}")
    print("gunicorn resident memory, MB (pid: start → end; master first):")
    for pid in dict.fromkeys([*memory_start, *memory_end]):
        start, end = memory_start.get(pid), memory_end.get(pid)
        print(
            f"  {pid}: {'—' if start is None else f'{start:.0f}'} → {'— (gone)' if end is None else f'{end:.0f}'}"
        )
    print(f"search verify: {' '.join(verified.split())}")


if __name__ == "__main__":
    sys.exit(main())
