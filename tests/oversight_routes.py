"""Every write route of 双随机 and of legal-basis changes, tried by department A's editor or
reviewer against another department's rows (called by tests/test_permissions.py, whose
meta-test demands that every write route of the app be tried); and every route of 双随机,
legal-basis changes, completeness and search insights as the permission meta-test walks them."""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from catalog.models import ChangeRecord, Organization, RandomCheckTask
from catalog.schemas.random_checks import TaskSchema
from catalog.services import inspector_conflicts, random_checks, registry
from catalog.services.permissions import Actor
from tests import factories
from tests.conftest import token_client
from tests.draw_fixtures import declared_conflict, make_district, task_data

SYSTEM = Actor.system("tests")


def _other_departments_rows(session: Any) -> dict[str, Any]:
    """A planned, a committed and a drawn task of another district's departments, one of its
    inspectors' 回避 declarations and a legal basis."""
    district = make_district(session)
    tasks = {}
    for n, state in enumerate(("planned", "committed", "drawn"), start=1):
        task = random_checks.create_task(
            session, TaskSchema().load(task_data(district, suffix=f"B{n}")), SYSTEM
        )
        if state != "planned":
            random_checks.commit_task(session, task.id, task.version, SYSTEM)
        if state == "drawn":
            random_checks.run_draw(session, task.id, task.version, "", SYSTEM)
        tasks[state] = task
    declared = declared_conflict(session, district, SYSTEM)
    basis = factories.make(session, registry.LEGAL_BASES, name="乙部门引用的办法")
    return {
        "district": district,
        "tasks": tasks,
        "conflict": declared,
        "basis": basis,
        "inspector": declared.inspector,
    }


def _state(session: Any) -> tuple[Any, ...]:
    session.expire_all()
    tasks = tuple(
        session.execute(
            select(RandomCheckTask.id, RandomCheckTask.version, RandomCheckTask.state)
        ).all()
    )
    return tasks, session.scalar(select(func.count()).select_from(ChangeRecord))


def _rule_of(app: Flask, method: str, url: str) -> str:
    rule, _ = app.url_map.bind("localhost").match(
        url.split("?")[0], method=method, return_rule=True
    )
    return rule.rule


def oversight_routes_refused(
    app: Flask, session: Any, role: str, a: Organization
) -> set[tuple[str, str]]:
    rows = _other_departments_rows(session)
    district, tasks = rows["district"], rows["tasks"]
    drawn = tasks["drawn"]
    drawn_id = drawn.drawn_targets[0].id
    basis_version = {"If-Match": f'"{rows["basis"].version}"'}
    change = {"document_number": "某文号", "decided_on": "2020-01-01", "effective_on": "2020-01-01"}
    api = [
        ("POST", "/api/v1/random-check-tasks", {"json": task_data(district, suffix="A1")}),
        (
            "PATCH",
            f"/api/v1/random-check-tasks/{tasks['planned'].id}",
            {"json": {"name": "越权"}, "headers": {"If-Match": '"1"'}},
        ),
        (
            "POST",
            f"/api/v1/random-check-tasks/{tasks['planned'].id}/commit",
            {"headers": {"If-Match": '"1"'}},
        ),
        (
            "POST",
            f"/api/v1/random-check-tasks/{tasks['committed'].id}/draw",
            {"json": {}, "headers": {"If-Match": '"2"'}},
        ),
        (
            "PUT",
            f"/api/v1/random-check-tasks/{drawn.id}/results/{drawn_id}",
            {"json": {"result": "no_problem"}, "headers": {"If-Match": '"1"'}},
        ),
        (
            "POST",
            f"/api/v1/random-check-tasks/{drawn.id}/publish",
            {"json": {"drawn_target_ids": [drawn_id]}},
        ),
        (
            "POST",
            "/api/v1/inspector-conflicts",
            {
                "json": {
                    "inspector_id": rows["inspector"].id,
                    "target_id": district.targets[1].id,
                    "reason": "越权",
                }
            },
        ),
        ("DELETE", f"/api/v1/inspector-conflicts/{rows['conflict'].id}", {}),
        (
            "POST",
            f"/api/v1/legal-bases/{rows['basis'].id}/abolish",
            {"json": change, "headers": basis_version},
        ),
        (
            "POST",
            f"/api/v1/legal-bases/{rows['basis'].id}/revise",
            {"json": change, "headers": basis_version},
        ),
    ]
    client = token_client(app, session, role, a.id)
    tried = set()
    for method, url, kwargs in api:
        before = _state(session)
        response = client.open(url, method=method, **kwargs)
        assert response.status_code in (403, 404), (
            role,
            method,
            url,
            response.status_code,
            response.json,
        )
        assert _state(session) == before, (role, method, url)
        tried.add((method, _rule_of(app, method, url)))
    return tried | _console_refused(app, session, role, a, rows)


