"""The API's gate: who asks, may they, and is the body within bounds — before the body is read.

flask-smorest parses a view's arguments (JSON body, query, upload) before the view runs, and the
view reads If-Match after that; this gate runs before both (``before_request``):

1. the actor, from the bearer token (401 for a bad token);
2. the permission of the use case the route declares it calls (``requires``): 401 for the
   anonymous, 403 for an actor who holds it in no department; a write that declares none needs
   a signed-in actor. Which row, of which department, is still checked by the use case, which
   knows the row;
3. a JSON body: at most MAX_JSON_BYTES, nested at most MAX_JSON_DEPTH deep, at most
   MAX_JSON_MEMBERS in any one object or array — before any schema looks at it, so a body of a
   million unknown keys costs a check, not a million errors.

Every /api response, the documentation page included, tells browsers not to sniff its type and
not to show it in a frame.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request

from ..authentication import current_actor
from ..services.errors import DomainError
from ..services.permissions import RULES, authorize_anywhere, require_sign_in

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The largest valid body (a service item with 100 materials of long texts) is far below this;
# files go to the import routes as multipart uploads, bounded by MAX_CONTENT_LENGTH.
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 8  # a row's lists of objects of lists are 4 deep
MAX_JSON_MEMBERS = 1000  # the widest schema has under 100 fields, its longest list 200 items
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}
F = TypeVar("F", bound=Callable[..., Any])


def requires(use_case: Callable[..., Any] | str, argument: Any = None) -> Callable[[F], F]:
    """Declare the use case a route calls (with the argument that chooses its permission: the
    list's spec, a workflow step's name), or for a route that calls none the permission it
    needs, so that the gate checks that permission first."""
    permission = getattr(use_case, "permission", use_case)
    if callable(permission):  # chosen by the list (row.edit, or reference.edit) or the step
        permission = permission(argument)
    if permission not in RULES:
        raise LookupError(f"no rule for permission {permission!r}")

    def mark(view: F) -> F:
        view.required_permission = permission  # type: ignore[attr-defined]
        return view

    return mark


def required_permission(app: Flask, endpoint: str | None, method: str) -> str | None:
    """The permission declared by the view that serves ``method`` at ``endpoint``."""
    view = app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the declaration is on the method
        view = getattr(view_class, "get" if method == "HEAD" else method.lower(), None)
    return getattr(view, "required_permission", None)


def _authorize() -> None:
    permission = required_permission(current_app, request.endpoint, request.method)
    if permission is not None:
        authorize_anywhere(current_actor(), permission)
    elif request.method in WRITES:
        require_sign_in(current_actor())


def _bound_json() -> None:
    if not request.is_json or request.method not in WRITES:
        return
    request.max_content_length = MAX_JSON_BYTES  # reading more raises 413
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise DomainError(
            "payload_too_large", f"JSON 请求内容不能超过 {MAX_JSON_BYTES // 1024} KB。", 413
        )
    try:
        body = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # malformed: the arguments parser answers it in its own words
        return
    check_json_shape(body)


def check_json_shape(body: Any) -> None:
    """Refuse a parsed body nested deeper than MAX_JSON_DEPTH or with an object or list of more
    than MAX_JSON_MEMBERS members (walked without recursion)."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        members = (
            value.values()
            if isinstance(value, dict)
            else value
            if isinstance(value, list)
            else None
        )
        if members is None:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if len(members) > MAX_JSON_MEMBERS:
            raise DomainError(
                "too_many_members",
                f"JSON 中每个对象或列表最多 {MAX_JSON_MEMBERS} 项，请检查请求内容。",
                400,
            )
        pending.extend((member, depth + 1) for member in members)


def _too_deep() -> DomainError:
    return DomainError("nesting_too_deep", f"JSON 嵌套过深：最多 {MAX_JSON_DEPTH} 层。", 400)


def init_gate(app: Flask) -> None:
    @app.before_request
    def gate() -> None:
        if request.path.startswith("/api/") and request.url_rule is not None:  # else 404 or 405
            _authorize()
            _bound_json()

    @app.after_request
    def security_headers(response: Response) -> Response:
        if request.path.startswith("/api/"):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response
