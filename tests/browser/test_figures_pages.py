"""The auditors' dashboard in Chromium: the report's figures with their rounding rules, the rows
behind 即办件占比 as a table, its export downloaded and read back, and axe-core on each page at
desktop and phone sizes with no table wider than the screen outside its own scroll box."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser.conftest import new_page
from tests.browser.console_fixtures import _api

# Every table fits the viewport or sits in a scroll container that does, and the page itself
# does not scroll sideways (the layout viewport stays the screen's width).
WIDE_TABLES = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > window.innerWidth || width > screen.width) return ['page'];
  return [...document.querySelectorAll('table')].filter(table => {
    const box = table.closest('.table-scroll');
    const outer = box || table;
    return outer.getBoundingClientRect().width > width + 1
      || (!box && table.scrollWidth > width + 1);
  }).map(table => table.id || table.querySelector('caption, th')?.textContent || '?');
}"""


def test_an_auditor_checks_figures_drills_down_and_exports(page: Page, live_server) -> None:
    page.goto(live_server.url + "/figures")
    expect(page.locator("#moment")).to_contain_text(
        re.compile(r"计算于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）")
    )
    # The report's figures as of its year end: the live ones move as other browser tests
    # publish items into the shared demo server.
    page.goto(live_server.url + "/figures?as_of=2020-12-31")
    expect(page.locator("#moment")).to_contain_text("截至 2020-12-31")
    instant = page.locator("#figure-instant_share")
    expect(instant).to_contain_text("423 / 443")
    expect(instant).to_contain_text("95.48%")
    assert re.search(
        r"95\.48%\s*截断（DOWN）", instant.inner_text()
    )  # the report's figure and its rule
    completion = page.locator("#figure-inspection_list_completion")
    assert re.search(r"99\.21%\s*四舍五入（HALF_UP）", completion.inner_text())
    expect(completion).to_contain_text("502 / 506")

    instant.get_by_role("link", name=re.compile("分子明细")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("即办件占比：分子")
    expect(page.get_by_text("共 423 条")).to_be_visible()
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(50)  # a page of 50
    first = rows.first.locator("td")
    assert first.nth(1).inner_text() == "即办件"  # labels, not codes
    assert first.nth(0).inner_text().startswith("云浮市")  # the department's name, not its id

    page.locator("#rows thead").get_by_role("link", name="部门").click()
    expect(page.locator("#rows thead th[aria-sort='ascending']")).to_contain_text("部门")
    departments = page.locator("#rows tbody tr td:first-of-type").all_inner_texts()
    assert departments == sorted(departments)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV 文本（csv）").click()
    data = download.value.path().read_bytes()
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["名称", "部门", "办件类型"]
    assert len(table) == 1 + 423 and {row[2] for row in table[1:]} == {"即办件"}
    shown = page.locator("#rows tbody tr th").first.inner_text()
    assert shown in {row[0] for row in table[1:]}


def test_an_auditor_opens_the_rows_behind_a_completeness_figure(
    browser, playwright, live_server, admin_token
) -> None:
    # The demo is complete: publish an item without its 办理地点 (a unique name: the server is shared).
    tag = secrets.token_hex(3)
    api = _api(playwright, live_server, admin_token)
    department = api.get("/api/v1/service-items?per_page=1").json()["items"][0]["department_id"]
    name = f"缺办理地点的事项{tag}"
    body = {"name": name, "item_type": "01", "department_id": department, "status": "published"}
    assert api.post(
        "/api/v1/service-items", data=json.dumps(body), headers={"Content-Type": "application/json"}
    ).ok

    page = new_page(browser)
    page.goto(live_server.url + "/figures")
    page.get_by_role("link", name=re.compile(r"缺项记录\s*：政务服务事项实施清单")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "实施清单要素完整率：缺少任一必填要素的记录"
    )
    page.get_by_role("navigation", name="按缺少的要素").get_by_role(
        "link", name="办理地点", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "实施清单要素完整率：缺少“办理地点”的记录"
    )
    headers = page.locator("#rows thead th").all_inner_texts()
    assert [h.rstrip(" ↑↓") for h in headers] == ["名称", "部门", "缺少的必填要素"]
    ours = page.locator("#rows tbody tr", has=page.get_by_role("link", name=name))
    expect(ours.locator("td").last).to_contain_text("办理地点")  # element labels, not keys
    expect(ours.locator("td").last).to_contain_text("是否收费")
    page.locator("#rows thead").get_by_role("link", name="部门").click()
    expect(page.locator("#rows thead th[aria-sort='ascending']")).to_contain_text("部门")
    total = int(re.search(r"共 (\d+) 条", page.locator("main").inner_text()).group(1))
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV 文本（csv）").click()
    table = list(csv.reader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    assert table[0] == ["名称", "部门", "缺少的必填要素"] and len(table) == 1 + total
    assert any(row[0] == name and "办理地点" in row[2] for row in table[1:])
    page.context.close()
    api.dispose()


def test_a_figure_page_has_its_charts_and_their_numbers(page: Page, live_server) -> None:
    page.goto(live_server.url + "/figures/instant_share")
    charts = page.locator("svg[role='img']")
    expect(charts).to_have_count(2)
    expect(charts.first.locator("title")).to_have_text("即办件占比的变化")
    expect(page.locator("table").first).to_contain_text("2020-12-31")  # the report's as-of date
    expect(page.locator("table").first).to_contain_text("423/443")
    departments = page.locator("table").nth(1).locator("tbody tr")
    assert departments.count() > 10
    assert "%" in departments.first.locator("td").first.inner_text()


DASHBOARD_PAGES = {
    "figures": "/figures",
    "figure": "/figures/instant_share",
    "drill_down": "/figures/instant_share/rows?part=excluded",
    "completeness_rows": "/figures/completeness/service-items/rows?sort=-department",
}


@pytest.mark.parametrize("name", list(DASHBOARD_PAGES))
def test_dashboard_pages_pass_axe_and_fit_the_screen(page: Page, live_server, name: str) -> None:
    response = page.goto(live_server.url + DASHBOARD_PAGES[name])
    assert response is not None and response.ok
    assert axe.blocking(page) == []
    assert page.evaluate(WIDE_TABLES) == []
