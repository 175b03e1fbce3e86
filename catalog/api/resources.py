"""REST v1 routes for every list, generated from its ListSpec.

Each handler is thin: the schema parses, one use case (catalog/services/crud.py, workflow.py,
audit_trail.py) acts with the request's Actor, the schema serializes. Collections take the
spec's filters, sorting and pagination with totals. Lists with a workflow also get the steps
(POST /<id>/submit …), the open revision of a published row and the row's history.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..authentication import current_actor
from ..extensions import db
from ..models import Revision
from ..schemas.base import PageResultSchema, PageSchema
from ..schemas.errors import ErrorSchema
from ..schemas.workflow import ChangeSchema, RevisionSchema, StepSchema
from ..services import audit_trail, crud, workflow
from ..services.registry import ListSpec
from .errors import NOT_SIGNED_IN, documented_errors
from .etag import expected_version, with_etag
from .gate import requires

ETAG_HEADER = {"ETag": {"description": "行版本，修改时放入 If-Match", "schema": {"type": "string"}}}


def query_schema(spec: ListSpec) -> type[Schema]:
    return type(f"{spec.class_name}Query", (PageSchema,), spec.query_fields())


def page_schema(spec: ListSpec) -> type[Schema]:
    return type(
        f"{spec.class_name}Page",
        (PageResultSchema,),
        {"items": fields.List(fields.Nested(spec.list_schema or spec.schema))},
    )


def _row_response(spec: ListSpec, row: Any, status: int = 200) -> Response:
    response = jsonify(spec.schema().dump(row))
    response.status_code = status
    return with_etag(response, row)


def _update(spec: ListSpec, row_id: int, data: dict[str, Any], replace: bool) -> Response:
    result = workflow.edit_row(
        db.session, spec, row_id, data, expected_version(), current_actor(), replace
    )
    if isinstance(result, Revision):  # a published row: the change waits for review
        response = jsonify(RevisionSchema().dump(result))
        response.status_code = 202
        return response
    return _row_response(spec, result)


REVISION_RESPONSE = "已发布的记录不直接修改：修改保存为修订稿（返回修订稿），审核通过后生效"
IF_MATCH_ERRORS = {
    412: "If-Match 已过期：记录已被他人修改",
    428: "缺少 If-Match",
}
ERRORS = {
    **NOT_SIGNED_IN,
    403: "无权操作（仅限本部门或分配的审核部门）",
    **IF_MATCH_ERRORS,
}


IF_MATCH = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": True,
            "schema": {"type": "string"},
            "description": '读取时响应头 ETag 的值（行版本），如 "3"',
        }
    ]
}


def if_match(blp: Blueprint, descriptions: dict[int, str], *codes: int) -> Any:
    """A write that needs If-Match, documented: the header, 428 and 412 in every API's words,
    and the route's own ``codes`` as ``descriptions`` say them."""

    def decorate(function: Any) -> Any:
        errors = {**descriptions, **IF_MATCH_ERRORS}
        return blp.doc(**IF_MATCH)(documented_errors(blp, errors, *codes, 428, 412)(function))

    return decorate


def _edit(blp: Blueprint, spec: ListSpec, schema: Any, replace: bool, summary: str) -> Any:
    """PUT (``replace``: the whole row) or PATCH (the fields given) of one row."""

    @requires(workflow.edit_row, spec)
    @blp.arguments(schema)
    @blp.response(200, spec.schema, headers=ETAG_HEADER)
    @blp.alt_response(202, schema=RevisionSchema, description=REVISION_RESPONSE)
    @if_match(blp, ERRORS, 401, 403)
    def edit(self: MethodView, data: dict[str, Any], row_id: int) -> Response:
        return _update(spec, row_id, data, replace)

    edit.__doc__ = summary
    return edit


def resource_blueprint(spec: ListSpec) -> Blueprint:
    """The blueprint of a list's routes, made once a process like the module-level ones: each
    app (a test's, a worker's) registers the same blueprint."""
    if spec.name not in _BLUEPRINTS:
        _BLUEPRINTS[spec.name] = _make_blueprint(spec)
    return _BLUEPRINTS[spec.name]


_BLUEPRINTS: dict[str, Blueprint] = {}


