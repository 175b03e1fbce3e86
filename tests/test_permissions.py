"""Who may do what, proven route by route (CKAN's auth-function tests are the model).

- a meta-test: every service function a route or page calls with the database declares its
  permission, and every declared permission has a rule;
- anonymous callers get 401 on every write route of the API;
- an editor and a reviewer of department A can neither create, change, delete, submit nor
  approve anything of department B, through any write route or console form: the row is
  unchanged afterwards.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

import catalog.api
import catalog.web
from catalog.extensions import limiter
from catalog.models import ChangeRecord, Organization
from catalog.services import accounts, permissions, registry, workflow
from catalog.services.errors import DomainError
from catalog.services.permissions import USE_CASES, Actor
from tests import factories
from tests.conftest import token_client
from tests.console_form_routes import tried_against, walked_console_forms
from tests.console_review_routes import ADMIN_FORMS, walked_console_review
from tests.oversight_routes import (
    oversight_routes_refused,
    walked_api_requests,
    walked_console_posts,
    walked_rows,
)

# Service modules whose functions only ever read published rows (the public's view) or compute
# figures from them; a route may call them without a permission.
PUBLIC_READ_MODULES = {
    "catalog.services.citizen_search",
    "catalog.services.public_items",
    "catalog.services.statistics",
    "catalog.services.search_documents",
}
# POST routes anyone may call: they change nothing, or only the caller's own sign-in.
PUBLIC_POSTS = {"/api/v1/stats/check", "/login", "/logout", "/logout-everywhere"}


def _route_modules() -> list[Any]:
    modules = []
    for package in (catalog.api, catalog.web):
        modules.append(package)
        for info in pkgutil.iter_modules(package.__path__):
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return modules


def _service_calls(module: Any) -> set[tuple[str, str]]:
    """(service module, function) for every ``service.function(...)`` call in a route module."""
    calls = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
        ):
            target = getattr(module, node.func.value.id, None)
            if inspect.ismodule(target) and target.__name__.startswith("catalog.services."):
                calls.add((target.__name__, node.func.attr))
    return calls


def test_every_service_function_a_route_calls_declares_its_permission():
    undeclared = []
    checked = 0
    for module in _route_modules():
        for service_name, function_name in _service_calls(module):
            function = getattr(importlib.import_module(service_name), function_name)
            if not callable(function) or "session" not in inspect.signature(function).parameters:
                continue
            if service_name in PUBLIC_READ_MODULES:
                continue
            checked += 1
            if not hasattr(function, "permission"):
                undeclared.append(f"{module.__name__} → {service_name}.{function_name}")
    assert checked >= 12  # the walk found the use cases (crud, workflow, audit, import …)
    assert not undeclared, f"use cases without a declared permission: {undeclared}"


@pytest.mark.database_neutral  # declarations and the URL map: no statement reaches the database
def test_each_workflow_step_needs_its_own_permission(app):
    """One use case takes every step; the permission it enforces, and the one the API's gate
    checks before the body, is the step's: row.edit to submit or withdraw, row.review for the rest."""
    from catalog.api.gate import required_permission

    assert {name: step.permission for name, step in workflow.STEPS.items()} == {
        "submit": "row.edit",
        "withdraw": "row.edit",
        "approve": "row.review",
        "reject": "row.review",
        "suspend": "row.review",
        "resume": "row.review",
        "cancel": "row.review",
    }
    for name, step in workflow.STEPS.items():
        assert workflow.take_step.permission(name) == step.permission
        endpoint, _ = app.url_map.bind("x").match(f"/api/v1/service-items/1/{name}", method="POST")
        assert required_permission(app, endpoint, "POST") == step.permission
    editor = permissions.Actor(name="e", role="editor", department_id=7)
    with pytest.raises(
        DomainError
    ) as refused:  # refused by the declaration, before any row is read
        workflow.take_step(None, registry.SERVICE_ITEMS, "approve", 1, 1, editor)
    assert refused.value.status == 403


