"""Marshmallow's nested error messages as field → [FieldError] with stable codes."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, fields

from ..services.errors import FieldError
from .fields import code_of


def schema_errors(messages: Any, prefix: str = "") -> dict[str, list[FieldError]]:
    """Flatten marshmallow's nested messages to dotted field names with codes."""
    flat: dict[str, list[FieldError]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = "_schema" if key == "_schema" and not prefix else f"{prefix}{key}"
            for field, errors in schema_errors(value, f"{name}.").items():
                flat.setdefault(field, []).extend(errors)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        field = prefix.rstrip(".") or "_schema"
        flat[field] = [FieldError(code_of(m), m) for m in messages]
    elif isinstance(messages, list):
        for value in messages:
            for field, errors in schema_errors(value, prefix).items():
                flat.setdefault(field, []).extend(errors)
    else:
        field = prefix.rstrip(".") or "_schema"
        flat[field] = [FieldError(code_of(str(messages)), str(messages))]
    return flat


class FieldProblemSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class ErrorBodySchema(Schema):
    status = fields.Integer(required=True)
    code = fields.String(
        required=True, metadata={"description": "稳定的错误代码，如 validation_failed"}
    )
    message = fields.String(required=True, metadata={"description": "中文说明"})
    field_problems = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.Nested(FieldProblemSchema)),
        metadata={"description": "各字段的问题（最多列出 50 个字段）"},
    )
    unlisted = fields.Integer(metadata={"description": "超出 50 个、未列出的有问题字段数"})


class ErrorSchema(Schema):
    """The API's one error shape: {"error": {status, code, message, fields}}. Other keys may
    accompany it (a refused import also returns its report)."""

    class Meta:
        unknown = INCLUDE

    error = fields.Nested(ErrorBodySchema, required=True)
