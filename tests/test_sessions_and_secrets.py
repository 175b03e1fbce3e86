"""Sessions that end when they should, a secret key no one else knows, and sign-in throttling that
strangers cannot turn against an account (issue 13, items 13–15).

Most tests run in one process through the Flask test client, with the limiter's in-memory store.
The last ones start real processes: gunicorn refusing to start without a key; gunicorn behind a
configured proxy; and two gunicorn servers counting sign-ins together in one Redis, which is what
RATELIMIT_STORAGE_URI gives several workers (Debian's redis-server, which `make` installs).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from catalog import create_app
from catalog.config import (
    InsecureSecretKey,
    SettingError,
    development_secret_key,
    secret_key_problem,
)
from catalog.extensions import limiter
from catalog.models import UserSession
from catalog.services import accounts
from tests import factories
from tests.test_accounts_and_audit import OPERATOR, PASSWORD, csrf_token, sign_in

REPOSITORY = Path(__file__).resolve().parent.parent
STRANGER = {"REMOTE_ADDR": "198.51.100.66"}
OWNER = {"REMOTE_ADDR": "203.0.113.10"}


def browser(app: Flask, environ: dict[str, str] | None = None):
    client = app.test_client()
    if environ:
        client.environ_base.update(environ)
    return client


def attempt(client, username: str, password: str):
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def signed_in(client) -> bool:
    return client.get("/console").status_code == 200


def post_form(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, "/console")})


# Item 13: a session ends at sign-out, password change, deactivation and "sign out everywhere".


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(
    app, anonymous_client, session, department
):
    factories.user(session, "zhang", "editor", department.id)
    sign_in(anonymous_client, "zhang")
    copied = anonymous_client.get_cookie("session").value
    thief = browser(app, STRANGER)
    thief.set_cookie("session", copied)
    assert signed_in(thief)  # a copied cookie is a bearer credential while its session lives
    assert post_form(anonymous_client, "/logout").status_code == 302
    assert not signed_in(anonymous_client)
    assert not signed_in(thief)
    ended = session.scalars(select(UserSession)).one()
    assert ended.ended_at is not None and ended.end_reason == "sign_out"


def test_a_new_password_ends_every_session_of_the_account(
    app, anonymous_client, session, department
):
    factories.user(session, "qian", "editor", department.id)
    other_device = browser(app, STRANGER)
    sign_in(anonymous_client, "qian")
    sign_in(other_device, "qian")
    assert signed_in(anonymous_client) and signed_in(other_device)
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "qian", "--password-stdin"], input="a-brand-new-password\n"
    )
    assert result.exit_code == 0, result.output
    assert not signed_in(anonymous_client) and not signed_in(other_device)
    assert sign_in(anonymous_client, "qian", "a-brand-new-password").status_code == 302
    assert signed_in(anonymous_client)


def test_deactivating_an_account_ends_its_sessions_in_the_database(
    app, anonymous_client, session, department
):
    factories.user(session, "sun", "editor", department.id)
    sign_in(anonymous_client, "sun")
    accounts.deactivate_user(session, OPERATOR, "sun")
    assert not signed_in(anonymous_client)
    assert session.scalars(select(UserSession.end_reason)).all() == ["deactivated"]


def test_sign_out_everywhere_ends_the_other_devices_too(app, anonymous_client, session, department):
    factories.user(session, "li", "reviewer", reviews=[department.id])
    laptop, phone = anonymous_client, browser(app, STRANGER)
    sign_in(laptop, "li")
    sign_in(phone, "li")
    assert "退出所有设备" in laptop.get("/console").get_data(as_text=True)
    assert post_form(laptop, "/logout-everywhere").status_code == 302
    assert not signed_in(laptop) and not signed_in(phone)
    assert sign_in(phone, "li").status_code == 302 and signed_in(
        phone
    )  # signing in again still works


def test_an_operator_signs_an_account_out_everywhere(app, anonymous_client, session, department):
    factories.user(session, "zhou", "editor", department.id)
    sign_in(anonymous_client, "zhou")
    result = app.test_cli_runner().invoke(args=["users", "sign-out", "zhou"])
    assert result.exit_code == 0 and "1" in result.output, result.output
    assert not signed_in(anonymous_client)


def test_a_session_cookie_signed_with_the_key_alone_opens_nothing(
    app, anonymous_client, session, department
):
    """Even someone holding SECRET_KEY cannot mint a session: the cookie must also carry the
    secret of a session the server opened (only its digest is stored)."""
    admin = factories.user(session, "wu", "admin")
    forged = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": str(admin.id), "_fresh": True}
    )
    intruder = browser(app, STRANGER)
    intruder.set_cookie("session", forged)
    assert intruder.get("/console").status_code == 302
    assert all(len(s.secret_digest) == 64 for s in session.scalars(select(UserSession)))


def test_a_session_expires_on_the_server_after_its_lifetime(
    app, anonymous_client, session, department, monkeypatch
):
    factories.user(session, "zheng", "editor", department.id)
    sign_in(anonymous_client, "zheng")
    row = session.scalars(select(UserSession)).one()
    assert row.expires_at - row.created_at == app.config["SESSION_LIFETIME"]
    row.expires_at = row.created_at
    session.commit()
    assert not signed_in(anonymous_client)


def test_the_address_recorded_is_the_peer_not_a_forwarded_for_header(app, session, department):
    factories.user(session, "feng", "editor", department.id)
    spoofed = {"HTTP_X_FORWARDED_FOR": "192.0.2.1", **OWNER}
    assert sign_in(browser(app, spoofed), "feng").status_code == 302
    assert session.scalars(select(UserSession.address)).all() == ["203.0.113.10"]


def test_the_recorded_address_is_bounded_whatever_a_proxy_passed_on(session, department):
    factories.user(session, "lu", "editor", department.id)
    opened, _ = accounts.sign_in(
        session, "lu", PASSWORD, "2001:db8::" + "f" * 300, timedelta(hours=1)
    )
    session.expire_all()
    assert session.get(UserSession, opened.id).address == ("2001:db8::" + "f" * 300)[:45]


def test_a_forged_forwarded_for_header_does_not_escape_the_per_address_limit(app, session):
    spoofing = browser(app, OWNER)
    statuses = [
        spoofing.post(
            "/login",
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
            data={"username": f"u{n}", "password": "x" * 12, "csrf_token": csrf_token(spoofing)},
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


# Item 15: throttling that slows guessing without letting strangers lock anyone out.


def normalised(response, username: str) -> tuple[int, str, list[str]]:
    """What an observer learns from an answer, apart from the echoed username and CSRF token."""
    body = re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True)).replace(
        username, "…"
    )
    return (
        response.status_code,
        body,
        sorted(name for name, _ in response.headers if name != "Set-Cookie"),
    )


def test_an_unknown_username_gets_exactly_the_answer_of_a_wrong_password(app, session, department):
    factories.user(session, "chen", "editor", department.id)
    existing = [attempt(browser(app, OWNER), "chen", f"wrong-{n}-password") for n in range(6)]
    # the same addresses, so both run into the same throttle at the same attempt
    limiter.reset()
    unknown = [attempt(browser(app, OWNER), "chan", f"wrong-{n}-password") for n in range(6)]
    assert [r.status_code for r in existing] == [401] * 5 + [429]
    assert [normalised(r, "chen") for r in existing] == [normalised(r, "chan") for r in unknown]
    assert "用户名或密码不正确" in existing[0].get_data(as_text=True)


@pytest.mark.parametrize("method", [accounts.DEFAULT_HASH_METHOD, "pbkdf2:sha256:1000"])
def test_an_unknown_username_costs_a_full_password_check(method):
    """The miss is hashed with the same KDF and parameters as a real password, so it takes as long."""
    made = generate_password_hash("anything", method)
    assert accounts.dummy_hash(method).split("$")[0] == made.split("$")[0]


def test_a_sign_in_miss_is_checked_with_the_configured_method(app, session, monkeypatch):
    checked: list[str] = []
    real_check = accounts.check_password_hash

    def recorded(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return real_check(hashed, password)

    monkeypatch.setattr(accounts, "check_password_hash", recorded)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1001")
    assert attempt(browser(app, OWNER), "nobody", "wrong-0-password").status_code == 401
    assert [h.split("$")[0] for h in checked] == ["pbkdf2:sha256:1001"]


@pytest.mark.parametrize("method", ["md5", "scrypt:1", "pbkdf2:no-such-digest:1000"])
def test_an_unknown_password_hash_method_stops_the_app_at_start(monkeypatch, tmp_path, method):
    monkeypatch.setenv("PASSWORD_HASH_METHOD", method)
    with pytest.raises(SettingError, match="PASSWORD_HASH_METHOD"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_a_stranger_guessing_throttles_only_their_own_address_for_that_account(
    app, session, department
):
    factories.user(session, "zhao", "admin")
    stranger = browser(app, STRANGER)
    assert [attempt(stranger, "zhao", f"wrong-{n}-password").status_code for n in range(6)] == [
        401
    ] * 5 + [429]
    assert (
        attempt(stranger, "zhao", PASSWORD).status_code == 429
    )  # from there, not even the right password
    owner = browser(app, OWNER)
    assert attempt(owner, "zhao", PASSWORD).status_code == 302 and signed_in(owner)
    assert session.scalars(select(UserSession)).one().user.username == "zhao"


def test_guessing_from_many_addresses_slows_new_devices_but_not_a_known_one(
    app, session, department, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_FAILURE_LIMIT", "8 per hour")
    factories.user(session, "he", "editor", department.id)
    factories.user(session, "ma", "editor", department.id)
    laptop = browser(app, OWNER)
    assert attempt(laptop, "he", PASSWORD).status_code == 302  # this browser is now known for "he"
    post_form(laptop, "/logout")
    attacker = browser(app, {"REMOTE_ADDR": "198.51.100.200"})
    assert (
        attempt(attacker, "ma", PASSWORD).status_code == 302
    )  # known for "ma", which helps nothing with "he"
    for n in range(8):
        assert (
            attempt(
                browser(app, {"REMOTE_ADDR": f"198.51.100.{n}"}), "he", "wrong-password!"
            ).status_code
            == 401
        )
    assert attempt(attacker, "he", PASSWORD).status_code == 429
    assert (
        attempt(browser(app, {"REMOTE_ADDR": "198.51.100.201"}), "he", PASSWORD).status_code == 429
    )
    assert attempt(laptop, "he", PASSWORD).status_code == 302 and signed_in(laptop)


def test_a_known_device_has_its_own_failure_budget(app, session, department):
    factories.user(session, "kong", "editor", department.id)
    laptop = browser(app, OWNER)
    assert attempt(laptop, "kong", PASSWORD).status_code == 302
    post_form(laptop, "/logout")
    assert [attempt(laptop, "kong", f"wrong-{n}-password").status_code for n in range(6)] == [
        401
    ] * 5 + [429]
    assert (
        attempt(browser(app, OWNER), "kong", PASSWORD).status_code == 302
    )  # another browser at that address


# Item 14: no known key, ever, outside development and tests.


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "qingdan-development-key-change-me",
        "change-me",
        "0123456789abcdef" * 2,
        "0" * 64,
        "ab" * 40,
    ],
)
def test_outside_development_the_app_refuses_to_start_without_a_strong_key(
    monkeypatch, tmp_path, key
):
    monkeypatch.delenv("QINGDAN_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(InsecureSecretKey, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'refused.sqlite3'}"})


@pytest.mark.parametrize(
    "strong",
    [os.urandom(32).hex(), "Qx7-" + os.urandom(30).hex()[:40], os.urandom(32)],
    ids=["hex", "mixed", "bytes"],  # ids that do not change between runs (and xdist workers)
)
def test_a_key_of_32_random_bytes_is_accepted(strong):
    assert secret_key_problem(strong) is None


def test_development_generates_a_private_key_once_and_keeps_it(tmp_path):
    key = development_secret_key(tmp_path)
    assert secret_key_problem(key) is None
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert development_secret_key(tmp_path) == key


def server_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if name in {"PATH", "HOME", "LANG", "TMPDIR", "PASSWORD_HASH_METHOD"}
    }
    return {
        **kept,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite3'}",
        "SEARCH_INDEX_PATH": str(tmp_path / "index"),
        **settings,
    }


GUNICORN = [
    sys.executable,
    "-m",
    "gunicorn",
    "--config",
    "deploy/gunicorn.conf.py",
    "--workers",
    "1",
    "--no-control-socket",
    "--bind",
    "127.0.0.1:0",
    "catalog:create_app()",
]


def test_gunicorn_without_a_key_exits_with_a_clear_message(tmp_path):
    environment = server_environment(tmp_path)
    result = subprocess.run(
        GUNICORN,
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "QINGDAN_ENV=development" in result.stderr


def test_behind_a_configured_proxy_the_address_limit_follows_x_forwarded_for(tmp_path):
    """A real gunicorn with PROXY_COUNT=1: each forwarded address has its own budget, and one
    address runs out of it (the same run with PROXY_COUNT=0 is the in-process test above)."""
    environment = migrated(
        server_environment(tmp_path, SECRET_KEY=os.urandom(32).hex(), PROXY_COUNT="1")
    )
    with serving(environment, tmp_path / "gunicorn.log") as base:
        visitor = Visitor(base)
        assert [visitor.attempt(f"u{n}", forwarded_for=f"192.0.2.{n}") for n in range(11)] == [
            401
        ] * 11
        assert [visitor.attempt(f"v{n}", forwarded_for="192.0.2.200") for n in range(11)] == [
            401
        ] * 10 + [429]


def test_with_a_shared_store_two_servers_count_sign_ins_together(tmp_path):
    """Two gunicorn servers (separate processes, as workers are) on one Redis: attempts spread
    over both run into one limit; with Redis gone, sign-in still answers (per-process counts)."""
    socket = tmp_path / "redis.sock"
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        environment = migrated(
            server_environment(
                tmp_path,
                SECRET_KEY=os.urandom(32).hex(),
                RATELIMIT_STORAGE_URI=f"redis+unix://{socket}",
            )
        )
        with (
            serving(environment, tmp_path / "a.log") as first,
            serving(environment, tmp_path / "b.log") as second,
        ):
            visitors = [Visitor(first), Visitor(second)]
            guesses = [visitors[n % 2].attempt("zhao", f"wrong-{n}-password") for n in range(6)]
            assert guesses == [401] * 5 + [
                429
            ]  # 3 + 2 failures: alone, neither server would refuse
            redis.terminate()
            redis.wait(timeout=30)
            assert visitors[1].attempt("w1") == 401  # each process counts alone, and answers
    finally:
        redis.kill()
        redis.wait(timeout=30)


def migrated(environment: dict[str, str]) -> dict[str, str]:
    command = [sys.executable, "-m", "flask", "--app", "catalog", "db", "upgrade"]
    subprocess.run(
        command, cwd=REPOSITORY, env=environment, check=True, capture_output=True, timeout=300
    )
    return environment


@contextmanager
def serving(environment: dict[str, str], log: Path) -> Iterator[str]:
    """A gunicorn server with deploy/gunicorn.conf.py and one worker; its base URL."""
    with log.open("w") as output:
        server = subprocess.Popen(
            GUNICORN, cwd=REPOSITORY, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield _listening_at(log, server)
    finally:
        server.terminate()
        server.wait(timeout=30)


class Visitor:
    """A browser over real HTTP: cookies kept, the form's CSRF token sent back."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def attempt(
        self, username: str, password: str = "x" * 12, forwarded_for: str | None = None
    ) -> int:
        page = self.opener.open(f"{self.base}/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": token}
        ).encode()
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        try:
            return self.opener.open(
                urllib.request.Request(f"{self.base}/login", data=form, headers=headers), timeout=30
            ).status
        except urllib.error.HTTPError as answer:
            return answer.code


def _listening_at(log: Path, server: subprocess.Popen) -> str:
    """The server's address once a worker answers (gunicorn logs the port it bound)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        bound = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
        if bound:
            try:
                urllib.request.urlopen(f"{bound.group(1)}/login", timeout=5)
                return bound.group(1)
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer: {log.read_text()}")
