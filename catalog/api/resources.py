"""REST v1 routes for every list, generated from its ListSpec.

Each handler is thin: the schema parses, one use case in catalog/services/crud.py acts, the
schema serializes. Collections take the spec's filters, sorting and pagination with totals.
"""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..extensions import db
from ..schemas.base import PageResultSchema, PageSchema
from ..schemas.fields import Code
from ..services import crud
from ..services.registry import ListSpec
from .etag import expected_version, with_etag

ETAG_HEADER = {"ETag": {"description": "行版本，修改时放入 If-Match", "schema": {"type": "string"}}}


def query_schema(spec: ListSpec) -> type[Schema]:
    attrs: dict[str, Any] = {f.name: _described(f.field(), f.description) for f in spec.filters}
    attrs["sort"] = Code({choice: choice for choice in spec.sort_choices()}, load_default=None)
    return type(f"{_class_name(spec)}Query", (PageSchema,), attrs)


def _described(field: fields.Field, description: str) -> fields.Field:
    field.metadata = {**field.metadata, "description": description}
    field.load_default = None
    if isinstance(field, fields.Integer):
        field.strict = False  # query strings carry numbers as text
    return field


def page_schema(spec: ListSpec) -> type[Schema]:
    return type(
        f"{_class_name(spec)}Page",
        (PageResultSchema,),
        {"items": fields.List(fields.Nested(spec.list_schema or spec.schema))},
    )


def _class_name(spec: ListSpec) -> str:
    return "".join(part.title() for part in spec.entity_type.split("_"))


def _actor() -> crud.Actor:
    return crud.Actor()


def _row_response(spec: ListSpec, row: Any, status: int = 200) -> Response:
    response = jsonify(spec.schema().dump(row))
    response.status_code = status
    return with_etag(response, row)


def _update(spec: ListSpec, row_id: int, data: dict[str, Any]) -> Response:
    row = crud.update_row(db.session, spec, row_id, data, expected_version(), _actor())
    return _row_response(spec, row)


def resource_blueprint(spec: ListSpec) -> Blueprint:
    blp = Blueprint(
        spec.entity_type, __name__, url_prefix=f"/api/v1/{spec.name}", description=spec.label
    )
    patch_schema = type(f"{_class_name(spec)}Patch", (spec.schema,), {})
    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(query_schema(spec), location="query")
        @blp.response(200, page_schema(spec))
        def get(self, args: dict[str, Any]) -> crud.Page:
            """按条件分页列出"""
            return crud.list_rows(db.session, spec, args, summary=True)

        @blp.arguments(spec.schema)
        @blp.response(201, spec.schema, headers=ETAG_HEADER)
        def post(self, data: dict[str, Any]) -> Response:
            """新建"""
            return _row_response(spec, crud.create_row(db.session, spec, data, _actor()), 201)

    @blp.route("/<int:row_id>")
    class Item(MethodView):
        @blp.response(200, spec.schema, headers=ETAG_HEADER)
        def get(self, row_id: int) -> Response:
            """读取一条（响应头 ETag 为版本号）"""
            return _row_response(spec, crud.get_row(db.session, spec, row_id))

        @blp.arguments(spec.schema)
        @blp.response(200, spec.schema, headers=ETAG_HEADER)
        @blp.alt_response(412, description="If-Match 已过期：记录已被他人修改")
        @blp.alt_response(428, description="缺少 If-Match")
        def put(self, data: dict[str, Any], row_id: int) -> Response:
            """整条替换（须带 If-Match）"""
            return _update(spec, row_id, data)

        @blp.arguments(patch_schema(partial=True))
        @blp.response(200, spec.schema, headers=ETAG_HEADER)
        @blp.alt_response(412, description="If-Match 已过期：记录已被他人修改")
        @blp.alt_response(428, description="缺少 If-Match")
        def patch(self, data: dict[str, Any], row_id: int) -> Response:
            """修改部分字段（须带 If-Match）"""
            return _update(spec, row_id, data)

        @blp.response(204)
        @blp.alt_response(412, description="If-Match 已过期：记录已被他人修改")
        @blp.alt_response(428, description="缺少 If-Match")
        def delete(self, row_id: int) -> None:
            """删除（须带 If-Match）"""
            crud.delete_row(db.session, spec, row_id, expected_version(), _actor())

    return blp
