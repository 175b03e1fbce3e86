"""Test data made through the use cases, so history and outbox rows exist as in production
(CKAN's factories go through its action layer for the same reason)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session
from stdnum.cn.uscc import calc_check_digit

from catalog.services import crud, registry
from catalog.services.permissions import Actor

_sequence = itertools.count(1)
SEED = Actor.system("tests", "seed")


def uscc(serial: int, prefix: str = "11445302") -> str:
    """A valid 统一社会信用代码 for a government body of 云城区 (445302)."""
    first17 = f"{prefix}{serial:09d}"
    return first17 + calc_check_digit(first17)


def make(session: Session, spec: registry.ListSpec, **data: Any) -> Any:
    loaded = spec.schema().load(data)
    return crud.create_row(session, spec, loaded, SEED)


def region(session: Session, **overrides: Any) -> Any:
    n = next(_sequence)
    return make(
        session,
        registry.REGIONS,
        **{"code": f"{445300 + n % 99:06d}", "name": f"测试区{n}", **overrides},
    )


def department(session: Session, region_id: int | None = None, **overrides: Any) -> Any:
    n = next(_sequence)
    region_id = region_id or region(session).id
    data = {
        "region_id": region_id,
        "kind": "department",
        "name": f"测试局{n}",
        "uscc": uscc(n),
        **overrides,
    }
    return make(session, registry.ORGANIZATIONS, **data)


def township(session: Session, region_id: int, **overrides: Any) -> Any:
    n = next(_sequence)
    data = {"region_id": region_id, "kind": "street", "name": f"测试街道{n}", **overrides}
    return make(session, registry.ORGANIZATIONS, **data)


def service_item_data(department_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid 承诺件: 法定 20 工作日, 承诺 5, no visit."""
    n = next(_sequence)
    return {
        "name": f"测试许可事项{n}",
        "item_type": "01",
        "department_id": department_id,
        "case_type": "2",
        "legal_time_limit": 20,
        "promised_time_limit": 5,
        "onsite_visits": 0,
        "service_objects": ["1"],
        **overrides,
    }


def service_item(session: Session, department_id: int, **overrides: Any) -> Any:
    return make(session, registry.SERVICE_ITEMS, **service_item_data(department_id, **overrides))


def instant_item(session: Session, department_id: int, **overrides: Any) -> Any:
    """A published 即办件: 办件类型 1, 承诺 0."""
    data = {"status": "published", "case_type": "1", "promised_time_limit": 0, **overrides}
    return service_item(session, department_id, **data)


def one_visit_item(session: Session, department_id: int, **overrides: Any) -> Any:
    """A published 承诺件 (法定 20 工作日, 承诺 5) that takes one visit, with its reason."""
    data = {"status": "published", "onsite_visits": 1, "onsite_reason": "须现场核验原件"}
    return service_item(session, department_id, **{**data, **overrides})


def approved_edit(client: Any, url: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Edit a published row as the workflow does: a revision, submitted, then approved (the
    client must be allowed to review). Returns the row as published afterwards."""
    version = client.get(url).headers["ETag"]
    saved = client.patch(url, json=changes, headers={"If-Match": version})
    assert saved.status_code == 202, saved.json
    for step in ("submit", "approve"):
        taken = client.post(f"{url}/{step}", json={}, headers={"If-Match": version})
        assert taken.status_code == 200, taken.json
        version = taken.headers["ETag"]
    return taken.json
