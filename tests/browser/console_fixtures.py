"""Shared setup of the console's browser tests: two departments' people, made with the CLI as an
operator would, rows made through the API, and one signed-in browser context per person.

Session-scoped, so each person signs in once per worker (the sign-in throttle counts attempts
per address), and named uniquely, so tests never depend on one another's writes. Import the
fixtures into a test module: ``from tests.browser.console_fixtures import console, signed_in  # noqa: F401``.

A fixture imported into several modules is a fixture of each module, with a value of its own
per module: ``console`` only hands on ``console_world``, which tests/browser/conftest.py
registers once for the directory, so the people and rows are made once per worker (three
`flask users create` and ``admin_token``'s `flask tokens create`, each a process start), not
once per module that imports ``console``.

``department_editors`` (registered by conftest.py too, as is ``admin_token``: use them without
importing them) are two editors, each of a department that has published 服务事项, for the
editing and import tests; console_accounts.sign_in signs each in once per worker.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Playwright

from tests import factories
from tests.browser import console_accounts
from tests.browser.conftest import new_page
from tests.browser.server import LiveServer

PASSWORD = "browser-tests-password"


@dataclass
class Console:
    """Who and what the console tests work with; the names are unique to this run."""

    tag: str
    department_a: int
    department_b: int
    usernames: dict[str, str]
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    contexts: dict[str, BrowserContext] = field(default_factory=dict)


def _token(live_server: LiveServer, role: str, department_id: int | None, tag: str) -> str:
    arguments = ["tokens", "create", f"browser-{role}-{tag}", "--role", role, "--days", "1"]
    if department_id is not None:
        arguments += ["--department-id", str(department_id)]
    return live_server.flask(*arguments).strip().splitlines()[-1]


def _api(playwright: Playwright, live_server: LiveServer, token: str) -> APIRequestContext:
    return playwright.request.new_context(
        base_url=live_server.url, extra_http_headers={"Authorization": f"Bearer {token}"}
    )


def _submitted_item(
    api: APIRequestContext, department_id: int, name: str, **extra: Any
) -> dict[str, Any]:
    """A new 承诺件 of the department, submitted for review."""
    body = factories.service_item_data(department_id, name=name, **extra)
    created = api.post(
        "/api/v1/service-items", data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert created.status == 201, created.text()
    row = created.json()
    _step(api, row, "submit")
    return row


def _step(api: APIRequestContext, row: dict[str, Any], step: str) -> dict[str, Any]:
    current = api.get(f"/api/v1/service-items/{row['id']}")
    taken = api.post(
        f"/api/v1/service-items/{row['id']}/{step}",
        data="{}",
        headers={"Content-Type": "application/json", "If-Match": current.headers["etag"]},
    )
    assert taken.status == 200, taken.text()
    return taken.json()


@pytest.fixture(scope="session")
def admin_token(live_server: LiveServer) -> str:
    """An admin's API token, made once per worker, for the tests that write their rows through
    the API: each `flask tokens create` is a process start."""
    return _token(live_server, "admin", None, secrets.token_hex(3))


@pytest.fixture(scope="session")
def console(console_world: Console) -> Console:
    return console_world


@pytest.fixture(scope="session")
def console_world(
    live_server: LiveServer, playwright: Playwright, browser: Browser, admin_token: str
) -> Iterator[Console]:
    tag = secrets.token_hex(3)
    admin_api = _api(playwright, live_server, admin_token)
    organizations = admin_api.get("/api/v1/organizations?per_page=100").json()["items"]
    departments = [o["id"] for o in organizations if o["kind"] == "department"]
    a, b = departments[0], departments[1]
    usernames = {role: f"{role}-{tag}" for role in ("editor", "reviewer", "admin")}
    live_server.flask(
        "users",
        "create",
        usernames["editor"],
        "--role",
        "editor",
        "--department-id",
        str(a),
        "--name",
        f"甲部门编辑{tag}",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    live_server.flask(
        "users",
        "create",
        usernames["reviewer"],
        "--role",
        "reviewer",
        "--reviews",
        str(a),
        "--name",
        f"审核人{tag}",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    live_server.flask(
        "users",
        "create",
        usernames["admin"],
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    world = Console(tag, a, b, usernames)
    # Rows are written through the API with one admin token (each `flask` command is a process
    # start); what the tests check is the console, not who typed the rows.
    world.rows["new"] = _submitted_item(admin_api, a, f"浏览器审核新事项{tag}")
    revised = _submitted_item(admin_api, a, f"浏览器修订事项{tag}", consult_phone="0766-1234567")
    _step(admin_api, revised, "approve")
    etag = admin_api.get(f"/api/v1/service-items/{revised['id']}").headers["etag"]
    patched = admin_api.patch(
        f"/api/v1/service-items/{revised['id']}",
        data=json.dumps({"consult_phone": "0766-7654321"}),
        headers={"Content-Type": "application/json", "If-Match": etag},
    )
    assert patched.status == 202, patched.text()
    _step(admin_api, revised, "submit")
    world.rows["revised"] = revised
    world.rows["other"] = _submitted_item(admin_api, b, f"乙部门待审事项{tag}")
    admin_api.dispose()
    yield world
    for context in world.contexts.values():
        context.close()


@pytest.fixture(scope="session")
def signed_in(console: Console, browser: Browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    """signed_in(role) → a page in that person's signed-in context (one sign-in per person)."""

    def page_of(role: str):  # type: ignore[no-untyped-def]
        if role not in console.contexts:
            page = new_page(browser)
            page.goto(live_server.url + "/login")
            page.get_by_label("用户名").fill(console.usernames[role])
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(live_server.url + "/console")
            console.contexts[role] = page.context
            return page
        return console.contexts[role].new_page()

    return page_of


@pytest.fixture(scope="session")
def department_editors(
    live_server: LiveServer,
) -> tuple[console_accounts.Staff, console_accounts.Staff]:
    """Editors of the first two departments with published 服务事项, made once per worker (each
    account is a `flask users create` process start)."""
    first, second = console_accounts.departments(live_server, 2)
    return console_accounts.editor(live_server, first), console_accounts.editor(live_server, second)
