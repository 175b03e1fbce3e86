"""The audit trail for auditors: GET /api/v1/audit and /api/v1/audit/export."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import fields

from ..authentication import current_actor
from ..extensions import db
from ..schemas.base import PageResultSchema
from ..schemas.errors import ErrorSchema
from ..schemas.workflow import AuditExportSchema, AuditQuerySchema, ChangeSchema
from ..services import audit_trail, crud
from .errors import NOT_SIGNED_IN
from .gate import requires
from .spreadsheets import file_response

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="变更记录（审计追踪，仅审计与管理员）",
)


class ChangePageSchema(PageResultSchema):
    items = fields.List(fields.Nested(ChangeSchema))


AUTH = {**NOT_SIGNED_IN, 403: "仅审计与管理员可查看"}


@blp.get("")
@requires(audit_trail.query_changes)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, ChangePageSchema)
@blp.alt_response(401, schema=ErrorSchema, description=AUTH[401])
@blp.alt_response(403, schema=ErrorSchema, description=AUTH[403])
def list_changes(args: dict[str, Any]) -> crud.Page:
    """变更记录，最新的在前"""
    return audit_trail.query_changes(db.session, args, current_actor())


@blp.get("/export")
@requires(audit_trail.export_changes)
@blp.arguments(AuditExportSchema, location="query")
@blp.response(200, description="xlsx 或 CSV 文件")
@blp.alt_response(401, schema=ErrorSchema, description=AUTH[401])
@blp.alt_response(403, schema=ErrorSchema, description=AUTH[403])
def export_changes(args: dict[str, Any]) -> Response:
    """导出变更记录（筛选条件同上，不分页）"""
    return file_response(audit_trail.export_changes(db.session, args, current_actor()))
