"""The audit trail for auditors: GET /api/v1/audit and /api/v1/audit/export."""
from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import fields

from ..authentication import current_actor
from ..extensions import db
from ..schemas.base import PageResultSchema, PageSchema
from ..schemas.errors import ErrorSchema
from ..schemas.fields import Code, Id, Moment, Str
from ..schemas.workflow import ChangeSchema
from ..services import audit_trail, crud
from ..services.spreadsheets import FORMATS
from .spreadsheets import file_response

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="变更记录（审计追踪，仅审计与管理员）")


class AuditQuerySchema(PageSchema):
    entity_type = Str(max_length=40, load_default=None, metadata={"description": "对象类型，如 service_item"})
    entity_id = Id(load_default=None, strict=False)
    actor = Str(max_length=200, load_default=None, metadata={"description": "操作人"})
    department_id = Id(load_default=None, strict=False)
    action = Str(max_length=10, load_default=None, metadata={"description": "create、update、submit、approve…"})
    source = Str(max_length=40, load_default=None, metadata={"description": "api、web、cli、seed、import"})
    since = Moment(load_default=None, metadata={"description": "自（含），ISO 8601；不带时区时按北京时间"})
    until = Moment(load_default=None, metadata={"description": "至（不含）"})

    class Meta:
        exclude = ("sort",)


class AuditExportSchema(AuditQuerySchema):
    format = Code(FORMATS, load_default="xlsx", metadata={"description": "文件格式"})


class ChangePageSchema(PageResultSchema):
    items = fields.List(fields.Nested(ChangeSchema))


AUTH = {401: "未登录或 API 令牌无效", 403: "仅审计与管理员可查看"}


@blp.get("")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, ChangePageSchema)
@blp.alt_response(401, schema=ErrorSchema, description=AUTH[401])
@blp.alt_response(403, schema=ErrorSchema, description=AUTH[403])
def list_changes(args: dict[str, Any]) -> crud.Page:
    """变更记录，最新的在前"""
    return audit_trail.query_changes(db.session, args, current_actor())


@blp.get("/export")
@blp.arguments(AuditExportSchema, location="query")
@blp.response(200, description="xlsx 或 CSV 文件")
@blp.alt_response(401, schema=ErrorSchema, description=AUTH[401])
@blp.alt_response(403, schema=ErrorSchema, description=AUTH[403])
def export_changes(args: dict[str, Any]) -> Response:
    """导出变更记录（筛选条件同上，不分页）"""
    return file_response(audit_trail.export_changes(db.session, args, current_actor()))
