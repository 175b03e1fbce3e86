"""Query-string schemas of the pages (the same bounded fields as the API)."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, fields, post_load

from search.filters import FILTERS, ValueType
from search.query import MAX_QUERY_CHARS, SORTS

from ..schemas.base import BaseSchema
from ..schemas.fields import Code, Day, Id, Int, ListOf, Str
from ..services.figures import RULES

SINGLE_VALUED = ("q", "page", "sort", *[n for n, d in FILTERS.items() if d.value_type is ValueType.BOOL])


class _Page(BaseSchema):
    class Meta:
        unknown = EXCLUDE  # pages ignore parameters they do not know, as browsers send them


def _filter_field(name: str) -> fields.Field:
    if FILTERS[name].value_type is ValueType.BOOL:
        return ListOf(Code({"true": "是", "false": "否"}), max_items=1, load_default=None)
    return ListOf(Str(max_length=200), max_items=50, load_default=None)


class _SearchArgsBase(_Page):
    """Every parameter arrives as a list (request.args.to_dict(flat=False))."""

    @post_load
    def single_values(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        for key in SINGLE_VALUED:
            if isinstance(data.get(key), list):
                data[key] = data[key][0] if data[key] else None
        return data


SearchArgs = type(
    "SearchArgs",
    (_SearchArgsBase,),
    {
        "q": ListOf(Str(max_length=MAX_QUERY_CHARS), max_items=1, load_default=[""]),
        "page": ListOf(Int(minimum=1, maximum=500, strict=False), max_items=1, load_default=[1]),
        "sort": ListOf(Code({s: s for s in SORTS}), max_items=1, load_default=["relevance"]),
        **{name: _filter_field(name) for name in FILTERS},
    },
)


class FiguresArgs(_Page):
    region_id = Id(load_default=None, strict=False)
    as_of = Day(load_default=None)
    rule = Code({r: r for r in RULES}, load_default="HALF_UP")
