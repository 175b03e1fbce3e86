"""Which search engine the catalog uses: Elasticsearch when configured, else the embedded one."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from search.engines.base import SearchEngine
from search.errors import EngineUnavailable


def engine_from_config(config: Mapping[str, Any]) -> SearchEngine:
    """The configured engine, with its live index created if there was none.

    An engine that cannot be reached yet is still returned: searches answer 503 and writes
    wait in the outbox until it is back.
    """
    engine: SearchEngine
    if config.get("ELASTICSEARCH_URL"):
        from search.engines.elasticsearch import ClientSettings, ElasticsearchEngine, connect

        client = connect(ClientSettings.from_mapping(config))
        engine = ElasticsearchEngine(
            client, prefix=config.get("ELASTICSEARCH_INDEX_PREFIX", "qingdan-items")
        )
    else:
        from search.engines.embedded import EmbeddedEngine

        engine = EmbeddedEngine(config["SEARCH_INDEX_PATH"])
    with contextlib.suppress(EngineUnavailable):
        engine.ensure_index()
    return engine