def _make_blueprint(spec: ListSpec) -> Blueprint:
    blp = Blueprint(
        spec.entity_type, __name__, url_prefix=f"/api/v1/{spec.name}", description=spec.label
    )
    patch_schema = type(f"{spec.class_name}Patch", (spec.schema,), {})

    @blp.route("")
    class Collection(MethodView):
        @requires(crud.list_rows)
        @blp.arguments(query_schema(spec), location="query")
        @blp.response(200, page_schema(spec))
        def get(self, args: dict[str, Any]) -> crud.Page:
            """按条件分页列出（公众只能看到已发布的记录）"""
            return crud.list_rows(db.session, spec, args, current_actor(), summary=True)

        @requires(crud.create_row, spec)
        @blp.arguments(spec.schema)
        @blp.response(201, spec.schema, headers=ETAG_HEADER)
        @documented_errors(blp, ERRORS, 401, 403)
        def post(self, data: dict[str, Any]) -> Response:
            """新建（部门编辑新建的事项为草稿）"""
            return _row_response(
                spec, crud.create_row(db.session, spec, data, current_actor()), 201
            )

    @blp.route("/<int:row_id>")
    class Item(MethodView):
        @requires(crud.get_row)
        @blp.response(200, spec.schema, headers=ETAG_HEADER)
        def get(self, row_id: int) -> Response:
            """读取一条（响应头 ETag 为版本号）"""
            return _row_response(spec, crud.get_row(db.session, spec, row_id, current_actor()))

        put = _edit(blp, spec, spec.schema, True, "整条替换（须带 If-Match）")
        patch = _edit(blp, spec, patch_schema(partial=True), False, "修改部分字段（须带 If-Match）")

        @requires(crud.delete_row, spec)
        @blp.response(204)
        @blp.alt_response(409, schema=ErrorSchema, description="已提交或已发布的事项不能删除")
        @if_match(blp, ERRORS, 401, 403)
        def delete(self, row_id: int) -> None:
            """删除草稿（须带 If-Match）"""
            crud.delete_row(db.session, spec, row_id, expected_version(), current_actor())

    if spec.has_workflow:
        _workflow_routes(blp, spec)
    return blp


def _workflow_routes(blp: Blueprint, spec: ListSpec) -> None:
    for name, step in workflow.STEPS.items():
        _step_route(blp, spec, name, step)

    @blp.route("/<int:row_id>/revision")
    class OpenRevision(MethodView):
        @requires(workflow.get_revision)
        @blp.response(200, RevisionSchema)
        @documented_errors(blp, ERRORS, 401, 403)
        def get(self, row_id: int) -> Revision:
            """已发布记录的待审修订稿"""
            return workflow.get_revision(db.session, spec, row_id, current_actor())

        @requires(workflow.discard_revision, spec)
        @blp.response(204)
        @documented_errors(blp, ERRORS, 401, 403)
        def delete(self, row_id: int) -> None:
            """撤销未提交的修订稿（已发布的记录不变）"""
            workflow.discard_revision(db.session, spec, row_id, current_actor())

    @blp.route("/<int:row_id>/history")
    class History(MethodView):
        @requires(audit_trail.row_history)
        @blp.response(200, ChangeSchema(many=True))
        @documented_errors(blp, ERRORS, 401, 403)
        def get(self, row_id: int) -> list[Any]:
            """该记录的全部变更（谁、何时、经由哪个会话或令牌、修改前后）"""
            return audit_trail.row_history(db.session, spec, row_id, current_actor())


def _step_route(blp: Blueprint, spec: ListSpec, name: str, step: workflow.Step) -> None:
    @blp.arguments(StepSchema)
    @blp.response(200, spec.schema, headers=ETAG_HEADER)
    @blp.alt_response(409, schema=ErrorSchema, description="当前状态不能进行此操作")
    @if_match(blp, ERRORS, 401, 403)
    def take_step(data: dict[str, Any], row_id: int) -> Response:
        row = workflow.take_step(
            db.session, spec, name, row_id, expected_version(), current_actor(), data["reason"]
        )
        return _row_response(spec, row)

    take_step.__doc__ = f"{step.label}（须带 If-Match）"
    blp.route(f"/<int:row_id>/{name}", methods=["POST"], endpoint=f"{name}")(
        requires(workflow.take_step, name)(take_step)
    )
