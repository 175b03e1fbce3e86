"""The public sees published rows only — through search, suggest, lists, detail pages, exports
and figures — on both engines; and search text that looks like SQL or query syntax is only text."""

from __future__ import annotations

import pytest

from catalog.services import search_outbox
from tests import factories
from tests.search.test_catalog_search import hit_names

HIDDEN = ("draft", "submitted", "rejected", "suspended", "cancelled")


@pytest.fixture
def rows_in_every_state(session, engine):
    department = factories.department(session, name="可见性测试局")
    rows = {
        status: factories.instant_item(
            session, department.id, name=f"营业执照{status}办理", status=status
        )
        for status in ("published", *HIDDEN)
    }
    search_outbox.drain_outbox(session, engine)
    return department, rows


def test_anonymous_users_never_see_unpublished_rows(anonymous_client, rows_in_every_state):
    department, rows = rows_in_every_state
    published = rows["published"].name
    assert hit_names(anonymous_client, "营业执照") == [published]
    assert [s["text"] for s in anonymous_client.get("/api/v1/suggest?q=营业").json] == [published]
    listed = anonymous_client.get(
        f"/api/v1/service-items?department_id={department.id}&per_page=100"
    ).json
    assert [i["name"] for i in listed["items"]] == [published] and listed["total"] == 1
    for status in HIDDEN:
        filtered = anonymous_client.get(
            f"/api/v1/service-items?department_id={department.id}&status={status}"
        ).json
        assert filtered["total"] == 0, status
        row_id = rows[status].id
        assert anonymous_client.get(f"/api/v1/service-items/{row_id}").status_code == 404, status
        assert anonymous_client.get(f"/items/service/{row_id}").status_code == 404, status
        # histories are never the public's: 401 before any row is looked up, for every row alike
        assert anonymous_client.get(f"/api/v1/service-items/{row_id}/history").status_code == 401
    assert (
        anonymous_client.get(f"/api/v1/service-items/{rows['published'].id}/history").status_code
        == 401
    )
    assert anonymous_client.get("/api/v1/service-items/999999/history").status_code == 401
    export = anonymous_client.get(
        f"/api/v1/service-items/export?format=csv&department_id={department.id}"
    )
    lines = export.data.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith(published)
    figures = anonymous_client.get(
        f"/api/v1/stats/figures?department_id={department.id}&item_types=01"
    ).json
    instant = next(f for f in figures["figures"] if f["key"] == "instant_share")
    assert (instant["numerator"], instant["denominator"]) == (1, 1)


def test_the_department_and_auditors_see_what_the_public_does_not(
    app, session, rows_in_every_state
):
    from tests.conftest import token_client

    department, rows = rows_in_every_state
    for role, department_id in (("editor", department.id), ("auditor", None)):
        insider = token_client(app, session, role, department_id)
        listed = insider.get(
            f"/api/v1/service-items?department_id={department.id}&per_page=100"
        ).json
        assert listed["total"] == len(rows), role
        assert insider.get(f"/api/v1/service-items/{rows['draft'].id}").status_code == 200
    # search stays the public's: only published rows are ever indexed
    assert hit_names(token_client(app, session, "auditor"), "营业执照") == [rows["published"].name]


QUERY_LOOKALIKES = [
    "' OR '1'='1",
    "营业执照'; DROP TABLE service_items; --",
    "name:营业执照draft办理 OR status:draft",
    "*",
    "营业执照* AND NOT published",
    '{"match_all": {}}',
    "\\",
    '"',
    "(营业执照",
    "%_%",
]


@pytest.mark.parametrize("query", QUERY_LOOKALIKES)
def test_query_syntax_and_sql_in_search_text_are_harmless(
    anonymous_client, rows_in_every_state, query
):
    _, rows = rows_in_every_state
    response = anonymous_client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200, response.json
    names = {hit["name"] for hit in response.json["hits"]}
    assert names <= {rows["published"].name}
    page = anonymous_client.get("/search", query_string={"q": query})
    assert page.status_code == 200
    assert all(rows[s].name.encode() not in page.data for s in HIDDEN if rows[s].name not in query)
    listed = anonymous_client.get("/api/v1/service-items", query_string={"q": query})
    assert listed.status_code == 200 and {i["name"] for i in listed.json["items"]} <= {
        rows["published"].name
    }
