"""People and systems that sign in: users with a role, and API tokens for other systems."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Timestamped, UtcDateTime, db
from .org import Organization

# Departments a reviewer approves changes for.
reviewer_departments = Table(
    "reviewer_departments",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
)


class User(UserMixin, Timestamped, db.Model):
    """A person who signs in to the web pages: editor, reviewer, auditor or admin.

    Users are deactivated, never deleted, so the audit trail always names a real account.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    reviewed_departments: Mapped[list[Organization]] = relationship(secondary=reviewer_departments)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated user's session stops working
        return self.active


class UserSession(db.Model):
    """One sign-in of a user in one browser, kept on the server so that it can end.

    Flask's session cookie is signed but lives in the browser: a copy taken before sign-out would
    otherwise keep working for as long as the key stays the same. The cookie carries a 256-bit
    secret of which only the SHA-256 digest is stored, so neither this table nor the audit trail
    (which names a session by its public ``id``) holds anything that opens a session, and a
    cookie signed with a leaked SECRET_KEY opens nothing without a live session's secret.
    Ended sessions are kept: the trail's ``session:<id>`` keeps pointing at a real sign-in.

    One row per sign-in rather than a per-user session version: a version ends all of a user's
    sessions but cannot end just one (signing out of this browser), and a server-side session
    store (Flask-Session) keys sessions by id alone, so it cannot end all of one user's.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str | None] = mapped_column(String(45))  # the peer, or what a trusted proxy saw
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(db.Model):
    """A bearer token for another system, scoped to a role and a department.

    Only a SHA-256 digest is stored: tokens are 256 random bits, so a slow KDF adds nothing,
    and a leaked table yields no usable token.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
