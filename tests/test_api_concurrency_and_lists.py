"""ETag/If-Match between two editors, list filters, sorting and pagination with totals."""

from __future__ import annotations

from datetime import UTC

from tests import factories


def test_second_editor_with_a_stale_etag_gets_412_and_the_first_edit_survives(client, session):
    department = factories.department(session)
    created = client.post("/api/v1/service-items", json=factories.service_item_data(department.id))
    url = f"/api/v1/service-items/{created.json['id']}"
    etag = client.get(url).headers["ETag"]  # both editors read the same version

    first = client.patch(url, json={"name": "食品经营许可（新办）"}, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag

    second = client.put(
        url,
        json=factories.service_item_data(department.id, name="第二位编辑的改动"),
        headers={"If-Match": etag},
    )
    assert second.status_code == 412
    assert second.json["error"]["code"] == "stale_version"
    assert client.get(url).json["name"] == "食品经营许可（新办）"

    missing = client.delete(url)
    assert missing.status_code == 428
    assert missing.json["error"]["code"] == "precondition_required"
    assert client.delete(url, headers={"If-Match": etag}).status_code == 412
    assert client.delete(url, headers={"If-Match": first.headers["ETag"]}).status_code == 204
    assert client.get(url).status_code == 404


def test_list_filters_sort_and_paginate_with_totals(client, session):
    department = factories.department(session)
    other = factories.department(session, region_id=department.region_id)
    street = factories.township(session, department.region_id)
    for i in range(7):
        factories.service_item(
            session, department.id, name=f"即办事项{i}", case_type="1", promised_time_limit=0
        )
    factories.service_item(
        session, department.id, onsite_visits=1, onsite_reason="须现场核验", township_id=street.id
    )
    factories.service_item(session, other.id, item_type="20")

    page = client.get(
        f"/api/v1/service-items?department_id={department.id}&instant=true&per_page=3&page=2&sort=-name"
    ).json
    assert page["total"] == 7 and page["pages"] == 3 and page["page"] == 2
    assert [i["name"] for i in page["items"]] == ["即办事项3", "即办事项2", "即办事项1"]

    def total(query: str) -> int:
        return client.get(f"/api/v1/service-items?{query}").json["total"]

    assert total(f"department_id={department.id}&instant=false") == 1
    assert total(f"department_id={department.id}&onsite_visits=0") == 7
    assert total(f"department_id={department.id}&max_onsite_visits=1") == 8
    assert total(f"township_id={street.id}") == 1
    assert total(f"department_id={other.id}&item_type=20") == 1
    assert total("q=即办事项") == 7
    assert total("q=%25") == 0  # LIKE wildcards are escaped
    assert total("status=published") == 0

    bad = client.get("/api/v1/service-items?sort=password")
    assert bad.status_code == 422
    assert bad.json["error"]["fields"]["sort"][0]["code"] == "not_in_choices"


def test_history_keeps_before_and_after_of_every_change(client, session):
    from catalog.services.history import history_of

    department = factories.department(session)
    created = client.post(
        "/api/v1/service-items", json=factories.service_item_data(department.id, name="旧名称")
    ).json
    url = f"/api/v1/service-items/{created['id']}"
    client.patch(url, json={"name": "新名称"}, headers={"If-Match": '"1"'})
    client.delete(url, headers={"If-Match": '"2"'})

    records = history_of(session, "service_item", created["id"])
    assert [r.action for r in records] == ["create", "update", "delete"]
    assert records[0].before is None and records[0].after["name"] == "旧名称"
    assert records[1].before["name"] == "旧名称" and records[1].after["name"] == "新名称"
    assert records[2].before["name"] == "新名称" and records[2].after is None
    assert [r.version for r in records] == [1, 2, 2]


def test_rows_as_of_a_past_moment_ignore_later_changes(client, session):
    from datetime import datetime

    from catalog.services.history import rows_as_of

    department = factories.department(session)
    item = factories.service_item(session, department.id, name="原名称")
    past = datetime.now(UTC)  # the trail is append-only: the edit is simply later
    url = f"/api/v1/service-items/{item.id}"
    assert (
        client.patch(url, json={"name": "后来改的名称"}, headers={"If-Match": '"1"'}).status_code
        == 200
    )

    then = {row["id"]: row for row in rows_as_of(session, "service_item", past)}
    assert then[item.id]["name"] == "原名称"
    now = {row["id"]: row for row in rows_as_of(session, "service_item", datetime.now(UTC))}
    assert now[item.id]["name"] == "后来改的名称"


def test_writes_leave_an_outbox_row_for_searchable_lists_only(client, session):
    from catalog.models import SearchOutbox

    department = factories.department(session)
    before = session.query(SearchOutbox).count()
    item = factories.service_item(session, department.id)
    assert (
        session.query(SearchOutbox).filter_by(entity_type="service_item", entity_id=item.id).count()
        == 1
    )
    assert session.query(SearchOutbox).count() == before + 1  # the department made none


def test_deep_pages_find_the_ids_first_and_return_the_same_rows(client, session):
    from sqlalchemy import insert

    from catalog.models import ServiceItem
    from catalog.services.crud import DEFERRED_JOIN_OFFSET

    department = factories.department(session)
    rows = [
        {
            "name": f"事项{i:05d}",
            "item_type": "01",
            "department_id": department.id,
            "case_type": "2",
            "status": "published",
            "version": 1,
            "exercise_level": "4",
            "onsite_visits": 0,
            "aliases": [],
            "service_objects": [],
            "themes": [],
            "channels": [],
        }
        for i in range(DEFERRED_JOIN_OFFSET + 50)
    ]
    session.execute(insert(ServiceItem.__table__), rows)
    session.commit()
    url = f"/api/v1/service-items?department_id={department.id}&sort=-name&per_page=25"
    deep = client.get(f"{url}&page={DEFERRED_JOIN_OFFSET // 25 + 1}").json  # offset 1000
    assert deep["total"] == DEFERRED_JOIN_OFFSET + 50
    assert [i["name"] for i in deep["items"]] == [f"事项{i:05d}" for i in range(49, 24, -1)]
    assert "materials" not in deep["items"][0] and deep["items"][0]["department_name"]


def test_rows_as_of_leave_out_rows_deleted_by_then(client, session):
    from datetime import datetime, timedelta

    from catalog.services.history import rows_as_of

    department = factories.department(session)
    kept = factories.service_item(session, department.id, name="保留的事项")
    gone = factories.service_item(session, department.id, name="删除的事项")
    assert (
        client.delete(f"/api/v1/service-items/{gone.id}", headers={"If-Match": '"1"'}).status_code
        == 204
    )
    rows = rows_as_of(session, "service_item", datetime.now(UTC) + timedelta(seconds=1))
    assert [row["name"] for row in rows if row["department_id"] == department.id] == ["保留的事项"]
    assert all(row is not None for row in rows)
    assert kept.id in {row["id"] for row in rows}
