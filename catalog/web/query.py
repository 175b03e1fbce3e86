"""The query string of a page, read with the API's own schemas."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, render_template, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from ..schemas.errors import schema_errors
from ..services.errors import DomainError


def query_args(schema: type[Schema], source: MultiDict[str, str] | None = None) -> dict[str, Any]:
    """The query string (or a posted form) read with the API's own schema; list fields take
    repeated keys, parameters the schema does not know (what browsers and trackers add) are
    ignored, and so are empty ones: a form's untouched box or "any" choice means no value."""
    given = request.args if source is None else source
    loader = schema(unknown=EXCLUDE)
    raw = {
        name: [v for v in given.getlist(name) if v]
        if isinstance(field, fields.List)
        else given[name]
        for name, field in loader.fields.items()
        if given.get(name) and not field.dump_only
    }
    return loader.load(raw)


def problems_of(error: ValidationError) -> dict[str, list[str]]:
    return {
        field: [e.message for e in errors]
        for field, errors in schema_errors(error.messages).items()
    }


def flash_problem(error: DomainError) -> None:
    """Show a refused form step on the next page; who may not act gets the error page instead."""
    if error.status in (401, 403, 404):
        raise error
    details = "".join(e.message for errors in error.fields.values() for e in errors)
    flash(f"{error.message}{details}", "error")


def strict_args(schema: type[Schema]) -> dict[str, Any]:
    """The query of a page without a form of its own: a bad one is the error page's 400."""
    try:
        return query_args(schema)
    except ValidationError as error:
        problems = "；".join(m for messages in problems_of(error).values() for m in messages)
        raise DomainError("invalid_query", f"查询参数有误：{problems}", 400) from error


def page_args(schema: type[Schema], template: str, **shown: Any) -> dict[str, Any]:
    """The query of a page with a form of its own: a bad one renders the page again (400) with
    its problems beside the form; ``shown`` is what the page shows without a query."""
    try:
        return query_args(schema)
    except ValidationError as error:
        page = render_template(template, args={}, problems=problems_of(error), **shown)
        abort(make_response(page, 400))
