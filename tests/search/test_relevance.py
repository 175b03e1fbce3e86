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
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from search.documents import SearchDocument
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from search.query import (
    QueryPlan,
    SearchRequest,
    es_search_body,
    plan_query,
    tantivy_filtered,
    tantivy_text_query,
)
from tests.search.relevance import (
    CATEGORIES,
    GUANGAN_CITIZEN_HOLDOUT,
    GUANGAN_CITIZEN_TUNE,
    Judgment,
    load_judged_set,
)
from tests.search.relevance.report import citizen_search
from tests.search.relevance.scoring import (
    Outcome,
    by_category,
    evaluate,
    guangan_documents,
    report,
    score,
)
from tests.support.borrowed_cluster import drop_indices

# Both engines reach hit@k 1.000 and MRR 1.000 on every category of the 90 queries (same
# scores on each). The thresholds leave a small margin: about two misses overall, one
# per category (the smallest has 9 queries), never an exact name below rank 1.
MIN_OVERALL_HIT = 0.97
MIN_OVERALL_MRR = 0.95
MIN_CATEGORY_HIT = 0.88
MIN_EXACT_NAME_HIT_AT_1 = 1.0


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
    # a generous timeout: on a loaded machine the first requests of a fresh index can take
    # longer than a production client's 10 s, and a timeout here measures the machine
    engine = ElasticsearchEngine(
        url, prefix=f"qingdan-relevance-{worker}-{os.getpid()}", timeout=60
    )
    assert engine.reindex(documents, len(documents)).ok
    yield engine
    drop_indices(engine)


def _check(engine_name: str, outcomes: list[Outcome]) -> None:
    text = report(f"relevance on guangan_judged.tsv, engine {engine_name}", outcomes, CATEGORIES)
    print("\n" + text)
    overall = score(outcomes)
    categories = by_category(outcomes)
    assert overall.hit_at_k >= MIN_OVERALL_HIT, text
    assert overall.mrr >= MIN_OVERALL_MRR, text
    for category, s in categories.items():
        assert s.hit_at_k >= MIN_CATEGORY_HIT, f"{category}: {s}\n" + text
    assert categories["exact_name"].hit_at_1 >= MIN_EXACT_NAME_HIT_AT_1, text


# Citizen queries in their own words (issue 16), split in two halves before any tuning: the
# holdout half was never looked at while tuning. Issue 16's bar on both halves: hit@k ≥ 0.9
# and at most 2% of queries with nothing found, even relaxed. Measured (both engines):
# tune 1.000 / zero 0.000, holdout 0.956 / zero 0.009 (tests/search/relevance/README.md).
MIN_CITIZEN_HIT = 0.9
MAX_CITIZEN_ZERO = 0.02
CITIZEN_SETS = {"tune": GUANGAN_CITIZEN_TUNE, "holdout": GUANGAN_CITIZEN_HOLDOUT}


def _check_citizen(engine_name: str, engine) -> None:
    for half, path in CITIZEN_SETS.items():
        outcomes = evaluate(citizen_search(engine), load_judged_set(path))
        text = report(f"citizen queries, {half} half, engine {engine_name}", outcomes)
        print("\n" + text)
        overall = score(outcomes)
        assert overall.hit_at_k >= MIN_CITIZEN_HIT, text
        assert overall.zero_rate <= MAX_CITIZEN_ZERO, text


def test_citizen_queries_embedded(embedded_engine):
    _check_citizen("embedded", embedded_engine)


@pytest.mark.elasticsearch
@pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")
def test_citizen_queries_elasticsearch(elasticsearch_engine):
    _check_citizen("elasticsearch", elasticsearch_engine)


def test_relevance_embedded(embedded_engine, judged):
    _check("embedded", evaluate(citizen_search(embedded_engine), judged))


@pytest.mark.elasticsearch
@pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")
def test_relevance_elasticsearch(elasticsearch_engine, judged):
    _check("elasticsearch", evaluate(citizen_search(elasticsearch_engine), judged))


