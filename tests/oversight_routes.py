"""Every write route of 双随机 and of legal-basis changes, tried by department A's editor or
reviewer against another department's rows (called by tests/test_permissions.py, whose
meta-test demands that every write route of the app be tried)."""
from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from catalog.models import ChangeRecord, Organization, RandomCheckTask
from catalog.schemas.random_checks import TaskSchema
from catalog.services import accounts, inspector_conflicts, random_checks, registry
from catalog.services.permissions import Actor
from tests import factories
from tests.conftest import token_client
from tests.draw_fixtures import make_district, task_data

SYSTEM = Actor.system("tests")


def _other_departments_rows(session: Any) -> dict[str, Any]:
    """A planned, a committed and a drawn task of another district's departments, one of its
    inspectors' 回避 declarations and a legal basis."""
    district = make_district(session)
    tasks = {}
    for n, state in enumerate(("planned", "committed", "drawn"), start=1):
        task = random_checks.create_task(session, TaskSchema().load(task_data(district, suffix=f"B{n}")), SYSTEM)
        if state != "planned":
            random_checks.commit_task(session, task.id, task.version, SYSTEM)
        if state == "drawn":
            random_checks.run_draw(session, task.id, task.version, "", SYSTEM)
        tasks[state] = task
    inspector = district.inspectors[district.market.id][0]
    declared = inspector_conflicts.declare(
        session, {"inspector_id": inspector.id, "target_id": district.targets[0].id, "reason": "亲属"}, SYSTEM
    )
    basis = factories.make(session, registry.LEGAL_BASES, name="乙部门引用的办法")
    return {"district": district, "tasks": tasks, "conflict": declared, "basis": basis, "inspector": inspector}


def _state(session: Any) -> tuple[Any, ...]:
    session.expire_all()
    tasks = tuple(session.execute(select(RandomCheckTask.id, RandomCheckTask.version, RandomCheckTask.state)).all())
    return tasks, session.scalar(select(func.count()).select_from(ChangeRecord))


def _rule_of(app: Flask, method: str, url: str) -> str:
    rule, _ = app.url_map.bind("localhost").match(url.split("?")[0], method=method, return_rule=True)
    return rule.rule


def oversight_routes_refused(app: Flask, session: Any, role: str, a: Organization) -> set[tuple[str, str]]:
    rows = _other_departments_rows(session)
    district, tasks = rows["district"], rows["tasks"]
    drawn = tasks["drawn"]
    drawn_id = drawn.drawn_targets[0].id
    basis_version = {"If-Match": f'"{rows["basis"].version}"'}
    change = {"document_number": "某文号", "decided_on": "2020-01-01", "effective_on": "2020-01-01"}
    api = [
        ("POST", "/api/v1/random-check-tasks", {"json": task_data(district, suffix="A1")}),
        ("PATCH", f"/api/v1/random-check-tasks/{tasks['planned'].id}", {"json": {"name": "越权"}, "headers": {"If-Match": '"1"'}}),
        ("POST", f"/api/v1/random-check-tasks/{tasks['planned'].id}/commit", {"headers": {"If-Match": '"1"'}}),
        ("POST", f"/api/v1/random-check-tasks/{tasks['committed'].id}/draw", {"json": {}, "headers": {"If-Match": '"2"'}}),
        ("PUT", f"/api/v1/random-check-tasks/{drawn.id}/results/{drawn_id}",
         {"json": {"result": "no_problem"}, "headers": {"If-Match": '"1"'}}),
        ("POST", f"/api/v1/random-check-tasks/{drawn.id}/publish", {"json": {"drawn_target_ids": [drawn_id]}}),
        ("POST", "/api/v1/inspector-conflicts",
         {"json": {"inspector_id": rows["inspector"].id, "target_id": district.targets[1].id, "reason": "越权"}}),
        ("DELETE", f"/api/v1/inspector-conflicts/{rows['conflict'].id}", {}),
        ("POST", f"/api/v1/legal-bases/{rows['basis'].id}/abolish", {"json": change, "headers": basis_version}),
        ("POST", f"/api/v1/legal-bases/{rows['basis'].id}/revise", {"json": change, "headers": basis_version}),
    ]
    client = token_client(app, session, role, a.id)
    tried = set()
    for method, url, kwargs in api:
        before = _state(session)
        response = client.open(url, method=method, **kwargs)
        assert response.status_code in (403, 404), (role, method, url, response.status_code, response.json)
        assert _state(session) == before, (role, method, url)
        tried.add((method, _rule_of(app, method, url)))
    return tried | _console_refused(app, session, role, a, rows)


def _console_refused(app: Flask, session: Any, role: str, a: Organization, rows: dict[str, Any]) -> set[tuple[str, str]]:
    from tests.test_accounts_and_audit import PASSWORD, csrf_token, sign_in

    district, tasks = rows["district"], rows["tasks"]
    accounts.create_user(
        session, SYSTEM, username=f"oversight-{role}", display_name="甲", password=PASSWORD, role=role,
        department_id=a.id if role == "editor" else None, reviewed_department_ids=[a.id] if role == "reviewer" else [],
    )
    browser = app.test_client()
    assert sign_in(browser, f"oversight-{role}").status_code == 302
    drawn = tasks["drawn"]
    form = {
        "code": "A-越权", "name": "越权任务", "year": "2026", "initiating_department_id": str(district.market.id),
        "item_ids": str(district.market_item.id), "ratio_percent": "20", "window_start": "2026-01-01",
        "window_end": "2099-12-31",
    }
    posts = [
        ("/console/random-checks", form),
        (f"/console/random-checks/{tasks['planned'].id}/commit", {"version": "1"}),
        (f"/console/random-checks/{tasks['committed'].id}/draw", {"version": "2"}),
        (f"/console/random-checks/{drawn.id}/results/{drawn.drawn_targets[0].id}", {"version": "1", "result": "no_problem"}),
        (f"/console/random-checks/{drawn.id}/publish", {"drawn_target_ids": str(drawn.drawn_targets[0].id)}),
        (f"/console/legal/{rows['basis'].id}/abolish",
         {"version": "1", "document_number": "某文号", "decided_on": "2020-01-01", "effective_on": "2020-01-01"}),
    ]
    tried = set()
    for url, data in posts:
        before = _state(session)
        response = browser.post(url, data={**data, "csrf_token": csrf_token(browser, "/console")})
        assert response.status_code in (403, 404), (role, url, response.status_code)
        assert _state(session) == before, (role, url)
        tried.add(("POST", _rule_of(app, "POST", url)))
    return tried
