"""The base schema: Chinese schema-level messages, and the fields every list row shows."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import RAISE, Schema, fields

from ..models.codes import STATUSES
from .fields import MESSAGES, Code, Int


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": MESSAGES["unknown_field"],
        "type": MESSAGES["invalid_object"],
    }


class RowSchema(BaseSchema):
    """Fields the server owns on every editable row."""

    id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ListRowSchema(RowSchema):
    # Set when a row is created (草稿 unless the actor may publish); changed afterwards only
    # through the workflow's submit / approve / reject / suspend / resume / cancel.
    status = Code(
        STATUSES, metadata={"description": "工作流状态：新建时默认草稿，之后只能通过审核流程变更"}
    )


class PageSchema(BaseSchema):
    """Pagination and sorting of every list endpoint."""

    page = Int(minimum=1, maximum=100_000, load_default=1, strict=False)
    per_page = Int(minimum=1, maximum=100, load_default=20, strict=False)
    sort = fields.String(load_default=None, metadata={"description": "字段名；前加 - 表示倒序"})


class PageResultSchema(BaseSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
