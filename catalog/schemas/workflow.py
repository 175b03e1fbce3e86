"""Workflow steps, revisions and the history of a row."""

from __future__ import annotations

from marshmallow import fields

from ..services.tabular_files import FORMATS
from .base import BaseSchema, PageSchema
from .fields import Code, Id, Moment, Str, Text, optional


class StepSchema(BaseSchema):
    reason = optional(Text, description="理由（退回、暂停、取消时必填）")


class RevisionSchema(BaseSchema):
    id = fields.Integer()
    entity_type = fields.String()
    entity_id = fields.Integer()
    state = fields.String(
        metadata={"description": "draft 修订稿 / submitted 待审核 / rejected 被退回"}
    )
    data = fields.Dict(metadata={"description": "待生效的字段修改"})
    base_version = fields.Integer(metadata={"description": "起草时已发布版本的版本号"})
    author = fields.String()
    reviewer = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ChangeSchema(BaseSchema):
    """One entry of the audit trail."""

    id = fields.Integer()
    entity_type = fields.String()
    entity_id = fields.Integer()
    action = fields.String()
    version = fields.Integer(allow_none=True)
    actor = fields.String()
    source = fields.String()
    credential = fields.String(allow_none=True, metadata={"description": "session:… 或 token:…"})
    department_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    changed_at = fields.DateTime()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class AuditQuerySchema(PageSchema):
    entity_type = Str(
        max_length=40, load_default=None, metadata={"description": "对象类型，如 service_item"}
    )
    entity_id = Id(load_default=None, strict=False)
    actor = Str(max_length=200, load_default=None, metadata={"description": "操作人"})
    department_id = Id(load_default=None, strict=False)
    action = Str(
        max_length=10,
        load_default=None,
        metadata={"description": "create、update、submit、approve…"},
    )
    source = Str(
        max_length=40, load_default=None, metadata={"description": "api、web、cli、seed、import"}
    )
    since = Moment(
        load_default=None, metadata={"description": "自（含），ISO 8601；不带时区时按北京时间"}
    )
    until = Moment(load_default=None, metadata={"description": "至（不含）"})

    class Meta:
        exclude = ("sort",)


class AuditExportSchema(AuditQuerySchema):
    format = Code(FORMATS, load_default="xlsx", metadata={"description": "文件格式"})
