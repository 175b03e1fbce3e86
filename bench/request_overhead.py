"""What a search request costs beyond the engine: the API search beside a bare JSON endpoint of
the same app, on the real 广安区 catalog (1,135 items), SQLite and the embedded engine.

Run on demand (not part of the test suite):

    .venv/bin/python bench/request_overhead.py [--requests 400] [--profile 30 [--profile-path PATH]]

A throwaway SQLite database and index are built with the app's own commands (``db upgrade``,
``seed guangan``, which drains the outbox). Every request goes through Flask's test client, in
process, so the figures are the app's Python (hooks, argument parsing, the engine call,
highlighting, serialisation), not the network or gunicorn. The bare endpoint is a route added
here that returns a constant JSON object: it runs every ``before_request``/``after_request``
hook of the app and nothing else, so ``bare p50 / search p50`` is the share of a search's time
a request with no work would take (the issue's throughput ratio, on one core).

Each request is timed twice (bench/page_timing.py): wall time, and the CPU time this process
spent on it (``time.process_time``, every thread of the process). On a shared machine the wall
time grows with whatever else runs; the CPU time hardly does, so the ratio is taken from it.

The API search is measured twice: with the app's answer cache (SEARCH_ANSWER_CACHE; the same
eight queries come round again, so after the warm-up every answer is kept) and without it, where
every request runs the engine.

``--profile N`` then runs N requests of ``--profile-path`` (default: a facetted search, cache
off) under cProfile and prints the functions with the most time of their own and the most
cumulative time, to see where a request's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from bench.page_timing import gets, timed
from catalog import create_app

# fmt: off
QUERIES = [
    "营业执照", "食品经营许可", "医师执业注册", "建设工程",
    "出生医学证明", "税务登记", "道路运输", "社会保险",
]
# fmt: on
# label → (path for a query, whether the app's answer cache is on)
CASES = {
    "bare JSON endpoint": (lambda q: "/bench/bare", True),
    "health (live)": (lambda q: "/api/v1/health/live", True),
    "API search, every facet": (lambda q: f"/api/v1/search?q={q}", False),
    "API search, facets=none": (lambda q: f"/api/v1/search?q={q}&facets=none", False),
    "API search, answer cache": (lambda q: f"/api/v1/search?q={q}", True),
    "API suggest": (lambda q: f"/api/v1/suggest?q={q[:2]}", True),
}


def build_app(workdir: Path) -> Flask:
    os.environ.setdefault("SECRET_KEY", os.urandom(32).hex())
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "SEARCH_INDEX_PATH": str(workdir / "search-index"),
            "ELASTICSEARCH_URL": None,
        }
    )
    app.add_url_rule("/bench/bare", "bench_bare", lambda: {"ok": True})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed", "guangan"])
    if result.exit_code != 0:
        raise SystemExit(f"seed guangan failed:\n{result.output}")
    return app


def answer_cache(app: Flask, on: bool) -> None:
    """Turn the app's search answer cache on (a fresh one) or off."""
    from catalog.services.citizen_search import AnswerCache

    size = app.config["SEARCH_ANSWER_CACHE"]
    app.extensions["qingdan_search_answers"] = AnswerCache(size) if on and size else None


def measure(
    app: Flask, client: FlaskClient, requests: int
) -> dict[str, tuple[float, float, float]]:
    """Per case: wall p50, wall p95, CPU mean (the figure the README's before/after table compares)."""
    figures = {}
    for label, (path_of, cached) in CASES.items():
        answer_cache(app, cached)
        probe = client.get(path_of(QUERIES[0]))
        if probe.status_code == 404:
            continue  # an endpoint this version of the app does not have
        timings = timed(
            label,
            gets(
                client,
                [path_of(q) for _ in range(max(1, requests // len(QUERIES))) for q in QUERIES],
            ),
            warm_up=len(QUERIES),  # caches, the index reader, the first vocabulary build
        )
        figures[label] = (timings.wall_at(50), timings.wall_at(95), statistics.fmean(timings.cpu))
    return figures


def profile(app: Flask, client: FlaskClient, count: int, path: str) -> str:
    answer_cache(app, False)
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(count):
        client.get(path.format(q=QUERIES[index % len(QUERIES)]))
    profiler.disable()
    out = io.StringIO()
    for order in ("tottime", "cumulative"):
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(35)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="timed requests per case")
    parser.add_argument("--profile", type=int, default=0, help="requests to profile")
    parser.add_argument(
        "--profile-path",
        default="/api/v1/search?q={q}",
        help="the path to profile, {q} a query (e.g. /api/v1/health/live)",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qingdan-bench-") as folder:
        app = build_app(Path(folder))
        client = app.test_client()
        figures = measure(app, client, options.requests)
        print(
            f"load average {os.getloadavg()[0]:.2f}; {options.requests} requests per case, in process"
        )
        bare = figures["bare JSON endpoint"][2]
        print(
            f"{'case':<28}{'wall p50':>10}{'wall p95':>10}{'CPU mean':>10}{'bare/case (CPU)':>17}"
        )
        for label, (p50, p95, cpu) in figures.items():
            print(f"{label:<28}{p50:>10.2f}{p95:>10.2f}{cpu:>10.2f}{bare / cpu:>17.2f}")
        if options.profile:
            print(profile(app, client, options.profile, options.profile_path))


if __name__ == "__main__":
    main()
