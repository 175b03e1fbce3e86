"""The filter registry: every search filter and facet, defined once for both engines.

After data.gov's ``FilterDefinition`` (GSA/datagov-catalog ``app/search/queries/
filters``): one definition gives a filter's request name, its index field, how its values
are parsed, its Elasticsearch clause, its embedded-engine clause and its facet
aggregation. Semantics, the same on both engines: values of one filter are OR-ed
(部门 = A or B), different filters are AND-ed (a chip per facet narrows; data.gov's users
hit zero results when chips of one facet were AND-ed, GSA/data.gov#6010).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import tantivy

from search.errors import InvalidRequest

MAX_FILTER_VALUES = 50
MAX_VALUE_CHARS = 200

FilterValue = tuple[str, ...] | bool

_TRUE = {"true", "1", "yes", "是"}
_FALSE = {"false", "0", "no", "否"}


class ValueType(Enum):
    """What a filter's values are."""

    KEYWORDS = "keywords"  # one or more exact strings, any of which may match
    BOOL = "bool"


@dataclass(frozen=True)
class FilterDefinition:
    """One filter and its facet."""

    name: str  # in requests and facet results
    field: str  # index field (see search.documents.FIELDS)
    value_type: ValueType
    label: str  # shown to citizens

    def parse(self, raw: Any) -> FilterValue | None:
        """Validated values of this filter from a request, or None when it is empty."""
        if self.value_type is ValueType.BOOL:
            return self._parse_bool(raw)
        values = [raw] if isinstance(raw, str) else list(raw or ())
        cleaned = tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
        if len(cleaned) > MAX_FILTER_VALUES:
            raise InvalidRequest(f"filter {self.name}: at most {MAX_FILTER_VALUES} values")
        if any(len(value) > MAX_VALUE_CHARS for value in cleaned):
            raise InvalidRequest(f"filter {self.name}: a value is longer than {MAX_VALUE_CHARS}")
        return cleaned or None

    def _parse_bool(self, raw: Any) -> bool | None:
        if isinstance(raw, (list, tuple)):
            if len(raw) > 1:
                raise InvalidRequest(f"filter {self.name} takes one value, true or false")
            raw = raw[0] if raw else None
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidRequest(f"filter {self.name} must be true or false, not {raw!r}")

    def es_clause(self, value: FilterValue) -> dict[str, Any]:
        """The Elasticsearch filter clause for parsed values."""
        if isinstance(value, bool):
            return {"term": {self.field: value}}
        return {"terms": {self.field: list(value)}}

    def tantivy_clause(self, schema: tantivy.Schema, value: FilterValue) -> tantivy.Query:
        """The embedded-engine filter clause; it adds nothing to the score, like ES filters."""
        if isinstance(value, bool):
            query = tantivy.Query.term_query(schema, self.field, value)
        else:
            query = tantivy_any(schema, self.field, value)
        return tantivy.Query.const_score_query(query, 0.0)

    def aggregation(self, size: int) -> dict[str, Any]:
        """The facet's terms aggregation: the same dict works on ES and on tantivy."""
        return {"terms": {"field": self.field, "size": size}}

    def facet_value(self, bucket: Mapping[str, Any]) -> str | bool:
        """A facet value from a terms bucket (bool buckets come as key 1/0 on both engines)."""
        if self.value_type is ValueType.BOOL:
            return bucket.get("key_as_string") == "true" or bucket["key"] in (1, True)
        return str(bucket["key"])


def tantivy_any(schema: tantivy.Schema, field: str, values: Iterable[str]) -> tantivy.Query:
    """Documents whose ``field`` holds any of ``values``, for clauses whose score is constant.

    A disjunction of term queries, not tantivy's ``term_set_query``: that one cost about 0.3 ms
    per query whatever its values (tantivy 0.27, 1,135 items; a department's 1 or 30 values
    alike), a term query a few microseconds; a search with synonyms used four to six.
    """
    should = tantivy.Occur.Should
    return tantivy.Query.boolean_query(
        [(should, tantivy.Query.term_query(schema, field, value)) for value in values]
    )


FILTERS: dict[str, FilterDefinition] = {
    definition.name: definition
    for definition in (
        FilterDefinition("department", "department", ValueType.KEYWORDS, "实施部门"),
        FilterDefinition("kind", "lists", ValueType.KEYWORDS, "清单"),  # twins count in each list
        FilterDefinition("item_type", "item_type", ValueType.KEYWORDS, "事项类型"),
        FilterDefinition("township", "townships", ValueType.KEYWORDS, "乡镇（街道）"),
        FilterDefinition("service_object", "service_objects", ValueType.KEYWORDS, "服务对象"),
        FilterDefinition("theme", "themes", ValueType.KEYWORDS, "主题"),
        FilterDefinition("instant", "instant", ValueType.BOOL, "即办件"),
        FilterDefinition("zero_visit", "zero_visit", ValueType.BOOL, "零跑动"),
        FilterDefinition(
            "region", "region", ValueType.KEYWORDS, "地区"
        ),  # the department's district
    )
}


def parse_filters(raw: Mapping[str, Any]) -> dict[str, FilterValue]:
    """Validate a request's filters: unknown names are an error, empty ones are dropped."""
    unknown = set(raw) - set(FILTERS)
    if unknown:
        raise InvalidRequest(f"unknown filter: {', '.join(sorted(unknown))}")
    parsed = {name: FILTERS[name].parse(values) for name, values in raw.items()}
    return {name: value for name, value in parsed.items() if value is not None}
