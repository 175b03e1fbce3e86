"""The Elasticsearch settings of a secured cluster, for real: nginx terminates TLS (a CA made
here) with basic auth or an API key in front of the suite's Elasticsearch 7.9.2
(tests/support/nginx_tls.py), and the app's own engine, built from ELASTICSEARCH_* as in
production, indexes and searches through it. Wrong credentials and a wrong CA are clear
errors; settings that cannot work stop the process at start with what to change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalog.config import SettingError, settings_from_environment
from catalog.services.search_engine import engine_from_config
from search.documents import SearchDocument
from search.engines.elasticsearch import ElasticsearchEngine
from search.errors import EngineUnavailable
from search.query import SearchRequest
from tests.support.borrowed_cluster import drop_indices
from tests.support.nginx_tls import TlsProxy, nginx_tls_proxy
from tests.support.servers import free_port

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning"),
]

SETTINGS = (
    "URL",
    "CA_CERTS",
    "USERNAME",
    "PASSWORD",
    "API_KEY",
    "TIMEOUT",
    "MAX_RETRIES",
    "SNIFF",
    "INDEX_PREFIX",
)
PASSPORT = SearchDocument.from_mapping(
    {"id": "service:1", "kind": "service", "name": "普通护照签发", "version": 1}
)


# every test's index prefix starts with this process's own: the indices are dropped with the proxy
PREFIX = f"secured-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def proxy(elasticsearch_url: str) -> Iterator[TlsProxy]:
    with nginx_tls_proxy(elasticsearch_url) as running:
        yield running
    drop_indices(ElasticsearchEngine(elasticsearch_url, prefix=PREFIX))


def configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **settings: str) -> dict:
    """The app's settings read from the environment, as a production process reads them."""
    for name in SETTINGS:
        monkeypatch.delenv(f"ELASTICSEARCH_{name}", raising=False)
    monkeypatch.setenv("ELASTICSEARCH_INDEX_PREFIX", f"{PREFIX}-{uuid.uuid4().hex[:10]}")
    for name, value in settings.items():
        monkeypatch.setenv(f"ELASTICSEARCH_{name.upper()}", value)
    return settings_from_environment(str(tmp_path))


def engine_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **settings: str
) -> ElasticsearchEngine:
    engine = engine_from_config(configured(monkeypatch, tmp_path, **settings))
    assert isinstance(engine, ElasticsearchEngine)
    return engine


def basic_auth_engine(
    proxy: TlsProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **settings: str
) -> ElasticsearchEngine:
    """An engine that signs in to the proxy with its user and password, over TLS with the
    proxy's CA (``settings`` change any of these)."""
    signed_in = {
        "url": proxy.basic_url,
        "ca_certs": str(proxy.ca_file),
        "username": proxy.username,
        "password": proxy.password,
    }
    return engine_from_environment(monkeypatch, tmp_path, **{**signed_in, **settings})


def passport_hits(engine: ElasticsearchEngine) -> list[str]:
    return [hit.id for hit in engine.search(SearchRequest(text="护照")).hits]


def test_basic_auth_over_tls_indexes_and_searches(proxy: TlsProxy, monkeypatch, tmp_path) -> None:
    engine = basic_auth_engine(proxy, monkeypatch, tmp_path)
    assert engine.index([PASSPORT]).indexed == 1
    assert passport_hits(engine) == ["service:1"]
    assert engine.health().ok
    port = proxy.basic_url.rsplit(":", 1)[1]
    assert proxy.logged(
        lambda line: (
            line.startswith(f"{port} {proxy.username} ")
            and '"POST /' in line
            and "_search" in line
            and " 200 " in line
        )
    )


def test_api_key_is_sent_and_accepted(proxy: TlsProxy, monkeypatch, tmp_path) -> None:
    engine = engine_from_environment(
        monkeypatch,
        tmp_path,
        url=proxy.api_key_url,
        ca_certs=str(proxy.ca_file),
        api_key=proxy.api_key,
    )
    assert engine.index([PASSPORT]).indexed == 1
    assert passport_hits(engine) == ["service:1"]


def test_several_nodes_a_dead_one_is_skipped(proxy: TlsProxy, monkeypatch, tmp_path) -> None:
    dead = f"https://127.0.0.1:{free_port()}"
    engine = basic_auth_engine(proxy, monkeypatch, tmp_path, url=f"{dead},{proxy.basic_url}")
    engine.index([PASSPORT])
    for _ in range(4):  # round robin reaches the dead node too: its requests go to the other
        assert passport_hits(engine) == ["service:1"]


