"""Sign-in (sessions, CSRF, rate limit), the console forms, escaping of stored text,
and the audit trail (who, through which session or token, append-only, query and export)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from catalog.config import settings_from_environment
from catalog.models import ChangeRecord
from catalog.services import accounts
from catalog.services.errors import DomainError
from catalog.services.history import snapshot_of
from catalog.services.permissions import Actor
from tests import factories
from tests.conftest import token_client
from tests.factories import PASSWORD

OPERATOR = Actor.system("tests")


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def signed_in_browser(app, session, username: str, role: str, department_id: int):
    """A browser signed in as a new user of ``role`` for the department: an editor's own, a
    reviewer's reviewed one (others have none)."""
    factories.user(
        session,
        username,
        role,
        department_id if role == "editor" else None,
        [department_id] if role == "reviewer" else [],
    )
    browser = app.test_client()
    assert sign_in(browser, username).status_code == 302
    return browser


def test_passwords_are_hashed_with_a_kdf_and_checked(app, session, department, monkeypatch):
    # production's method, the setting's default (the suite sets a cheap one: tests/conftest.py)
    monkeypatch.delenv("PASSWORD_HASH_METHOD")
    method = settings_from_environment(app.instance_path)["PASSWORD_HASH_METHOD"]
    assert method == accounts.DEFAULT_HASH_METHOD == "scrypt"
    user = factories.user(session, "zhang", "editor", department.id, hash_method=method)
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    opened, _ = accounts.sign_in(session, "zhang", PASSWORD, None, timedelta(hours=1), method)
    assert opened.user_id == user.id
    with pytest.raises(DomainError) as short:
        accounts.create_user(
            session,
            OPERATOR,
            username="li",
            display_name="李",
            password="short",
            role="editor",
            department_id=department.id,
        )
    assert short.value.fields["password"][0].code == "too_short"
    with pytest.raises(DomainError) as anonymous:
        accounts.create_user(
            session, Actor(), username="wang", display_name="王", password=PASSWORD, role="admin"
        )
    assert anonymous.value.status == 401


def test_sign_in_needs_the_csrf_token_and_the_right_password(anonymous_client, session, department):
    factories.user(session, "zhang", "editor", department.id)
    no_token = anonymous_client.post("/login", data={"username": "zhang", "password": PASSWORD})
    assert no_token.status_code == 400 and "安全令牌" in no_token.get_data(as_text=True)
    wrong = sign_in(anonymous_client, "zhang", "wrong-password!")
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.get_data(as_text=True)
    unknown = sign_in(anonymous_client, "nobody")
    assert unknown.status_code == 401
    signed_in = sign_in(anonymous_client, "zhang")
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/console")
    assert "工作台" in anonymous_client.get("/console").get_data(as_text=True)


