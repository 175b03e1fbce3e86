"""One search request type, and the query each engine runs for it.

A :class:`SearchRequest` is validated once, then :func:`plan_query` turns it into an
engine-neutral :class:`QueryPlan` (which tokens to look for in which field, with which
boost); :func:`es_search_body` and :func:`tantivy_text_query` translate that plan, so
both engines score a query with the same BM25 clauses and the same boosts.

Query shape, per reading of the query (as typed, then each synonym rewrite)::

    bool.should[ match(field, tokens)^field_boost ...,
                 constant_score(name_keys = whole query, kind in exact_name_kinds)^exact_name_boost
               ]^weight

and the readings combined with ``dis_max`` (best reading + tie_breaker × the others). The
readings hold the finding tokens (:func:`finding`); generic and action tokens find
nothing and are added once beside the ``dis_max``, as it weighed them (:class:`ScoredOnce`),
with the services' bonus. Filters never score: Elasticsearch applies them as
``post_filter`` so that each facet's aggregation can drop its own filter; the embedded engine
runs the equivalent queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import tantivy

from search.analysis import (
    ACTION,
    GENERIC,
    AnalyzedQuery,
    QueryVariant,
    analyze_query,
    suggest_prefix,
)
from search.documents import FIELDS, TIE_BREAKERS, FieldType
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
    """Look for any of ``tokens`` in ``field``; each matching token adds BM25 × boost.

    ``finds`` False: the tokens only add to the score of a document that other tokens of the
    query found (generic words and an intent's action words, see :func:`finding`).
    ``minimum``: how many of the tokens a document must hold for this match to find it
    (:meth:`RelevanceSettings.tokens_required`).
    """

    field: str
    tokens: tuple[str, ...]
    boost: float
    finds: bool = True
    minimum: int = 1


@dataclass(frozen=True)
class ReadingQuery:
    """The clauses of one reading of the query (as typed, a rewrite, an intent, its sound)."""

    matches: tuple[FieldMatch, ...]
    exact_key: str
    weight: float


@dataclass(frozen=True)
class ScoredOnce:
    """Generic or action tokens that some readings share (:func:`_scored_once`), scored once
    as those readings' ``dis_max`` scored them: × ``shared_weight`` (the tie-breaker's share of
    every reading) for any document found, and × ``found_weight`` more for a document one of
    the readings found (``found_by``), whose best reading counts whole."""

    matches: tuple[FieldMatch, ...]
    found_by: tuple[ReadingQuery, ...]
    shared_weight: float
    found_weight: float


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
    scored_once: tuple[ScoredOnce, ...] = ()


_SCORING_ONLY = (GENERIC, ACTION)


def _field_matches(variant: QueryVariant, settings: RelevanceSettings) -> tuple[FieldMatch, ...]:
    """One FieldMatch per field, token weight and whether the tokens find documents: generic
    and action tokens weigh less and find none, unless the reading has no other (开 alone)."""
    matches = []
    for name, spec in FIELDS.items():
        boost = settings.field_boosts.get(name, 0)
        tokens = variant.streams.get(spec.stream, ()) if spec.type is FieldType.TOKENS else ()
        if boost <= 0 or not tokens:
            continue
        groups: dict[tuple[float, bool], list[str]] = {}
        for token in tokens:
            token_class = variant.classes.get(token)
            key = (settings.token_weight(token_class), token_class not in _SCORING_ONLY)
            groups.setdefault(key, []).append(token)
        matches += [
            FieldMatch(name, tuple(group), boost * weight, finds)
            for (weight, finds), group in groups.items()
        ]
    if not any(match.finds for match in matches):
        matches = [replace(match, finds=True) for match in matches]
    return tuple(
        replace(match, minimum=settings.tokens_required(len(match.tokens)))
        if match.finds
        else match
        for match in matches
    )


# One query of each kind a citizen types: characters (segmentation, synonyms, intents, the
# traditional-to-simplified table) and latin letters (pinyin syllables and initials).
WARM_UP_QUERIES = ("我要办理護照", "huzhao", "sfz")


def warm_up() -> None:
    """Load what the first search of a process would: the dictionaries and tables cost seconds
    (about 2.6 s here), which a web worker pays at start rather than a citizen's request."""
    for text in WARM_UP_QUERIES:
        plan_query(SearchRequest(text=text))