def _console_refused(
    app: Flask, session: Any, role: str, a: Organization, rows: dict[str, Any]
) -> set[tuple[str, str]]:
    from tests.test_accounts_and_audit import csrf_token, signed_in_browser

    district, tasks = rows["district"], rows["tasks"]
    browser = signed_in_browser(app, session, f"oversight-{role}", role, a.id)
    drawn = tasks["drawn"]
    form = _task_form(district, "A-越权", "越权任务")
    posts = [
        ("/console/random-checks", form),
        (f"/console/random-checks/{tasks['planned'].id}/commit", {"version": "1"}),
        (f"/console/random-checks/{tasks['committed'].id}/draw", {"version": "2"}),
        (
            f"/console/random-checks/{drawn.id}/results/{drawn.drawn_targets[0].id}",
            {"version": "1", "result": "no_problem"},
        ),
        (
            f"/console/random-checks/{drawn.id}/publish",
            {"drawn_target_ids": str(drawn.drawn_targets[0].id)},
        ),
        (
            f"/console/legal/{rows['basis'].id}/abolish",
            {
                "version": "1",
                "document_number": "某文号",
                "decided_on": "2020-01-01",
                "effective_on": "2020-01-01",
            },
        ),
    ]
    tried = set()
    for url, data in posts:
        before = _state(session)
        response = browser.post(url, data={**data, "csrf_token": csrf_token(browser, "/console")})
        assert response.status_code in (403, 404), (role, url, response.status_code)
        assert _state(session) == before, (role, url)
        tried.add(("POST", _rule_of(app, "POST", url)))
    return tried


# -- the permission meta-test's walk -------------------------------------------------------------


def walked_rows(session: Any) -> dict[str, Any]:
    """Rows for the meta-test's walk (tests/test_permissions.py): a planned, a committed and a
    drawn task whose draw is disclosed (its window has ended: who may read it no longer depends
    on draws.read), a 回避 declaration, an effective legal basis and an abolished one's change."""
    from datetime import datetime

    from catalog.schemas.legal_changes import AbolishSchema
    from catalog.services import legal_changes

    district = make_district(session)
    planned = random_checks.create_task(
        session, TaskSchema().load(task_data(district, suffix="W1")), SYSTEM
    )
    committed = random_checks.create_task(
        session, TaskSchema().load(task_data(district, suffix="W2")), SYSTEM
    )
    random_checks.commit_task(session, committed.id, committed.version, SYSTEM)
    past = task_data(
        district, suffix="W3", year=2020, window_start="2020-01-01", window_end="2020-12-31"
    )
    drawn = random_checks.create_task(session, TaskSchema().load(past), SYSTEM)
    random_checks.commit_task(
        session, drawn.id, drawn.version, SYSTEM, now=datetime(2020, 3, 1, tzinfo=UTC)
    )
    random_checks.run_draw(
        session, drawn.id, drawn.version, "", SYSTEM, now=datetime(2020, 3, 2, tzinfo=UTC)
    )
    inspector = district.inspectors[district.market.id][0]
    conflict = {"inspector_id": inspector.id, "target_id": district.targets[0].id, "reason": "亲属"}
    inspector_conflicts.declare(session, dict(conflict), SYSTEM)
    basis = factories.make(session, registry.LEGAL_BASES, name="仍然有效的办法")
    abolished = factories.make(session, registry.LEGAL_BASES, name="已被废止的办法")
    change = legal_changes.abolish(
        session, abolished.id, AbolishSchema().load(_CHANGE), abolished.version, SYSTEM
    )
    return {
        "district": district,
        "planned": planned,
        "committed": committed,
        "drawn": drawn,
        "conflict": conflict,
        "basis": basis,
        "change": change,
    }


_CHANGE = {"document_number": "某文号", "decided_on": "2020-01-01", "effective_on": "2020-01-01"}
STALE = {"If-Match": '"999"'}