def test_sign_in_attempts_are_rate_limited_per_address(app, anonymous_client):
    token = csrf_token(anonymous_client)
    statuses = [
        anonymous_client.post(
            "/login", data={"username": f"u{n}", "password": "x" * 12, "csrf_token": token}
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


def test_a_reviewer_approves_in_the_console_with_csrf_and_the_trail_names_the_session(
    anonymous_client, session, department
):
    factories.user(session, "qian", "reviewer", reviews=[department.id])
    item = factories.service_item(session, department.id, status="submitted")
    sign_in(anonymous_client, "qian")
    page = anonymous_client.get("/console").get_data(as_text=True)
    assert item.name in page
    action = f"/console/service-items/{item.id}/approve"
    refused = anonymous_client.post(action, data={"version": "1"})
    assert refused.status_code == 400  # no CSRF token
    session.expire_all()
    assert item.status == "submitted"
    done = anonymous_client.post(
        action, data={"version": "1", "csrf_token": csrf_token(anonymous_client, "/console")}
    )
    assert done.status_code == 303
    session.expire_all()
    assert item.status == "published"
    record = session.query(ChangeRecord).filter_by(entity_id=item.id, action="approve").one()
    assert (
        record.actor == "qian"
        and record.source == "web"
        and re.fullmatch(r"session:[0-9a-f]{16}", record.credential)
    )


def test_the_console_refuses_other_departments_and_signed_out_users(
    anonymous_client, session, department
):
    other = factories.department(session, department.region_id)
    factories.user(session, "sun", "reviewer", reviews=[department.id])
    theirs = factories.service_item(session, other.id, status="submitted")
    action = f"/console/service-items/{theirs.id}/approve"
    signed_out = anonymous_client.post(
        action, data={"version": "1", "csrf_token": csrf_token(anonymous_client)}
    )
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
    sign_in(anonymous_client, "sun")
    refused = anonymous_client.post(
        action, data={"version": "1", "csrf_token": csrf_token(anonymous_client, "/console")}
    )
    assert refused.status_code == 404
    session.expire_all()
    assert theirs.status == "submitted"


def test_a_deactivated_users_session_stops_working(anonymous_client, session, department):
    factories.user(session, "zhou", "editor", department.id)
    sign_in(anonymous_client, "zhou")
    assert anonymous_client.get("/console").status_code == 200
    accounts.deactivate_user(session, OPERATOR, "zhou")
    assert anonymous_client.get("/console").status_code == 302


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_stored_markup_is_escaped_on_every_page(anonymous_client, session, department):
    factories.user(session, "wu", "reviewer", reviews=[department.id])
    item = factories.service_item(
        session,
        department.id,
        name=f"营业执照{XSS}",
        status="published",
        acceptance_conditions=f"条件{XSS}",
        place=f"大厅{XSS}",
    )
    factories.service_item(session, department.id, name=f"待审{XSS}", status="submitted")
    from catalog.extensions import search_engine
    from catalog.services import search_outbox

    search_outbox.drain_outbox(session, search_engine())
    sign_in(anonymous_client, "wu")
    pages = [
        "/",
        f"/items/service/{item.id}",
        "/search?q=营业执照",
        "/search?q=" + XSS,
        "/console",
        "/figures",
    ]
    for path in pages:
        body = anonymous_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, path
    assert "&lt;script&gt;" in anonymous_client.get(f"/items/service/{item.id}").get_data(
        as_text=True
    )
    highlight = anonymous_client.get("/api/v1/search?q=营业执照").json["hits"][0]["highlight"]
    assert "<mark>" in highlight and "<script>" not in highlight and "&lt;script&gt;" in highlight


def test_auditors_query_and_export_the_trail_others_cannot(app, session, department):
    editor = token_client(app, session, "editor", department.id)
    created = editor.post(
        "/api/v1/service-items", json=factories.service_item_data(department.id)
    ).json
    editor.patch(
        f"/api/v1/service-items/{created['id']}",
        json={"name": "改过的名称"},
        headers={"If-Match": '"1"'},
    )
    auditor = token_client(app, session, "auditor")
    trail = auditor.get(f"/api/v1/audit?entity_type=service_item&entity_id={created['id']}").json
    assert [c["action"] for c in trail["items"]] == ["update", "create"]  # newest first
    change = trail["items"][0]
    assert change["before"]["name"] != change["after"]["name"] == "改过的名称"
    assert change["credential"].startswith("token:") and change["department_id"] == department.id
    by_department = auditor.get(f"/api/v1/audit?department_id={department.id}&action=create").json
    assert by_department["total"] >= 1
    since = auditor.get("/api/v1/audit?since=2999-01-01T00:00:00").json
    assert since["total"] == 0
    export = auditor.get(
        f"/api/v1/audit/export?format=csv&entity_id={created['id']}&entity_type=service_item"
    )
    lines = export.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("编号,时间") and len(lines) == 3
    assert editor.get("/api/v1/audit").status_code == 403
    assert app.test_client().get("/api/v1/audit").status_code == 401
    assert auditor.get("/api/v1/audit?since=昨天").status_code == 422


def test_the_trail_is_append_only_in_the_database(session, department):
    factories.service_item(session, department.id)
    for statement in (
        "UPDATE change_records SET actor = 'someone else'",
        "DELETE FROM change_records",
    ):
        with pytest.raises(DBAPIError) as refused, session.begin_nested():
            session.execute(text(statement))
        assert "只能追加" in str(refused.value)


def test_every_page_form_refuses_a_post_without_the_csrf_token(
    app, anonymous_client, session, department
):
    factories.user(session, "zheng", "admin")
    sign_in(anonymous_client, "zheng")
    item = factories.service_item(session, department.id, status="submitted")
    posts = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and not rule.rule.startswith("/api/")
    ]
    assert {"/login", "/logout", "/console/<list_name>/<int:row_id>/<step>"} <= set(posts)
    for rule in posts:
        url = (
            rule.replace("<list_name>", "service-items")
            .replace("<int:row_id>", str(item.id))
            .replace("<step>", "approve")
        )
        url = re.sub(
            r"<\w+>", "abolish", re.sub(r"<int:\w+>", "1", url)
        )  # any other form's ids and names
        response = anonymous_client.post(
            url, data={"version": "1", "username": "zheng", "password": PASSWORD}
        )
        assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True), url
    session.expire_all()
    assert item.status == "submitted"


