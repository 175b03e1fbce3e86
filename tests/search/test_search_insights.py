"""Through the catalog: the API's answer flags, the query log (privacy, page, export,
retention), the synonyms administrators add without deploy or reindex, and twins as one hit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select

from catalog.models import SearchQueryLog, SearchSynonym
from catalog.services import search_outbox, search_reindex, search_synonyms
from tests import factories
from tests.test_accounts_and_audit import csrf_token, sign_in

LATER = timedelta(days=1)


def drain(session, app) -> None:
    engine = app.extensions["qingdan_search_engine"]
    search_outbox.drain_outbox(session, engine, due_by=datetime.now(UTC) + LATER)


def first_name(client, query: str) -> str | None:
    hits = search(client, query)["hits"]
    return hits[0]["name"] if hits else None


def search(client, query: str, **args) -> dict:
    response = client.get("/api/v1/search", query_string={"q": query, **args})
    assert response.status_code == 200, response.json
    return response.json


def published(session, app, *names: str, department=None):
    department = department or factories.department(session, name="区公安分局")
    rows = [
        factories.service_item(session, department.id, name=name, status="published")
        for name in names
    ]
    drain(session, app)
    return department, rows


def test_the_answer_says_when_nothing_or_only_relaxed_matches_were_found(app, client, session):
    published(session, app, "居民身份证办理")
    direct = search(client, "身份证")
    assert (direct["zero_result"], direct["relaxed"], direct["popular"]) == (False, False, [])
    relaxed = search(client, "证居")  # no name holds 证居: 居 alone is tried (证 is generic)
    assert relaxed["relaxed"] and relaxed["hits"][0]["name"] == "居民身份证办理"
    nothing = search(client, "派出所盖章")
    assert nothing["zero_result"] and nothing["hits"] == []
    assert [hit["name"] for hit in nothing["popular"]] == ["居民身份证办理"]  # 派出所 → 公安


def test_only_unanswered_queries_are_logged_and_nothing_about_who_asked(app, client, session):
    published(session, app, "居民身份证办理")
    search(client, "身份证")
    search(client, "证居")
    search(client, "派出所盖章")
    search(client, "派出所盖章", page=2)  # paging through is not a new query
    logged = session.execute(
        select(SearchQueryLog.query, SearchQueryLog.outcome, SearchQueryLog.result_count).order_by(
            SearchQueryLog.id
        )
    ).all()
    assert [tuple(row) for row in logged] == [("证居", "relaxed", 1), ("派出所盖章", "zero", 0)]
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("search_query_log")}
    assert columns == {"id", "query", "outcome", "result_count", "created_at"}


def test_staff_read_and_export_the_log_citizens_cannot(app, anonymous_client, client, session):
    department, _ = published(session, app, "居民身份证办理")
    search(client, "量子纠缠证明")
    assert anonymous_client.get("/console/search/log").status_code == 302
    factories.user(session, "wu", "editor", department.id)
    sign_in(anonymous_client, "wu")
    page = anonymous_client.get("/console/search/log?days=7").get_data(as_text=True)
    assert "量子纠缠证明" in page and "不记录地址或用户" in page
    exported = anonymous_client.get("/console/search/log/export?format=csv&days=7")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["时间（UTC）", "搜索词", "结果", "结果数"]
    assert rows[1][1:] == ["量子纠缠证明", "无结果", "0"]
    assert anonymous_client.get("/console/search/log?days=0").status_code == 400


def test_purge_keeps_only_the_retention_period(app, session):
    now = datetime.now(UTC)
    for days, query in ((200, "很久以前"), (40, "上个月"), (1, "昨天")):
        session.add(
            SearchQueryLog(
                query=query, outcome="zero", result_count=0, created_at=now - timedelta(days=days)
            )
        )
    session.commit()
    app.config["SEARCH_LOG_RETENTION_DAYS"] = 90
    result = app.test_cli_runner().invoke(args=["search", "purge-log"])
    assert result.exit_code == 0 and "已删除 1 条" in result.output, result.output
    result = app.test_cli_runner().invoke(args=["search", "purge-log", "--days", "30"])
    assert "已删除 1 条" in result.output
    assert list(session.scalars(select(SearchQueryLog.query))) == ["昨天"]


def test_an_administrators_synonym_applies_on_the_next_search_without_reindex(
    app, anonymous_client, client, session
):
    published(session, app, "无犯罪记录证明", "居民身份证办理")
    assert first_name(client, "清白书") != "无犯罪记录证明"
    factories.user(session, "qian", "admin")
    sign_in(anonymous_client, "qian")
    token = csrf_token(anonymous_client, "/console/search/synonyms")
    bad = anonymous_client.post(
        "/console/search/synonyms", data={"rule": "清白书 =>", "csrf_token": token}
    )
    assert bad.status_code == 303 and session.scalar(select(SearchSynonym.id)) is None
    assert "两边都要有词语" in anonymous_client.get("/console/search/synonyms").get_data(
        as_text=True
    )
    added = anonymous_client.post(
        "/console/search/synonyms", data={"rule": "清白书 => 无犯罪记录证明", "csrf_token": token}
    )
    assert added.status_code == 303
    assert first_name(client, "清白书") == "无犯罪记录证明"
    rule = session.scalar(select(SearchSynonym))
    assert rule.created_by and "清白书" in anonymous_client.get(
        "/console/search/synonyms"
    ).get_data(as_text=True)
    anonymous_client.post(f"/console/search/synonyms/{rule.id}/delete", data={"csrf_token": token})
    assert first_name(client, "清白书") != "无犯罪记录证明"


def test_a_rule_another_worker_added_applies_once_the_stamp_is_checked(
    app, client, session, monkeypatch
):
    """Each process checks the rules' stamp at most every CHECK_SECONDS, then rebuilds."""
    monkeypatch.setattr(search_synonyms, "CHECK_SECONDS", 3600.0)
    published(session, app, "无犯罪记录证明", "居民身份证办理")
    assert first_name(client, "清白书") != "无犯罪记录证明"  # the table is built and cached
    session.add(
        SearchSynonym(rule="清白书 => 无犯罪记录证明", created_by="另一个进程")
    )  # not through add_rule
    session.flush()
    assert (
        first_name(client, "清白书") != "无犯罪记录证明"
    )  # within CHECK_SECONDS: the stamp is not asked
    monkeypatch.setattr(search_synonyms, "CHECK_SECONDS", 0.0)
    assert first_name(client, "清白书") == "无犯罪记录证明"