def test_every_declared_permission_has_a_rule():
    assert USE_CASES, "no use case registered"
    arguments: dict[str, Any] = {"spec": registry.ALL_LISTS, "name": workflow.STEPS}
    declared = {p(value) for p, by in USE_CASES.values() if callable(p) for value in arguments[by]}
    declared |= {p for p, _by in USE_CASES.values() if isinstance(p, str)}
    assert declared <= set(permissions.RULES)
    assert {
        "row.read",
        "row.edit",
        "reference.edit",
        "row.review",
        "row.read_unpublished",
    } <= declared
    with pytest.raises(LookupError):
        permissions.use_case("no.such.permission")
    with pytest.raises(TypeError):  # a use case that could be enforced for no one
        permissions.use_case("row.edit")(lambda session, spec: None)


def test_a_use_case_that_never_checks_its_department_fails_loudly():
    """CKAN's auth audit: a department-scoped use case that returns without checking the
    department of what it touched is a programming error, not a silent grant."""
    editor = permissions.Actor(name="e", role="editor", department_id=7)

    @permissions.use_case("row.edit")
    def forgets(session: Any, actor: permissions.Actor) -> str:
        return "changed"

    @permissions.use_case("row.edit")
    def checks(session: Any, actor: permissions.Actor, department_id: int) -> str:
        permissions.authorize(actor, "row.edit", department_id)
        return "changed"

    with pytest.raises(RuntimeError, match="did not check the department"):
        forgets(None, editor)
    assert checks(None, editor, 7) == "changed"
    with pytest.raises(DomainError) as other:
        checks(None, editor, 8)
    assert other.value.status == 403
    with pytest.raises(DomainError) as anonymous:  # refused by the declaration, before the body
        checks(None, permissions.ANONYMOUS, 7)
    assert anonymous.value.status == 401
    with pytest.raises(DomainError) as reviewer:
        checks(
            None,
            permissions.Actor(name="r", role="reviewer", reviewed_departments=frozenset({7})),
            7,
        )
    assert reviewer.value.status == 403