def test_auditors_read_and_export_the_trail_in_the_console(anonymous_client, session, department):
    factories.user(session, "feng", "auditor")
    item = factories.service_item(session, department.id, name="审计页面事项")
    sign_in(anonymous_client, "feng")
    page = anonymous_client.get(f"/console/audit?entity_type=service_item&entity_id={item.id}")
    assert page.status_code == 200 and "共 1 条" in page.get_data(as_text=True)
    export = anonymous_client.get(f"/console/audit/export?format=csv&entity_id={item.id}")
    assert export.status_code == 200 and "审计页面事项" in export.data.decode("utf-8-sig")
    assert anonymous_client.get("/console/audit?since=不是时间").status_code == 400


def test_editors_cannot_open_the_trail_in_the_console(anonymous_client, session, department):
    factories.user(session, "chu", "editor", department.id)
    sign_in(anonymous_client, "chu")
    assert anonymous_client.get("/console/audit").status_code == 403


def test_a_trail_snapshot_keeps_only_the_named_attributes_in_order_with_iso_dates():
    row = SimpleNamespace(
        id=7,
        declared_on=date(2020, 12, 31),
        published_at=datetime(2021, 1, 4, 2, 30, tzinfo=UTC),
        checked_on=None,
        item_ids=[3, 5],
        digest="never kept",
    )
    snapshot = snapshot_of(row, "published_at id checked_on declared_on item_ids")
    assert list(snapshot.items()) == [
        ("published_at", "2021-01-04T02:30:00+00:00"),
        ("id", 7),
        ("checked_on", None),
        ("declared_on", "2020-12-31"),
        ("item_ids", [3, 5]),
    ]


def test_account_changes_are_in_the_trail_without_secrets(anonymous_client, session, department):
    user = factories.user(session, "he", "editor", department.id)
    token, plain = accounts.create_token(
        session, OPERATOR, name="同步", role="editor", department_id=department.id
    )
    accounts.revoke_token(session, OPERATOR, token.id)
    for n in range(5):
        sign_in(anonymous_client, "he", f"wrong-{n}-password")  # wrong passwords change no account
    sign_in(anonymous_client, "he")
    accounts.set_password(session, OPERATOR, "he", "another-long-password")
    accounts.end_sessions(session, OPERATOR, "he")
    trail = (
        session.query(ChangeRecord)
        .filter(ChangeRecord.entity_type.in_(["user", "api_token"]))
        .order_by(ChangeRecord.id)
        .all()
    )
    assert [(r.entity_type, r.action) for r in trail] == [
        ("user", "create"),
        ("api_token", "create"),
        ("api_token", "revoke"),
        ("user", "password"),
        ("user", "sign_out"),
    ]
    assert (
        trail[0].actor == "tests" and trail[4].note == "结束登录会话 0 个"
    )  # the new password had ended it
    text_of_trail = repr([(r.before, r.after) for r in trail])
    assert (
        user.password_hash not in text_of_trail
        and plain not in text_of_trail
        and token.token_digest not in text_of_trail
    )


def test_pages_forbid_framing_and_foreign_scripts(anonymous_client):
    for path in ("/", "/login", "/search?q=护照"):
        headers = anonymous_client.get(path).headers
        assert (
            "script-src" not in headers["Content-Security-Policy"]
        )  # default-src 'self' covers scripts
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert (
            headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        )
