"""The query string of a page, read with the API's own schemas."""
from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from ..schemas.errors import schema_errors


def query_args(schema: type[Schema]) -> dict[str, Any]:
    """The query string read with the API's own schema; list fields take repeated keys, and
    parameters the schema does not know (what browsers and trackers add) are ignored."""
    loader = schema(unknown=EXCLUDE)
    raw = {
        name: request.args.getlist(name) if isinstance(field, fields.List) else request.args[name]
        for name, field in loader.fields.items()
        if name in request.args and not field.dump_only
    }
    return loader.load(raw)


def problems_of(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.message for e in errors] for field, errors in schema_errors(error.messages).items()}
