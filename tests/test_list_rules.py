"""The rules of the other lists, failing and passing, through the API."""

from __future__ import annotations

from tests import factories
from tests.test_service_item_rules import assert_rule


def test_uscc_format_and_check_digit(client, session):
    region = factories.region(session)
    base = {"region_id": region.id, "kind": "department", "name": "云城区市场监督管理局"}
    bad_format = client.post("/api/v1/organizations", json={**base, "uscc": "11445302ABCDEFGHIO"})
    assert_rule(bad_format, "uscc", "uscc_format")
    valid = factories.uscc(4242)
    wrong_digit = valid[:17] + ("0" if valid[17] != "0" else "1")
    assert_rule(
        client.post("/api/v1/organizations", json={**base, "uscc": wrong_digit}),
        "uscc",
        "uscc_check_digit",
    )
    created = client.post("/api/v1/organizations", json={**base, "uscc": valid})
    assert created.status_code == 201, created.json
    duplicate = client.post(
        "/api/v1/organizations", json={**base, "name": "另一个局", "uscc": valid}
    )
    assert_rule(duplicate, "uscc", "duplicate")


def test_real_published_usccs_pass():
    from catalog.services.codes import uscc_problem

    for code in ("11450721MB15580811", "12441500196720244T", "11511301008778183N"):
        assert uscc_problem(code) is None


def _devolution_setup(session):
    """A department, a street of its region, and the body of a 下放事项 of theirs (no mode yet)."""
    department = factories.department(session)
    street = factories.township(session, department.region_id)
    batch = factories.make(
        session,
        factories.registry.DEVOLUTION_BATCHES,
        title="云城区第一批下放镇级实施行政职权事项目录",
        region_id=department.region_id,
    )
    body = {
        "batch_id": batch.id,
        "name": "对违反城市绿化管理规定行为的处罚",
        "from_department_id": department.id,
    }
    return department, street, body


def test_entrusted_devolution_needs_the_entrusting_department(client, session):
    department, street, body = _devolution_setup(session)
    data = {**body, "mode": "entrust", "receiver_ids": [street.id]}
    assert_rule(
        client.post("/api/v1/devolved-items", json=data),
        "entrusting_department_id",
        "entrusting_department_required",
    )
    created = client.post(
        "/api/v1/devolved-items", json={**data, "entrusting_department_id": department.id}
    )
    assert created.status_code == 201, created.json
    assert created.json["receiver_ids"] == [street.id]


def test_devolution_receivers_are_townships(client, session):
    department, _street, body = _devolution_setup(session)
    data = {**body, "mode": "transfer"}
    assert_rule(
        client.post("/api/v1/devolved-items", json=data), "receiver_ids", "receivers_required"
    )
    wrong = client.post("/api/v1/devolved-items", json={**data, "receiver_ids": [department.id]})
    assert_rule(wrong, "receiver_ids", "not_a_township")


def test_supervision_code_is_14_digits_and_unique(client, session):
    department = factories.department(session)
    data = {
        "main_name": "对食品生产经营的监督检查",
        "supervision_type": "06",
        "department_id": department.id,
    }
    assert_rule(
        client.post("/api/v1/supervision-items", json={**data, "code": "1234"}),
        "code",
        "supervision_code_format",
    )
    assert (
        client.post(
            "/api/v1/supervision-items", json={**data, "code": "44530200600001"}
        ).status_code
        == 201
    )
    again = client.post("/api/v1/supervision-items", json={**data, "code": "44530200600001"})
    assert_rule(again, "code", "duplicate")


def test_inspection_list_code_and_item_type(client, session):
    department = factories.department(session)
    inspection = client.post(
        "/api/v1/supervision-items",
        json={
            "code": "44530200600002",
            "main_name": "检查",
            "supervision_type": "06",
            "department_id": department.id,
        },
    ).json
    penalty = client.post(
        "/api/v1/supervision-items",
        json={
            "code": "44530200200001",
            "main_name": "处罚",
            "supervision_type": "02",
            "department_id": department.id,
        },
    ).json
    data = {
        "supervision_item_id": inspection["id"],
        "name": "检查实施清单",
        "department_id": department.id,
    }
    bad_code = client.post(
        "/api/v1/inspection-lists", json={**data, "code": "X" * 18 + "4" + "44530200600002"}
    )
    assert_rule(bad_code, "code", "inspection_code_format")
    wrong_item = client.post(
        "/api/v1/inspection-lists", json={**data, "supervision_item_id": penalty["id"]}
    )
    assert_rule(wrong_item, "supervision_item_id", "not_an_inspection_item")
    good = client.post(
        "/api/v1/inspection-lists", json={**data, "code": department.uscc + "4" + "44530200600002"}
    )
    assert good.status_code == 201, good.json


def test_power_type_must_exist_and_code_list_is_seeded(client, session):
    department = factories.department(session)
    types = client.get("/api/v1/power-types?per_page=100").json
    codes = {t["code"] for t in types["items"]}
    assert {"01", "02", "06", "10", "20", "21", "23"} <= codes
    data = {"code": "QZ-001", "name": "对擅自砍伐城市树木的处罚", "department_id": department.id}
    assert_rule(
        client.post("/api/v1/power-items", json={**data, "power_type_code": "99"}),
        "power_type_code",
        "unknown_power_type",
    )
    assert (
        client.post("/api/v1/power-items", json={**data, "power_type_code": "02"}).status_code
        == 201
    )
    local = client.post("/api/v1/power-types", json={"code": "26", "name": "行政备案"})
    assert local.status_code == 201
    assert (
        client.post(
            "/api/v1/power-items", json={**data, "code": "QZ-002", "power_type_code": "26"}
        ).status_code
        == 201
    )


def test_a_row_of_a_tree_is_not_its_own_parent(client, session):
    department = factories.department(session)
    supervision = factories.supervision_item(session, department.id)
    for path, row, parent in (
        ("organizations", department, "上级机构"),
        ("supervision-items", supervision, "主项"),
    ):
        url = f"/api/v1/{path}/{row.id}"
        version = client.get(url).headers["ETag"]
        refused = client.patch(url, json={"parent_id": row.id}, headers={"If-Match": version})
        assert_rule(refused, "parent_id", "self_parent")
        assert refused.json["error"]["fields"]["parent_id"][0]["message"] == f"{parent}不能是自身。"