def _scored_once(
    readings: Sequence[ReadingQuery], tie_breaker: float
) -> tuple[tuple[ReadingQuery, ...], tuple[ScoredOnce, ...]]:
    """The readings without their scoring-only matches, and those matches once per set of
    readings that carries them, weighed as the ``dis_max`` of the readings weighed them.

    An intent's readings all carry its action words (设立, 登记, 许可, 备案…) in every field:
    scored inside each reading, a document was matched against the same common terms once per
    reading (开饭店: 5 readings × 7 fields × 8 tokens), most of what an intent's query cost at
    100,000 items. Scored once, with the weights the ``dis_max`` gave them (the best reading's
    whole, the tie-breaker's share of the others), they order the items as before (许可 above
    注销) at a fraction of the cost; the readings alone match the documents that hold a
    finding token.
    """
    groups: dict[tuple[FieldMatch, ...], list[ReadingQuery]] = {}
    kept = []
    for reading in readings:
        scoring = tuple(m for m in reading.matches if not m.finds)
        finding = replace(reading, matches=tuple(m for m in reading.matches if m.finds))
        if scoring:
            groups.setdefault(scoring, []).append(finding)
        kept.append(finding)
    once = []
    for scoring, found_by in groups.items():
        weights = [reading.weight for reading in found_by]
        shared, found = tie_breaker * sum(weights), (1 - tie_breaker) * max(weights)
        once.append(ScoredOnce(scoring, tuple(found_by), shared, found))
    return tuple(kept), tuple(once)


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
    finding_readings, scored_once = _scored_once(readings, settings.synonym_tie_breaker)
    return QueryPlan(
        request=request,
        analyzed=analyzed,
        readings=finding_readings,
        scored_once=scored_once,
        exact_name_boost=settings.exact_name_boost,
        tie_breaker=settings.synonym_tie_breaker,
        service_bonus=settings.service_bonus,
        exact_name_kinds=settings.exact_name_kinds,
    )


@dataclass(frozen=True)
class Finding:
    """What finds a document: one of ``any_of``'s tokens in its field, ``minimum`` of the
    tokens of one of ``several``, or a name equal to one of ``keys``."""

    any_of: dict[str, tuple[str, ...]]
    several: tuple[FieldMatch, ...]
    keys: tuple[str, ...]


def finding(readings: Sequence[ReadingQuery]) -> Finding:
    """What finds a document for ``readings``: their finding matches and exact-name keys.

    Generic and action tokens find nothing on their own: 登记 is in a tenth of the names and
    开 in many, and a document holding only those holds nothing of what the query is about
    (开饭店: 66,288 matches at 100,000 items, 16,811 without them). They are
    :class:`ScoredOnce`, outside the readings, so the readings find this set. A match that
    needs one token is merged with the others of its field into one flat disjunction.
    """
    tokens: dict[str, dict[str, None]] = {}
    several: dict[FieldMatch, None] = {}
    for reading in readings:
        for match in reading.matches:
            if match.finds and match.minimum > 1:
                several[replace(match, boost=1.0)] = None
            elif match.finds:
                tokens.setdefault(match.field, {}).update(dict.fromkeys(match.tokens))
    keys = tuple(dict.fromkeys(r.exact_key for r in readings if r.exact_key))
    return Finding({name: tuple(found) for name, found in tokens.items()}, tuple(several), keys)


# -- Elasticsearch ----------------------------------------------------------------------


def _es_match(match: FieldMatch) -> dict[str, Any]:
    clause: dict[str, Any] = {"query": " ".join(match.tokens), "boost": match.boost}
    if match.minimum > 1:
        clause["minimum_should_match"] = match.minimum
    return {"match": {match.field: clause}}


