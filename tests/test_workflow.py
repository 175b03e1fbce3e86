"""The review workflow through the API: draft → submitted → published or rejected; suspended and
cancelled; and revisions that keep the published row public until they are approved."""

from __future__ import annotations

import pytest

from catalog.models import ChangeRecord
from tests import factories
from tests.conftest import token_client


@pytest.fixture
def editor(app, session, department):
    return token_client(app, session, "editor", department.id)


@pytest.fixture
def reviewer(app, session, department):
    return token_client(app, session, "reviewer", department.id)


def step(client, url: str, name: str, version: str, reason: str | None = None):
    return client.post(f"{url}/{name}", json={"reason": reason}, headers={"If-Match": version})


def test_a_draft_is_submitted_rejected_with_a_reason_resubmitted_and_published(
    editor, reviewer, anonymous_client, department, session
):
    created = editor.post(
        "/api/v1/service-items", json=factories.service_item_data(department.id, name="初稿事项")
    )
    assert created.status_code == 201 and created.json["status"] == "draft"
    url = f"/api/v1/service-items/{created.json['id']}"
    assert anonymous_client.get(url).status_code == 404

    submitted = step(editor, url, "submit", created.headers["ETag"])
    assert submitted.json["status"] == "submitted"
    edit = editor.patch(url, json={"name": "改名"}, headers={"If-Match": submitted.headers["ETag"]})
    assert edit.status_code == 409  # under review: withdraw first

    no_reason = step(reviewer, url, "reject", submitted.headers["ETag"])
    assert (
        no_reason.status_code == 422
        and no_reason.json["error"]["fields"]["reason"][0]["code"] == "required"
    )
    rejected = step(reviewer, url, "reject", submitted.headers["ETag"], "办理时限写错")
    assert rejected.json["status"] == "rejected"
    fixed = editor.patch(
        url, json={"promised_time_limit": 3}, headers={"If-Match": rejected.headers["ETag"]}
    )
    assert fixed.status_code == 200
    again = step(editor, url, "submit", fixed.headers["ETag"])
    published = step(reviewer, url, "approve", again.headers["ETag"])
    assert published.status_code == 200 and published.json["status"] == "published"
    assert anonymous_client.get(url).json["promised_time_limit"] == 3

    actions = [
        r.action
        for r in session.query(ChangeRecord)
        .filter_by(entity_type="service_item", entity_id=created.json["id"])
        .order_by(ChangeRecord.id)
    ]
    assert actions == ["create", "submit", "reject", "update", "submit", "approve"]
    rejection = (
        session.query(ChangeRecord).filter_by(entity_id=created.json["id"], action="reject").one()
    )
    assert rejection.note == "办理时限写错" and rejection.actor.startswith("token:")
    assert rejection.credential.startswith("token:") and rejection.department_id == department.id


def test_editing_a_published_row_keeps_it_public_until_the_revision_is_approved(
    editor, reviewer, anonymous_client, department, session
):
    item = factories.service_item(session, department.id, name="原来的名称", status="published")
    url = f"/api/v1/service-items/{item.id}"
    saved = editor.patch(url, json={"name": "修订后的名称"}, headers={"If-Match": '"1"'})
    assert saved.status_code == 202
    assert saved.json["state"] == "draft" and saved.json["data"] == {"name": "修订后的名称"}
    more = editor.patch(url, json={"promised_time_limit": 2}, headers={"If-Match": '"1"'})
    assert more.json["data"] == {
        "name": "修订后的名称",
        "promised_time_limit": 2,
    }  # one open revision, merged
    assert anonymous_client.get(url).json["name"] == "原来的名称"
    assert anonymous_client.get(f"{url}/revision").status_code == 401
    assert editor.get(f"{url}/revision").json["id"] == saved.json["id"]

    assert step(editor, url, "submit", '"1"').status_code == 200
    assert editor.patch(url, json={"name": "再改"}, headers={"If-Match": '"1"'}).status_code == 409
    assert anonymous_client.get(url).json["name"] == "原来的名称"
    approved = step(reviewer, url, "approve", '"1"')
    assert approved.status_code == 200
    assert approved.json["name"] == "修订后的名称" and approved.json["status"] == "published"
    assert anonymous_client.get(url).json["promised_time_limit"] == 2
    assert editor.get(f"{url}/revision").status_code == 404  # applied, no longer open


def test_a_revision_that_breaks_a_rule_is_refused_when_saved(editor, department, session):
    item = factories.service_item(session, department.id, status="published")
    response = editor.patch(
        f"/api/v1/service-items/{item.id}", json={"case_type": "1"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422  # 即办件 needs 承诺时限 0: reported now, not at approval
    session.expire_all()
    assert (
        item.case_type == "2"
        and editor.get(f"/api/v1/service-items/{item.id}/revision").status_code == 404
    )


def test_a_rejected_revision_is_edited_again_or_discarded(editor, reviewer, department, session):
    item = factories.service_item(session, department.id, status="published")
    url = f"/api/v1/service-items/{item.id}"
    editor.patch(url, json={"name": "第一稿"}, headers={"If-Match": '"1"'})
    step(editor, url, "submit", '"1"')
    rejected = step(reviewer, url, "reject", '"1"', "名称不规范")
    assert (
        rejected.status_code == 200 and rejected.json["status"] == "published"
    )  # the row itself stays
    assert editor.get(f"{url}/revision").json["state"] == "rejected"
    assert editor.get(f"{url}/revision").json["reason"] == "名称不规范"
    redone = editor.patch(url, json={"name": "第二稿"}, headers={"If-Match": '"1"'})
    assert redone.json["state"] == "draft" and redone.json["data"]["name"] == "第二稿"
    assert editor.delete(f"{url}/revision").status_code == 204
    assert editor.get(f"{url}/revision").status_code == 404
    assert editor.get(url).json["name"] == item.name


def test_published_rows_are_suspended_resumed_cancelled_never_deleted(
    editor, reviewer, department, session
):
    item = factories.service_item(session, department.id, status="published")
    url = f"/api/v1/service-items/{item.id}"
    assert editor.delete(url, headers={"If-Match": '"1"'}).status_code == 409
    assert step(editor, url, "suspend", '"1"', "暂停").status_code == 403  # a reviewer's step
    suspended = step(reviewer, url, "suspend", '"1"', "系统升级")
    assert suspended.json["status"] == "suspended"
    assert step(reviewer, url, "approve", suspended.headers["ETag"]).status_code == 409
    resumed = step(reviewer, url, "resume", suspended.headers["ETag"])
    assert resumed.json["status"] == "published"
    cancelled = step(reviewer, url, "cancel", resumed.headers["ETag"], "事项取消")
    assert cancelled.json["status"] == "cancelled"
    assert (
        editor.patch(
            url, json={"name": "x"}, headers={"If-Match": cancelled.headers["ETag"]}
        ).status_code
        == 409
    )


def test_status_changes_only_through_the_steps(editor, department, session):
    created = editor.post(
        "/api/v1/service-items", json=factories.service_item_data(department.id)
    ).json
    response = editor.patch(
        f"/api/v1/service-items/{created['id']}",
        json={"status": "published"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"]["status"][0]["code"] == "workflow_only"


def test_a_stale_version_is_refused_on_every_step(editor, department, session):
    item = factories.service_item(session, department.id)
    response = step(editor, f"/api/v1/service-items/{item.id}", "submit", '"7"')
    assert response.status_code == 412


def test_reference_lists_have_no_workflow_routes(client):
    assert (
        client.post("/api/v1/regions/1/submit", json={}, headers={"If-Match": '"1"'}).status_code
        == 404
    )
