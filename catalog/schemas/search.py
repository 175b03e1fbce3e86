"""Schemas of citizen search: the query (one field per search filter) and the answers."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from search.citizen import CitizenAnswer
from search.filters import FILTERS, ValueType
from search.query import MAX_QUERY_CHARS, SORTS, Hit

from .base import BaseSchema
from .fields import Bool, Code, Int, ListOf, Str


def _filter_field(name: str) -> fields.Field:
    definition = FILTERS[name]
    described = {"description": definition.label}
    if definition.value_type is ValueType.BOOL:
        return Bool(load_default=None, metadata=described)
    return ListOf(Str(max_length=200), max_items=50, load_default=None, metadata=described)


_SORT_LABELS = {
    "relevance": "相关度，无搜索词时按名称",
    "name": "按名称",
    "updated": "按更新时间，最新的在前",
    "short": "名称短的在前",
}

SearchArgsSchema = type(
    "SearchArgsSchema",
    (BaseSchema,),
    {
        "q": Str(
            max_length=MAX_QUERY_CHARS,
            load_default="",
            metadata={"description": "搜索词：中文、拼音或首字母"},
        ),
        "page": Int(minimum=1, maximum=500, load_default=1, strict=False),
        "per_page": Int(minimum=1, maximum=100, load_default=20, strict=False),
        "sort": Code(
            {sort: _SORT_LABELS[sort] for sort in SORTS},
            load_default="relevance",
            metadata={"description": "排序；同分或同值的事项名称短的在前，再按编号"},
        ),
        "facets": ListOf(
            Code({**{name: d.label for name, d in FILTERS.items()}, "none": "不要分面计数"}),
            max_items=len(FILTERS) + 1,
            load_default=list(FILTERS),
            metadata={"description": "要计数的分面（默认全部；none 表示不计数，更快）"},
        ),
        **{name: _filter_field(name) for name in FILTERS},
    },
)


class SuggestArgsSchema(BaseSchema):
    q = Str(max_length=50, min_length=1, required=True, metadata={"description": "已输入的前缀"})
    limit = Int(minimum=1, maximum=20, load_default=10, strict=False)


class HitSchema(BaseSchema):
    id = fields.String()
    name = fields.String()
    department = fields.String()
    kind = fields.String()
    score = fields.Float(allow_none=True)
    highlight = fields.String(
        allow_none=True, metadata={"description": "名称，命中处以 <mark> 标出"}
    )
    lists = fields.List(
        fields.String(),
        metadata={
            "description": "该事项所在的清单（本身在前），同一事项的权责清单等孪生条目合并为一条结果"
        },
    )
    twins = fields.List(
        fields.String(), metadata={"description": "合并到这条结果中的孪生条目（如 power:12）"}
    )


class SearchResultSchema(BaseSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    hits = fields.List(fields.Nested(HitSchema))
    # Plain objects, not a nested schema each: a page counts a hundred facet values or more.
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Dict(keys=fields.String())),
        metadata={"description": "每个分面的取值与计数：[{value, count}]，多的在前"},
    )
    zero_result = fields.Boolean(metadata={"description": "放宽查询后仍无结果（此时见 popular）"})
    relaxed = fields.Boolean(metadata={"description": "原查询无有效结果，hits 来自放宽后的查询"})
    did_you_mean = fields.String(allow_none=True, metadata={"description": "您是不是要找"})
    popular = fields.List(
        fields.Nested(HitSchema), metadata={"description": "无结果时，查询词指向的部门的事项"}
    )


# The answer as SearchResultSchema dumps it, built as plain dicts: marshmallow serialised each of
# a page's hits and facet values field by field, a fifth of an embedded search's CPU time
# (bench/request_overhead.py). The schemas stay the OpenAPI document; the keys come from them,
# and tests/search/test_search_answer_json.py holds the two dumps equal.
_HIT_KEYS = tuple(HitSchema().fields)


def _hit(hit: Hit) -> dict[str, Any]:
    return {key: getattr(hit, key) for key in _HIT_KEYS}


def search_answer_json(found: CitizenAnswer) -> dict[str, Any]:
    """The search answer as SearchResultSchema().dump would give it (tuples for lists)."""
    result = found.result
    return {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "hits": [_hit(hit) for hit in result.hits],
        "facets": {
            name: [{"value": value, "count": count} for value, count in counts]
            for name, counts in result.facets.items()
        },
        "zero_result": found.zero_result,
        "relaxed": found.relaxed,
        "did_you_mean": found.did_you_mean,
        "popular": [_hit(hit) for hit in found.popular],
    }


class SuggestionSchema(BaseSchema):
    text = fields.String()
    id = fields.String()
    kind = fields.String()


class SearchLogArgsSchema(BaseSchema):
    days = Int(
        minimum=1,
        maximum=3660,
        load_default=30,
        strict=False,
        metadata={"description": "最近多少天"},
    )


class SearchLogExportSchema(SearchLogArgsSchema):
    format = Code({"xlsx": "Excel", "csv": "CSV"}, load_default="xlsx")
