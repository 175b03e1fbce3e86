"""Who is asking: the Actor of the current request.

The API knows only bearer tokens (``Authorization: Bearer qd_…``) and never the session cookie,
so a page a user visits cannot make their browser call the API for them (no CSRF on the API).
The pages know only the session of a signed-in user, and every form they post carries a CSRF
token (Flask-WTF).

A page session is a row on the server (UserSession) plus a secret in the signed cookie; the
cookie alone, even one signed with the right key, opens nothing once that row has ended.
"""

from __future__ import annotations

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user

from .extensions import csrf, db, login_manager
from .models import User, UserSession
from .services import accounts
from .services.errors import DomainError
from .services.permissions import ANONYMOUS, Actor

# Where the cookie keeps the secret of its server-side session.
SESSION_SECRET = "qingdan_session"


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
    return accounts.actor_for_user(
        current_user, f"session:{request.environ['qingdan.session_id']}", "web"
    )


def begin_session(opened: UserSession, secret: str) -> None:
    """A new cookie at each sign-in (nothing carried over from before: no session fixation)."""
    session.clear()
    session[SESSION_SECRET] = secret
    login_user(opened.user)


def end_session() -> None:
    """Sign this browser out: its server-side session ends, so a copy of the cookie is void too."""
    accounts.sign_out(db.session, session.get(SESSION_SECRET))
    logout_user()
    session.clear()


class PageSessions(SecureCookieSessionInterface):
    """The signed session cookie, for the pages only.

    The API never reads the cookie (bearer tokens only), so an API request gets Flask's null
    session: no cookie is verified on the way in and none is written on the way out, which was
    a tenth of every API request's hooks (bench/request_overhead.py).
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_authentication(app: Flask) -> None:
    app.session_interface = PageSessions()
    login_manager.init_app(app)
    login_manager.login_view = "console.login"
    login_manager.login_message = "请先登录。"
    # Off. Flask-Login's "strong" mode hashes the leftmost X-Forwarded-For, which the client
    # writes, so it bound a session to nothing an attacker could not copy; binding to the true
    # address (PROXY_COUNT) would sign staff out whenever their address changes. A session is
    # protected instead by living on the server: it ends at sign-out, password change and
    # deactivation and after SESSION_LIFETIME; the cookie is HttpOnly, SameSite=Lax, and Secure
    # behind HTTPS.
    login_manager.session_protection = None
    csrf.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        live = accounts.live_session(db.session, user_id, session.get(SESSION_SECRET))
        if live is None:
            return None
        request.environ["qingdan.session_id"] = live.id  # the audit trail's "session:<id>"
        return live.user