@pytest.mark.parametrize("credentials", ["password", "api_key"])
def test_refused_credentials_are_a_clear_error(
    proxy: TlsProxy, monkeypatch, tmp_path, credentials: str
) -> None:
    if credentials == "password":
        settings = {
            "url": proxy.basic_url,
            "username": proxy.username,
            "password": "wrong-password",
        }
    else:
        settings = {"url": proxy.api_key_url, "api_key": "someone:else"}
    engine = engine_from_environment(monkeypatch, tmp_path, ca_certs=str(proxy.ca_file), **settings)
    with pytest.raises(EngineUnavailable, match=r"refused the credentials \(401\).*ELASTICSEARCH_"):
        engine.search(SearchRequest(text="护照"))
    health = engine.health()
    assert not health.ok and "refused the credentials (401)" in health.detail


def test_an_unknown_certificate_authority_is_a_clear_tls_error(
    proxy: TlsProxy, monkeypatch, tmp_path
) -> None:
    engine = basic_auth_engine(proxy, monkeypatch, tmp_path, ca_certs=str(proxy.wrong_ca_file))
    with pytest.raises(
        EngineUnavailable,
        match=r"TLS verification .*ELASTICSEARCH_CA_CERTS.*CERTIFICATE_VERIFY_FAILED",
    ):
        engine.search(SearchRequest(text="护照"))


def test_the_request_id_reaches_elasticsearch(
    proxy: TlsProxy, app: Flask, anonymous_client: FlaskClient, monkeypatch, tmp_path
) -> None:
    """X-Request-Id of the app's request is the X-Opaque-Id of its Elasticsearch calls."""
    engine = basic_auth_engine(proxy, monkeypatch, tmp_path)
    engine.index([PASSPORT])
    monkeypatch.setitem(app.extensions, "qingdan_search_engine", engine)
    request_id = f"rid-{uuid.uuid4().hex}"
    response = anonymous_client.get("/api/v1/search?q=护照", headers={"X-Request-Id": request_id})
    assert response.status_code == 200 and response.headers["X-Request-Id"] == request_id
    assert proxy.logged(lambda line: "_search" in line and line.endswith(f"opaque={request_id}"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"url": "https://es.example:9200", "ca_certs": "/nonexistent/ca.pem"},
            "CA 证书文件 /nonexistent/ca.pem 不存在",
        ),
        ({"url": "https://es.example:9200", "ca_certs": "{not_pem}"}, "不是 PEM 格式的 CA 证书"),
        ({"url": "http://es.example:9200", "ca_certs": "{ca}"}, "没有 https:// 地址"),
        ({"url": "https://es.example:9200", "username": "qingdan"}, "须同时设置"),
        (
            {"url": "https://es.example:9200", "username": "a", "password": "b", "api_key": "c"},
            "只能设置一种",
        ),
        (
            {"url": "http://es.example:9200", "api_key": "id:key"},
            "凭据不能以明文发送到 http://es.example:9200",
        ),
        ({"url": "es.example:9200"}, "不是 http:// 或 https:// 地址"),
        (
            {"url": "https://es.example:9200", "timeout": "soon"},
            "ELASTICSEARCH_TIMEOUT 须为大于 0 的秒数",
        ),
        (
            {"url": "https://es.example:9200", "sniff": "sometimes"},
            "ELASTICSEARCH_SNIFF 须为 true 或 false",
        ),
    ],
)
def test_settings_that_cannot_work_stop_the_start(
    monkeypatch, tmp_path, settings: dict, message: str
) -> None:
    (tmp_path / "not.pem").write_text("just text\n")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    paths = {"not_pem": str(tmp_path / "not.pem"), "ca": str(tmp_path / "ca.pem")}
    with pytest.raises(SettingError, match=message):
        configured(monkeypatch, tmp_path, **{k: v.format(**paths) for k, v in settings.items()})


def test_credentials_in_clear_to_loopback_and_defaults_are_accepted(monkeypatch, tmp_path) -> None:
    config = configured(
        monkeypatch, tmp_path, url="http://127.0.0.1:9200", username="a", password="b"
    )
    assert (config["ELASTICSEARCH_TIMEOUT"], config["ELASTICSEARCH_MAX_RETRIES"]) == (10.0, 2)
    assert (
        config["ELASTICSEARCH_RETRY_ON_TIMEOUT"] is True and config["ELASTICSEARCH_SNIFF"] is False
    )
