"""Every rule of the 实施清单 (catalog/services/service_items.py), failing and passing, through the API."""

from __future__ import annotations

import pytest

from tests import factories


def post_item(client, department, **overrides):
    return client.post(
        "/api/v1/service-items", json=factories.service_item_data(department.id, **overrides)
    )


def assert_rule(response, field: str, code: str) -> None:
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert code in [e["code"] for e in error["fields"][field]], error
    assert all(e["message"] for e in error["fields"][field])


CASES = [
    # (rule, failing overrides, field, error code, passing overrides)
    (
        "即办件 needs 承诺时限 0",
        {"case_type": "1", "promised_time_limit": 3},
        "promised_time_limit",
        "instant_requires_zero_promise",
        {"case_type": "1", "promised_time_limit": 0},
    ),
    (
        "承诺时限 0 means 即办件",
        {"case_type": "2", "promised_time_limit": 0},
        "case_type",
        "zero_promise_requires_instant",
        {"case_type": "2", "promised_time_limit": 1},
    ),
    (
        "承诺 ≤ 法定",
        {"legal_time_limit": 20, "promised_time_limit": 21},
        "promised_time_limit",
        "promise_exceeds_legal",
        {"legal_time_limit": 20, "promised_time_limit": 20},
    ),
    (
        "承诺 ≤ 法定 after unit conversion (28 自然日 = 20 工作日 < 21 工作日)",
        {"legal_time_limit": 28, "legal_time_unit": "N", "promised_time_limit": 21},
        "promised_time_limit",
        "promise_exceeds_legal",
        {"legal_time_limit": 1, "legal_time_unit": "M", "promised_time_limit": 21},
    ),
    (
        "visits > 0 needs a reason",
        {"onsite_visits": 1},
        "onsite_reason",
        "onsite_reason_required",
        {"onsite_visits": 1, "onsite_reason": "须现场核验原件"},
    ),
    (
        "委托 needs the entrusting department",
        {"power_source": "5"},
        "entrusting_department",
        "entrusting_department_required",
        {"power_source": "5", "entrusting_department": "云浮市市场监督管理局"},
    ),
    (
        "charged needs a fee basis",
        {"is_charged": True, "fees": [{"name": "工本费"}]},
        "charge_basis",
        "charge_basis_required",
        {"is_charged": True, "charge_basis": "粤价〔2017〕1号", "fees": [{"name": "工本费"}]},
    ),
    (
        "charged needs a fee item",
        {"is_charged": True, "charge_basis": "粤价〔2017〕1号"},
        "fees",
        "fee_items_required",
        {
            "is_charged": True,
            "charge_basis": "粤价〔2017〕1号",
            "fees": [{"name": "证书费", "standard": "10元/本"}],
        },
    ),
    (
        "基本编码 type segment matches 事项类型",
        {"catalog_code": "000204002000"},
        "catalog_code",
        "catalog_code_type_mismatch",
        {"catalog_code": "000104002000"},
    ),
]


@pytest.mark.parametrize("rule, failing, field, code, passing", CASES, ids=[c[0] for c in CASES])
def test_rule(client, department, rule, failing, field, code, passing):
    assert_rule(post_item(client, department, **failing), field, code)
    accepted = post_item(client, department, **passing)
    assert accepted.status_code == 201, accepted.json


def implementation_code(department, level="4", catalog="000104002000"):
    return f"{department.uscc}{level}{catalog}"


@pytest.mark.parametrize(
    "code_of, expected_error",
    [
        (lambda d: factories.uscc(999_999) + "4000104002000", "implementation_code_body"),
        (lambda d: implementation_code(d, level="3"), "implementation_code_level"),
        (lambda d: implementation_code(d, catalog="000104009000"), "implementation_code_catalog"),
        (lambda d: implementation_code(d)[:30], "implementation_code_length"),
    ],
    ids=["wrong body", "wrong level", "wrong catalog code", "too short"],
)
def test_implementation_code_is_uscc_level_and_catalog_code(
    client, department, code_of, expected_error
):
    response = post_item(
        client, department, catalog_code="000104002000", implementation_code=code_of(department)
    )
    assert_rule(response, "implementation_code", expected_error)
    good = post_item(
        client,
        department,
        catalog_code="000104002000",
        implementation_code=implementation_code(department),
    )
    assert good.status_code == 201, good.json
    assert good.json["implementation_code"] == implementation_code(department)


def test_material_codes_start_with_the_implementation_code(client, department):
    code = implementation_code(department)
    base = {"catalog_code": "000104002000", "implementation_code": code}
    bad = post_item(client, department, **base, materials=[{"name": "申请书", "code": "X001"}])
    assert_rule(bad, "materials.0.code", "material_code_prefix")
    good = post_item(
        client,
        department,
        **base,
        materials=[{"name": "申请书", "code": code + "001", "exempt": True}],
    )
    assert good.status_code == 201
    assert good.json["materials"][0]["exempt"] is True


def test_implementation_codes_are_unique(client, department):
    code = implementation_code(department)
    first = post_item(client, department, catalog_code="000104002000", implementation_code=code)
    assert first.status_code == 201
    second = post_item(client, department, catalog_code="000104002000", implementation_code=code)
    assert_rule(second, "implementation_code", "duplicate")


def test_rules_also_hold_on_update(client, department):
    created = post_item(client, department).json
    response = client.patch(
        f"/api/v1/service-items/{created['id']}",
        json={"case_type": "1"},
        headers={"If-Match": f'"{created["version"]}"'},
    )
    assert_rule(response, "promised_time_limit", "instant_requires_zero_promise")
    unchanged = client.get(f"/api/v1/service-items/{created['id']}").json
    assert unchanged["case_type"] == "2" and unchanged["version"] == created["version"]


def test_all_problems_are_reported_at_once(client, department):
    response = post_item(client, department, case_type="1", promised_time_limit=3, onsite_visits=2)
    fields = response.json["error"]["fields"]
    assert {"promised_time_limit", "onsite_reason"} <= set(fields)


def test_township_must_be_a_township(client, session, department):
    other_department = factories.department(session)
    bad = post_item(client, department, township_id=other_department.id)
    assert_rule(bad, "township_id", "not_a_township")
    street = factories.township(session, department.region_id)
    assert post_item(client, department, township_id=street.id).status_code == 201


def test_unknown_references_are_field_errors(client, department):
    response = post_item(client, department, township_id=987654, legal_basis_ids=[55555])
    assert_rule(response, "township_id", "unknown_reference")
    assert_rule(response, "legal_basis_ids", "unknown_reference")
