"""One search request type, and the query each engine runs for it.

A :class:`SearchRequest` is validated once, then :func:`plan_query` turns it into an
engine-neutral :class:`QueryPlan` (which tokens to look for in which field, with which
boost); :func:`es_search_body` and :func:`tantivy_text_query` translate that plan, so
both engines score a query with the same BM25 clauses and the same boosts.

Query shape, per reading of the query (as typed, then each synonym rewrite)::

    bool.should[ match(field, tokens)^field_boost ...,
                 constant_score(name_keys = whole query, kind in exact_name_kinds)^exact_name_boost
               ]^weight

and the readings combined with ``dis_max`` (best reading + tie_breaker × the others).
Filters never score: Elasticsearch applies them as ``post_filter`` so that each facet's
aggregation can drop its own filter; the embedded engine runs the equivalent queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import tantivy

from search.analysis import AnalyzedQuery, QueryVariant, analyze_query, suggest_prefix
from search.documents import FIELDS, FieldType
from search.errors import InvalidRequest, QueryTooLong
from search.filters import FILTERS, FilterValue, parse_filters, tantivy_any
from search.relevance import RelevanceSettings, default_settings
from search.synonyms import SynonymTable

MAX_QUERY_CHARS = 200
MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
FACET_SIZE = 200  # values per facet: more than any district has departments or townships
SORTS = ("relevance", "name", "updated", "short")  # short: short (general) names first
HIT_FIELDS = ("id", "name", "department", "kind", "lists", "twins")
SERVICE_KIND = "service"
MERGED_FIELD = "merged"  # a twin shown as part of another item's hit: never a hit itself
EXACT_KEY_FIELD = "name_keys"


@dataclass(frozen=True)
class SearchRequest:
    """A citizen's search: text, filters (facet name → values), wanted facets, paging.

    Validated on construction: text over :data:`MAX_QUERY_CHARS` raises
    :class:`QueryTooLong`; ``per_page`` is capped at :data:`MAX_PER_PAGE`; a page reaching
    past :data:`MAX_RESULT_WINDOW` results, an unknown filter, facet or sort raises
    :class:`InvalidRequest`. ``filters`` holds the parsed values afterwards.
    """

    text: str = ""
    filters: Mapping[str, Any] = field(default_factory=dict)
    facets: Sequence[str] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    highlight: bool = True
    # the synonym table to expand the text with (None: the data files'); the catalog passes
    # one holding the entries administrators added, so they apply without a deploy
    synonyms: SynonymTable | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        text = (self.text or "").strip()
        if len(text) > MAX_QUERY_CHARS:
            raise QueryTooLong(f"the query is longer than {MAX_QUERY_CHARS} characters")
        unknown = [name for name in self.facets if name not in FILTERS]
        if unknown:
            raise InvalidRequest(f"unknown facet: {', '.join(unknown)}")
        if self.sort not in SORTS:
            raise InvalidRequest(f"sort must be one of {', '.join(SORTS)}")
        if self.page < 1 or self.per_page < 1:
            raise InvalidRequest("page and per_page start at 1")
        per_page = min(self.per_page, MAX_PER_PAGE)
        if self.page * per_page > MAX_RESULT_WINDOW:
            raise InvalidRequest(
                f"only the first {MAX_RESULT_WINDOW} results can be paged through: refine the query"
            )
        # frozen: normalised values are set once, here
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "per_page", per_page)
        object.__setattr__(self, "facets", tuple(dict.fromkeys(self.facets)))
        object.__setattr__(self, "filters", parse_filters(self.filters))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def effective_sort(self) -> str:
        """Without text every score is equal, so relevance order falls back to name order."""
        return "name" if self.sort == "relevance" and not self.text else self.sort

    def filters_except(self, facet: str) -> dict[str, FilterValue]:
        """The filters a facet's counts use: all but the facet's own."""
        return {name: value for name, value in self.filters.items() if name != facet}


@dataclass(frozen=True)
class Hit:
    """One result. ``score`` is None when sorted by a field; ``highlight`` is HTML."""

    id: str
    name: str
    department: str
    kind: str
    score: float | None
    highlight: str | None = None
    lists: tuple[str, ...] = ()  # every list the item is in: its own, then its twins'
    twins: tuple[str, ...] = ()  # ids of the twins merged into this hit (权责 of a service)


FacetCounts = list[tuple[str | bool, int]]


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the total number of matches, and the requested facets' counts."""

    total: int
    hits: list[Hit]
    facets: dict[str, FacetCounts]
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Suggestion:
    """An item name to complete a typed prefix with."""

    text: str
    id: str
    kind: str


