"""The catalog and the search engines together, on both engines: what citizens can find,
the outbox that loses nothing when the engine is down, verify/repair and reindex."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import tantivy

from catalog.services import search_documents, search_outbox, search_reindex
from search.documents import SearchDocument
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from search.filters import FILTERS
from tests import factories
from tests.support.borrowed_cluster import drop_indices
from tests.support.disks import fill, small_disk

LATER = timedelta(days=1)  # a drain "later": past every backoff delay


def drain_later(session, engine):
    return search_outbox.drain_outbox(session, engine, due_by=datetime.now(UTC) + LATER)


def hit_names(client, query: str, **filters) -> list[str]:
    response = client.get("/api/v1/search", query_string={"q": query, **filters})
    assert response.status_code == 200, response.json
    return [hit["name"] for hit in response.json["hits"]]


def test_only_published_items_are_found_and_they_leave_when_unpublished(client, session, engine):
    department = factories.department(session, name="云城区公安分局")
    data = factories.service_item_data(department.id, name="普通护照签发", status="published")
    created = client.post("/api/v1/service-items", json=data).json
    client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(department.id, name="护照草稿事项"),
    )

    assert hit_names(client, "护照") == ["普通护照签发"]
    assert hit_names(client, "huzhao") == ["普通护照签发"]
    body = client.get("/api/v1/search", query_string={"q": "护照"}).json
    assert body["hits"][0]["department"] == "云城区公安分局"
    assert "<mark>" in body["hits"][0]["highlight"]
    assert {"value": "云城区公安分局", "count": 1} in body["facets"]["department"]
    assert [s["text"] for s in client.get("/api/v1/suggest?q=普通").json] == ["普通护照签发"]

    url = f"/api/v1/service-items/{created['id']}"
    steps = [
        ("suspend", "材料调整中", []),
        ("resume", None, ["普通护照签发"]),
        ("cancel", "已合并", []),
    ]
    for version, (step, reason, found) in enumerate(steps, start=1):
        response = client.post(
            f"{url}/{step}", json={"reason": reason}, headers={"If-Match": f'"{version}"'}
        )
        assert response.status_code == 200, response.json
        assert hit_names(client, "护照") == found
    assert search_reindex.verify(session, engine).total == 0


def test_filters_reach_the_engine(client, session, engine):
    department = factories.department(session)
    street = factories.township(session, department.region_id, name="河口街道")
    factories.instant_item(session, department.id, name="居民身份证换领", township_id=street.id)
    factories.service_item(
        session,
        department.id,
        name="居民身份证挂失申报",
        status="published",
        onsite_visits=1,
        onsite_reason="须现场采集指纹",
    )
    drain_later(session, engine)
    assert hit_names(client, "身份证", instant="true") == ["居民身份证换领"]
    assert hit_names(client, "身份证", zero_visit="false") == ["居民身份证挂失申报"]
    assert hit_names(client, "身份证", township="河口街道") == ["居民身份证换领"]
    assert sorted(hit_names(client, "身分证")) == ["居民身份证挂失申报", "居民身份证换领"]


def _write_while_engine_down(client, session, department):
    kept = factories.service_item(session, department.id, name="食品经营许可", status="published")
    changed = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(department.id, name="旧的事项名称", status="published"),
    ).json
    removed = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(department.id, name="将要删除的事项", status="published"),
    ).json
    return kept, changed, removed


def _assert_nothing_lost(client, session, engine, department, kept, changed, removed):
    pending = search_outbox.outbox_lag(session)["pending"]
    assert pending > 0
    report = drain_later(session, engine)
    assert not report.engine_down and report.failed == 0
    assert search_outbox.outbox_lag(session)["pending"] == 0
    assert search_reindex.verify(session, engine).total == 0
    assert hit_names(client, "食品经营许可")[0] == "食品经营许可"
    assert hit_names(client, "新的事项名称")[0] == "新的事项名称"
    assert "旧的事项名称" not in hit_names(client, "旧的事项名称")
    assert "将要删除的事项" not in hit_names(client, "将要删除的事项")


def _edit_while_engine_down(client, changed, removed):
    # Every write succeeds while the engine is down: a revision approved, a row cancelled.
    edited = factories.approved_edit(
        client, f"/api/v1/service-items/{changed['id']}", {"name": "新的事项名称"}
    )
    assert edited["name"] == "新的事项名称"
    cancelled = client.post(
        f"/api/v1/service-items/{removed['id']}/cancel",
        json={"reason": "事项取消"},
        headers={"If-Match": '"1"'},
    )
    assert cancelled.status_code == 200, cancelled.json


@pytest.mark.elasticsearch
def test_elasticsearch_down_loses_nothing(
    client, session, app, elasticsearch_server, elasticsearch_url
):
    if elasticsearch_server is None:
        pytest.skip("ELASTICSEARCH_URL names an external cluster this test must not stop")
    engine = ElasticsearchEngine(
        elasticsearch_url, prefix=f"fault-{uuid.uuid4().hex[:10]}", timeout=3
    )
    engine.ensure_index()
    app.extensions["qingdan_search_engine"], saved = (
        engine,
        app.extensions.get("qingdan_search_engine"),
    )
    app.config["SEARCH_DRAIN_IN_PROCESS"] = True
    department = factories.department(session)
    try:
        elasticsearch_server.stop()
        kept, changed, removed = _write_while_engine_down(client, session, department)
        _edit_while_engine_down(client, changed, removed)
        assert client.get("/api/v1/search?q=食品").status_code == 503
        assert (
            search_outbox.drain_outbox(session, engine).engine_down
            or search_outbox.outbox_lag(session)["pending"]
        )
        elasticsearch_server.start()
        _assert_nothing_lost(client, session, engine, department, kept, changed, removed)
    finally:
        if not elasticsearch_server.is_running():
            elasticsearch_server.start()
        app.config["SEARCH_DRAIN_IN_PROCESS"] = "auto"
        app.extensions["qingdan_search_engine"] = saved


@contextmanager
def _draining_after_writes(app, engine):
    """``engine`` serves the app, and every write drains the outbox into it after its response."""
    app.extensions["qingdan_search_engine"], saved = (
        engine,
        app.extensions.get("qingdan_search_engine"),
    )
    app.config["SEARCH_DRAIN_IN_PROCESS"] = True
    try:
        yield engine
    finally:
        app.config["SEARCH_DRAIN_IN_PROCESS"] = "auto"
        app.extensions["qingdan_search_engine"] = saved


def test_embedded_index_unwritable_loses_nothing(client, session, app, tmp_path):
    engine = EmbeddedEngine(tmp_path / "index", lock_timeout=0.3)
    engine.ensure_index()
    department = factories.department(session)
    with _draining_after_writes(app, engine):
        # Another writer holds tantivy's writer lock: this process cannot write the index.
        live = next(p for p in (tmp_path / "index").iterdir() if p.is_dir())
        blocker = tantivy.Index.open(str(live)).writer()
        kept, changed, removed = _write_while_engine_down(client, session, department)
        _edit_while_engine_down(client, changed, removed)
        failing = search_outbox.outbox_lag(session)
        assert failing["pending"] >= 4 and failing["failing"] >= 1
        blocker.wait_merging_threads()  # the other writer goes away
        _assert_nothing_lost(client, session, engine, department, kept, changed, removed)


def test_embedded_index_disk_full_loses_nothing(client, session, app, tmp_path):
    """The index's disk full (a real ENOSPC on a 2 MB tmpfs): every write is answered and kept in
    the outbox, searches answer from the last commit, and once space is back the index catches up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the suite and CI run as root here)")
    department = factories.department(session)
    published = factories.service_item(
        session, department.id, name="营业执照核发", status="published"
    )
    with (
        small_disk(tmp_path / "disk", megabytes=2) as disk,
        _draining_after_writes(app, EmbeddedEngine(disk / "index")) as engine,
    ):
        engine.ensure_index()
        assert drain_later(session, engine).indexed >= 1
        filler = fill(disk)
        kept, changed, removed = _write_while_engine_down(client, session, department)
        _edit_while_engine_down(client, changed, removed)
        failing = search_outbox.outbox_lag(session)
        assert failing["pending"] >= 4 and failing["failing"] >= 1  # tried, refused, kept
        assert hit_names(client, "营业执照核发")[0] == published.name
        filler.unlink()
        _assert_nothing_lost(client, session, engine, department, kept, changed, removed)


