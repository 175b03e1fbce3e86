"""One error handler for the whole app: JSON under /api, a Chinese page elsewhere."""
from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .api.errors import error_response, http_error
from .services.errors import DomainError


def register_error_handlers(app: Flask) -> None:
    def on_domain_error(error: DomainError):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            return error_response(error)
        from .web import render_error

        return render_error(error)

    def on_http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            return http_error(error)
        from .api.errors import HTTP_MESSAGES
        from .web import render_error

        code, message = HTTP_MESSAGES.get(error.code or 500, ("http_error", error.description or ""))
        return render_error(DomainError(code, message, error.code or 500))

    def on_csrf_error(_error: CSRFError):  # type: ignore[no-untyped-def]
        message = "表单缺少有效的安全令牌（CSRF），可能已过期：请刷新页面后重新提交。"
        return on_domain_error(DomainError("csrf_failed", message, 400))

    app.register_error_handler(CSRFError, on_csrf_error)
    app.register_error_handler(DomainError, on_domain_error)
    app.register_error_handler(HTTPException, on_http_error)
