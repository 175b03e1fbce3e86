"""Administration in Chromium: an admin creates a user and a token; the token is shown once,
works against the API, and is not shown again."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.console_fixtures import PASSWORD, console, signed_in  # noqa: F401 - fixtures


def test_an_admin_creates_a_token_and_sees_it_once(console, signed_in, live_server, playwright):  # noqa: F811
    admin = signed_in("admin")
    admin.goto(live_server.url + "/console/admin/tokens")
    name = f"浏览器令牌{console.tag}"
    admin.get_by_label("名称（用途）").fill(name)
    admin.get_by_label("角色").select_option("auditor")
    admin.get_by_role("button", name="创建令牌").click()
    shown = admin.get_by_label("新令牌")
    expect(shown).to_be_visible()
    plain = shown.input_value()
    assert plain.startswith("qd_") and len(plain) > 40
    api = playwright.request.new_context(
        base_url=live_server.url, extra_http_headers={"Authorization": f"Bearer {plain}"}
    )
    assert api.get("/api/v1/audit?per_page=1").status == 200  # an auditor's token reads the trail
    admin.goto(live_server.url + "/console/admin/tokens")  # a second view
    expect(admin.locator("table.queue")).to_contain_text(name)
    assert plain not in admin.content() and admin.get_by_label("新令牌").count() == 0
    admin.locator("tr", has_text=name).get_by_role("button", name="撤销").click()
    expect(admin.locator("tr", has_text=name)).to_contain_text("已撤销")
    assert api.get("/api/v1/audit?per_page=1").status == 401
    api.dispose()
    admin.close()


def test_an_admin_creates_and_deactivates_a_user(console, signed_in, live_server):  # noqa: F811
    admin = signed_in("admin")
    admin.goto(live_server.url + "/console/admin/users")
    username = f"web-user-{console.tag}"
    admin.get_by_label("用户名").fill(username)
    admin.get_by_label("姓名").fill("网页新建")
    admin.get_by_label("初始密码（至少 10 个字符）").fill(PASSWORD)
    admin.get_by_label("角色").select_option("editor")
    admin.get_by_label("所属部门（部门编辑必填）").select_option(str(console.department_a))
    admin.get_by_role("button", name="创建").click()
    expect(admin.get_by_role("status").first).to_contain_text(f"已创建用户 {username}")
    admin.get_by_role("button", name=f"停用 {username}").click()
    expect(admin.locator("tr", has_text=username)).to_contain_text("已停用")
    admin.goto(
        live_server.url + f"/console/audit?entity_type=user&actor={console.usernames['admin']}"
    )
    expect(admin.locator("table.audit")).to_contain_text("停用账号")
    admin.close()