def test_verify_finds_drift_and_repair_fixes_it(client, session, engine):
    from catalog.models import SearchOutbox

    department = factories.department(session)
    items = [
        factories.service_item(session, department.id, name=f"建筑施工许可{i}", status="published")
        for i in range(2)
    ]
    drain_later(session, engine)
    assert search_reindex.verify(session, engine).total == 0
    # Drift as a direct SQL fix or a lost outbox row would leave it: a row the index never
    # saw, a change it never saw, and a document of a row that does not exist.
    unseen = factories.service_item(
        session, department.id, name="建筑施工许可新增", status="published"
    )
    session.query(SearchOutbox).delete()
    items[1].name = "改名但未同步"
    items[1].version += 1
    session.commit()
    engine.index(
        [SearchDocument.from_mapping({"id": "service:999999", "kind": "service", "name": "多余"})]
    )

    drift = search_reindex.verify(session, engine)
    assert drift.missing == [f"service:{unseen.id}"]
    assert drift.stale == [f"service:{items[1].id}"]
    assert drift.extra == ["service:999999"]
    search_reindex.repair(session, engine, drift)
    assert search_reindex.verify(session, engine).total == 0
    assert hit_names(client, "改名但未同步")[0] == "改名但未同步"


def test_reindex_switches_only_to_a_complete_index(client, session, engine):
    department = factories.department(session)
    for i in range(5):
        factories.service_item(
            session, department.id, name=f"道路运输经营许可{i}", status="published"
        )
    report = search_reindex.reindex(session, engine)
    assert report.ok and report.count == report.expected_count == search_documents.published_count(
        session
    )
    assert len(hit_names(client, "道路运输")) == 5
    assert search_reindex.verify(session, engine).total == 0


