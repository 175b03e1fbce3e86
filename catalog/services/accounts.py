"""Accounts: users who sign in to the pages, API tokens for other systems, and sign-in itself.

Passwords are hashed with scrypt (Werkzeug's default KDF: memory-hard, salted per hash). After
MAX_FAILED_LOGINS wrong passwords an account is locked for LOCKOUT; the login route is also
rate-limited per address (Flask-Limiter), so guessing is slow from one place and from many.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import write_transaction
from ..models import ApiToken, Organization, User
from ..models.base import CHINA_TIME, utcnow
from .errors import DomainError, FieldError, not_found, validation_failed
from .history import record_change
from .permissions import ROLES, Actor, authorize, use_case

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "qd_"
# A token's last use is written at most this often: not one extra write per API call.
LAST_USED_GRANULARITY = timedelta(minutes=10)
# Compared against when the username does not exist, so a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("qingdan-no-such-user")


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
) -> User:
    authorize(actor, "accounts.manage")
    problems = _role_problems(session, role, department_id, reviewed_department_ids or [])
    problems.update(_password_problems(password))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        problems["username"] = [FieldError("duplicate", f"用户名“{username}”已被使用。")]
    if problems:
        raise validation_failed(problems)
    user = User(
        username=username, display_name=display_name, password_hash=generate_password_hash(password),
        role=role, department_id=department_id,
        reviewed_departments=[session.get(Organization, i) for i in reviewed_department_ids or []],
    )
    session.add(user)
    session.flush()
    _record(session, "user", user.id, "create", None, _user_snapshot(user), actor, user.department_id)
    session.commit()
    return user


@use_case("accounts.manage")
def set_password(session: Session, actor: Actor, username: str, password: str) -> User:
    authorize(actor, "accounts.manage")
    user = _user_named(session, username)
    problems = _password_problems(password)
    if problems:
        raise validation_failed(problems)
    before = _user_snapshot(user)
    user.password_hash = generate_password_hash(password)
    user.failed_logins, user.locked_until = 0, None
    _record(session, "user", user.id, "password", before, _user_snapshot(user), actor, user.department_id)
    session.commit()
    return user


@use_case("accounts.manage")
def deactivate_user(session: Session, actor: Actor, username: str) -> User:
    authorize(actor, "accounts.manage")
    user = _user_named(session, username)
    before = _user_snapshot(user)
    user.active = False
    _record(session, "user", user.id, "deactivate", before, _user_snapshot(user), actor, user.department_id)
    session.commit()
    return user


@use_case("public")
def authenticate(session: Session, username: str, password: str, now: datetime | None = None) -> User:
    """The user with this username and password, or a 401; locked accounts get a 423."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        raise _wrong_credentials()
    if user.locked_until is not None and user.locked_until > now:
        raise _locked(user.locked_until)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            before = _user_snapshot(user)
            user.failed_logins, user.locked_until = 0, now + LOCKOUT
            lockout = Actor(name=user.username, source="web")
            _record(session, "user", user.id, "lockout", before, _user_snapshot(user), lockout, user.department_id)
            session.commit()
            raise _locked(user.locked_until)
        session.commit()
        raise _wrong_credentials()
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    session.commit()
    return user


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
        name=name, token_digest=_digest(plain), role=role, department_id=department_id,
        created_by=actor.name, created_at=now, expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    _record(session, "api_token", token.id, "create", None, _token_snapshot(token), actor, department_id)
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
        _record(session, "api_token", token.id, "revoke", before, _token_snapshot(token), actor, token.department_id)
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
    reviewed = frozenset({token.department_id}) if token.role == "reviewer" and token.department_id else frozenset()
    return Actor(
        name=f"token:{token.name}", role=token.role, department_id=token.department_id,
        reviewed_departments=reviewed, credential=f"token:{token.id}", source=source,
    )


def _user_snapshot(user: User) -> dict[str, object]:
    """What the trail keeps of an account: never the password hash."""
    return {
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "department_id": user.department_id, "active": user.active,
        "reviewed_department_ids": sorted(d.id for d in user.reviewed_departments),
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }


def _token_snapshot(token: ApiToken) -> dict[str, object]:
    """What the trail keeps of a token: never its digest."""
    return {
        "name": token.name, "role": token.role, "department_id": token.department_id,
        "expires_at": token.expires_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def _record(
    session: Session, entity_type: str, entity_id: int, action: str, before: dict[str, object] | None,
    after: dict[str, object], actor: Actor, department_id: int | None,
) -> None:
    record_change(
        session, entity_type=entity_type, entity_id=entity_id, action=action, before=before, after=after,
        actor=actor, department_id=department_id, searchable=False,
    )


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
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
    for name, ids in (("department_id", [department_id] if department_id else []), ("reviewed_department_ids", reviewed)):
        for ident in ids:
            if session.get(Organization, ident) is None:
                problems.setdefault(name, []).append(FieldError("unknown_reference", f"机构（编号 {ident}）不存在。"))
    return problems


def _password_problems(password: str) -> dict[str, list[FieldError]]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": [FieldError("too_short", f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。")]}
    return {}


def _wrong_credentials() -> DomainError:
    return DomainError("invalid_credentials", "用户名或密码不正确。", 401)


def _locked(until: datetime) -> DomainError:
    local = until.astimezone(CHINA_TIME).strftime("%H:%M")
    return DomainError("account_locked", f"连续输错密码次数过多，账号已临时锁定，请于 {local} 后再试。", 423)


__all__ = [
    "actor_for_token",
    "actor_for_user",
    "authenticate",
    "create_token",
    "create_user",
    "deactivate_user",
    "revoke_token",
    "set_password",
]
