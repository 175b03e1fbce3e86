"""Department editors in Chromium: fill in a 服务事项, meet a rule at its field, correct it,
save and submit; never reach another department's rows; the console's form and import pages
pass axe-core, and every form control is reached with the keyboard alone."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import axe
from tests.browser.conftest import SIZES, new_page, screenshot
from tests.browser.console_accounts import PASSWORD, Staff, api, sign_in


@pytest.fixture
def staff(department_editors) -> tuple[Staff, Staff]:
    return department_editors


@pytest.fixture
def desktop(browser: Browser, request: pytest.FixtureRequest):
    opened = new_page(browser)
    yield opened
    screenshot(opened, request.node.name)
    opened.context.close()


def _new_item(page: Page, live_server, name: str) -> None:
    page.goto(live_server.url + "/console/new/service-items")
    page.get_by_label("事项名称").fill(name)
    page.get_by_label("事项类型").select_option("01")


def test_an_editor_meets_the_instant_rule_at_its_field_corrects_it_saves_and_submits(
    desktop: Page, live_server, staff
) -> None:
    ours, _ = staff
    sign_in(desktop, live_server, ours)
    name = f"浏览器即办事项{uuid.uuid4().hex[:6]}"
    _new_item(desktop, live_server, name)
    desktop.get_by_label("办件类型").select_option("1")
    desktop.get_by_label("法定办结时限", exact=True).fill("20")
    promised = desktop.get_by_label("承诺办结时限", exact=True)
    promised.fill("3")
    desktop.get_by_role("button", name="保存", exact=True).click()

    expect(desktop.locator("#f-promised_time_limit-problem-1")).to_have_text(
        "即办件的承诺办结时限必须为0。"
    )
    expect(promised).to_have_attribute("aria-invalid", "true")
    expect(desktop.get_by_label("事项名称")).to_have_value(name)  # nothing typed is lost
    expect(desktop.get_by_label("办件类型")).to_have_value("1")
    expect(desktop.get_by_role("alert")).to_contain_text("承诺办结时限")
    assert axe.blocking(desktop) == []  # the form with its messages, too

    promised.fill("0")
    desktop.get_by_role("button", name="保存", exact=True).click()
    expect(desktop.get_by_role("status").first).to_contain_text("已保存")
    expect(desktop.locator("p.status")).to_contain_text("草稿")
    expect(desktop.locator("#f-is_charged-note-1")).to_contain_text(
        "未填报"
    )  # completeness, beside its field
    assert axe.blocking(desktop) == []  # the saved draft's form, with its notes and steps

    edit_url = desktop.url
    desktop.get_by_role("button", name="提交审核").click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text("工作台")
    expect(desktop.get_by_role("status").first).to_contain_text("已提交审核")
    desktop.goto(edit_url)
    expect(desktop.locator("p.status")).to_contain_text("待审核")


def test_an_editor_cannot_reach_another_departments_rows(
    browser: Browser, live_server, staff
) -> None:
    ours, theirs = staff
    other = new_page(browser)
    sign_in(other, live_server, theirs)
    draft_name = f"他部门草稿{uuid.uuid4().hex[:6]}"
    _new_item(other, live_server, draft_name)
    other.get_by_role("button", name="保存", exact=True).click()
    expect(other.get_by_role("status").first).to_contain_text("已保存")
    draft_edit = other.url
    other.context.close()
    published = api(
        live_server, f"/api/v1/service-items?department_id={theirs.department_id}&per_page=1"
    )["items"][0]

    page = new_page(browser)
    sign_in(page, live_server, ours)
    hidden = page.goto(draft_edit)
    assert hidden is not None and hidden.status == 404
    expect(page.get_by_role("alert")).to_contain_text("不存在")
    for path in (
        f"/console/service-items/{published['id']}/edit",
        f"/console/service-items/{published['id']}/preview",
    ):
        refused = page.goto(live_server.url + path)
        assert refused is not None and refused.status == 403, path
        expect(page.get_by_role("alert")).to_contain_text("没有权限")
    page.goto(live_server.url + "/console/service-items")
    expect(page.get_by_role("main")).not_to_contain_text(draft_name)
    expect(page.get_by_role("main")).not_to_contain_text(published["name"])
    screenshot(page, "console_other_department_refused")
    page.context.close()


CONSOLE_PAGES = {
    "form_lists": "/console/new",
    "service_item_form": "/console/new/service-items",
    "power_item_form": "/console/new/power-items",
    "devolved_item_form": "/console/new/devolved-items",
    "supervision_item_form": "/console/new/supervision-items",
    "inspection_list_form": "/console/new/inspection-lists",
    "bundle_form": "/console/new/bundles",
    "rows": "/console/service-items",
    "import_lists": "/console/import",
    "import": "/console/service-items/import",
}


def test_console_form_pages_pass_axe(desktop: Page, live_server, staff) -> None:
    sign_in(desktop, live_server, staff[0])
    found = {}
    for name, path in CONSOLE_PAGES.items():
        response = desktop.goto(live_server.url + path)
        assert response is not None and response.ok, path
        found[name] = axe.blocking(desktop)
    assert found == {name: [] for name in CONSOLE_PAGES}


@pytest.mark.parametrize("path", ["/console/new/service-items", "/console/service-items/import"])
def test_the_keyboard_alone_reaches_every_control_of_the_form(
    desktop: Page, live_server, staff, path: str
) -> None:
    sign_in(desktop, live_server, staff[0])
    desktop.goto(live_server.url + path)
    controls = desktop.eval_on_selector_all(
        "main form input:not([type=hidden]), main form select, main form textarea, main form button",
        "nodes => nodes.map(n => n.id || n.name + '=' + n.value)",
    )
    reached = set()
    desktop.locator("body").focus()
    for _ in range(len(controls) + 40):
        desktop.keyboard.press("Tab")
        reached.add(
            desktop.evaluate(
                "() => { const n = document.activeElement; return n.id || n.name + '=' + n.value; }"
            )
        )
    assert controls and set(controls) - reached == set()


def test_an_editor_picks_a_power_and_a_legal_basis_by_keyboard(
    desktop: Page, live_server, staff
) -> None:
    ours, theirs = staff
    power = api(live_server, f"/api/v1/power-items?department_id={ours.department_id}&per_page=1")[
        "items"
    ][0]
    foreign = api(
        live_server, f"/api/v1/power-items?department_id={theirs.department_id}&per_page=1"
    )["items"]
    sign_in(desktop, live_server, ours)
    name = f"浏览器选择依据{uuid.uuid4().hex[:6]}"
    _new_item(desktop, live_server, name)
    desktop.get_by_label("办件类型").select_option("1")
    desktop.get_by_label("法定办结时限", exact=True).fill("20")
    desktop.get_by_label("承诺办结时限", exact=True).fill("0")

    picker = desktop.locator("#f-power_item_id")
    expect(picker).to_have_attribute("role", "combobox")
    picker.focus()
    picker.press_sequentially(power["name"][:4], delay=30)
    options = desktop.get_by_role("listbox", name=re.compile("可选的记录")).get_by_role("option")
    expect(options.first).to_be_visible()
    offered = options.all_inner_texts()
    assert all(
        f"（编号 {row['id']}）" not in " ".join(offered) for row in foreign
    )  # B's powers are not offered
    picker.press("ArrowDown")
    expect(picker).to_have_attribute(
        "aria-activedescendant", str(options.first.get_attribute("id"))
    )
    chosen = options.first.locator("span").first.inner_text()
    picker.press("Enter")
    expect(picker).to_have_value(chosen)
    expect(picker).to_have_attribute("aria-expanded", "false")

    finder = desktop.get_by_role("combobox", name=re.compile("查找并添加"))
    finder.press_sequentially("法律援助", delay=30)
    expect(
        desktop.get_by_role("listbox", name=re.compile("可选的记录"))
        .last.get_by_role("option")
        .first
    ).to_contain_text("法律援助条例")
    assert axe.blocking(desktop) == []  # the form with a picker's list open
    finder.press("ArrowDown")
    finder.press("Enter")
    expect(desktop.locator("#f-legal_basis_ids")).to_have_value(
        re.compile(r"^法律援助条例（编号 \d+）$")
    )
    expect(finder).to_have_value("")

    desktop.get_by_role("button", name="保存", exact=True).click()
    expect(desktop.get_by_role("status").first).to_contain_text("已保存")
    expect(desktop.locator("#f-power_item_id")).to_have_value(chosen)
    expect(desktop.locator("#f-legal_basis_ids")).to_have_value(re.compile("法律援助条例"))


def test_sign_out_stays_on_one_line_on_a_phone_with_a_long_name(
    browser: Browser, live_server, staff
) -> None:
    long_named = Staff(
        f"editor-{uuid.uuid4().hex[:8]}", staff[0].department_id, staff[0].department_name
    )
    live_server.flask(
        "users",
        "create",
        long_named.username,
        "--role",
        "editor",
        "--name",
        "云城区市场监督管理局行政审批科科长同志",
        "--department-id",
        str(long_named.department_id),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    phone = new_page(browser, "phone")
    sign_in(phone, live_server, long_named)
    sign_out = phone.get_by_role("button", name=re.compile("^退出（云城区"))
    box = sign_out.bounding_box()
    assert box is not None and box["height"] < 48, box  # one line of text, not two
    assert box["x"] + box["width"] <= SIZES["phone"]["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]
    screenshot(phone, "console_sign_out_on_a_phone")
    phone.context.close()
