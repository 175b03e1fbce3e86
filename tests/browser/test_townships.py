"""按镇街办事 in Chromium: a citizen reaches 腰古镇's items from the home page, and the township
pages pass axe-core at desktop and phone sizes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser.test_figures_pages import WIDE_TABLES


def test_a_citizen_finds_the_items_of_yaogu_from_the_home_page(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="按镇街办事").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("按镇街办事")
    page.get_by_role("link", name="腰古镇", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("在腰古镇办事")

    items = page.locator("ul.township-items > li > a:first-child")
    names = items.all_inner_texts()
    for name in (
        "农村村民宅基地审批",
        "临时救助审批",
        "最低生活保障审核确认",
        "乡村建设规划许可证核发",
    ):
        assert name in names
    assert not [
        n for n in names if n.endswith("的处罚")
    ]  # 处罚 is done to citizens, not applied for
    assert "临时占用城市道路审批" not in names  # devolved to the streets only

    centre = page.locator("section.centre")
    expect(centre.get_by_role("heading")).to_have_text("腰古镇便民服务中心")
    # the demo data give no 便民服务中心 for the towns: each fact says so instead of staying blank
    expect(centre.locator("dd .unknown")).to_have_count(3)

    entry = page.locator("ul.township-items > li").filter(
        has=page.get_by_role("link", name="临时占道经营审批", exact=True)
    )
    expect(entry).to_contain_text("由云浮市云城区城市管理和综合执法局下放")
    entry.get_by_role("link", name=re.compile("办事指南")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("临时占道经营审批")
    page.go_back()
    page.get_by_role("link", name="临时占道经营审批", exact=True).click()
    where = page.locator("section.apply")
    expect(where).to_contain_text("云浮市云城区政务服务中心")
    expect(where.get_by_role("link", name="12345")).to_have_attribute("href", "tel:12345")
    expect(where.get_by_role("link", name="办事指南：临时占道经营审批")).to_be_visible()


@pytest.mark.parametrize("name", ["index", "township"])
def test_township_pages_pass_axe_and_fit_the_screen(page: Page, live_server, name: str) -> None:
    page.goto(live_server.url + "/townships")
    if name == "township":
        page.get_by_role("link", name="腰古镇", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("在腰古镇办事")
    assert axe.blocking(page) == []
    assert page.evaluate(WIDE_TABLES) == []
