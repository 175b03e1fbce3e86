"""One JSON shape for every API error: a stable code, a Chinese message, and the fields.

{"error": {"status": 422, "code": "validation_failed", "message": "…",
           "fields": {"promised_time_limit": [{"code": "…", "message": "…"}]}}}
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from ..schemas.errors import schema_errors
from ..services.errors import DomainError, FieldError, validation_failed

HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式有误（例如 JSON 无法解析）。"),
    401: ("not_authenticated", "请先登录。"),
    403: ("forbidden", "您没有权限进行此操作。"),
    404: ("not_found", "请求的地址或记录不存在。"),
    405: ("method_not_allowed", "该地址不支持此请求方法。"),
    413: ("payload_too_large", "请求内容过大。"),
    415: ("unsupported_media_type", "请求内容须为 JSON（Content-Type: application/json）。"),
    428: ("precondition_required", "修改或删除时须带上 If-Match 请求头。"),
    429: ("too_many_requests", "尝试过于频繁，请稍后再试。"),
    500: ("internal_error", "服务器内部错误，请稍后再试；问题已记录。"),
}


# A body of a thousand unknown fields gets the first ones listed and the count of the rest,
# not an answer larger than the question.
MAX_LISTED_FIELDS = 50


def error_response(error: DomainError, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"status": error.status, "code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = {
            name: [{"code": e.code, "message": e.message} for e in errors]
            for name, errors in islice(error.fields.items(), MAX_LISTED_FIELDS)
        }
        unlisted = len(error.fields) - MAX_LISTED_FIELDS
        if unlisted > 0:
            body["message"] += f"（另有 {unlisted} 个字段的问题未列出。）"
            body["unlisted"] = unlisted
    response = jsonify({"error": body})
    response.status_code = error.status
    response.headers.update(headers or {})
    return response


def http_error(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    if error.code == 422 and "messages" in data:
        # webargs nests by location (json / query / path); users only need the field names.
        fields: dict[str, list[FieldError]] = {}
        for location_errors in data["messages"].values():
            for name, errors in schema_errors(location_errors).items():
                fields.setdefault(name, []).extend(errors)
        return error_response(validation_failed(fields), data.get("headers"))
    code, message = HTTP_MESSAGES.get(error.code or 500, ("http_error", error.description or ""))
    return error_response(DomainError(code, message, error.code or 500), data.get("headers"))


# Every API route that needs a signed-in actor documents its 401 in these words.
NOT_SIGNED_IN = {401: "未登录或 API 令牌无效"}


def documented_errors(blp: Any, descriptions: dict[int, str], *codes: int) -> Any:
    """Document error responses of a route in the one error shape (for its OpenAPI entry)."""
    from ..schemas.errors import ErrorSchema

    def decorate(function: Any) -> Any:
        for code in codes:
            function = blp.alt_response(code, schema=ErrorSchema, description=descriptions[code])(
                function
            )
        return function

    return decorate
