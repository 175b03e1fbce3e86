"""Revising and abolishing a legal basis; its impact and the reviews it opened."""

from __future__ import annotations

from marshmallow import fields

from ..models.legal import CATEGORIES
from ..models.legal_changes import CHANGE_KINDS
from .base import BaseSchema
from .fields import Code, Day, Str, Text, optional
from .legal import LegalBasisSchema


class AbolishSchema(BaseSchema):
    document_number = Str(
        max_length=100, min_length=1, required=True, metadata={"description": "废止决定的文号"}
    )
    decided_on = Day(required=True, metadata={"description": "决定（公布）日期"})
    effective_on = Day(required=True, metadata={"description": "废止生效日期"})
    reason = optional(Text, description="理由（如清理中发现与上位法不一致）")


class ReviseSchema(AbolishSchema):
    document_number = Str(
        max_length=100, min_length=1, required=True, metadata={"description": "修订后版本的文号"}
    )
    effective_on = Day(required=True, metadata={"description": "新版本施行日期"})
    name = optional(Str, max_length=300, description="新版本名称（默认不变）")
    version_label = optional(Str, max_length=100, description="版本，如 2021年修订")
    issuer = optional(Str, max_length=200)
    category = optional(Code, CATEGORIES)
    articles = optional(Text)


class CitationSchema(BaseSchema):
    list = fields.Function(lambda c: c.spec.name)
    list_label = fields.Function(lambda c: c.spec.label)
    item_id = fields.Integer()
    name = fields.String()
    department_id = fields.Integer(allow_none=True)
    department = fields.String()
    status = fields.String(metadata={"description": "事项的工作流状态"})
    cites = fields.Boolean(metadata={"description": "仍引用该依据"})
    pending = fields.Boolean(metadata={"description": "复核未完成：事项未取消且仍引用该依据"})
    opened = fields.Function(
        lambda c: c.review.opened if c.review else None,
        metadata={"description": "revision 已生成修订稿 / review 复核任务"},
    )
    revision_id = fields.Function(lambda c: c.revision.id if c.revision else None)
    revision_state = fields.Function(lambda c: c.revision.state if c.revision else None)
    note = fields.Function(lambda c: c.review.note if c.review else None)


class ImpactGroupSchema(BaseSchema):
    list = fields.String()
    department = fields.String()
    items = fields.Integer()


class ImpactSchema(BaseSchema):
    basis = fields.Nested(LegalBasisSchema)
    groups = fields.List(
        fields.Nested(ImpactGroupSchema), metadata={"description": "按清单和部门计数"}
    )
    items = fields.List(fields.Nested(CitationSchema))


class BasisChangeSchema(BaseSchema):
    id = fields.Integer()
    legal_basis_id = fields.Integer()
    legal_basis = fields.Function(lambda c: c.legal_basis.name)
    kind = fields.String(metadata={"description": "revise 修订 / abolish 废止"})
    kind_label = fields.Function(lambda c: CHANGE_KINDS[c.kind])
    document_number = fields.String()
    decided_on = fields.Date()
    effective_on = fields.Date()
    new_basis_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    actor = fields.String()
    created_at = fields.DateTime()
    reviews = fields.Function(lambda c: len(c.reviews), metadata={"description": "开出的复核数"})


class BasisChangeDetailSchema(BaseSchema):
    change = fields.Nested(BasisChangeSchema)
    reviews = fields.List(fields.Nested(CitationSchema))
    pending = fields.Integer(metadata={"description": "仍待处理的复核数"})
