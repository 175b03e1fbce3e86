"""A citizen in Chromium: picks an item from the suggestion combobox by keyboard and reads its
guide, is told when results are relaxed or empty, and on a phone reaches the first hit without
scrolling past the filters. Pages must also work without JavaScript."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import SIZES, new_page, screenshot, type_for_suggestions

# No 普通护照签发 in the 云城区 seed: 出生登记 and 出生医学证明签发 are what "chusheng" completes to.
PINYIN, FIRST_SUGGESTION = "chusheng", "出生"


def search_url(live_server, query: str) -> str:
    return f"{live_server.url}/search?q={quote(query)}"


def searched(browser: Browser, live_server, size: str, query: str) -> Page:
    """A new page of ``size`` showing the results of ``query``."""
    page = new_page(browser, size)
    page.goto(search_url(live_server, query))
    return page


def test_a_citizen_picks_a_suggestion_by_keyboard_and_reads_its_guide(
    page: Page, live_server
) -> None:
    page.goto(live_server.url + "/")
    box = page.get_by_role("combobox", name="搜索事项")
    type_for_suggestions(page, box, PINYIN)
    listbox = page.get_by_role("listbox", name="搜索建议")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text(FIRST_SUGGESTION)
    count = options.count()
    assert count >= 2
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status")).to_have_text(re.compile(f"有 {count} 条建议"))
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    expect(box).to_have_attribute("aria-activedescendant", str(first.get_attribute("id")))
    expect(box).to_be_focused()
    name = first.locator("span").first.inner_text()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/items/service/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("link", name=re.compile("在线办理"))).to_be_visible()
    how = page.locator("section.apply")
    for label in ("办理地点", "办理时间", "承诺办结时限", "到办事现场次数", "办理结果"):
        expect(how).to_contain_text(label)
    expect(page.get_by_role("columnheader", name="份数")).to_be_attached()


def test_initials_are_suggested_as_the_server_gives_them_and_escape_closes(
    browser: Browser, live_server
) -> None:
    """sfz matches no letter of 居民身份证换领: a <datalist> would have shown nothing."""
    page = searched(browser, live_server, "desktop", "食品")
    box = page.get_by_role("combobox", name="搜索事项")
    box.fill("")
    type_for_suggestions(page, box, "sfz")
    options = page.get_by_role("listbox", name="搜索建议").get_by_role("option")
    expect(options.first).to_contain_text("身份证")
    assert all("sfz" not in text for text in options.all_inner_texts())
    box.press("Escape")
    expect(page.get_by_role("listbox", name="搜索建议")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Enter")  # no option chosen: a plain search
    expect(page).to_have_url(search_url(live_server, "sfz"))
    expect(page.locator(".hits .hit").first).to_contain_text("身份证")
    page.context.close()


def test_without_javascript_the_box_is_a_plain_search_form(browser: Browser, live_server) -> None:
    context = browser.new_context(
        viewport=SIZES["phone"], locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    box = page.get_by_role("searchbox", name="搜索事项")
    box.fill("身份证")
    box.press("Enter")
    expect(page.locator(".hits .hit").first).to_contain_text("身份证")
    context.close()


def test_a_query_with_no_exact_match_shows_relaxed_results_and_suggestions(
    page: Page, live_server
) -> None:
    page.goto(search_url(live_server, "规村"))
    expect(page.get_by_role("heading", name=re.compile("放宽条件后找到"))).to_be_visible()
    expect(page.locator(".notice.relaxed")).to_contain_text("没有与“规村”完全一致的事项")
    suggestion = page.locator(".did-you-mean a")
    expect(suggestion).to_contain_text("乡村建设规划许可证核发")
    expect(page.locator(".hits .hit").first).to_contain_text("乡村建设规划许可证核发")
    page.goto(search_url(live_server, "社保咔"))
    page.locator(".did-you-mean a", has_text="社保卡").click()
    expect(page).to_have_url(search_url(live_server, "社保卡"))
    expect(page.locator(".hits .hit").first).to_contain_text("社会保障卡")
    page.goto(search_url(live_server, "qwzxqwzx"))
    expect(page.locator(".notice.zero")).to_contain_text("没有找到与“qwzxqwzx”相关的事项")


def test_hits_name_their_lists_and_service_facts(browser: Browser, live_server) -> None:
    page = searched(browser, live_server, "desktop", "居民身份证换领")
    hit = page.locator(".hits .hit").first
    expect(hit.locator("h3")).to_have_text("居民身份证换领")
    expect(hit.locator(".lists")).to_have_text(re.compile("办事服务.*权责"))  # the twin is one hit
    expect(hit.locator(".hit-facts")).to_contain_text(re.compile(r"承诺 \d+ 个工作日"))
    expect(hit.locator(".hit-facts")).to_contain_text(re.compile(r"跑动 \d+ 次"))
    assert page.locator(".hits h3", has_text=re.compile("^居民身份证换领$")).count() == 1
    expect(
        page.get_by_role("link", name=re.compile("^云浮市公安局云城分局"))
    ).to_be_visible()  # filters open on a desktop
    hit.locator("h3 a").click()
    page.get_by_role("link", name="同时列入权责清单").click()  # the guide names its twin, both ways
    expect(page).to_have_url(re.compile(r"/items/power/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("居民身份证换领")
    page.get_by_role("link", name=re.compile("办事指南")).click()
    expect(page).to_have_url(re.compile(r"/items/service/\d+$"))
    page.context.close()


def test_a_phone_reaches_the_first_result_without_scrolling_past_the_filters(
    browser: Browser, live_server
) -> None:
    page = searched(browser, live_server, "phone", "身份证")
    height = SIZES["phone"]["height"]
    first = page.locator(".hits .hit").first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= height, first
    toggle = page.locator("details.filters > summary")
    expect(toggle).to_be_visible()
    facet = page.get_by_role("link", name=re.compile("^云浮市公安局云城分局"))
    expect(facet).to_be_hidden()
    assert page.locator("[autofocus]").count() == 0  # no keyboard popping up over the results
    brand = page.locator("header.site .brand").bounding_box()
    assert brand is not None and brand["height"] < 2 * 24 <= brand["width"], (
        brand
    )  # 清单 on one line
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到搜索结果")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()
    toggle.click()
    expect(facet).to_be_visible()
    small = page.evaluate(
        """() => [...document.querySelectorAll('header a, .facet a, .hits h3 a, .chosen a, .pager a, summary')]
              .filter(e => e.getClientRects().length && e.getBoundingClientRect().height < 24)
              .map(e => e.textContent.trim())"""
    )
    assert small == []
    screenshot(page, "phone_search_filters_open")
    page.context.close()


def test_a_wide_guide_table_scrolls_inside_its_box_on_a_phone(
    browser: Browser, live_server
) -> None:
    page = searched(browser, live_server, "phone", "食品经营许可")
    page.locator(".hits .hit h3 a").first.click()
    table = page.locator(".table-scroll")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]
    assert table.evaluate("box => box.scrollWidth > box.clientWidth")
    page.context.close()


def test_the_favicon_is_the_apps_and_never_404(page: Page, live_server) -> None:
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(live_server.url + "/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href and href.startswith("/static/")
    for path in (href, "/favicon.ico"):
        icon = page.request.get(live_server.url + path)
        assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml"), path
    assert failed == []
