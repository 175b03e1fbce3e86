"""Who is asking: the Actor of the current request.

The API knows only bearer tokens (``Authorization: Bearer qd_…``) and never the session cookie,
so a page a user visits cannot make their browser call the API for them (no CSRF on the API).
The pages know only the session of a signed-in user, and every form they post carries a CSRF
token (Flask-WTF).
"""
from __future__ import annotations

import secrets

from flask import Flask, request, session
from flask_login import current_user

from .extensions import csrf, db, limiter, login_manager
from .models import User
from .services import accounts
from .services.errors import DomainError
from .services.permissions import ANONYMOUS, Actor


def current_actor() -> Actor:
    """The Actor of this request, worked out once (kept in the WSGI environ, which belongs to
    this request alone; ``g`` may outlive it when an app context is already pushed)."""
    actor = request.environ.get("qingdan.actor")
    if actor is None:
        actor = _api_actor() if request.path.startswith("/api/") else _page_actor()
        request.environ["qingdan.actor"] = actor
    return actor


def _api_actor() -> Actor:
    header = request.headers.get("Authorization")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError("invalid_token", "Authorization 请求头须为“Bearer <API 令牌>”。", 401)
    return accounts.actor_for_token(db.session, token.strip(), "api")


def _page_actor() -> Actor:
    if not current_user.is_authenticated:
        return ANONYMOUS
    return accounts.actor_for_user(current_user, f"session:{session.get('sid', '-')}", "web")


def begin_session() -> None:
    """A new session id at each sign-in: the audit trail names the session a change came from."""
    session.clear()
    session["sid"] = secrets.token_hex(8)


def init_authentication(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "console.login"
    login_manager.login_message = "请先登录。"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