def walked_api_requests(rows: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Each API route of 双随机, legal-basis changes and completeness once, by an admin: past
    authorization, then changing nothing (a stale If-Match, a duplicate, a result not yet
    recorded, a dry run, an id that does not exist)."""
    district, drawn = rows["district"], rows["drawn"]
    tasks, task = "/api/v1/random-check-tasks", f"/api/v1/random-check-tasks/{drawn.id}"
    drawn_id = drawn.drawn_targets[0].id
    basis, change = (
        f"/api/v1/legal-bases/{rows['basis'].id}",
        f"/api/v1/legal-basis-changes/{rows['change'].id}",
    )
    stats = "/api/v1/stats/completeness"
    return [
        ("GET", tasks, {}),
        ("GET", task, {}),
        (
            "POST",
            tasks,
            {"json": task_data(district, suffix="W1")},
        ),  # the planned task's code again
        ("PATCH", f"{tasks}/{rows['planned'].id}", {"json": {}, "headers": STALE}),
        ("POST", f"{tasks}/{rows['planned'].id}/commit", {"headers": STALE}),
        ("POST", f"{tasks}/{rows['committed'].id}/draw", {"json": {}, "headers": STALE}),
        ("GET", f"{task}/draw", {}),
        ("GET", f"{task}/snapshot", {}),
        ("GET", f"{task}/verify", {}),
        ("GET", f"{task}/export?format=csv", {}),
        ("PUT", f"{task}/results/{drawn_id}", {"json": {"result": "no_problem"}, "headers": STALE}),
        (
            "POST",
            f"{task}/publish",
            {"json": {"drawn_target_ids": [drawn_id]}},
        ),  # no result recorded yet
        ("GET", "/api/v1/random-check-results", {}),
        ("GET", "/api/v1/stats/oversight", {}),
        ("GET", "/api/v1/inspector-conflicts", {}),
        ("POST", "/api/v1/inspector-conflicts", {"json": rows["conflict"]}),  # declared already
        ("DELETE", "/api/v1/inspector-conflicts/999999", {}),
        ("GET", f"{basis}/impact", {}),
        ("POST", f"{basis}/revise", {"json": _CHANGE, "headers": STALE}),
        ("POST", f"{basis}/abolish", {"json": _CHANGE, "headers": STALE}),
        ("GET", "/api/v1/legal-basis-changes", {}),
        ("GET", change, {}),
        ("GET", f"{change}/export?format=csv", {}),
        ("GET", "/api/v1/basis-reviews", {}),
        ("GET", stats, {}),
        ("GET", f"{stats}/departments", {}),
        ("GET", f"{stats}/service-items/rows", {}),
        ("GET", f"{stats}/service-items/export", {}),
        # the workbook's header and no row filled in: each row's edit is checked, and refused, row
        # by row (test_department_a_cannot_touch_department_b); here the route's own permission
        (
            "POST",
            f"{stats}/service-items/import?dry_run=true",
            {
                "data": {"file": lambda: (io.BytesIO(_empty_fill_workbook()), "walk.xlsx")},
                "content_type": "multipart/form-data",
            },
        ),
    ]


def _empty_fill_workbook() -> bytes:
    from catalog.services.tabular_files import Table, write_xlsx

    return write_xlsx([Table("补充", ["编号", "版本", "必须现场办理原因"], [])])


def _task_form(district: Any, code: str, name: str) -> dict[str, str]:
    """The console's form of a new task: the market bureau's, of its one item."""
    return {
        "code": code,
        "name": name,
        "year": "2026",
        "initiating_department_id": str(district.market.id),
        "item_ids": str(district.market_item.id),
        "ratio_percent": "20",
        "window_start": "2026-01-01",
        "window_end": "2099-12-31",
    }


def walked_console_posts(rows: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """The console's pages and forms of the same, and of search insights: (method, url, form)."""
    district, drawn, planned = rows["district"], rows["drawn"], rows["planned"]
    page = f"/console/random-checks/{drawn.id}"
    form = _task_form(district, planned.code, "重复的任务")
    return [
        ("GET", "/console/random-checks", {}),
        ("POST", "/console/random-checks", form),
        ("GET", page, {}),
        ("POST", f"/console/random-checks/{planned.id}/commit", {"version": "999"}),
        ("POST", f"/console/random-checks/{rows['committed'].id}/draw", {"version": "999"}),
        (
            "POST",
            f"{page}/results/{drawn.drawn_targets[0].id}",
            {"version": "999", "result": "no_problem"},
        ),
        ("POST", f"{page}/publish", {"drawn_target_ids": str(drawn.drawn_targets[0].id)}),
        ("GET", f"{page}/export?format=csv", {}),
        ("GET", "/console/legal", {}),
        ("GET", f"/console/legal/{rows['basis'].id}", {}),
        ("POST", f"/console/legal/{rows['basis'].id}/abolish", {"version": "999", **_CHANGE}),
        ("GET", f"/console/legal-changes/{rows['change'].id}", {}),
        ("GET", f"/console/legal-changes/{rows['change'].id}/export?format=csv", {}),
        ("GET", "/console/search/log", {}),
        ("GET", "/console/search/log/export?format=csv", {}),
        ("GET", "/console/search/synonyms", {}),
        ("POST", "/console/search/synonyms", {"rule": ""}),  # refused as empty: nothing stored
        ("POST", "/console/search/synonyms/999999/delete", {}),
    ]
