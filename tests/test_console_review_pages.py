"""The review console, the audit page and administration through Flask's test client: the steps
each role sees, the before/after table, the rejection reason, the trail's labels and pager,
accounts and tokens as the CLI makes them, wrong roles refused and hostile form input answered
4xx in Chinese, never 500. (tests/browser/test_console_review.py drives the same in Chromium.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from catalog.cli_users import tokens_group, users_group
from catalog.models import ApiToken, ChangeRecord, User
from catalog.services import accounts, registry, workflow
from catalog.services.permissions import Actor
from catalog.services.registry import SERVICE_ITEMS
from tests import factories
from tests.conftest import ServerLikeClient
from tests.test_accounts_and_audit import PASSWORD, csrf_token, sign_in

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def departments(session):
    region = factories.region(session)
    return factories.department(session, region.id, name="甲局"), factories.department(
        session, region.id, name="乙局"
    )


def signed_in(app, username: str):
    app.test_client_class = ServerLikeClient
    browser = app.test_client()
    assert sign_in(browser, username).status_code == 302
    return browser


def post(browser, url: str, data: dict, page: str = "/console"):
    return browser.post(url, data={**data, "csrf_token": csrf_token(browser, page)})


def _queue_row(html: str, name: str) -> str:
    """The <tr> of the work queue that names the row."""
    return next(row for row in html.split("<tr>") if name in row)


def test_each_user_sees_only_the_steps_they_may_take(app, session, departments):
    a, _ = departments
    factories.user(session, "ed", "editor", a.id)
    factories.user(session, "rv", "reviewer", reviews=[a.id])
    draft = factories.service_item(session, a.id, name="草稿事项甲")
    submitted = factories.service_item(session, a.id, name="待审事项甲", status="submitted")
    editor_queue = signed_in(app, "ed").get("/console").get_data(as_text=True)
    assert re.findall(
        r">(提交审核|撤回|审核通过|退回|暂停|恢复|取消)</button>",
        _queue_row(editor_queue, draft.name),
    ) == ["提交审核"]
    assert re.findall(
        r">(提交审核|撤回|审核通过|退回)</button>", _queue_row(editor_queue, submitted.name)
    ) == ["撤回"]
    reviewer_queue = signed_in(app, "rv").get("/console").get_data(as_text=True)
    assert draft.name not in reviewer_queue  # drafts are the editor's until submitted
    assert re.findall(
        r">(提交审核|撤回|审核通过|退回|暂停|恢复|取消)</button>",
        _queue_row(reviewer_queue, submitted.name),
    ) == ["审核通过", "退回"]


def test_the_queue_is_counted_and_paged_across_lists_longest_waiting_first(
    app, session, departments
):
    a, b = departments
    factories.user(session, "rvq", "reviewer", reviews=[a.id])

    def submitted_item(n: int) -> tuple[str, int, bool]:
        item = factories.service_item(session, a.id, name=f"排队事项{n}", status="submitted")
        return ("service-items", item.id, False)

    waiting = [submitted_item(n) for n in range(20)]
    # another list's row, waiting since between the items
    power = factories.power_item(session, a.id, name="排队权责", status="submitted")
    waiting.append((registry.POWER_ITEMS.name, power.id, False))
    waiting += [submitted_item(n) for n in range(20, 54)]
    for n in range(3):  # another department's submissions are not this reviewer's
        factories.service_item(session, b.id, name=f"乙局事项{n}", status="submitted")
    revised = factories.service_item(session, a.id, name="修订排队", status="published")
    editor = Actor(name="edq", role="editor", department_id=a.id, source="web")
    workflow.edit_row(session, SERVICE_ITEMS, revised.id, {"consult_phone": "0766-3"}, 1, editor)
    workflow.take_step(session, SERVICE_ITEMS, "submit", revised.id, revised.version, editor)
    reviewer = Actor(
        name="rvq", role="reviewer", reviewed_departments=frozenset({a.id}), source="web"
    )
    first, second = (workflow.work_queue(session, reviewer, n, 50) for n in (1, 2))
    assert (first.total, first.pages, len(first.items), len(second.items)) == (56, 2, 50, 6)
    in_order = [
        (entry.spec.name, entry.row_id, entry.revision is not None)
        for entry in first.items + second.items
    ]
    assert in_order == [*waiting, ("service-items", revised.id, True)]
    assert workflow.work_queue(session, reviewer, 99, 50).page == 2  # past the end: the last page
    page = signed_in(app, "rvq").get("/console?page=2").get_data(as_text=True)
    assert "共 56 项，第 2 / 2 页" in page and "修订排队" in page and "乙局事项" not in page


def test_the_reviewer_reads_a_labelled_before_after_table_and_the_editor_the_reason(
    app, session, departments
):
    a, _ = departments
    factories.user(session, "ed2", "editor", a.id)
    factories.user(session, "rv2", "reviewer", reviews=[a.id])
    item = factories.service_item(
        session, a.id, name="修订事项", consult_phone="0766-1111111", status="published"
    )
    editor = Actor(name="ed2", role="editor", department_id=a.id, source="web")
    workflow.edit_row(
        session, SERVICE_ITEMS, item.id, {"consult_phone": "0766-2222222"}, item.version, editor
    )
    workflow.take_step(session, SERVICE_ITEMS, "submit", item.id, item.version, editor)
    reviewer = signed_in(app, "rv2")
    page = reviewer.get(f"/console/review/service-items/{item.id}").get_data(as_text=True)
    changed = re.findall(r'<tr class="changed">\s*<th scope="row">([^< ]+)', page)
    assert changed == ["咨询电话"]
    assert "0766-1111111" in page and "0766-2222222" in page and '{"consult_phone"' not in page
    preview = reviewer.get(f"/console/review/service-items/{item.id}/preview").get_data(
        as_text=True
    )
    assert "0766-2222222" in preview  # the guide as it will read once approved
    session.expire_all()
    assert (
        session.get(type(item), item.id).consult_phone == "0766-1111111"
    )  # the preview changed nothing
    url = f"/console/service-items/{item.id}/reject"
    rejected = post(
        reviewer,
        url,
        {"version": str(item.version), "reason": "电话号码请核实后再报", "back": "review"},
    )
    assert rejected.status_code == 303 and rejected.headers["Location"].endswith(
        f"/console/review/service-items/{item.id}"
    )
    editor_queue = signed_in(app, "ed2").get("/console").get_data(as_text=True)
    assert "电话号码请核实后再报" in _queue_row(editor_queue, "修订事项")
    assert re.findall(
        r">(提交审核|撤回|审核通过|退回)</button>", _queue_row(editor_queue, "修订事项")
    ) == ["提交审核"]


def test_a_rejected_draft_shows_its_reason_to_the_editor(app, session, departments):
    a, _ = departments
    factories.user(session, "ed3", "editor", a.id)
    item = factories.service_item(session, a.id, name="被退回的草稿", status="submitted")
    workflow.take_step(
        session, SERVICE_ITEMS, "reject", item.id, item.version, Actor.system(), "缺少收费依据"
    )
    page = (
        signed_in(app, "ed3").get(f"/console/review/service-items/{item.id}").get_data(as_text=True)
    )
    assert "退回理由" in page and "缺少收费依据" in page


def test_pages_refuse_the_wrong_role_and_other_departments(
    app, anonymous_client, session, departments
):
    a, b = departments
    factories.user(session, "ed4", "editor", a.id)
    b_draft = factories.service_item(session, b.id, status="submitted")
    b_published = factories.service_item(session, b.id, status="published")
    editor = signed_in(app, "ed4")
    for path in (
        "/console/audit",
        "/console/audit/export?format=csv",
        "/console/admin/users",
        "/console/admin/tokens",
    ):
        response = editor.get(path)
        assert response.status_code == 403 and "没有权限" in response.get_data(as_text=True), path
    for path, data in (
        ("/console/admin/users", {"username": "x"}),
        ("/console/admin/tokens", {"name": "x"}),
        ("/console/admin/users/ed4/deactivate", {}),
        ("/console/admin/tokens/1/revoke", {}),
        ("/console/admin/users/ed4/reviews", {}),
    ):
        assert post(editor, path, data).status_code == 403, path
    assert (
        editor.get(f"/console/review/service-items/{b_draft.id}").status_code == 404
    )  # B's drafts do not exist for A
    assert editor.get(f"/console/review/service-items/{b_draft.id}/preview").status_code == 404
    assert editor.get(f"/console/review/service-items/{b_published.id}").status_code == 403
    for path in (
        "/console/review/service-items/1",
        "/console/admin/users",
        "/console/admin/tokens",
    ):
        assert "/login" in anonymous_client.get(path).headers.get("Location", ""), path
    session.expire_all()
    assert session.scalar(select(User).where(User.username == "ed4")).active


def test_admin_actions_enter_the_trail_as_the_cli_records_them(app, session, departments):
    a, b = departments
    factories.user(session, "root", "admin")
    admin = signed_in(app, "root")
    created = post(
        admin,
        "/console/admin/users",
        {
            "username": "web-rv",
            "display_name": "网页审核",
            "password": PASSWORD,
            "role": "reviewer",
            "department_id": "",
            "reviewed_department_ids": [str(a.id)],
        },
    )
    assert created.status_code == 303
    cli = app.test_cli_runner().invoke(
        users_group,
        ["create", "cli-rv", "--role", "reviewer", "--reviews", str(a.id), "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert cli.exit_code == 0, cli.output
    assert (
        post(
            admin,
            "/console/admin/users/web-rv/reviews",
            {"reviewed_department_ids": [str(a.id), str(b.id)]},
        ).status_code
        == 303
    )
    assert post(admin, "/console/admin/users/web-rv/deactivate", {}).status_code == 303
    assert app.test_cli_runner().invoke(users_group, ["deactivate", "cli-rv"]).exit_code == 0
    session.expire_all()
    users = {
        u.username: u
        for u in session.scalars(select(User).where(User.username.in_(["web-rv", "cli-rv"])))
    }
    assert {d.id for d in users["web-rv"].reviewed_departments} == {a.id, b.id} and not users[
        "web-rv"
    ].active

    def trail(user: User) -> list[ChangeRecord]:
        query = select(ChangeRecord).where(
            ChangeRecord.entity_type == "user", ChangeRecord.entity_id == user.id
        )
        return list(session.scalars(query.order_by(ChangeRecord.id)))

    web, by_cli = trail(users["web-rv"]), trail(users["cli-rv"])
    assert [c.action for c in web] == ["create", "update", "deactivate"]
    assert [c.action for c in by_cli] == ["create", "deactivate"]
    assert (
        web[0].after.keys() == by_cli[0].after.keys()
        and web[0].after["role"] == by_cli[0].after["role"]
    )
    assert web[1].before["reviewed_department_ids"] == [a.id]
    assert web[1].after["reviewed_department_ids"] == sorted([a.id, b.id])
    assert {(c.actor, c.source) for c in web} == {("root", "web")} and all(
        c.credential.startswith("session:") for c in web
    )
    assert {(c.actor, c.source) for c in by_cli} == {("cli", "cli")}
    listed = app.test_cli_runner().invoke(tokens_group, ["list"])
    assert listed.exit_code == 0


def test_a_token_is_shown_once_listed_and_revoked(app, session, departments):
    a, _ = departments
    factories.user(session, "root2", "admin")
    admin = signed_in(app, "root2")
    page = "/console/admin/tokens"
    created = post(
        admin,
        page,
        {"name": "数据同步", "role": "editor", "department_id": str(a.id), "days": "30"},
        page,
    )
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    plain = re.search(r'value="(qd_[^"]+)"', created.get_data(as_text=True)).group(1)
    token = session.scalar(select(ApiToken).where(ApiToken.name == "数据同步"))
    assert accounts.actor_for_token(session, plain).credential == f"token:{token.id}"
    listing = admin.get(page).get_data(as_text=True)
    assert "数据同步" in listing and plain not in listing and "qd_" not in listing
    assert post(admin, f"{page}/{token.id}/revoke", {}, page).status_code == 303
    session.expire_all()
    assert session.get(ApiToken, token.id).revoked_at is not None
    actions = session.scalars(
        select(ChangeRecord.action)
        .where(ChangeRecord.entity_type == "api_token", ChangeRecord.entity_id == token.id)
        .order_by(ChangeRecord.id)
    )
    assert list(actions) == ["create", "revoke"]


HOSTILE_USER_FORMS = [
    {},
    {"username": "", "password": "", "role": ""},
    {
        "username": "新用户",
        "password": PASSWORD,
        "role": "editor",
    },  # not a login name, and no department
    {"username": "a" * 5000, "password": "p" * 100_000, "role": "admin"},
    {"username": "x1", "password": PASSWORD, "role": "superuser"},
    {"username": "x2", "password": PASSWORD, "role": "editor", "department_id": "abc"},
    {
        "username": "x3",
        "password": PASSWORD,
        "role": "editor",
        "department_id": "99999999999999999999",
    },
    {"username": "x4", "password": PASSWORD, "role": "editor", "department_id": "2147483646"},
    {
        "username": "x5",
        "password": PASSWORD,
        "role": "reviewer",
        "reviewed_department_ids": ["1", "x", "-5"],
    },
    {"username": "x6'; DROP TABLE users;--", "password": PASSWORD, "role": "admin"},
    {"username": "x7", "password": "short", "role": "admin"},
    {"username": "x8\x00", "password": PASSWORD, "role": "admin"},
]
HOSTILE_TOKEN_FORMS = [
    {},
    {"name": "", "role": "editor"},
    {"name": "t", "role": "editor"},  # an editor's token needs a department
    {"name": "t", "role": "admin", "days": "-1"},
    {"name": "t", "role": "admin", "days": "1e9"},
    {"name": "t", "role": "admin", "days": "99999999999999999999"},
    {"name": "名" * 10_000, "role": "admin"},
    {"name": "t", "role": "<script>", "department_id": "0"},
]
HOSTILE_AUDIT_QUERIES = [
    "page=0",
    "page=abc",
    "per_page=100000",
    "since=不是时间",
    "until=2020-13-45T99:99",
    "entity_id=-1",
    "entity_id=99999999999999999999",
    "department_id=x",
    "action=" + "a" * 500,
    "entity_type=" + "e" * 500,
    "actor=" + "名" * 1000,
]


def test_hostile_input_is_answered_in_chinese_never_500(app, session, departments):
    factories.user(session, "root3", "admin")
    factories.user(session, "rv3", "reviewer", reviews=[departments[0].id])
    admin = signed_in(app, "root3")
    for form in HOSTILE_USER_FORMS:
        response = post(admin, "/console/admin/users", form, "/console/admin/users")
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and CHINESE.search(body), form
        assert "p" * 200 not in body  # a refused password is never echoed
    for form in HOSTILE_TOKEN_FORMS:
        response = post(admin, "/console/admin/tokens", form, "/console/admin/tokens")
        assert response.status_code == 400 and "qd_" not in response.get_data(as_text=True), form
    for query in HOSTILE_AUDIT_QUERIES:
        response = admin.get(f"/console/audit?{query}")
        assert response.status_code == 400 and CHINESE.search(response.get_data(as_text=True)), (
            query
        )
        assert admin.get(f"/console/audit/export?{query}").status_code == 400, query
    for path, data in (
        ("/console/admin/users/nobody/deactivate", {}),
        ("/console/admin/users/" + "n" * 300 + "/deactivate", {}),
        ("/console/admin/users/nobody/reviews", {"reviewed_department_ids": "1"}),
        ("/console/admin/tokens/99999999999/revoke", {}),
        ("/console/admin/tokens/0/revoke", {}),
    ):
        assert post(admin, path, data).status_code == 404, path
    assert (
        post(
            admin, "/console/admin/users/rv3/reviews", {"reviewed_department_ids": ["abc"]}
        ).status_code
        == 400
    )
    assert (
        post(
            admin, "/console/admin/users/rv3/reviews", {"reviewed_department_ids": ["2147483000"]}
        ).status_code
        == 400
    )
    for query in ("page=abc", "page=0", "page=-1", "page=99999999999999", "page=" + "9" * 500):
        assert admin.get(f"/console?{query}").status_code == 200, (
            query
        )  # an odd page is the first or the last
    for path in (
        "/console/review/service-items/99999999999",
        "/console/review/nothing/1",
        "/console/review/regions/1",
        "/console/review/service-items/0/preview",
    ):
        assert admin.get(path).status_code == 404, path
    assert session.scalar(select(User).where(User.username.like("x%"))) is None


def test_the_audit_page_reads_in_chinese_in_beijing_time_with_a_pager_and_links(
    app, session, departments
):
    a, _ = departments
    factories.user(session, "aud", "auditor")
    item = factories.service_item(session, a.id, name="审计翻页事项")
    for n in range(3):
        workflow.edit_row(
            session,
            SERVICE_ITEMS,
            item.id,
            {"consult_phone": f"0766-000000{n}"},
            item.version,
            Actor.system(),
        )
    record = session.scalar(
        select(ChangeRecord)
        .where(ChangeRecord.entity_id == item.id)
        .order_by(ChangeRecord.id.desc())
    )
    auditor = signed_in(app, "aud")
    query = f"entity_type=service_item&entity_id={item.id}&per_page=2"
    first = auditor.get(f"/console/audit?{query}").get_data(as_text=True)
    assert "共 4 条，第 1 / 2 页" in first and "下一页" in first and "上一页" not in first
    assert "实施清单事项" in first and "<td>修改</td>" in first and ">update<" not in first
    assert record.changed_at.tzinfo is not None
    beijing = record.changed_at.astimezone(UTC).replace(tzinfo=None)
    shown = datetime.strptime(
        re.search(r"<td>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)</td>", first).group(1), "%Y-%m-%d %H:%M:%S"
    )
    assert round((shown - beijing).total_seconds() / 3600) == 8  # 北京时间 is UTC+8
    assert f'href="/console/review/service-items/{item.id}"' in first
    assert "咨询电话" in first and "0766-0000002" in first  # the before/after of the newest change
    second = auditor.get(f"/console/audit?{query}&page=2").get_data(as_text=True)
    assert "上一页" in second and "下一页" not in second and "<td>新建</td>" in second
    assert (
        auditor.get(
            f"/console/audit?action=update&department_id={a.id}&since=2000-01-01T00:00"
        ).status_code
        == 200
    )