def test_editors_cannot_change_synonyms(anonymous_client, session):
    department = factories.department(session)
    factories.user(session, "sun", "editor", department.id)
    sign_in(anonymous_client, "sun")
    assert anonymous_client.get("/console/search/synonyms").status_code == 403


def test_a_service_item_and_its_power_twin_are_one_hit_until_they_differ(app, client, session):
    department = factories.department(session, name="区市场监管局")
    twins = {"name": "食品经营许可", "status": "published"}
    power = factories.power_item(
        session, department.id, basis_text="《中华人民共和国食品安全法》第三十五条", **twins
    )
    service = factories.service_item(session, department.id, **twins)
    drain(session, app)
    found = search(client, "食品经营许可", facets="kind")
    assert [(h["id"], h["lists"], h["twins"]) for h in found["hits"]] == [
        (f"service:{service.id}", ["service", "power"], [f"power:{power.id}"])
    ]
    assert found["total"] == 1
    assert {f["value"]: f["count"] for f in found["facets"]["kind"]} == {"service": 1, "power": 1}
    # the twin's legal basis is searchable through the one hit
    assert [h["id"] for h in search(client, "食品安全法")["hits"]] == [f"service:{service.id}"]
    # renamed: no longer twins, the change re-queued the service item too
    factories.approved_edit(
        client, f"/api/v1/power-items/{power.id}", {"name": "食品经营许可（旧）"}
    )
    drain(session, app)
    hits = search(client, "食品经营许可")["hits"]
    assert {(h["id"], tuple(h["lists"])) for h in hits} == {
        (f"service:{service.id}", ("service",)),
        (f"power:{power.id}", ("power",)),
    }
    assert search_reindex.verify(session, app.extensions["qingdan_search_engine"]).total == 0


def test_only_a_published_change_queues_the_twin(app, session):
    """A draft is nobody's twin: creating it queues its own document only (one query fewer per
    imported draft); once published, its 权责 twin's document changes too and is queued."""
    from catalog.models import SearchOutbox

    department = factories.department(session, name="区市场监管局")
    power = factories.power_item(session, department.id, name="食品经营许可", status="published")
    queued = lambda: {(r.entity_type, r.entity_id) for r in session.query(SearchOutbox)}  # noqa: E731
    session.query(SearchOutbox).delete()
    draft = factories.service_item(session, department.id, name="食品经营许可")
    assert queued() == {("service_item", draft.id)}
    session.query(SearchOutbox).delete()
    factories.service_item(session, department.id, name="食品经营许可", status="published")
    assert ("power_item", power.id) in queued()
