from .base import RowSchema
from .fields import Day, Str, Text


class LegalBasisSchema(RowSchema):
    name = Str(max_length=300, min_length=1, required=True)
    document_number = Str(max_length=100, allow_none=True, load_default=None)
    issuer = Str(max_length=200, allow_none=True, load_default=None)
    effective_on = Day(allow_none=True, load_default=None)
    abolished_on = Day(allow_none=True, load_default=None)
    articles = Text(allow_none=True, load_default=None)
