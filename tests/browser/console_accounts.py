"""Staff accounts on the live server for the console's browser tests: created with the CLI an
operator uses, each with a unique name (the server is shared by every browser test)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, expect

PASSWORD = "browser-tests-password"


@dataclass(frozen=True)
class Staff:
    username: str
    department_id: int
    department_name: str


def api(live_server: Any, path: str) -> Any:
    with urllib.request.urlopen(live_server.url + path, timeout=10) as response:
        return json.load(response)


def departments(live_server: Any, count: int) -> list[dict[str, Any]]:
    """Seeded departments that have published 服务事项 and 权责事项, the first ``count`` of them.
    Both: other browser tests publish 服务事项 into the shared demo, which must not make a
    department without 权责事项 (which the pickers offer) come first."""
    found = []
    for organization in api(live_server, "/api/v1/organizations?kind=department&per_page=100")[
        "items"
    ]:
        if all(
            api(live_server, f"/api/v1/{rows}?department_id={organization['id']}&per_page=1")[
                "total"
            ]
            for rows in ("service-items", "power-items")
        ):
            found.append(organization)
        if len(found) == count:
            return found
    raise AssertionError("the seed has too few departments with service items")


def editor(live_server: Any, department: dict[str, Any]) -> Staff:
    username = f"editor-{uuid.uuid4().hex[:8]}"
    live_server.flask(
        "users",
        "create",
        username,
        "--role",
        "editor",
        "--department-id",
        str(department["id"]),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return Staff(username, department["id"], department["name"])


# The cookies of each person's first sign-in, per worker: a sign-in is a scrypt check on the
# server and a page load, and the sign-in form itself is tested where it is the subject
# (tests/test_sessions_and_secrets.py, the first sign-in of each person here).
_signed_in: dict[tuple[str, str], list[Any]] = {}


def sign_in(page: Page, live_server: Any, staff: Staff) -> None:
    """Sign ``staff`` in on this page's (fresh) context: through the form the first time in this
    worker, then with that session's cookie, unless the session has ended (signed out, deactivated)."""
    key = (live_server.url, staff.username)
    if key in _signed_in:
        page.context.add_cookies(_signed_in[key])
        page.goto(live_server.url + "/console")
        if page.url == live_server.url + "/console":
            expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
            return
        del _signed_in[key]  # the session ended: sign in again below
    page.goto(live_server.url + "/login")
    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    _signed_in[key] = page.context.cookies()