def _es_reading(reading: ReadingQuery, plan: QueryPlan) -> dict[str, Any]:
    should = [_es_match(m) for m in reading.matches]
    if reading.exact_key:
        should.append(
            {
                "constant_score": {
                    "filter": _es_exact(reading.exact_key, plan),
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

    The scoring-only tokens are should-clauses beside the readings (:class:`ScoredOnce`): they
    score the documents the readings found and find none. Services first: a service item gets
    ``service_bonus`` added (a should-clause that costs one term lookup; a factor on the other
    lists' scores would score the text twice).
    """
    hidden = [{"term": {MERGED_FIELD: True}}]
    if not plan.readings:
        return {"bool": {"must": [{"match_all": {}}], "must_not": hidden}}
    should = [_es_scored_once(once, plan) for once in plan.scored_once]
    if plan.service_bonus:
        bonus = {"term": {"kind": SERVICE_KIND}}
        should.append({"constant_score": {"filter": bonus, "boost": plan.service_bonus}})
    query: dict[str, Any] = {"must": [_es_readings(plan)], "must_not": hidden}
    if should:
        query["should"] = should
    return {"bool": query}


def _es_exact(key: str, plan: QueryPlan) -> dict[str, Any]:
    """A name equal to ``key`` (normalised, full pinyin or initials), of a kind that gets the
    exact-name boost."""
    return {
        "bool": {
            "filter": [
                {"term": {EXACT_KEY_FIELD: key}},
                {"terms": {"kind": list(plan.exact_name_kinds)}},
            ]
        }
    }


def _es_finding(readings: Sequence[ReadingQuery], plan: QueryPlan) -> dict[str, Any]:
    """The documents ``readings`` find (:func:`finding`), as an unscored clause."""
    found = finding(readings)
    should = [{"terms": {name: list(values)}} for name, values in found.any_of.items()]
    should += [_es_match(match) for match in found.several]
    should += [_es_exact(key, plan) for key in found.keys]
    return {"bool": {"should": should}}


def _es_scored_once(once: ScoredOnce, plan: QueryPlan) -> dict[str, Any]:
    """The tokens' clauses once, × shared_weight, plus × found_weight where ``found_by`` found
    the document: one ``function_score`` reads the common terms once, where two clauses (as on
    the embedded engine) read them twice."""
    return {
        "function_score": {
            "query": {"bool": {"should": [_es_match(match) for match in once.matches]}},
            "functions": [
                {"weight": once.shared_weight},
                {"filter": _es_finding(once.found_by, plan), "weight": once.found_weight},
            ],
            "score_mode": "sum",
            "boost_mode": "multiply",
        }
    }


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
    sort = _ES_SORTS[request.effective_sort]
    body["sort"] = [*sort, *(tie for tie in _ES_TIE_BREAKERS if tie not in sort)]
    return body


_ES_SORTS: dict[str, list[Any]] = {
    "relevance": ["_score"],
    "name": [{"name_sort": "asc"}],
    "updated": [{"updated_at": {"order": "desc", "missing": "_last"}}],
    "short": [{"suggest_order": "asc"}],
}
_ES_TIE_BREAKERS = [{field: "asc"} for field in TIE_BREAKERS]


# -- embedded engine (tantivy) ----------------------------------------------------------


def _tantivy_exact(key: str, plan: QueryPlan, schema: tantivy.Schema) -> tantivy.Query:
    query, occur = tantivy.Query, tantivy.Occur
    return query.boolean_query(
        [
            (occur.Must, query.term_query(schema, EXACT_KEY_FIELD, key)),
            (occur.Must, tantivy_any(schema, "kind", plan.exact_name_kinds)),
        ]
    )


def _tantivy_finding(
    readings: Sequence[ReadingQuery], plan: QueryPlan, schema: tantivy.Schema
) -> tantivy.Query:
    """The documents ``readings`` find (:func:`finding`), one disjunction."""
    query, occur = tantivy.Query, tantivy.Occur
    found = finding(readings)
    clauses = [
        (occur.Should, query.term_query(schema, name, token))
        for name, values in found.any_of.items()
        for token in values
    ]
    clauses += [(occur.Should, _tantivy_terms(match, schema)) for match in found.several]
    clauses += [(occur.Should, _tantivy_exact(key, plan, schema)) for key in found.keys]
    return query.boolean_query(clauses)


def _tantivy_terms(match: FieldMatch, schema: tantivy.Schema) -> tantivy.Query:
    """Any of the match's tokens in its field, or ``minimum`` of them."""
    query, occur = tantivy.Query, tantivy.Occur
    terms = [(occur.Should, query.term_query(schema, match.field, t)) for t in match.tokens]
    return query.boolean_query(terms, match.minimum if match.minimum > 1 else None)


def _tantivy_match(match: FieldMatch, schema: tantivy.Schema) -> tantivy.Query:
    return tantivy.Query.boost_query(_tantivy_terms(match, schema), match.boost)


def _tantivy_reading(
    reading: ReadingQuery, plan: QueryPlan, schema: tantivy.Schema
) -> tantivy.Query:
    query, occur = tantivy.Query, tantivy.Occur
    clauses = [(occur.Should, _tantivy_match(match, schema)) for match in reading.matches]
    if reading.exact_key:
        exact = _tantivy_exact(reading.exact_key, plan, schema)
        clauses.append((occur.Should, query.const_score_query(exact, plan.exact_name_boost)))
    combined = query.boolean_query(clauses)
    return combined if reading.weight == 1.0 else query.boost_query(combined, reading.weight)


def _tantivy_scored_once(
    once: ScoredOnce, plan: QueryPlan, schema: tantivy.Schema
) -> list[tantivy.Query]:
    query, occur = tantivy.Query, tantivy.Occur
    found = query.const_score_query(_tantivy_finding(once.found_by, plan, schema), 0.0)
    scoring = query.boolean_query([(occur.Should, _tantivy_match(m, schema)) for m in once.matches])
    return [
        query.boost_query(scoring, once.shared_weight),
        query.boost_query(
            query.boolean_query([(occur.Must, found), (occur.Must, scoring)]), once.found_weight
        ),
    ]


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
    clauses += [
        (occur.Should, clause)
        for once in plan.scored_once
        for clause in _tantivy_scored_once(once, plan, schema)
    ]
    if plan.service_bonus:
        bonus = query.term_query(schema, "kind", SERVICE_KIND)
        clauses.append((occur.Should, query.const_score_query(bonus, plan.service_bonus)))
    return query.boolean_query(clauses)


def tantivy_match_query(plan: QueryPlan, schema: tantivy.Schema) -> tantivy.Query:
    """The documents :func:`tantivy_text_query` matches, without its scores.

    Facet counts and the total need only the set (:func:`finding`): on broad queries
    (tens of thousands of matches) this flat disjunction costs about half the nested, boosted
    one.
    """
    if not plan.readings:
        return tantivy_text_query(plan, schema)
    query, occur = tantivy.Query, tantivy.Occur
    hidden = (occur.MustNot, query.term_query(schema, MERGED_FIELD, True))
    return query.boolean_query(
        [(occur.Must, _tantivy_finding(plan.readings, plan, schema)), hidden]
    )


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
