"""A legal basis revised or abolished: exactly the items citing it are listed and get their
department's review; pending ends when the item stops citing it; the public guide says so; the
figure counts published items citing abolished or superseded bases."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from catalog.models import BasisReview, ChangeRecord
from catalog.services import supervision_figures
from tests import factories
from tests.conftest import token_client


@pytest.fixture
def cited(session):
    """A basis cited by items of three lists and two departments, another basis cited by one."""
    region = factories.region(session)
    a, b = factories.department(session, region.id), factories.department(session, region.id)
    basis = factories.legal_basis(
        session,
        "云城区测试管理办法",
        document_number="云城府办〔2016〕8号",
        category="normative_document",
    )
    other = factories.legal_basis(session, "另一部条例")
    published = {"status": "published", "legal_basis_ids": [basis.id]}
    items = {
        "service": factories.service_item(session, a.id, **published),
        "service_draft": factories.service_item(
            session, a.id, legal_basis_ids=[basis.id, other.id]
        ),
        "power": factories.power_item(session, b.id, power_type_code="06", **published),
        "supervision": factories.supervision_item(session, b.id, **published),
        "unrelated": factories.service_item(
            session, a.id, status="published", legal_basis_ids=[other.id]
        ),
    }
    return region, a, b, basis, other, items


def _abolish(client, basis_id: int, **overrides):
    version = client.get(f"/api/v1/legal-bases/{basis_id}").headers["ETag"]
    body = {
        "document_number": "云城府办〔2020〕21号",
        "decided_on": "2020-09-01",
        "effective_on": "2020-09-01",
        "reason": "清理中发现与上位法不一致",
        **overrides,
    }
    return client.post(
        f"/api/v1/legal-bases/{basis_id}/abolish", json=body, headers={"If-Match": version}
    )


def test_the_impact_lists_exactly_the_citing_items_by_list_and_department(client, cited):
    _region, a, b, basis, _other, items = cited
    impact = client.get(f"/api/v1/legal-bases/{basis.id}/impact").json
    listed = {(i["list"], i["item_id"]) for i in impact["items"]}
    assert listed == {
        ("service-items", items["service"].id),
        ("service-items", items["service_draft"].id),
        ("power-items", items["power"].id),
        ("supervision-items", items["supervision"].id),
    }
    assert {(g["list"], g["department"], g["items"]) for g in impact["groups"]} == {
        ("实施清单事项", a.name, 2),
        ("权责事项", b.name, 1),
        ("监管事项", b.name, 1),
    }


def test_abolishing_opens_a_review_for_each_citing_item_and_shows_what_is_pending(
    app, session, client, cited
):
    _region, a, b, basis, other, items = cited
    response = _abolish(client, basis.id)
    assert response.status_code == 201, response.json
    change = client.get(f"/api/v1/legal-basis-changes/{response.json['id']}").json
    reviewed = {(r["list"], r["item_id"]) for r in change["reviews"]}
    assert reviewed == {
        (i["list"], i["item_id"])
        for i in client.get(f"/api/v1/legal-bases/{basis.id}/impact").json["items"]
    }
    assert change["pending"] == 4 and all(r["opened"] == "review" for r in change["reviews"])
    assert {r["department_id"] for r in change["reviews"]} == {a.id, b.id}
    assert "废止" in change["reviews"][0]["note"]
    basis_now = client.get(f"/api/v1/legal-bases/{basis.id}").json
    assert (basis_now["validity"], basis_now["abolished_on"]) == ("abolished", "2020-09-01")
    # each department sees its own pending reviews
    a_editor = token_client(app, session, "editor", a.id)
    assert {r["item_id"] for r in a_editor.get("/api/v1/basis-reviews").json} == {
        items["service"].id,
        items["service_draft"].id,
    }
    # the department replaces the citation through the workflow; the review is then done
    url = f"/api/v1/service-items/{items['service'].id}"
    factories.approved_edit(client, url, {"legal_basis_ids": [other.id]})
    reviews = client.get(f"/api/v1/legal-basis-changes/{response.json['id']}").json["reviews"]
    pending = {(r["list"], r["item_id"]) for r in reviews if r["pending"]}
    assert pending == {
        ("service-items", items["service_draft"].id),
        ("power-items", items["power"].id),
        ("supervision-items", items["supervision"].id),
    }
    # a second abolition of the same basis is refused
    assert _abolish(client, basis.id).status_code == 409
    trail = set(session.scalars(select(ChangeRecord.entity_type).distinct()))
    assert {"legal_basis", "legal_basis_change", "basis_review"} <= trail


def test_revising_opens_revisions_that_move_the_citation_to_the_new_version(client, session, cited):
    _region, _a, _b, basis, _other, items = cited
    version = client.get(f"/api/v1/legal-bases/{basis.id}").headers["ETag"]
    response = client.post(
        f"/api/v1/legal-bases/{basis.id}/revise",
        headers={"If-Match": version},
        json={
            "document_number": "云城府办〔2020〕30号",
            "decided_on": "2020-10-01",
            "effective_on": "2020-11-01",
            "version_label": "2020年修订",
        },
    )
    assert response.status_code == 201, response.json
    new_id = response.json["new_basis_id"]
    reviews = {
        (r.entity_type, r.entity_id): r.opened
        for r in session.scalars(
            select(BasisReview).where(BasisReview.change_id == response.json["id"])
        )
    }
    assert reviews == {  # published: a revision the department submits; a draft is edited directly
        ("service_item", items["service"].id): "revision",
        ("service_item", items["service_draft"].id): "review",
        ("power_item", items["power"].id): "revision",
        ("supervision_item", items["supervision"].id): "revision",
    }
    revision = client.get(f"/api/v1/service-items/{items['service'].id}/revision").json
    assert revision["data"]["legal_basis_ids"] == [new_id]
    # the published item keeps citing the old version until the revision is approved
    assert client.get(f"/api/v1/service-items/{items['service'].id}").json["legal_basis_ids"] == [
        basis.id
    ]
    url = f"/api/v1/service-items/{items['service'].id}"
    version = client.get(url).headers["ETag"]
    for step in ("submit", "approve"):
        taken = client.post(f"{url}/{step}", json={}, headers={"If-Match": version})
        assert taken.status_code == 200, taken.json
        version = taken.headers["ETag"]
    assert client.get(url).json["legal_basis_ids"] == [new_id]
    detail = client.get(f"/api/v1/legal-basis-changes/{response.json['id']}").json
    states = {(r["list"], r["item_id"]): r["pending"] for r in detail["reviews"]}
    assert states == {
        ("service-items", items["service"].id): False,
        ("service-items", items["service_draft"].id): True,
        ("power-items", items["power"].id): True,
        ("supervision-items", items["supervision"].id): True,
    }
    assert client.get(f"/api/v1/legal-bases/{basis.id}").json["superseded_by_id"] == new_id


def test_the_public_guide_says_the_basis_is_abolished(client, anonymous_client, cited):
    _region, _a, _b, basis, _other, items = cited
    before = anonymous_client.get(f"/items/service/{items['service'].id}")
    assert "已废止" not in before.text
    _abolish(client, basis.id)
    for kind, row in (
        ("service", items["service"]),
        ("power", items["power"]),
        ("supervision", items["supervision"]),
    ):
        page = anonymous_client.get(f"/items/{kind}/{row.id}")
        assert page.status_code == 200
        assert "本事项引用的设定依据已废止" in page.text and "云城区测试管理办法" in page.text
    assert "已废止" not in anonymous_client.get(f"/items/service/{items['unrelated'].id}").text


def test_the_figure_counts_published_items_citing_invalid_bases(client, session, cited):
    region, _a, _b, basis, _other, _items = cited
    scope = supervision_figures.make_scope(region_id=region.id)
    assert supervision_figures.invalid_citation_count(session, scope) == 0
    _abolish(client, basis.id)
    # 3 published items cite it (the draft does not count)
    figures = client.get(f"/api/v1/stats/oversight?region_id={region.id}").json["figures"]
    counted = next(f for f in figures if f["key"] == "citing_invalid_bases")
    assert (counted["numerator"], counted["denominator"], counted["display"]) == (3, None, "3")


def test_only_admins_change_bases_and_the_impact_exports(app, session, client, cited):
    _region, a, _b, basis, _other, _items = cited
    editor = token_client(app, session, "editor", a.id)
    assert _abolish(editor, basis.id).status_code == 403
    change = _abolish(client, basis.id).json
    exported = client.get(f"/api/v1/legal-basis-changes/{change['id']}/export?format=xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(exported.data))["影响事项"].iter_rows(values_only=True))
    assert rows[0][0] == "清单" and len(rows) == 5
    assert {r[8] for r in rows[1:]} == {"待处理"}


def test_an_admin_abolishes_from_the_console_and_departments_see_their_pending_reviews(
    app, session, cited
):
    from tests.test_accounts_and_audit import csrf_token, sign_in

    _region, a, _b, basis, _other, items = cited
    factories.user(session, "legal-admin", "admin")
    admin = app.test_client()
    sign_in(admin, "legal-admin")
    page = admin.get(f"/console/legal/{basis.id}")
    assert page.status_code == 200 and "引用该依据的事项（4）" in page.text
    posted = admin.post(
        f"/console/legal/{basis.id}/abolish",
        data={
            "version": str(basis.version),
            "document_number": "云城府办〔2020〕21号",
            "decided_on": "2020-09-01",
            "effective_on": "2020-09-01",
            "csrf_token": csrf_token(admin, "/console/legal"),
        },
    )
    assert posted.status_code == 303
    factories.user(session, "a-editor", "editor", a.id)
    editor = app.test_client()
    sign_in(editor, "a-editor")
    pending = editor.get("/console/legal").text
    assert "待处理的依据复核（2）" in pending and items["service"].name in pending
    assert items["power"].name not in pending  # another department's item


def test_the_cli_lists_the_impact_abolishes_and_shows_what_is_pending(app, cited):
    _region, _a, _b, basis, _other, items = cited
    runner = app.test_cli_runner()
    impact = runner.invoke(args=["legal", "impact", str(basis.id)])
    assert impact.exit_code == 0 and "被 4 个事项引用" in impact.output
    abolished = runner.invoke(
        args=[
            "legal",
            "abolish",
            str(basis.id),
            "--document-number",
            "云城府办〔2020〕21号",
            "--decided-on",
            "2020-09-01",
            "--effective-on",
            "2020-09-01",
        ]
    )
    assert abolished.exit_code == 0 and "开出复核 4 项" in abolished.output, abolished.output
    pending = runner.invoke(args=["legal", "pending"])
    assert "待处理 4 项" in pending.output and items["supervision"].main_name in pending.output
    again = runner.invoke(
        args=[
            "legal",
            "abolish",
            str(basis.id),
            "--document-number",
            "x",
            "--decided-on",
            "2020-09-01",
            "--effective-on",
            "2020-09-01",
        ]
    )
    assert again.exit_code != 0 and "已废止" in again.output
