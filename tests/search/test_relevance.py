"""Relevance on the real 广安区 catalog, measured per engine with the judged query set.

The 1,135 items of guangan-items.json are indexed into each engine; every query of
tests/search/relevance/guangan_judged.tsv is run, and hit@k (an expected item within the
row's k) and MRR (1/rank of the first expected item within the first 10, else 0) are
computed per category and overall. The table and the failing queries are printed
(``pytest -s`` shows them); the thresholds below are what the engines reach, minus a
small margin, so a relevance change that loses ground fails here.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from search.documents import SearchDocument
from search.engines.base import SearchEngine
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from search.query import SearchRequest
from seed.guangan import load_catalog
from tests.search.relevance import CATEGORIES, Judgment, load_judged_set

RANK_DEPTH = 10  # MRR looks this deep

# Both engines reach hit@k 1.000 and MRR 1.000 on every category of the 90 queries (same
# scores on each). The thresholds leave a small margin: about two misses overall, one
# per category (the smallest has 9 queries), never an exact name below rank 1.
MIN_OVERALL_HIT = 0.97
MIN_OVERALL_MRR = 0.95
MIN_CATEGORY_HIT = 0.88
MIN_EXACT_NAME_HIT_AT_1 = 1.0


def guangan_documents() -> list[SearchDocument]:
    """The catalog as search documents: main item as alias unless it is 未分类."""
    data = load_catalog()
    labels = data["task_type_codes"]
    return [
        SearchDocument.from_mapping(
            {
                "id": f"service:{number}",
                "kind": "service",
                "name": item["name"],
                "aliases": [] if item["main_item"] == "未分类" else [item["main_item"]],
                "department": item["department"],
                "department_id": item["dept_code"],
                "item_type": item["task_type"],
                "item_type_label": labels.get(item["task_type"], ""),
                "version": 1,
            }
        )
        for number, item in enumerate(data["items"], start=1)
    ]


@dataclass(frozen=True)
class Outcome:
    judgment: Judgment
    rank: int | None  # 1-based rank of the first expected item, None if not in RANK_DEPTH
    top: tuple[str, ...]

    @property
    def hit(self) -> bool:
        return self.rank is not None and self.rank <= self.judgment.k

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0


def evaluate(engine: SearchEngine, judged: list[Judgment]) -> list[Outcome]:
    outcomes = []
    for judgment in judged:
        result = engine.search(
            SearchRequest(text=judgment.query, per_page=RANK_DEPTH, highlight=False)
        )
        names = tuple(hit.name for hit in result.hits)
        rank = next((i for i, name in enumerate(names, 1) if name in judgment.expected), None)
        outcomes.append(Outcome(judgment, rank, names))
    return outcomes


@dataclass(frozen=True)
class Score:
    queries: int
    hit_at_k: float
    mrr: float
    hit_at_1: float


def score(outcomes: list[Outcome]) -> Score:
    n = len(outcomes)
    return Score(
        queries=n,
        hit_at_k=sum(o.hit for o in outcomes) / n,
        mrr=sum(o.reciprocal_rank for o in outcomes) / n,
        hit_at_1=sum(o.rank == 1 for o in outcomes) / n,
    )


def by_category(outcomes: list[Outcome]) -> dict[str, Score]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.judgment.category].append(outcome)
    ordered = [c for c in CATEGORIES if c in groups] + sorted(set(groups) - set(CATEGORIES))
    return {category: score(groups[category]) for category in ordered}


def report(engine_name: str, outcomes: list[Outcome]) -> str:
    lines = [
        f"relevance on guangan_judged.tsv, engine {engine_name}",
        f"{'category':<16}{'n':>4}{'hit@k':>8}{'MRR':>8}{'hit@1':>8}",
    ]
    rows = {**by_category(outcomes), "overall": score(outcomes)}
    for category, s in rows.items():
        lines.append(
            f"{category:<16}{s.queries:>4}{s.hit_at_k:>8.3f}{s.mrr:>8.3f}{s.hit_at_1:>8.3f}"
        )
    failing = [o for o in outcomes if not o.hit]
    lines.append(f"failing queries: {len(failing)}")
    for o in failing:
        j = o.judgment
        lines.append(
            f"  line {j.line} [{j.category}] {j.query!r}: rank {o.rank or '>' + str(RANK_DEPTH)}"
            f" (k={j.k}); top 3: {' | '.join(o.top[:3])}"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def judged() -> list[Judgment]:
    return load_judged_set()


@pytest.fixture(scope="module")
def documents() -> list[SearchDocument]:
    return guangan_documents()


@pytest.fixture(scope="module")
def embedded_engine(tmp_path_factory, documents) -> EmbeddedEngine:
    engine = EmbeddedEngine(tmp_path_factory.mktemp("relevance-index"))
    assert engine.reindex(documents, len(documents)).ok
    return engine


@pytest.fixture(scope="module")
def elasticsearch_engine(request, documents) -> Iterator[ElasticsearchEngine]:
    url = request.getfixturevalue("elasticsearch_url")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    engine = ElasticsearchEngine(url, prefix=f"qingdan-relevance-{worker}-{os.getpid()}")
    assert engine.reindex(documents, len(documents)).ok
    yield engine
    engine._client.indices.delete(index=f"{engine.alias}-*", ignore=[404])


def _check(engine_name: str, outcomes: list[Outcome]) -> None:
    print("\n" + report(engine_name, outcomes))
    overall = score(outcomes)
    categories = by_category(outcomes)
    assert overall.hit_at_k >= MIN_OVERALL_HIT, report(engine_name, outcomes)
    assert overall.mrr >= MIN_OVERALL_MRR, report(engine_name, outcomes)
    for category, s in categories.items():
        assert s.hit_at_k >= MIN_CATEGORY_HIT, f"{category}: {s}\n" + report(engine_name, outcomes)
    assert categories["exact_name"].hit_at_1 >= MIN_EXACT_NAME_HIT_AT_1, report(
        engine_name, outcomes
    )


def test_relevance_embedded(embedded_engine, judged):
    _check("embedded", evaluate(embedded_engine, judged))


@pytest.mark.elasticsearch
@pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")
def test_relevance_elasticsearch(elasticsearch_engine, judged):
    _check("elasticsearch", evaluate(elasticsearch_engine, judged))


@pytest.mark.elasticsearch
@pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")
def test_engines_rank_alike(embedded_engine, elasticsearch_engine, judged):
    """One analysis, one BM25: the first result is the same on both engines."""
    embedded = evaluate(embedded_engine, judged)
    elastic = evaluate(elasticsearch_engine, judged)
    differing = [
        (e.judgment.query, e.top[:1], s.top[:1])
        for e, s in zip(embedded, elastic, strict=True)
        if e.rank != s.rank
    ]
    assert len(differing) <= len(judged) // 20, differing
