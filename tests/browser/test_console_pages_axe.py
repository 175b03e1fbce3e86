"""Every console page, as the person who uses it: axe-core finds no serious or critical
violation, and the keyboard alone reaches every form control.

To add a page, add a line to CONSOLE_PAGES: (who opens it, its path; {new}, {revised} and
{other} stand for the ids of the fixtures' rows)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser import axe
from tests.browser.console_fixtures import console, signed_in  # noqa: F401 - fixtures

CONSOLE_PAGES: dict[str, tuple[str, str]] = {
    "queue_editor": ("editor", "/console"),
    "queue_reviewer": ("reviewer", "/console"),
    "review_new": ("reviewer", "/console/review/service-items/{new}"),
    "review_revision": ("editor", "/console/review/service-items/{revised}"),
    "preview": ("reviewer", "/console/review/service-items/{revised}/preview"),
    "audit": ("admin", "/console/audit"),
    "audit_filtered": ("admin", "/console/audit?entity_type=service_item&page=2"),
    "admin_users": ("admin", "/console/admin/users"),
    "admin_tokens": ("admin", "/console/admin/tokens"),
}
CONTROLS = "input:not([type=hidden]), select, textarea, button"


def _open(console, signed_in, live_server, name: str) -> Page:  # noqa: F811
    role, path = CONSOLE_PAGES[name]
    page = signed_in(role)
    ids = {key: row["id"] for key, row in console.rows.items()}
    response = page.goto(live_server.url + path.format(**ids))
    assert response is not None and response.ok, (name, response and response.status)
    return page


@pytest.mark.parametrize("name", list(CONSOLE_PAGES))
def test_console_pages_pass_axe(console, signed_in, live_server, name: str) -> None:  # noqa: F811
    page = _open(console, signed_in, live_server, name)
    assert axe.blocking(page) == [], name
    page.close()


@pytest.mark.parametrize("name", list(CONSOLE_PAGES))
def test_the_keyboard_reaches_every_form_control(
    console,  # noqa: F811 - the fixture
    signed_in,  # noqa: F811 - the fixture
    live_server,
    name: str,
) -> None:
    page = _open(console, signed_in, live_server, name)
    total = page.evaluate(
        """selector => { const found = [...document.querySelectorAll(selector)].filter(e => !e.disabled);
           found.forEach((e, i) => e.setAttribute('data-kb', i)); return found.length; }""",
        CONTROLS,
    )
    stops = page.locator(f"a[href], summary, {CONTROLS}").count()
    reached: set[str] = set()
    for _ in range(stops + 5):
        page.keyboard.press("Tab")
        mark = page.evaluate(
            "() => document.activeElement && document.activeElement.getAttribute('data-kb')"
        )
        if mark is not None:
            reached.add(mark)
    assert len(reached) == total, (name, total - len(reached), "controls the Tab key never reached")
    page.close()
