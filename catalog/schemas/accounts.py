"""The administrators' forms: accounts and API tokens, with the bounds the CLI's arguments have."""

from __future__ import annotations

from marshmallow import validate

from ..services.permissions import ROLES
from .base import BaseSchema
from .fields import Code, Id, Int, ListOf, Str

USERNAME = validate.Regexp(
    r"^[A-Za-z0-9_.-]+$", error="用户名只能含英文字母、数字、下划线、点和连字符。"
)


class UserFormSchema(BaseSchema):
    username = Str(max_length=64, min_length=1, required=True, validate=[USERNAME])
    display_name = Str(max_length=100, load_default=None)
    password = Str(max_length=200, required=True)
    role = Code(ROLES, required=True)
    department_id = Id(load_default=None, strict=False)
    reviewed_department_ids = ListOf(Id(strict=False), max_items=500)


class ReviewsFormSchema(BaseSchema):
    reviewed_department_ids = ListOf(Id(strict=False), max_items=500)


class TokenFormSchema(BaseSchema):
    name = Str(max_length=100, min_length=1, required=True)
    role = Code(ROLES, required=True)
    department_id = Id(load_default=None, strict=False)
    days = Int(minimum=1, maximum=730, strict=False, load_default=90)
