"""Citizens' pages in Chromium at desktop and phone sizes: a search reaches a guide, and every
page passes axe-core with no serious or critical violation."""

from __future__ import annotations

import json
import re
import secrets
import urllib.request
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser.conftest import SIZES, type_for_suggestions
from tests.browser.console_fixtures import _api

PUBLIC_PAGES = {
    "home": "/",
    "results": "/search?q=" + quote("食品经营"),
    "no_results": "/search?q=" + quote("不存在的事项名称"),
    "relaxed_results": "/search?q=" + quote("规村"),
    "filtered_results": "/search?q=" + quote("身份证") + "&instant=false",
    "figures": "/figures",
    "login": "/login",
}


def test_a_citizen_searches_and_reads_a_guide(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    box = page.get_by_label("搜索事项")
    box.fill("食品经营许可")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/search?q={quote('食品经营许可')}")
    first = page.locator("main a[href^='/items/']").first
    name = first.inner_text()
    assert "食品" in name
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


# axe walks a page at each size where its layout changes at phone width: the results pages
# (site.css stacks .results-layout and folds the filters into a <details> at 48rem and below).
# Home and login only reflow (no media query applies to them), so a phone walk would check the
# same elements with the same styles again: they are walked at the desktop size only. /figures
# is walked at both sizes, and checked to fit the screen, by test_figures_pages.py.
PHONE_LAYOUTS = ("results", "no_results", "relaxed_results", "filtered_results")
AXE_WALKS = [(name, size) for name in PHONE_LAYOUTS for size in SIZES] + [
    ("home", "desktop"),
    ("login", "desktop"),
]


@pytest.mark.parametrize(("name", "size"), AXE_WALKS)
def test_public_pages_pass_axe(page: Page, live_server, name: str) -> None:
    response = page.goto(live_server.url + PUBLIC_PAGES[name])
    assert response is not None and response.ok
    assert axe.blocking(page) == []


# The guide of each list, found through the API (a service item with a 权责 twin and materials).
GUIDE_QUERIES = {"service": "居民身份证换领", "power": "", "supervision": "", "devolved": ""}


@pytest.fixture(scope="module")
def guides(live_server) -> dict[str, str]:
    paths = {}
    for kind, text in GUIDE_QUERIES.items():
        url = f"{live_server.url}/api/v1/search?facets=none&per_page=50&kind={kind}&q={quote(text)}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            ids = [hit["id"] for hit in json.load(answer)["hits"] if hit["kind"] == kind]
        paths[kind] = "/items/" + ids[0].replace(":", "/")  # the list's own row, not a twin's hit
    return paths


@pytest.mark.parametrize("kind", list(GUIDE_QUERIES))
def test_guides_pass_axe(page: Page, live_server, guides: dict[str, str], kind: str) -> None:
    response = page.goto(live_server.url + guides[kind])
    assert response is not None and response.ok
    assert axe.blocking(page) == []


@pytest.mark.parametrize("size", ["desktop"])  # the home page: one layout (above)
def test_the_open_suggestion_list_passes_axe(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    box = page.get_by_role("combobox", name="搜索事项")
    type_for_suggestions(page, box, "sfz")
    expect(page.get_by_role("option").first).to_be_visible()
    box.press("ArrowDown")
    expect(page.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    assert axe.blocking(page) == []


@pytest.mark.parametrize("size", ["desktop"])
def test_pages_load_every_asset_from_the_app(page: Page, live_server) -> None:
    """No request leaves the app (no CDN) and none fails. One size: no asset depends on the
    viewport (no srcset, no url() in a media query of site.css)."""
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    for path in PUBLIC_PAGES.values():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    assert failed == []


@pytest.fixture(scope="module")
def full_guide(playwright, live_server, admin_token) -> str:
    """A published guide with a result, a sample form and a question (the demo has none)."""
    tag = secrets.token_hex(3)
    api = _api(playwright, live_server, admin_token)
    department = api.get("/api/v1/service-items?per_page=1").json()["items"][0]["department_id"]
    body = {
        "name": f"测试样表事项{tag}",
        "item_type": "01",
        "department_id": department,
        "status": "published",
        "result_name": "测试许可证",
        "result_sample_url": "https://zwfw.example.cn/samples/xkz.pdf",
        "materials": [
            {
                "name": "申请表",
                "blank_form_url": "https://zwfw.example.cn/forms/sqb.docx",
                "sample_form_url": "https://zwfw.example.cn/forms/sqb-sample.pdf",
            }
        ],
        "faqs": [{"question": "可以委托他人办理吗？", "answer": "可以，需提交授权委托书。"}],
    }
    created = api.post(
        "/api/v1/service-items", data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert created.ok, created.text()
    path = f"/items/service/{created.json()['id']}"
    api.dispose()
    return path


def test_a_guide_with_a_result_sample_forms_and_questions(
    page: Page, live_server, full_guide: str
) -> None:
    page.goto(live_server.url + full_guide)
    expect(page.locator(".apply-facts")).to_contain_text("测试许可证")
    expect(page.get_by_role("link", name=re.compile(r"示例样表\s*：申请表"))).to_have_attribute(
        "href", "https://zwfw.example.cn/forms/sqb-sample.pdf"
    )
    answer = page.get_by_text("可以，需提交授权委托书。")
    expect(answer).to_be_hidden()
    page.get_by_text("可以委托他人办理吗？").click()
    expect(answer).to_be_visible()
    assert axe.blocking(page) == []