def _write_rules(app: Flask) -> list[tuple[str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            if rule.rule not in PUBLIC_POSTS:
                rules.append((method, rule.rule))
    return sorted(rules)


# Bodies that would each get another answer if they were read: none is read for the anonymous.
HOSTILE_BODIES: list[dict[str, Any]] = [
    {"json": {}},
    {"data": "{not json", "content_type": "application/json"},
    {"data": "[" * 50_000 + "]" * 50_000, "content_type": "application/json"},
    {"json": {f"k{i}": i for i in range(5_000)}},
    {"data": b"x" * (2 * 1024 * 1024), "content_type": "application/json"},
]


def test_anonymous_writes_are_refused_before_the_body_or_if_match(app, anonymous_client):
    """401 on every write route of the API, whatever the body and with no If-Match: the gate
    answers before flask-smorest parses the body (422, 400, 413) or the view asks for If-Match (428)."""
    refused = 0
    for method, rule in _write_rules(app):
        if not rule.startswith("/api/"):
            continue
        url = re.sub(r"<int:\w+>", "1", rule)
        for body in HOSTILE_BODIES:
            response = anonymous_client.open(url, method=method, **body)
            assert response.status_code == 401, (
                method,
                url,
                response.status_code,
                response.data[:200],
            )
            assert response.json["error"]["code"] == "not_authenticated"
        refused += 1
    # every write route but POST /api/v1/stats/check, which changes nothing: the lists' 116, and
    # 双随机 (8), legal-basis changes (2) and the completeness workbook's import (1)
    assert refused == 127


def test_signed_in_actors_are_refused_before_the_body_when_their_role_never_may(
    app, session, two_departments
):
    a, b = two_departments
    row = factories.service_item(session, b.id, status="submitted")
    editor = token_client(app, session, "editor", a.id)
    reviewer = token_client(app, session, "reviewer", a.id)
    auditor = token_client(app, session, "auditor")
    deep = {"data": "[" * 10_000 + "]" * 10_000, "content_type": "application/json"}
    attempts = [
        (editor, "POST", "/api/v1/legal-bases", deep),  # reference lists: admins only
        (editor, "PATCH", "/api/v1/regions/1", deep),
        (editor, "POST", f"/api/v1/service-items/{row.id}/approve", deep),  # no If-Match either
        (reviewer, "POST", "/api/v1/service-items", deep),  # reviewers do not write rows
        (reviewer, "PATCH", f"/api/v1/service-items/{row.id}", deep),
        (auditor, "DELETE", f"/api/v1/service-items/{row.id}", {}),
        (editor, "GET", "/api/v1/audit?since=not-a-date", {}),  # the query is not parsed either
    ]
    for client, method, url, body in attempts:
        response = client.open(url, method=method, **body)
        assert response.status_code == 403, (method, url, response.status_code, response.data[:200])
        assert response.json["error"]["code"] == "forbidden"


@pytest.mark.database_neutral  # the URL map and declarations only
def test_every_api_write_route_declares_the_permission_the_gate_checks(app):
    from catalog.api.gate import required_permission

    undeclared = [
        (method, rule)
        for method, rule in _write_rules(app)
        if rule.startswith("/api/")
        and required_permission(
            app,
            app.url_map.bind("x").match(re.sub(r"<int:\w+>", "1", rule), method=method)[0],
            method,
        )
        is None
    ]
    assert not undeclared


# -- department A against department B -------------------------------------------------------


@pytest.fixture
def two_departments(session):
    region = factories.region(session)
    return factories.department(session, region.id), factories.department(session, region.id)


def _rows_of(session, department_id: int) -> dict[str, Any]:
    """One published row of department B in every list that has an owner."""
    region_id = session.get(Organization, department_id).region_id
    street = factories.township(session, region_id)
    service = factories.service_item(session, department_id, status="published")
    supervision = factories.supervision_item(
        session, department_id, main_name="B 的监管事项", status="published"
    )
    batch = factories.make(
        session, registry.DEVOLUTION_BATCHES, title="下放批次", region_id=region_id
    )
    published = {"status": "published"}
    return {
        "power-items": factories.power_item(
            session, department_id, code=f"QZ-B{department_id}", name="B 的权责事项", **published
        ),
        "service-items": service,
        "supervision-items": supervision,
        "bundles": factories.make(
            session,
            registry.BUNDLES,
            name=f"B 的一件事{department_id}",
            lead_department_id=department_id,
            member_ids=[service.id],
            **published,
        ),
        "devolved-items": factories.devolved_item(
            session, batch.id, department_id, [street.id], name="B 的下放事项", **published
        ),
        "inspection-lists": factories.inspection_list(
            session, supervision.id, department_id, name="B 的检查实施清单", **published
        ),
        "random-check-items": factories.random_check_item(
            session, department_id, name="B 的抽查事项", **published
        ),
        "inspectors": factories.make(
            session,
            registry.INSPECTORS,
            name="B 的执法人员",
            department_id=department_id,
            certificate_number=f"44{department_id:010d}",
        ),
    }


def _payload(spec: registry.ListSpec, row: Any) -> dict[str, Any]:
    """The row as the list's schema loads it: a valid body for PUT and POST (a unique code
    repeats, but permission is checked before uniqueness)."""
    schema = spec.schema()
    dumped = schema.dump(row)
    return {
        k: v
        for k, v in dumped.items()
        if k in schema.fields and not schema.fields[k].dump_only and v is not None
    }


# A cell a department fills in the completeness workbook, per list (header, value).
FILLED = {
    "service-items": ("必须现场办理原因", "越权"),
    "power-items": ("实施依据", "越权"),
    "devolved-items": ("生效日期", "2021-01-01"),
    "supervision-items": ("监管对象", "越权"),
}


def _filled_workbook(list_name: str, row: Any) -> bytes:
    from catalog.services.tabular_files import Table, write_xlsx

    header, value = FILLED[list_name]
    return write_xlsx([Table("补充", ["编号", "版本", header], [[row.id, row.version, value]])])


def _requests(
    spec: registry.ListSpec, row: Any, export: bytes
) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"/api/v1/{spec.name}"
    payload = _payload(spec, row)
    item = f"{base}/{row.id}"
    requests = [
        ("POST", base, {"json": payload}),
        ("PUT", item, {"json": payload}),
        ("PATCH", item, {"json": {}}),
        ("DELETE", item, {}),
    ]
    if spec.has_workflow:
        requests += [
            ("POST", f"{item}/{step}", {"json": {"reason": "越权尝试"}})
            for step in ("submit", "withdraw", "approve", "reject", "suspend", "resume", "cancel")
        ]
        requests.append(("DELETE", f"{item}/revision", {}))
    if export:
        requests.append(
            (
                "POST",
                f"{base}/import?dry_run=false",
                {
                    "data": {"file": (io.BytesIO(export), "b.xlsx")},
                    "content_type": "multipart/form-data",
                },
            )
        )
    if spec.name in FILLED:
        filled = _filled_workbook(spec.name, row)
        requests.append(
            (
                "POST",
                f"/api/v1/stats/completeness/{spec.name}/import?dry_run=false",
                {
                    "data": {"file": (io.BytesIO(filled), "b.xlsx")},
                    "content_type": "multipart/form-data",
                },
            )
        )
    return requests


def _reference_rows(session, department: Organization) -> dict[str, Any]:
    """Rows of the reference lists, which no department owns: only admins write them."""
    from catalog.models import PowerType

    return {
        "regions": department.region,
        "organizations": department,
        "legal-bases": factories.make(session, registry.LEGAL_BASES, name="某某条例"),
        "power-types": session.scalar(select(PowerType).where(PowerType.code == "01")),
        "devolution-batches": factories.make(
            session, registry.DEVOLUTION_BATCHES, title="批次", region_id=department.region_id
        ),
        "inspection-targets": factories.make(
            session, registry.INSPECTION_TARGETS, name="某公司", region_id=department.region_id
        ),
    }


def _count_of(session, spec: registry.ListSpec, row: Any) -> int:
    query = select(func.count()).select_from(spec.model)
    if spec.owner:
        query = query.where(getattr(spec.model, spec.owner) == spec.department_of(row))
    return session.scalar(query)


def _state(session, spec: registry.ListSpec, row: Any) -> tuple[Any, ...]:
    session.expire_all()
    fresh = session.get(spec.model, row.id)
    changes = session.scalar(select(func.count()).select_from(ChangeRecord))
    return fresh.version, getattr(fresh, "status", None), _count_of(session, spec, row), changes


def _rule_of(app: Flask, method: str, url: str) -> str:
    rule, _ = app.url_map.bind("localhost").match(
        url.split("?")[0], method=method, return_rule=True
    )
    return rule.rule


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_department_a_cannot_touch_department_b(app, session, client, two_departments, role):
    """Every write route of the API, and the console's step form, tried by A against B's rows."""
    from catalog.services.spreadsheet_columns import SHEETS

    a, b = two_departments
    rows = {**_rows_of(session, b.id), **_reference_rows(session, b)}
    actor_client = token_client(app, session, role, a.id)
    exercised: set[tuple[str, str]] = set()
    for list_name, row in rows.items():
        spec = next(s for s in registry.ALL_LISTS if s.name == list_name)
        export = (
            client.get(f"/api/v1/{list_name}/export?department_id={b.id}").data
            if list_name in SHEETS
            else b""
        )
        for method, url, kwargs in _requests(spec, row, export):
            before = _state(session, spec, row)
            response = actor_client.open(
                url, method=method, headers={"If-Match": f'"{row.version}"'}, **kwargs
            )
            assert response.status_code in (403, 404, 422), (
                role,
                method,
                url,
                response.status_code,
                response.json,
            )
            if (
                response.status_code == 422
            ):  # only the import's report: every row refused, none created
                assert response.json["error"]["code"] == "import_refused"
                assert any(p["code"] == "forbidden" for p in response.json["problems"])
            assert _state(session, spec, row) == before, (role, method, url)
            exercised.add((method, _rule_of(app, method, url)))
    exercised |= _console_steps_refused(app, session, role, a, rows["service-items"])
    exercised |= oversight_routes_refused(app, session, role, a)  # 双随机 and legal-basis changes
    untried = set(_write_rules(app)) - exercised
    assert not untried, f"write routes the test did not try: {sorted(untried)}"


def _console_steps_refused(
    app: Flask, session, role: str, a: Organization, row: Any
) -> set[tuple[str, str]]:
    """The console's forms, signed in as A's user, against B's row."""
    from tests.test_accounts_and_audit import csrf_token, signed_in_browser

    browser = signed_in_browser(app, session, f"a-{role}", role, a.id)
    tried = set()
    for step in ("submit", "withdraw", "approve", "reject", "suspend", "resume", "cancel"):
        url = f"/console/service-items/{row.id}/{step}"
        before = _state(session, registry.SERVICE_ITEMS, row)
        data = {
            "version": str(row.version),
            "reason": "越权",
            "csrf_token": csrf_token(browser, "/console"),
        }
        assert browser.post(url, data=data).status_code in (403, 404), (role, url)
        assert _state(session, registry.SERVICE_ITEMS, row) == before
        tried.add(("POST", _rule_of(app, "POST", url)))
    for url, form in tried_against(row.id, row.department_id):  # the forms and spreadsheet pages
        before = _state(session, registry.SERVICE_ITEMS, row)
        status = browser.post(
            url, data={**form, "csrf_token": csrf_token(browser, "/console")}
        ).status_code
        assert status in (400, 403, 404, 410, 422), (
            role,
            url,
            status,
        )  # A's own upload refused, or gone
        assert _state(session, registry.SERVICE_ITEMS, row) == before, (role, url)
        tried.add(("POST", _rule_of(app, "POST", url)))
    for url, form in ADMIN_FORMS:  # accounts and tokens are the administrators' alone
        assert (
            browser.post(
                url, data={**form, "csrf_token": csrf_token(browser, "/console")}
            ).status_code
            == 403
        ), url
        tried.add(("POST", _rule_of(app, "POST", url)))
    # the search synonyms are the administrators' alone
    from catalog.models import SearchSynonym

    rule = SearchSynonym(rule="甲, 乙", created_by="tests")
    session.add(rule)
    session.commit()
    token = csrf_token(browser, "/console")
    for url in ("/console/search/synonyms", f"/console/search/synonyms/{rule.id}/delete"):
        data = {"rule": "越权 => 无犯罪记录证明", "csrf_token": token}
        assert browser.post(url, data=data).status_code == 403, (role, url)
        tried.add(("POST", _rule_of(app, "POST", url)))
    assert [r.rule for r in session.query(SearchSynonym)] == ["甲, 乙"]
    return tried


def test_a_reviewer_approves_only_assigned_departments(app, session, two_departments):
    a, b = two_departments
    own = factories.service_item(session, a.id, status="submitted")
    other = factories.service_item(session, b.id, status="submitted")
    reviewer = token_client(app, session, "reviewer", a.id)
    assert (
        reviewer.post(
            f"/api/v1/service-items/{own.id}/approve", json={}, headers={"If-Match": '"1"'}
        ).status_code
        == 200
    )
    refused = reviewer.post(
        f"/api/v1/service-items/{other.id}/approve", json={}, headers={"If-Match": '"1"'}
    )
    assert refused.status_code == 404  # B's unpublished rows do not even exist for A's reviewer
    session.expire_all()
    assert other.status == "submitted"


def test_an_editor_cannot_approve_even_their_own_department(app, session, two_departments):
    a, _ = two_departments
    own = factories.service_item(session, a.id, status="submitted")
    editor = token_client(app, session, "editor", a.id)
    response = editor.post(
        f"/api/v1/service-items/{own.id}/approve", json={}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_an_editor_cannot_write_reference_lists(app, session, two_departments):
    a, _ = two_departments
    editor = token_client(app, session, "editor", a.id)
    response = editor.post("/api/v1/legal-bases", json={"name": "某条例"})
    assert response.status_code == 403


def test_an_editor_may_create_only_drafts(app, session, two_departments):
    a, _ = two_departments
    editor = token_client(app, session, "editor", a.id)
    published = editor.post(
        "/api/v1/service-items", json=factories.service_item_data(a.id, status="published")
    )
    assert (
        published.status_code == 422
        and published.json["error"]["fields"]["status"][0]["code"] == "draft_only"
    )
    draft = editor.post("/api/v1/service-items", json=factories.service_item_data(a.id))
    assert draft.status_code == 201 and draft.json["status"] == "draft"


def test_a_row_the_editor_cannot_see_is_referred_to_as_if_it_did_not_exist(
    app, session, two_departments
):
    """Linking a bundle to another department's draft answers exactly as linking to no row; its
    published rows and one's own drafts may be linked."""
    a, b = two_departments
    their_draft = factories.service_item(session, b.id)
    their_published = factories.service_item(session, b.id, status="published")
    own_draft = factories.service_item(session, a.id)
    editor = token_client(app, session, "editor", a.id)

    def link(member_id: int, name: str):
        return editor.post(
            "/api/v1/bundles",
            json={"name": name, "lead_department_id": a.id, "member_ids": [member_id]},
        )

    hidden = link(their_draft.id, "开办餐饮店")
    absent = link(999_999, "开办餐饮店")
    assert hidden.status_code == absent.status_code == 422
    assert [e["code"] for e in hidden.json["error"]["fields"]["member_ids"]] == [
        "unknown_reference"
    ]
    assert (
        hidden.json["error"]["fields"]["member_ids"][0]["message"]
        == f"实施清单事项（编号 {their_draft.id}）不存在。"
    )
    assert (
        absent.json["error"]["fields"]["member_ids"][0]["message"]
        == "实施清单事项（编号 999999）不存在。"
    )
    assert link(their_published.id, "开办便利店").status_code == 201
    assert link(own_draft.id, "开办书店").status_code == 201
    # An auditor and an admin see every row: for them the draft exists.
    admin = token_client(app, session, "admin")
    linked = admin.post(
        "/api/v1/bundles",
        json={"name": "开办药店", "lead_department_id": b.id, "member_ids": [their_draft.id]},
    )
    assert linked.status_code == 201


def test_a_uniqueness_clash_names_only_rows_the_editor_may_see(app, session, two_departments):
    a, b = two_departments
    hidden = factories.power_item(session, b.id, code="QZ-HIDDEN", name="乙的草稿")
    public = factories.power_item(
        session, b.id, code="QZ-PUBLIC", name="乙的已发布事项", status="published"
    )
    editor = token_client(app, session, "editor", a.id)
    body = {"name": "甲的事项", "power_type_code": "01", "department_id": a.id}
    clash = editor.post("/api/v1/power-items", json={**body, "code": "QZ-HIDDEN"})
    assert clash.status_code == 422
    (problem,) = clash.json["error"]["fields"]["code"]
    assert problem["code"] == "duplicate" and str(hidden.id) not in problem["message"], problem
    assert "尚未公开" in problem["message"]
    named = editor.post("/api/v1/power-items", json={**body, "code": "QZ-PUBLIC"})
    assert (
        named.json["error"]["fields"]["code"][0]["message"]
        == f"该值已被权责事项（编号 {public.id}）使用，不能重复。"
    )


def test_tokens_that_are_revoked_expired_or_unknown_are_refused(app, session, two_departments):
    from datetime import timedelta

    from catalog.models import ApiToken
    from catalog.services.permissions import Actor

    a, _ = two_departments
    operator = Actor.system("tests")
    token, plain = accounts.create_token(
        session, operator, name="系统甲", role="editor", department_id=a.id
    )
    app_client = app.test_client()
    body = factories.service_item_data(a.id)
    ok = app_client.post(
        "/api/v1/service-items", json=body, headers={"Authorization": f"Bearer {plain}"}
    )
    assert ok.status_code == 201
    stored = session.get(ApiToken, token.id)
    assert (
        stored.token_digest != plain and stored.last_used_at is not None
    )  # only a digest is stored
    accounts.revoke_token(session, operator, token.id)
    revoked = app_client.post(
        "/api/v1/service-items", json=body, headers={"Authorization": f"Bearer {plain}"}
    )
    assert revoked.status_code == 401 and revoked.json["error"]["code"] == "invalid_token"
    expired_token, expired = accounts.create_token(
        session, operator, name="过期", role="editor", department_id=a.id
    )
    expired_token.expires_at = expired_token.created_at - timedelta(seconds=1)
    session.commit()
    for header in (f"Bearer {expired}", "Bearer qd_unknown", "Basic abc"):
        response = app_client.get("/api/v1/service-items", headers={"Authorization": header})
        assert response.status_code == 401, header


# -- the declared permission is the enforced one -----------------------------------------------


class _Walk:
    """Every route that can reach a use case — the API's and the console's — called once by an
    admin, with requests that pass authorization and then change nothing (a stale If-Match, a
    duplicate code, a dry run), and the permissions each request consulted."""

    def __init__(self, app: Flask, session, monkeypatch: pytest.MonkeyPatch) -> None:
        from catalog.services.spreadsheet_columns import SHEETS
        from tests.test_accounts_and_audit import PASSWORD, csrf_token

        self.monkeypatch = monkeypatch
        _, b = _departments(session)
        rows = {**_rows_of(session, b.id), **_reference_rows(session, b)}
        self.api = token_client(app, session, "admin")
        self.requests: list[tuple[Any, str, str, Callable[[], dict[str, Any]]]] = []
        for list_name, row in rows.items():
            spec = next(s for s in registry.ALL_LISTS if s.name == list_name)
            export = (
                self.api.get(f"/api/v1/{list_name}/export?format=csv").data
                if list_name in SHEETS
                else b""
            )
            self._api_requests(spec, row, export)
        self._other_api_requests()
        oversight = walked_rows(session)
        for method, url, kwargs in walked_api_requests(oversight):
            self.requests.append((self.api, method, url, lambda kwargs=kwargs: _fresh(kwargs)))
        for username in ("walker", "leaver"):
            factories.user(session, username, "admin")
        self.browser, self.leaver = app.test_client(), app.test_client()
        login = {"username": "walker", "password": PASSWORD}
        item = rows["service-items"].id
        console = [
            ("GET", "/console", dict),
            ("GET", "/console/audit", dict),
            ("GET", "/console/audit/export?format=csv", dict),
            (
                "POST",
                f"/console/service-items/{item}/approve",
                lambda: {
                    "data": {"version": "999", "csrf_token": csrf_token(self.browser, "/console")}
                },
            ),
        ]
        for method, url, form in (
            walked_console_posts(oversight)
            + walked_console_review(item)
            + walked_console_forms(item)
        ):
            console.append(
                (
                    method,
                    url,
                    (
                        lambda form=form: {
                            "data": {**form, "csrf_token": csrf_token(self.browser, "/console")}
                        }
                    )
                    if method == "POST"
                    else dict,
                )
            )
        console.append(
            (
                "POST",
                "/login",
                lambda: {"data": {**login, "csrf_token": csrf_token(self.browser, "/login")}},
            )
        )
        self.requests += [(self.browser, method, url, kwargs) for method, url, kwargs in console]
        # Signing out everywhere ends the leaver's own sessions: another account and browser,
        # signed in again before each walk (sign_in_leaver).
        self.requests.append(
            (
                self.leaver,
                "POST",
                "/logout-everywhere",
                lambda: {"data": {"csrf_token": csrf_token(self.leaver, "/console")}},
            )
        )
        self.browser.post(
            "/login", data={**login, "csrf_token": csrf_token(self.browser, "/login")}
        )

    def sign_in_leaver(self) -> None:
        from tests.test_accounts_and_audit import sign_in

        limiter.reset()
        assert sign_in(self.leaver, "leaver").status_code == 302

    def _api_requests(self, spec: registry.ListSpec, row: Any, export: bytes) -> None:
        base, item = f"/api/v1/{spec.name}", f"/api/v1/{spec.name}/{row.id}"
        payload, stale = _payload(spec, row), {"If-Match": '"999"'}
        requests: list[tuple[str, str, dict[str, Any]]] = [
            ("GET", base, {}),
            ("GET", item, {}),
            ("POST", base, {"json": payload}),
            ("PUT", item, {"json": payload, "headers": stale}),
            ("PATCH", item, {"json": {}, "headers": stale}),
            ("DELETE", item, {"headers": stale}),
        ]
        if spec.has_workflow:
            requests += [
                ("POST", f"{item}/{step}", {"json": {"reason": "核对"}, "headers": stale})
                for step in workflow.STEPS
            ]
            requests += [
                ("GET", f"{item}/revision", {}),
                ("DELETE", f"{item}/revision", {}),
                ("GET", f"{item}/history", {}),
            ]
        if export:
            requests += [
                ("GET", f"{base}/export", {}),
                (
                    "POST",
                    f"{base}/import?dry_run=true",
                    {
                        "data": {"file": lambda: (io.BytesIO(export), "walk.csv")},
                        "content_type": "multipart/form-data",
                    },
                ),
            ]
        for method, url, kwargs in requests:
            self.requests.append((self.api, method, url, lambda kwargs=kwargs: _fresh(kwargs)))

    def _other_api_requests(self) -> None:
        for method, url, kwargs in [
            ("GET", "/api/v1/audit", {}),
            ("GET", "/api/v1/audit/export?format=csv", {}),
            ("GET", "/api/v1/stats/figures", {}),
            ("GET", "/api/v1/stats/export?format=csv", {}),
            (
                "POST",
                "/api/v1/stats/check",
                {"json": {"key": "instant_share", "published": "95.48%"}},
            ),
            ("GET", "/api/v1/search?q=事项", {}),
            ("GET", "/api/v1/health", {}),
        ]:
            self.requests.append((self.api, method, url, lambda kwargs=kwargs: dict(kwargs)))

    def run(self) -> list[tuple[str, str, int, set[str]]]:
        """Each request's status and the permissions it was checked for: the gate's and each use
        case's declared permission, both checked through Rule.permits_somewhere."""
        consulted: set[str] = set()
        somewhere = permissions.Rule.permits_somewhere

        def recording(rule: permissions.Rule, actor: Actor) -> bool:
            consulted.update(name for name, known in permissions.RULES.items() if known is rule)
            return somewhere(rule, actor)

        self.monkeypatch.setattr(permissions.Rule, "permits_somewhere", recording)
        results = []
        for client, method, url, kwargs in self.requests:
            limiter.reset()
            arguments = kwargs()
            consulted.clear()
            response = client.open(url, method=method, **arguments)
            results.append((method, url, response.status_code, set(consulted)))
        self.monkeypatch.setattr(permissions.Rule, "permits_somewhere", somewhere)
        return results


def _fresh(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A request's arguments, with a new stream for an upload (a stream is read once)."""
    data = kwargs.get("data")
    if isinstance(data, dict):
        return {**kwargs, "data": {k: v() if callable(v) else v for k, v in data.items()}}
    return dict(kwargs)


def _departments(session) -> tuple[Organization, Organization]:
    region = factories.region(session)
    return factories.department(session, region.id), factories.department(session, region.id)


REFUSED = (401, 403)


# Without the gate, the walk sends the same requests to the same database; what changes is
# which Python check refuses them (the use case's declaration, before it reads a row). On
# PostgreSQL the walk with the gate covers what the database does: the other is left to SQLite.
@pytest.mark.slow
@pytest.mark.parametrize(
    "gate",
    ["with the API gate", pytest.param("use cases alone", marks=pytest.mark.database_neutral)],
)
def test_denying_a_permission_refuses_every_route_that_uses_it(app, session, monkeypatch, gate):
    """CKAN's check_access as a meta-test: each permission in turn is denied to everyone, and
    every route whose requests consulted it must refuse, and no other. Run once with the API's
    gate and once without it, which proves that the use cases' declarations are enforced by
    themselves, and that the gate checks what the use cases would."""
    from catalog.api import gate as api_gate

    declared_permission = api_gate.required_permission
    if gate == "use cases alone":
        monkeypatch.setattr(api_gate, "required_permission", lambda *args: None)
    walk = _Walk(app, session, monkeypatch)
    walked = {(method, _rule_of(app, method, url)) for _, method, url, _ in walk.requests}
    declared = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if declared_permission(app, rule.endpoint, method) or rule.rule.startswith("/console")
    }
    assert declared <= walked, sorted(declared - walked)
    walk.sign_in_leaver()
    baseline = walk.run()
    for method, url, status, consulted in baseline:
        assert status not in REFUSED and status < 500, (method, url, status)
        assert consulted or url.startswith(
            ("/api/v1/search", "/api/v1/health", "/api/v1/stats/figures")
        ), (method, url)
    users = {
        name: {(m, u) for m, u, _, consulted in baseline if name in consulted}
        for name in permissions.RULES
    }
    assert all(users[name] for name in permissions.RULES if name != "accounts.manage"), users
    # "public" is held by everyone by definition (signing in, presenting a token, reading a
    # session cookie): denying it would deny authentication itself, not a use case
    for name in set(permissions.RULES) - {"public"}:
        walk.sign_in_leaver()
        monkeypatch.setitem(permissions.RULES, name, permissions.Rule(frozenset()))
        denied = walk.run()
        monkeypatch.undo()
        if gate == "use cases alone":
            monkeypatch.setattr(api_gate, "required_permission", lambda *args: None)
        refused = {(m, u) for m, u, status, _ in denied if status in REFUSED}
        assert refused == users[name], (name, sorted(refused ^ users[name])[:10])
        for (method, url, status, _), (_, _, before, _) in zip(denied, baseline, strict=True):
            assert status < 500, (name, method, url, status)
            if (method, url) not in users[name]:
                assert status not in REFUSED, (name, method, url, status, before)
