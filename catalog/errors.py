"""One error handler for the whole app: JSON under /api, a Chinese page elsewhere."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .api.errors import error_response, http_error
from .database import rollback_quietly, unavailable
from .extensions import db, login_manager
from .services.errors import DomainError, stale_version

# Seconds a client should wait before trying again: a busy database frees up within moments,
# an unreachable one takes a restart.
RETRY_AFTER = {"busy": 2, "unreachable": 10}
UNAVAILABLE_MESSAGES = {
    "busy": (
        "database_busy",
        "系统繁忙（数据库正被其他操作占用），请稍后重试；重试修改前可先刷新，查看是否已经保存。",
    ),
    "unreachable": (
        "database_unavailable",
        "数据库暂时无法连接，请稍后重试；重试修改前可先刷新，查看是否已经保存。",
    ),
}


def register_error_handlers(app: Flask) -> None:
    def on_domain_error(error: DomainError, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            return error_response(error, headers)
        from .web import render_error

        body, status = render_error(error)
        return body, status, headers or {}

    def on_http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            return http_error(error)
        from .api.errors import HTTP_MESSAGES
        from .web import render_error

        code, message = HTTP_MESSAGES.get(
            error.code or 500, ("http_error", error.description or "")
        )
        return render_error(DomainError(code, message, error.code or 500))

    def on_csrf_error(_error: CSRFError):  # type: ignore[no-untyped-def]
        message = "表单缺少有效的安全令牌（CSRF），可能已过期：请刷新页面后重新提交。"
        return on_domain_error(DomainError("csrf_failed", message, 400))

    def on_database_error(error: SQLAlchemyError):  # type: ignore[no-untyped-def]
        """A version another writer changed meanwhile: 412, wherever the change was flushed (a
        query's autoflush too; on PostgreSQL two requests may read the same version). A
        database that is busy or unreachable: 503 with Retry-After. Any other error is a fault."""
        if isinstance(error, StaleDataError):
            rollback_quietly(db.session)
            return on_domain_error(stale_version())
        reason = unavailable(error)
        if reason is None:
            raise error
        rollback_quietly(db.session)
        _forget_user_if_unreadable()
        code, message = UNAVAILABLE_MESSAGES[reason]
        return on_domain_error(
            DomainError(code, message, 503), {"Retry-After": str(RETRY_AFTER[reason])}
        )

    app.register_error_handler(CSRFError, on_csrf_error)
    app.register_error_handler(DomainError, on_domain_error)
    app.register_error_handler(HTTPException, on_http_error)
    app.register_error_handler(SQLAlchemyError, on_database_error)


def _forget_user_if_unreadable() -> None:
    """The error page names the signed-in user; if the database cannot say who that is, the
    page shows no one rather than failing too."""
    try:
        current_user.is_authenticated  # noqa: B018 - loads the user while the database answers
    except SQLAlchemyError:
        rollback_quietly(db.session)
        login_manager._update_request_context_with_user()  # flask-login's own "no user" reset