@pytest.mark.elasticsearch
@pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")
def test_embedded_and_elasticsearch_rank_alike(embedded_engine, elasticsearch_engine, judged):
    """One analysis, one BM25: the first result is the same on both engines."""
    embedded = evaluate(citizen_search(embedded_engine), judged)
    elastic = evaluate(citizen_search(elasticsearch_engine), judged)
    differing = [
        (e.judgment.query, e.top[:1], s.top[:1])
        for e, s in zip(embedded, elastic, strict=True)
        if e.rank != s.rank
    ]
    assert len(differing) <= len(judged) // 20, differing


def test_facet_counts_use_the_scored_query_matches(embedded_engine, judged):
    """The facets' run counts with a flat, unscored query (cheaper on broad matches): it must
    match exactly the documents the scored query matches, for every judged and citizen query,
    under a filter too."""
    searcher = embedded_engine._searcher()
    schema = embedded_engine._schema
    queries = [j.query for j in judged]
    queries += [j.query for path in CITIZEN_SETS.values() for j in load_judged_set(path)]
    for filters in ({}, {"kind": ["service"]}):
        for text in queries:
            plan = plan_query(SearchRequest(text=text, filters=filters))
            scored = searcher.search(
                tantivy_filtered(tantivy_text_query(plan, schema), plan.request.filters, schema),
                limit=1,
            )
            answer = embedded_engine.search(
                SearchRequest(text=text, filters=filters, facets=("kind",))
            )
            assert answer.total == scored.count, (text, filters)


def _scored_once_plans(judged: list[Judgment]) -> list[QueryPlan]:
    queries = [j.query for j in judged]
    queries += [j.query for path in CITIZEN_SETS.values() for j in load_judged_set(path)]
    plans = [plan_query(SearchRequest(text=text, per_page=100)) for text in queries]
    with_generic_or_action = [p for p in plans if p.scored_once]
    assert len(with_generic_or_action) >= 20  # the intents, and queries with 开, 办, 证…
    return with_generic_or_action


def _order_but_never_find(ranked: Callable[[QueryPlan], list[tuple[str, float]]], judged) -> None:
    """Over every query holding generic or action tokens: they find no document the readings
    did not find, only add to scores, and change the order of many queries' results."""
    reordered = 0
    for plan in _scored_once_plans(judged):
        scored = dict(ranked(plan))
        unscored = ranked(replace(plan, scored_once=()))
        assert scored.keys() == {doc_id for doc_id, _ in unscored}, plan.request.text
        assert all(scored[doc_id] >= score * (1 - 1e-5) for doc_id, score in unscored)
        reordered += list(scored) != [doc_id for doc_id, _ in unscored]
    assert reordered >= 10


WHOLE_CATALOG = 2000  # more than the 1,135 items: every match, so none is cut off a page


def test_generic_and_action_tokens_only_score_embedded(embedded_engine, judged):
    """Documents holding only 开 or an intent's action words (登记, 备案…) are not found; those
    words order the documents the rest of the query found."""
    searcher = embedded_engine._searcher()
    schema = embedded_engine._schema

    def ranked(plan: QueryPlan) -> list[tuple[str, float]]:
        hits = searcher.search(tantivy_text_query(plan, schema), limit=WHOLE_CATALOG).hits
        return [(searcher.doc(address)["id"][0], score) for score, address in hits]

    _order_but_never_find(ranked, judged)


@pytest.mark.elasticsearch
@pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")
def test_generic_and_action_tokens_only_score_elasticsearch(elasticsearch_engine, judged):
    client = elasticsearch_engine._client

    def ranked(plan: QueryPlan) -> list[tuple[str, float]]:
        body = {**es_search_body(plan), "size": WHOLE_CATALOG, "_source": ["id"]}
        hits = client.search(index=elasticsearch_engine.alias, body=body)["hits"]["hits"]
        return [(hit["_id"], hit["_score"]) for hit in hits]

    _order_but_never_find(ranked, judged)
