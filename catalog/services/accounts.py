"""Accounts: users who sign in to the pages, API tokens for other systems, and sign-in itself.

Passwords are hashed with scrypt (Werkzeug's default KDF: memory-hard, salted per hash) unless
the caller names another method (the PASSWORD_HASH_METHOD setting; the suite's is cheap). Each
sign-in opens a server-side session (UserSession) that signing out, a new password, a
deactivation or "sign out everywhere" ends. Guessing is slowed by the sign-in throttles of the
web layer (catalog/web/sign_in_limits.py), never by locking the account: a lock that anyone can
trip by typing wrong passwords locks the owner out too.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import write_transaction
from ..models import ApiToken, Organization, User, UserSession
from ..models.base import utcnow
from .errors import DomainError, FieldError, not_found, validation_failed
from .history import record_change, snapshot_of
from .mapped import rows_changed
from .permissions import ROLES, Actor, authorize, use_case

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "qd_"
# A token's last use is written at most this often: not one extra write per API call.
LAST_USED_GRANULARITY = timedelta(minutes=10)
SESSION_SECRET_BYTES = 32
DEFAULT_HASH_METHOD = "scrypt"  # Werkzeug's: memory-hard, n=2**15, r=8, p=1


@cache
def dummy_hash(method: str = DEFAULT_HASH_METHOD) -> str:
    """What a password is checked against when the username does not exist: hashed with the
    method real passwords are, so a miss costs as long as a wrong password. Werkzeug raises
    ValueError for a method it does not know (create_app calls this at start to find out)."""
    return generate_password_hash("qingdan-no-such-user", method)


def actor_for_user(user: User, credential: str, source: str = "web") -> Actor:
    return Actor(
        name=user.username,
        role=user.role,
        department_id=user.department_id,
        reviewed_departments=frozenset(d.id for d in user.reviewed_departments),
        user_id=user.id,
        credential=credential,
        source=source,
    )


@use_case("accounts.manage")
def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    department_id: int | None = None,
    reviewed_department_ids: list[int] | None = None,
    hash_method: str = DEFAULT_HASH_METHOD,
) -> User:
    authorize(actor, "accounts.manage")
    problems = _role_problems(session, role, department_id, reviewed_department_ids or [])
    problems.update(_password_problems(password))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        problems["username"] = [FieldError("duplicate", f"用户名“{username}”已被使用。")]
    if problems:
        raise validation_failed(problems)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=generate_password_hash(password, hash_method),
        role=role,
        department_id=department_id,
        reviewed_departments=[session.get(Organization, i) for i in reviewed_department_ids or []],
    )
    session.add(user)
    session.flush()
    return _user_changed(session, user, "create", None, actor)


@use_case("accounts.manage")
def set_password(
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    hash_method: str = DEFAULT_HASH_METHOD,
) -> User:
    authorize(actor, "accounts.manage")
    user = _user_named(session, username)
    problems = _password_problems(password)
    if problems:
        raise validation_failed(problems)
    before = _user_snapshot(user)
    user.password_hash = generate_password_hash(password, hash_method)
    _end_sessions(session, user, "password")  # whoever knew the old password is signed out too
    return _user_changed(session, user, "password", before, actor)


@use_case("accounts.manage")
def deactivate_user(session: Session, actor: Actor, username: str) -> User:
    authorize(actor, "accounts.manage")
    user = _user_named(session, username)
    before = _user_snapshot(user)
    user.active = False
    _end_sessions(session, user, "deactivated")
    return _user_changed(session, user, "deactivate", before, actor)


@use_case("accounts.manage")
def set_reviewed_departments(
    session: Session, actor: Actor, username: str, department_ids: list[int]
) -> User:
    """The departments a reviewer approves for, replaced as a whole."""
    authorize(actor, "accounts.manage")
    user = _user_named(session, username)
    problems = _role_problems(session, user.role, user.department_id, department_ids)
    if problems:
        raise validation_failed(problems)
    before = _user_snapshot(user)
    # _role_problems found each of them
    user.reviewed_departments = [
        session.get_one(Organization, i) for i in dict.fromkeys(department_ids)
    ]
    return _user_changed(session, user, "update", before, actor)


@use_case("accounts.manage")
def list_users(session: Session, actor: Actor) -> list[User]:
    authorize(actor, "accounts.manage")
    return list(session.scalars(select(User).order_by(User.username)))


@use_case("accounts.manage")
def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    """Every token with its scope and state (the plain token is never stored, so never listed)."""
    authorize(actor, "accounts.manage")
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


@use_case("public")
def sign_in(
    session: Session,
    username: str,
    password: str,
    address: str | None,
    lifetime: timedelta,
    hash_method: str = DEFAULT_HASH_METHOD,
) -> tuple[UserSession, str]:
    """Check the password and open a session: the session, and the secret its cookie carries
    (stored only as a digest). An unknown, deactivated or wrong one is a 401, alike in answer
    and in cost: a miss is hashed too (with ``hash_method``, the one passwords are hashed
    with), and no path writes before the password is right."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(dummy_hash(hash_method), password)
        raise _wrong_credentials()
    if not check_password_hash(user.password_hash, password):
        raise _wrong_credentials()
    now = utcnow()
    secret = secrets.token_urlsafe(SESSION_SECRET_BYTES)
    opened = UserSession(
        id=secrets.token_hex(8),
        user=user,
        secret_digest=_digest(secret),
        # bounded: behind a too high PROXY_COUNT, the "address" is whatever the client wrote
        address=address[:45] if address else None,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(opened)
    user.last_login_at = now
    session.commit()
    return opened, secret


@use_case("public")
def live_session(session: Session, user_id: str, secret: str | None) -> UserSession | None:
    """The open, unexpired session of an active user that this cookie's secret belongs to."""
    if not secret or not user_id.isdigit():
        return None
    found = session.scalar(
        select(UserSession).where(
            UserSession.secret_digest == _digest(secret),
            UserSession.user_id == int(user_id),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
    )
    return found if found is not None and found.user.active else None


@use_case("public")
def sign_out(session: Session, secret: str | None) -> None:
    """End the session this secret belongs to: holding the cookie is all signing out needs."""
    if secret:
        session.execute(
            update(UserSession)
            .where(UserSession.secret_digest == _digest(secret), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason="sign_out")
        )
        session.commit()


@use_case("accounts.own_sessions")
def sign_out_everywhere(session: Session, actor: Actor) -> int:
    """End every session of the signed-in user, this one included; how many there were."""
    authorize(actor, "accounts.own_sessions")
    user = session.get_one(User, actor.user_id)  # the actor is signed in as this user
    return _end_sessions_recorded(session, actor, user, "everywhere")


@use_case("accounts.manage")
def end_sessions(session: Session, actor: Actor, username: str) -> int:
    """An operator ends every session of an account (a lost laptop, a suspected break-in)."""
    authorize(actor, "accounts.manage")
    return _end_sessions_recorded(session, actor, _user_named(session, username), "operator")


@use_case("accounts.manage")
def create_token(
    session: Session,
    actor: Actor,
    *,
    name: str,
    role: str,
    department_id: int | None,
    days: int = 90,
) -> tuple[ApiToken, str]:
    """A new token and its plain text, which is shown once and never stored."""
    authorize(actor, "accounts.manage")
    problems = _role_problems(session, role, department_id, [])
    if not 1 <= days <= 730:
        problems["days"] = [FieldError("out_of_range", "有效期须在 1 到 730 天之间。")]
    if problems:
        raise validation_failed(problems)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        name=name,
        token_digest=_digest(plain),
        role=role,
        department_id=department_id,
        created_by=actor.name,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    record_change(
        session, "api_token", token.id, "create", None, _token_snapshot(token), actor, department_id
    )
    session.commit()
    return token, plain


@use_case("accounts.manage")
def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    authorize(actor, "accounts.manage")
    token = session.get(ApiToken, token_id)
    if token is None:
        raise not_found("API 令牌", token_id)
    if token.revoked_at is None:
        before = _token_snapshot(token)
        token.revoked_at = utcnow()
        record_change(
            session,
            "api_token",
            token.id,
            "revoke",
            before,
            _token_snapshot(token),
            actor,
            token.department_id,
        )
        session.commit()
    return token


@use_case("public")
def actor_for_token(session: Session, plain: str, source: str = "api") -> Actor:
    """The actor a bearer token stands for, or a 401 when it is unknown, revoked or expired."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_digest == _digest(plain)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise DomainError("invalid_token", "API 令牌无效、已撤销或已过期。", 401)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        # a transaction of its own that begins as a writer: a GET's read transaction could not
        # wait for SQLite's write lock (catalog.database)
        with write_transaction(session):
            token.last_used_at = now  # so an admin sees which tokens are still in use
    reviewed = (
        frozenset({token.department_id})
        if token.role == "reviewer" and token.department_id
        else frozenset()
    )
    return Actor(
        name=f"token:{token.name}",
        role=token.role,
        department_id=token.department_id,
        reviewed_departments=reviewed,
        credential=f"token:{token.id}",
        source=source,
    )


def _user_snapshot(user: User) -> dict[str, object]:
    """What the trail keeps of an account: never the password hash."""
    kept = snapshot_of(user, "username display_name role department_id active")
    return kept | {"reviewed_department_ids": sorted(d.id for d in user.reviewed_departments)}


def _token_snapshot(token: ApiToken) -> dict[str, object]:
    """What the trail keeps of a token: never its digest."""
    return snapshot_of(token, "name role department_id expires_at revoked_at")


def _user_changed(
    session: Session, user: User, action: str, before: dict[str, object] | None, actor: Actor
) -> User:
    """Record a change of ``user`` (its snapshot now is the ``after``) in the trail, and commit."""
    record_change(
        session, "user", user.id, action, before, _user_snapshot(user), actor, user.department_id
    )
    session.commit()
    return user


def _end_sessions(session: Session, user: User, reason: str) -> int:
    return rows_changed(
        session,
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason),
    )


def _end_sessions_recorded(session: Session, actor: Actor, user: User, reason: str) -> int:
    count = _end_sessions(session, user, reason)
    snapshot = _user_snapshot(user)
    record_change(
        session,
        "user",
        user.id,
        "sign_out",
        snapshot,
        snapshot,
        actor,
        user.department_id,
        note=f"结束登录会话 {count} 个",
    )
    session.commit()
    return count


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _user_named(session: Session, username: str) -> User:
    user: User | None = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise not_found("用户", username)
    return user


def _role_problems(
    session: Session, role: str, department_id: int | None, reviewed: list[int]
) -> dict[str, list[FieldError]]:
    problems: dict[str, list[FieldError]] = {}
    if role not in ROLES:
        problems["role"] = [FieldError("invalid_choice", f"角色须为：{'、'.join(ROLES)}。")]
    if role == "editor" and department_id is None:
        problems["department_id"] = [FieldError("required", "部门编辑须指定所属部门。")]
    for name, ids in (
        ("department_id", [department_id] if department_id else []),
        ("reviewed_department_ids", reviewed),
    ):
        for ident in ids:
            if session.get(Organization, ident) is None:
                problems.setdefault(name, []).append(
                    FieldError("unknown_reference", f"机构（编号 {ident}）不存在。")
                )
    return problems


def _password_problems(password: str) -> dict[str, list[FieldError]]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": [FieldError("too_short", f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。")]}
    return {}


def _wrong_credentials() -> DomainError:
    return DomainError("invalid_credentials", "用户名或密码不正确。", 401)


__all__ = [
    "actor_for_token",
    "actor_for_user",
    "create_token",
    "create_user",
    "deactivate_user",
    "end_sessions",
    "list_tokens",
    "list_users",
    "live_session",
    "revoke_token",
    "set_password",
    "set_reviewed_departments",
    "sign_in",
    "sign_out",
    "sign_out_everywhere",
]
