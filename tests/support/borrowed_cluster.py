"""Tests, benchmarks and the relevance report borrow an Elasticsearch cluster (a server of their
own, or the one ``ELASTICSEARCH_URL`` names, which may be shared): they leave it as they found
it."""

from __future__ import annotations

from search.engines.elasticsearch import ElasticsearchEngine


def drop_indices(engine: ElasticsearchEngine) -> None:
    """Delete every index of the engine's prefix; its alias goes with them. By name: where
    ``action.destructive_requires_name`` is on (Elasticsearch 8's default) a wildcard delete is
    refused."""
    client = engine._client
    names = [row["index"] for row in client.cat.indices(index=f"{engine.alias}-*", format="json")]
    if names:
        client.indices.delete(index=",".join(names), ignore=[404])