SUGGEST_OVERFETCH = 3  # documents fetched per wanted suggestion: names repeat


def suggest_in_tiers(
    fetch: Callable[[str, bool, int], Sequence[Mapping[str, Any]]], prefix: str, limit: int
) -> list[Suggestion]:
    """Suggestions for a typed prefix, the same way on both engines.

    ``fetch(key, inner, size)`` returns stored hits (id, name, kind) in ``suggest_order``:
    with ``inner`` False those whose whole name starts with ``key`` (in text, full pinyin
    or initials), with ``inner`` True those where only a later word does. Whole-name
    matches come first; inner ones are fetched only when the first don't fill ``limit``
    (a short prefix such as "ji" matches inner words of most names, the costliest query).
    One suggestion per distinct name.
    """
    key = suggest_prefix(prefix)
    if not key or limit < 1:
        return []
    size = limit * SUGGEST_OVERFETCH
    sources = list(fetch(key, False, size))
    suggestions = distinct_suggestions(sources, limit)
    if len(suggestions) < limit:
        sources += fetch(key, True, size)
        suggestions = distinct_suggestions(sources, limit)
    return suggestions


def distinct_suggestions(sources: Iterable[Mapping[str, Any]], limit: int) -> list[Suggestion]:
    """Suggestions in the order given, one per distinct name, at most ``limit``."""
    seen: set[str] = set()
    suggestions: list[Suggestion] = []
    for source in sources:
        if source["name"] not in seen:
            seen.add(source["name"])
            suggestions.append(Suggestion(source["name"], source["id"], source["kind"]))
            if len(suggestions) == limit:
                break
    return suggestions


# -- the engine-neutral plan ------------------------------------------------------------


@dataclass(frozen=True)
class FieldMatch:
    """Look for any of ``tokens`` in ``field``; each matching token adds BM25 × boost."""

    field: str
    tokens: tuple[str, ...]
    boost: float


@dataclass(frozen=True)
class ReadingQuery:
    """The clauses of one reading of the query (as typed, a rewrite, an intent, its sound)."""

    matches: tuple[FieldMatch, ...]
    exact_key: str
    weight: float


@dataclass(frozen=True)
class QueryPlan:
    """What to search for: readings (empty means every document), boosts, the request."""

    request: SearchRequest
    analyzed: AnalyzedQuery | None
    readings: tuple[ReadingQuery, ...]
    exact_name_boost: float
    tie_breaker: float
    service_bonus: float = 0.0
    exact_name_kinds: tuple[str, ...] = (SERVICE_KIND,)


def _field_matches(variant: QueryVariant, settings: RelevanceSettings) -> tuple[FieldMatch, ...]:
    """One FieldMatch per field and token weight: generic and action tokens weigh less."""
    matches = []
    for name, spec in FIELDS.items():
        boost = settings.field_boosts.get(name, 0)
        tokens = variant.streams.get(spec.stream, ()) if spec.type is FieldType.TOKENS else ()
        if boost <= 0 or not tokens:
            continue
        by_weight: dict[float, list[str]] = {}
        for token in tokens:
            weight = settings.token_weight(variant.classes.get(token))
            by_weight.setdefault(weight, []).append(token)
        matches += [FieldMatch(name, tuple(group), boost * w) for w, group in by_weight.items()]
    return tuple(matches)


# One query of each kind a citizen types: characters (segmentation, synonyms, intents, the
# traditional-to-simplified table) and latin letters (pinyin syllables and initials).
WARM_UP_QUERIES = ("我要办理護照", "huzhao", "sfz")


def warm_up() -> None:
    """Load what the first search of a process would: the dictionaries and tables cost seconds
    (about 2.6 s here), which a web worker pays at start rather than a citizen's request."""
    for text in WARM_UP_QUERIES:
        plan_query(SearchRequest(text=text))


