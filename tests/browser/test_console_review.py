"""The review console in Chromium: a reviewer works the queue, reads the diff of a revision,
rejects it with a reason and approves a new item; the editor reads the reason; a citizen finds
the approved item; an editor of department A reaches none of B's rows."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.console_fixtures import console, signed_in  # noqa: F401 - fixtures

SEARCH_TRIES = (
    20  # the server indexes after each write's response is sent: a few page loads at most
)


def test_a_reviewer_rejects_a_revision_approves_an_item_and_the_public_finds_it(
    console,  # noqa: F811 - the fixture
    signed_in,  # noqa: F811 - the fixture
    live_server,
    browser,
):
    from tests.browser.conftest import new_page

    reviewer = signed_in("reviewer")
    reviewer.goto(live_server.url + "/console")
    new, revised = console.rows["new"], console.rows["revised"]
    queue = reviewer.locator("table.queue")
    expect(queue).to_contain_text(new["name"])
    expect(queue).to_contain_text(revised["name"])
    expect(queue).not_to_contain_text(console.rows["other"]["name"])  # B is not this reviewer's
    expect(queue.locator("tr", has_text=new["name"]).get_by_role("button")).to_have_text(
        ["审核通过", "退回"]
    )

    reviewer.get_by_role("link", name=revised["name"]).click()
    changed = reviewer.locator("table.diff tr.changed")
    expect(changed).to_have_count(1)
    expect(changed.locator("th")).to_contain_text("咨询电话")
    expect(changed.locator("td")).to_have_text(["0766-1234567", "0766-7654321"])
    screenshot(reviewer, "console_review_diff")
    reviewer.get_by_label("退回理由").fill(f"咨询电话与窗口公示不一致{console.tag}")
    reviewer.get_by_role("button", name="退回").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("已退回")

    reviewer.goto(live_server.url + "/console")
    reviewer.get_by_role("link", name=new["name"]).click()
    expect(reviewer.locator("table.diff")).to_contain_text(new["name"])
    reviewer.get_by_role("button", name="审核通过").click()
    expect(reviewer.get_by_role("status").first).to_contain_text("已审核通过")
    reviewer.close()

    editor = signed_in("editor")
    editor.goto(live_server.url + "/console")
    row = editor.locator("table.queue tr", has_text=revised["name"])
    expect(row.locator(".reason")).to_have_text(f"咨询电话与窗口公示不一致{console.tag}")
    expect(row.get_by_role("button")).to_have_text(
        ["提交审核"]
    )  # corrected, it goes back for review
    editor.close()

    citizen = new_page(browser)
    found = citizen.locator("main a[href^='/items/']", has_text=new["name"])
    for _ in range(SEARCH_TRIES):
        citizen.goto(f"{live_server.url}/search?q={quote(new['name'])}")
        if found.count():
            break
    expect(found).to_have_count(1)
    citizen.context.close()


def test_an_editor_of_department_a_reaches_none_of_bs_rows(console, signed_in, live_server):  # noqa: F811
    editor = signed_in("editor")
    other = console.rows["other"]
    editor.goto(live_server.url + "/console")
    expect(editor.locator("main")).not_to_contain_text(other["name"])
    for path in (
        f"/console/review/service-items/{other['id']}",
        f"/console/review/service-items/{other['id']}/preview",
    ):
        response = editor.goto(live_server.url + path)
        assert response is not None and response.status == 404, path
        expect(editor.locator("main")).not_to_contain_text(other["name"])
    for path in (
        "/console/audit",
        "/console/admin/users",
        "/console/admin/tokens",
        f"/console/audit?entity_type=service_item&entity_id={other['id']}",
    ):
        response = editor.goto(live_server.url + path)
        assert response is not None and response.status == 403, path
        expect(editor.locator("main")).not_to_contain_text(other["name"])
    editor.close()
