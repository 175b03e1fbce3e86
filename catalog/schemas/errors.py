"""Marshmallow's nested error messages as field → [FieldError] with stable codes."""
from __future__ import annotations

from typing import Any

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