@pytest.mark.elasticsearch
def test_cli_reindex_with_elasticsearch_url_serves_search_from_the_cluster(
    app, client, session, elasticsearch_url
):
    from elasticsearch import Elasticsearch

    department = factories.department(session)
    for name in ("机动车驾驶证补领", "机动车注册登记"):
        factories.service_item(session, department.id, name=name, status="published")
    prefix = f"cli-{uuid.uuid4().hex[:10]}"
    saved = dict(app.config), app.extensions.pop("qingdan_search_engine", None)
    app.config.update(ELASTICSEARCH_URL=elasticsearch_url, ELASTICSEARCH_INDEX_PREFIX=prefix)
    try:
        result = app.test_cli_runner().invoke(args=["search", "reindex"])
        assert result.exit_code == 0, result.output
        assert "已切换" in result.output
        cluster = Elasticsearch([elasticsearch_url])
        assert cluster.count(index=prefix)["count"] == 2  # the documents are in the cluster's index
        assert app.extensions["qingdan_search_engine"].name == "elasticsearch"
        assert hit_names(client, "驾照")[0] == "机动车驾驶证补领"
        assert app.test_cli_runner().invoke(args=["search", "verify"]).exit_code == 0
    finally:
        app.config.clear()
        app.config.update(saved[0])
        app.extensions["qingdan_search_engine"] = saved[1]
        drop_indices(ElasticsearchEngine(elasticsearch_url, prefix=prefix))


def test_facets_can_be_chosen_or_left_out(client, session):
    department = factories.department(session, name="云城区民政局")
    factories.service_item(session, department.id, name="内地居民婚姻登记", status="published")
    drain_later(session, client.application.extensions["qingdan_search_engine"])
    every = client.get("/api/v1/search?q=婚姻登记").json
    assert set(every["facets"]) == set(FILTERS)  # test_query names them
    one = client.get("/api/v1/search?q=婚姻登记&facets=department").json
    assert one["facets"] == {"department": [{"value": "云城区民政局", "count": 1}]}
    none = client.get("/api/v1/search?q=婚姻登记&facets=none").json
    assert none["facets"] == {} and none["total"] == 1
    assert client.get("/api/v1/search?q=x&facets=password").status_code == 422


def test_an_unknown_order_is_refused_with_the_orders_in_chinese(client):
    answer = client.get("/api/v1/search?q=护照&sort=random")
    assert answer.status_code == 422
    message = answer.json["error"]["fields"]["sort"][0]["message"]
    assert "short（名称短的在前）" in message and "updated（按更新时间，最新的在前）" in message
