"""Marshmallow fields with Chinese error messages and the bounds every input needs.

Each message belongs to a stable error code (MESSAGES); the API reports both. Every string
has a maximum length and every number a range, so no input can reach the database too large.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from marshmallow import fields, validate

from ..models.base import CHINA_TIME

MESSAGES: dict[str, str] = {
    "required": "此项必填。",
    "null": "此项不能为空值。",
    "invalid_string": "应为文本。",
    "invalid_integer": "应为整数。",
    "invalid_boolean": "应为 true 或 false。",
    "invalid_date": "应为日期，格式为 YYYY-MM-DD。",
    "invalid_moment": "应为时间，格式为 YYYY-MM-DDTHH:MM:SS，可带时区（如 +08:00）。",
    "invalid_list": "应为列表。",
    "invalid_object": "应为对象。",
    "too_long": "长度不能超过 {max} 个字符。",
    "length_between": "长度应在 {min} 到 {max} 个字符之间。",
    "out_of_range": "应在 {min} 到 {max} 之间。",
    "not_in_choices": "取值无效，可选值为：{choices}。",
    "invalid_url": "应为以 http:// 或 https:// 开头的网址。",
    "unknown_field": "未知字段。",
    "too_many": "最多 {max} 项。",
    "invalid_percent": "应为 0 到 100 之间的百分数，最多两位小数，如 5 或 12.5。",
    "invalid_figure": "应为数值：整数最多 12 位、小数最多 12 位，可带 %，如 95.48%、0.0045、443。",
}

_PATTERNS = [
    (code, re.compile("^" + re.sub(r"\\\{\w+\\\}", ".*", re.escape(text)) + "$"))
    for code, text in MESSAGES.items()
]


def code_of(message: str) -> str:
    """The stable code of a schema error message (``invalid`` for a message we did not write)."""
    for code, pattern in _PATTERNS:
        if pattern.match(message):
            return code
    return "invalid"


FieldT = TypeVar("FieldT", bound=fields.Field)


def optional(
    make: Callable[..., FieldT], *args: Any, description: str | None = None, **kwargs: Any
) -> FieldT:
    """A field that may be left out or sent as null, and loads as null when left out: for a
    fact, null is 未填报 (unknown is not zero); for an edit, no change; for a query, no filter."""
    if description is not None:
        kwargs["metadata"] = {"description": description}
    return make(*args, allow_none=True, load_default=None, **kwargs)


_COMMON = {"required": MESSAGES["required"], "null": MESSAGES["null"]}
MAX_ID = 2**31 - 1
TEXT_MAX = 20_000


class Str(fields.String):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": MESSAGES["invalid_string"],
    }

    def __init__(self, max_length: int = 200, min_length: int = 0, **kwargs: Any) -> None:
        validators = [
            validate.Length(
                min=min_length or None,
                max=max_length,
                error=MESSAGES["length_between"] if min_length else MESSAGES["too_long"],
            )
        ]
        super().__init__(validate=validators + list(kwargs.pop("validate", [])), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip() if isinstance(result, str) else result


def Text(**kwargs: Any) -> Str:
    return Str(max_length=TEXT_MAX, **kwargs)


class Int(fields.Integer):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": MESSAGES["invalid_integer"],
        "too_large": MESSAGES["invalid_integer"],
    }

    def __init__(self, minimum: int = 0, maximum: int = MAX_ID, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        rng = validate.Range(min=minimum, max=maximum, error=MESSAGES["out_of_range"])
        super().__init__(validate=[rng], **kwargs)


def Id(**kwargs: Any) -> Int:
    return Int(minimum=1, maximum=MAX_ID, **kwargs)


class Bool(fields.Boolean):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": MESSAGES["invalid_boolean"],
    }


class Day(fields.Date):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": MESSAGES["invalid_date"],
        "format": MESSAGES["invalid_date"],
    }


class Moment(fields.AwareDateTime):
    """A moment; without a time zone it is read as Beijing time."""

    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": MESSAGES["invalid_moment"],
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=CHINA_TIME, **kwargs)


class ListOf(fields.List):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": MESSAGES["invalid_list"],
    }

    def __init__(self, inner: fields.Field, max_items: int = 200, **kwargs: Any) -> None:
        kwargs.setdefault("load_default", list)
        size = validate.Length(max=max_items, error=MESSAGES["too_many"])
        super().__init__(inner, validate=[size], **kwargs)


class Verbatim(fields.Nested):
    """An answer's nested objects, documented by their schema in the OpenAPI document but sent
    as the service built them: plain JSON values already (the figures' dicts). A table of 60
    departments holds thousands of values, and dumping each through a schema was a third of
    the answer's time. tests/test_figures_api_contract.py holds each service's objects equal to
    their schema's dump, so the document stays true."""

    def _serialize(self, nested_obj: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return nested_obj


class NestedList(fields.Nested):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "type": MESSAGES["invalid_object"],
    }


def Code(table: dict[str, str], **kwargs: Any) -> Str:
    """A value from a code table; the error lists the allowed codes with their labels."""
    choices = "、".join(f"{code}（{label}）" for code, label in table.items())
    one_of = validate.OneOf(
        list(table),
        labels=list(table.values()),
        error=MESSAGES["not_in_choices"].replace("{choices}", choices),
    )
    return Str(max_length=20, validate=[one_of], **kwargs)


def Url(**kwargs: Any) -> Str:
    pattern = validate.Regexp(r"^https?://\S+$", error=MESSAGES["invalid_url"])
    return Str(max_length=500, validate=[pattern], **kwargs)


def Percent(**kwargs: Any) -> Str:
    """A percentage as exact decimal text ("5", "12.5", "100"): figures compare it as a fraction."""
    pattern = validate.Regexp(
        r"^(100(\.0{1,2})?|\d{1,2}(\.\d{1,2})?)$", error=MESSAGES["invalid_percent"]
    )
    return Str(max_length=6, validate=[pattern], **kwargs)
