from marshmallow import fields

from ..models.legal import CATEGORIES
from .base import RowSchema
from .fields import Code, Day, Str, Text, optional


class LegalBasisSchema(RowSchema):
    name = Str(max_length=300, min_length=1, required=True)
    document_number = optional(Str, max_length=100)
    issuer = optional(Str, max_length=200)
    effective_on = optional(Day)
    abolished_on = optional(Day, description="失效日期（废止或被修订）")
    articles = optional(Text)
    category = optional(Code, CATEGORIES, description="效力层级")
    version_label = optional(Str, max_length=100, description="版本，如 2021年修订")
    # Changed only by POST /legal-bases/<id>/revise and /abolish, which open the citing items' reviews.
    validity = fields.String(
        dump_only=True,
        metadata={
            "description": "效力状态：effective 现行有效 / superseded 已修订 / abolished 已废止"
        },
    )
    superseded_by_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "取代本版本的新版本"}
    )
