"""A small district for the draw tests: two departments with random-check items, inspectors and
a 名录库 of market entities, made through the use cases (history and all)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from catalog.services import registry
from tests import factories


@dataclass
class District:
    region: Any
    market: Any
    health: Any
    market_item: Any
    health_item: Any
    targets: list[Any] = field(default_factory=list)
    inspectors: dict[int, list[Any]] = field(default_factory=dict)


def make_district(
    session: Session, targets: int = 20, inspectors: int = 4, cap: str | None = "50"
) -> District:
    region = factories.region(session)
    market = factories.department(session, region.id, name="测试区市场监督管理局")
    health = factories.department(session, region.id, name="测试区卫生健康局")
    # 一般检查事项 may cap the ratio; 重点检查事项 never do.
    market_item, health_item = (
        factories.random_check_item(
            session,
            department.id,
            name=name,
            field=field,
            category=category,
            ratio_min="5",
            ratio_max=ratio_max,
            status="published",
        )
        for department, name, field, category, ratio_max in (
            (market, "对餐饮服务提供者的监督检查", "市场监管", "general", cap),
            (health, "公共场所卫生监督检查", "卫生健康", "key", None),
        )
    )
    district = District(region, market, health, market_item, health_item)
    for n in range(targets):
        district.targets.append(
            factories.make(
                session,
                registry.INSPECTION_TARGETS,
                name=f"测试餐馆{n}",
                uscc=factories.uscc(n + 1, "92445302"),
                kind="market_entity",
                industry="餐饮服务",
                region_id=region.id,
            )
        )
    for department, field_name in ((market, "市场监管"), (health, "卫生健康")):
        district.inspectors[department.id] = [
            factories.make(
                session,
                registry.INSPECTORS,
                name=f"{field_name}执法员{n}",
                certificate_number=f"T{department.id:04d}{n:04d}",
                enforcement_field=field_name,
                department_id=department.id,
                certified_on="2018-01-01",
            )
            for n in range(inspectors)
        ]
    return district


def task_data(district: District, **overrides: Any) -> dict[str, Any]:
    return {
        "code": f"TEST-{district.region.id}-{overrides.pop('suffix', 1)}",
        "name": "测试联合抽查",
        "year": 2026,
        "initiating_department_id": district.market.id,
        "cooperating_department_ids": [district.health.id],
        "item_ids": [district.market_item.id, district.health_item.id],
        "scope": {"region_id": district.region.id, "industries": ["餐饮服务"]},
        "ratio_percent": "20",
        "window_start": "2026-01-01",
        "window_end": "2099-12-31",
        **overrides,
    }


def declared_conflict(session: Session, district: District, actor: Any) -> Any:
    """The first market inspector's 回避 declaration for the district's first target."""
    from catalog.services import inspector_conflicts

    inspector = district.inspectors[district.market.id][0]
    declaration = {"inspector_id": inspector.id, "target_id": district.targets[0].id}
    return inspector_conflicts.declare(session, {**declaration, "reason": "亲属"}, actor)


def drawn_rows(session: Session) -> dict[str, int]:
    """Ids of a drawn task, a 回避 declaration and an abolition, for tests that walk every route."""
    from catalog.schemas.legal_changes import AbolishSchema
    from catalog.schemas.random_checks import TaskSchema
    from catalog.services import legal_changes, random_checks
    from catalog.services.permissions import Actor

    system = Actor.system("tests")
    district = make_district(session)
    task = random_checks.create_task(
        session, TaskSchema().load(task_data(district, suffix="walk")), system
    )
    random_checks.commit_task(session, task.id, task.version, system)
    random_checks.run_draw(session, task.id, task.version, "", system)
    declared = declared_conflict(session, district, system)
    basis = factories.make(session, registry.LEGAL_BASES, name="将被废止的办法")
    abolition = AbolishSchema().load(
        {"document_number": "某文号", "decided_on": "2020-01-01", "effective_on": "2020-01-01"}
    )
    change = legal_changes.abolish(session, basis.id, abolition, basis.version, system)
    return {
        "random-check-tasks": task.id,
        "inspector-conflicts": declared.id,
        "legal-basis-changes": change.id,
    }