def plan_query(request: SearchRequest, settings: RelevanceSettings | None = None) -> QueryPlan:
    """Analyse the request's text and decide every scoring clause."""
    settings = settings or default_settings()
    analyzed = analyze_query(request.text, request.synonyms) if request.text else None
    readings: list[ReadingQuery] = []
    if analyzed is not None and not analyzed.is_empty:
        for variant in analyzed.variants:
            matches = _field_matches(variant, settings)
            if matches or variant.key:
                weight = settings.reading_weight(variant.role)
                readings.append(ReadingQuery(matches, variant.key, weight))
    return QueryPlan(
        request=request,
        analyzed=analyzed,
        readings=tuple(readings),
        exact_name_boost=settings.exact_name_boost,
        tie_breaker=settings.synonym_tie_breaker,
        service_bonus=settings.service_bonus,
        exact_name_kinds=settings.exact_name_kinds,
    )


# -- Elasticsearch ----------------------------------------------------------------------


def _es_reading(reading: ReadingQuery, plan: QueryPlan) -> dict[str, Any]:
    should: list[dict[str, Any]] = [
        {"match": {m.field: {"query": " ".join(m.tokens), "boost": m.boost}}}
        for m in reading.matches
    ]
    if reading.exact_key:
        should.append(
            {
                "constant_score": {
                    "filter": {
                        "bool": {
                            "filter": [
                                {"term": {EXACT_KEY_FIELD: reading.exact_key}},
                                {"terms": {"kind": list(plan.exact_name_kinds)}},
                            ]
                        }
                    },
                    "boost": plan.exact_name_boost,
                }
            }
        )
    return {"bool": {"should": should, "boost": reading.weight}}


def _es_readings(plan: QueryPlan) -> dict[str, Any]:
    readings = [_es_reading(reading, plan) for reading in plan.readings]
    if len(readings) == 1:
        return readings[0]
    return {"dis_max": {"queries": readings, "tie_breaker": plan.tie_breaker}}


def es_text_query(plan: QueryPlan) -> dict[str, Any]:
    """The scoring part of the Elasticsearch query, without merged twins (no filters).

    Services first: a service item gets ``service_bonus`` added (a should-clause that costs
    one term lookup; a factor on the other lists' scores would score the text twice).
    """
    hidden = [{"term": {MERGED_FIELD: True}}]
    if not plan.readings:
        return {"bool": {"must": [{"match_all": {}}], "must_not": hidden}}
    query: dict[str, Any] = {"must": [_es_readings(plan)], "must_not": hidden}
    if plan.service_bonus:
        bonus = {"term": {"kind": SERVICE_KIND}}
        query["should"] = [{"constant_score": {"filter": bonus, "boost": plan.service_bonus}}]
    return {"bool": query}


def _es_filter(filters: Mapping[str, FilterValue]) -> dict[str, Any]:
    clauses = [FILTERS[name].es_clause(value) for name, value in filters.items()]
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def _es_facet(request: SearchRequest, facet: str) -> dict[str, Any]:
    """A facet's terms aggregation, under its filters when it has any: a ``filter`` bucket
    around it costs a check per matching document (9 facets × 37,000 matches of a broad query
    at 100,000 items: 15% of the search), so an unfiltered facet goes without one."""
    terms = FILTERS[facet].aggregation(FACET_SIZE)
    filters = request.filters_except(facet)
    if not filters:
        return terms
    return {"filter": _es_filter(filters), "aggs": {"values": terms}}


