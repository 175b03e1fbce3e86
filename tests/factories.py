"""Test data made through the use cases, so history and outbox rows exist as in production
(CKAN's factories go through its action layer for the same reason)."""

from __future__ import annotations

import itertools
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session
from stdnum.cn.uscc import calc_check_digit

from catalog.services import accounts, crud, registry
from catalog.services.permissions import Actor

_sequence = itertools.count(1)
SEED = Actor.system("tests", "seed")
PASSWORD = "correct-horse-battery"


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


# The 实施清单's columns a valid 承诺件 needs, headed as departments head them.
SERVICE_ITEM_HEADERS = [
    "事项名称",
    "事项类型",
    "实施主体",
    "办件类型",
    "法定办结时限",
    "承诺办结时限",
    "到办事现场次数",
]


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


def power_item(session: Session, department_id: int, **overrides: Any) -> Any:
    """A 权责事项 of 权力类型 01 (行政许可), a draft unless ``status`` says otherwise."""
    n = next(_sequence)
    data = {"code": f"QZ-T{n}", "name": f"测试权责事项{n}", "power_type_code": "01"}
    return make(session, registry.POWER_ITEMS, department_id=department_id, **{**data, **overrides})


def legal_basis(session: Session, name: str, **fields: Any) -> Any:
    """A 法律依据 (法律、法规、规范性文件) of that name."""
    return make(session, registry.LEGAL_BASES, name=name, **fields)


def supervision_item(session: Session, department_id: int, **overrides: Any) -> Any:
    """A 监管事项 of 监管类型 06 (行政检查) with a valid 14-digit code, a draft by default."""
    n = next(_sequence)
    data = {
        "code": f"4453020069{n % 10_000:04d}",
        "main_name": f"测试监管事项{n}",
        "supervision_type": "06",
        **overrides,
    }
    return make(session, registry.SUPERVISION_ITEMS, department_id=department_id, **data)


def inspection_list(
    session: Session, supervision_item_id: int, department_id: int, **overrides: Any
) -> Any:
    """A 检查实施清单 under the 监管事项, a draft by default."""
    data = {"name": f"测试检查实施清单{next(_sequence)}", **overrides}
    return make(
        session,
        registry.INSPECTION_IMPL_LISTS,
        supervision_item_id=supervision_item_id,
        department_id=department_id,
        **data,
    )


def devolved_item(
    session: Session, batch_id: int, department_id: int, receiver_ids: list[int], **overrides: Any
) -> Any:
    """A 下放镇街事项 transferred (mode transfer) from the department to the receivers."""
    data = {"name": f"测试下放事项{next(_sequence)}", "mode": "transfer", **overrides}
    return make(
        session,
        registry.DEVOLVED_ITEMS,
        batch_id=batch_id,
        from_department_id=department_id,
        receiver_ids=receiver_ids,
        **data,
    )


def random_check_item(session: Session, department_id: int, **overrides: Any) -> Any:
    """A 随机抽查事项 of the department, a draft by default."""
    data = {"name": f"测试抽查事项{next(_sequence)}", **overrides}
    return make(session, registry.RANDOM_CHECK_ITEMS, department_id=department_id, **data)


def user(
    session: Session,
    username: str,
    role: str,
    department_id: int | None = None,
    reviews: list[int] | None = None,
    **overrides: Any,
) -> Any:
    """An account (made through accounts.create_user: hashed password, trail record) that signs
    in with PASSWORD; ``reviews`` are the departments a reviewer reviews. Hashed as the app
    hashes (the suite's cheap PASSWORD_HASH_METHOD, tests/conftest.py)."""
    data = {
        "display_name": f"{username}同志",
        "password": PASSWORD,
        "hash_method": current_app.config["PASSWORD_HASH_METHOD"],
        **overrides,
    }
    return accounts.create_user(
        session,
        Actor.system("tests"),
        username=username,
        role=role,
        department_id=department_id,
        reviewed_department_ids=reviews,
        **data,
    )


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
