"""Browser tests: Debian's Chromium driven by Playwright for Python against a live gunicorn.

Playwright cannot download browsers on this network, so it launches the Chromium that `make`
installs from Debian (/usr/bin/chromium). Each test gets a fresh browser context at a desktop
(1366×900) or phone (390×844) size; screenshots land in test-artifacts/browser/ (ignored by git).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, sync_playwright

from tests.browser.server import REPOSITORY, LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium keeps dialling Google's hosts, which this
# machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
ARTIFACTS = REPOSITORY / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The 云城区 demo served by gunicorn, as `make run` serves it."""
    server = LiveServer(tmp_path_factory.mktemp("live-server"))
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make install-dev` (installs Debian's chromium)",
            pytrace=False,
        )
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def new_page(browser: Browser, size: str = "desktop") -> Page:
    """A page in a fresh context (no cookies) at the given size, in Chinese."""
    context = browser.new_context(
        viewport=SIZES[size],
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=size == "phone",
        has_touch=size == "phone",
    )
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def page(browser: Browser, size: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page at each size; a screenshot of where it ended is kept as an artifact."""
    opened = new_page(browser, size)
    yield opened
    screenshot(opened, request.node.name)
    opened.context.close()


def type_for_suggestions(page: Page, box: Locator, text: str) -> None:
    """Type ``text`` key by key, as a person does, and return once the suggestions for all of it
    have arrived. The box asks 120 ms after a key: on a loaded machine a shorter prefix may be
    asked and shown first, and the whole text's answer, shown when it comes, starts the list
    afresh (nothing selected, open again) under the keys a test presses next."""
    wanted = f"/api/v1/suggest?q={quote(text)}&"
    with page.expect_response(lambda response: wanted in response.url):
        box.press_sequentially(text, delay=30)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^0-9A-Za-z_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# The console tests' shared setup, registered here once for the directory (see console_fixtures.py):
# imported at the end, since console_fixtures.py imports new_page from this module.
from tests.browser.console_fixtures import (  # noqa: E402, F401
    admin_token,
    console_world,
    department_editors,
)