def facet_buckets(aggregation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The buckets of a facet's aggregation from :func:`_es_facet`, filtered or not."""
    buckets: list[Mapping[str, Any]] = aggregation.get("values", aggregation)["buckets"]
    return buckets


def es_search_body(plan: QueryPlan) -> dict[str, Any]:
    """The complete ``_search`` body: query, post_filter, per-facet aggregations, paging."""
    request = plan.request
    body: dict[str, Any] = {
        "query": es_text_query(plan),
        "from": request.offset,
        "size": request.per_page,
        "track_total_hits": True,
        "_source": list(HIT_FIELDS),
    }
    if request.filters:
        body["post_filter"] = _es_filter(request.filters)
    if request.facets:
        body["aggs"] = {facet: _es_facet(request, facet) for facet in request.facets}
    sort = request.effective_sort
    if sort == "name":
        body["sort"] = [{"name_sort": "asc"}]
    elif sort == "updated":
        body["sort"] = [{"updated_at": {"order": "desc", "missing": "_last"}}]
    elif sort == "short":
        body["sort"] = [{"suggest_order": "asc"}]
    return body


# -- embedded engine (tantivy) ----------------------------------------------------------


def _tantivy_reading(
    reading: ReadingQuery, plan: QueryPlan, schema: tantivy.Schema
) -> tantivy.Query:
    query, occur = tantivy.Query, tantivy.Occur
    clauses = []
    for match in reading.matches:
        terms = [(occur.Should, query.term_query(schema, match.field, t)) for t in match.tokens]
        clauses.append((occur.Should, query.boost_query(query.boolean_query(terms), match.boost)))
    if reading.exact_key:
        exact = query.boolean_query(
            [
                (occur.Must, query.term_query(schema, EXACT_KEY_FIELD, reading.exact_key)),
                (occur.Must, tantivy_any(schema, "kind", plan.exact_name_kinds)),
            ]
        )
        clauses.append((occur.Should, query.const_score_query(exact, plan.exact_name_boost)))
    combined = query.boolean_query(clauses)
    return combined if reading.weight == 1.0 else query.boost_query(combined, reading.weight)


def tantivy_text_query(plan: QueryPlan, schema: tantivy.Schema) -> tantivy.Query:
    """The scoring part of the embedded-engine query: the same clauses as on ES."""
    query, occur = tantivy.Query, tantivy.Occur
    hidden = (occur.MustNot, query.term_query(schema, MERGED_FIELD, True))
    if not plan.readings:
        return query.boolean_query([(occur.Must, query.all_query()), hidden])
    readings = [_tantivy_reading(r, plan, schema) for r in plan.readings]
    text = (
        readings[0]
        if len(readings) == 1
        else query.disjunction_max_query(readings, plan.tie_breaker)
    )
    clauses = [(occur.Must, text), hidden]
    if plan.service_bonus:
        bonus = query.term_query(schema, "kind", SERVICE_KIND)
        clauses.append((occur.Should, query.const_score_query(bonus, plan.service_bonus)))
    return query.boolean_query(clauses)


def tantivy_match_query(plan: QueryPlan, schema: tantivy.Schema) -> tantivy.Query:
    """The documents :func:`tantivy_text_query` matches, without its scores.

    A document matches the scored query when any clause of any reading matches, so the set
    is the union of every (field, token) once, plus the exact-name clauses. Facet counts and
    the total need only the set: on broad queries (tens of thousands of matches) this flat
    disjunction costs about half the nested, boosted one.
    """
    query, occur = tantivy.Query, tantivy.Occur
    if not plan.readings:
        return tantivy_text_query(plan, schema)
    tokens: dict[tuple[str, str], None] = {}
    clauses = []
    for reading in plan.readings:
        tokens.update(
            ((match.field, token), None) for match in reading.matches for token in match.tokens
        )
        if reading.exact_key:
            clauses.append(
                (
                    occur.Should,
                    query.boolean_query(
                        [
                            (
                                occur.Must,
                                query.term_query(schema, EXACT_KEY_FIELD, reading.exact_key),
                            ),
                            (
                                occur.Must,
                                tantivy_any(schema, "kind", plan.exact_name_kinds),
                            ),
                        ]
                    ),
                )
            )
    clauses += [(occur.Should, query.term_query(schema, name, token)) for name, token in tokens]
    hidden = (occur.MustNot, query.term_query(schema, MERGED_FIELD, True))
    return query.boolean_query([(occur.Must, query.boolean_query(clauses)), hidden])


def tantivy_filtered(
    text_query: tantivy.Query, filters: Mapping[str, FilterValue], schema: tantivy.Schema
) -> tantivy.Query:
    """``text_query`` restricted by filters, with the score unchanged."""
    if not filters:
        return text_query
    occur = tantivy.Occur
    clauses = [(occur.Must, text_query)]
    clauses += [
        (occur.Must, FILTERS[name].tantivy_clause(schema, value)) for name, value in filters.items()
    ]
    return tantivy.Query.boolean_query(clauses)


def facet_counts(facet: str, buckets: Sequence[Mapping[str, Any]]) -> FacetCounts:
    """Facet values with counts, most frequent first then by value (same on both engines)."""
    definition = FILTERS[facet]
    counts = [(definition.facet_value(b), int(b["doc_count"])) for b in buckets if b["doc_count"]]
    return sorted(counts, key=lambda pair: (-pair[1], str(pair[0])))
