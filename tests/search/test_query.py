"""The query each engine gets for a request: exact-name boost, field boosts, synonyms as
dis_max, filters as post_filter, facets that ignore their own filter, and the guards."""

from __future__ import annotations

import json
import re

import pytest
import tantivy

from search.documents import FIELDS
from search.engines.embedded import build_schema
from search.errors import InvalidRequest, QueryTooLong
from search.filters import FILTERS
from search.query import (
    MAX_PER_PAGE,
    Finding,
    SearchRequest,
    es_search_body,
    finding,
    plan_query,
    tantivy_filtered,
    tantivy_text_query,
)
from search.relevance import RelevanceSettings, default_settings


def body_for(**request) -> dict:
    return es_search_body(plan_query(SearchRequest(**request)))


def text_of(query: dict) -> dict:
    """The readings, inside the clauses that rank services first and leave merged twins out."""
    return query["bool"]["must"][0]


def reading_clauses(query: dict) -> list[dict]:
    """Clauses of the query as typed (the first reading when synonyms add others)."""
    query = text_of(query)
    if "dis_max" in query:
        query = query["dis_max"]["queries"][0]
    return query["bool"]["should"]


def test_exact_name_boost_is_a_constant_score_on_the_whole_name_keys():
    body = body_for(text="普通护照签发")
    exact = [c for c in reading_clauses(body["query"]) if "constant_score" in c]
    key = {"term": {"name_keys": "普通护照签发"}}
    services = {"terms": {"kind": ["service"]}}  # only service items: relevance.toml [exact_name]
    assert exact == [
        {
            "constant_score": {
                "filter": {"bool": {"filter": [key, services]}},
                "boost": default_settings().exact_name_boost,
            }
        }
    ]


def test_exact_key_is_the_normalised_query_without_spaces():
    body = body_for(text="食品（含保健食品）经营许可核发")
    exact = next(c for c in reading_clauses(body["query"]) if "constant_score" in c)
    key = exact["constant_score"]["filter"]["bool"]["filter"][0]
    assert key["term"]["name_keys"] == "食品含保健食品经营许可核发"


def test_field_boosts_come_from_the_relevance_file():
    boosts = default_settings().field_boosts
    body = body_for(text="护照")
    matches = {
        field: spec
        for clause in reading_clauses(body["query"])
        if "match" in clause
        for field, spec in clause["match"].items()
    }
    assert matches["name_words"] == {"query": "护照", "boost": boosts["name_words"]}
    assert matches["name_grams"] == {"query": "护照", "boost": boosts["name_grams"]}
    assert "name_pinyin" not in matches  # a Chinese query has no pinyin tokens


def test_pinyin_query_searches_pinyin_fields():
    body = body_for(text="hukou qianyi")
    fields = {f for c in reading_clauses(body["query"]) if "match" in c for f in c["match"]}
    assert "name_pinyin" in fields and "name_grams" not in fields
    body = body_for(text="sfz")
    fields = {f for c in reading_clauses(body["query"]) if "match" in c for f in c["match"]}
    assert "name_initials" in fields


def test_synonyms_become_dis_max_readings():
    settings = default_settings()
    body = body_for(text="网吧注销")
    dis_max = text_of(body["query"])["dis_max"]
    assert dis_max["tie_breaker"] == settings.synonym_tie_breaker
    typed, rewrite = dis_max["queries"][:2]  # then the intent's readings and the query's sound
    assert typed["bool"]["boost"] == 1.0
    assert rewrite["bool"]["boost"] == settings.synonym_weight
    rewrite_exact = next(c for c in rewrite["bool"]["should"] if "constant_score" in c)
    key = rewrite_exact["constant_score"]["filter"]["bool"]["filter"][0]
    assert key["term"]["name_keys"] == "互联网上网服务营业场所注销"


def test_services_first_is_a_constant_added_to_service_items():
    query = body_for(text="社保")["query"]["bool"]
    bonus = {"term": {"kind": "service"}}
    assert query["should"] == [
        {"constant_score": {"filter": bonus, "boost": default_settings().service_bonus}}
    ]
    assert default_settings().service_bonus > 0


def _scored_once_boosts(plan, field: str) -> dict[str, float]:
    return {
        t: m.boost
        for o in plan.scored_once
        for m in o.matches
        if m.field == field
        for t in m.tokens
    }


def test_generic_tokens_and_action_words_weigh_less():
    settings = default_settings()
    plan = plan_query(SearchRequest(text="开饭店"))
    grams = {m.tokens: m.boost for m in plan.readings[0].matches if m.field == "name_grams"}
    assert grams[("开饭", "饭店")] == settings.field_boosts["name_grams"]
    generic = _scored_once_boosts(plan, "name_grams")["开"]
    assert generic == settings.field_boosts["name_grams"] * settings.generic_weight
    roles = [variant.role for variant in plan.analyzed.variants]
    intent = plan.readings[roles.index("intent")]
    assert intent.weight == settings.intent_weight
    assert intent.exact_key == ""  # an intent's reading is no name
    words = {t: m.boost for m in intent.matches if m.field == "name_words" for t in m.tokens}
    assert words["饭店"] == settings.field_boosts["name_words"]  # the object keeps its weight
    action = _scored_once_boosts(plan, "name_words")["许可"]
    assert action == settings.field_boosts["name_words"] * settings.action_weight


def test_action_words_are_scored_once_as_the_readings_dis_max_weighed_them():
    settings = default_settings()
    plan = plan_query(SearchRequest(text="开饭店"))
    assert all(m.finds for reading in plan.readings for m in reading.matches)
    (actions,) = [o for o in plan.scored_once if any("许可" in m.tokens for m in o.matches)]
    weights = [reading.weight for reading in actions.found_by]
    assert len(weights) >= 4  # every intent reading (食品经营, 餐饮…) and the implied one
    tie = settings.synonym_tie_breaker
    # the dis_max gave each reading's copy tie × its weight, and the best one its whole weight
    assert actions.shared_weight == pytest.approx(tie * sum(weights))
    assert actions.found_weight == pytest.approx((1 - tie) * max(weights))
    # Elasticsearch reads the common terms once: × shared, + × found where a reading found
    query = body_for(text="开饭店")["query"]["bool"]
    assert "dis_max" in query["must"][0] and "filter" not in query
    scored = [c["function_score"] for c in query["should"] if "function_score" in c]
    assert len(scored) == len(plan.scored_once) == 2  # 开 (typed, rewrites) and the actions
    weights = {tuple(f["weight"] for f in s["functions"]) for s in scored}
    assert weights == {(o.shared_weight, o.found_weight) for o in plan.scored_once}
    assert all(s["score_mode"] == "sum" and s["boost_mode"] == "multiply" for s in scored)


def finding_tokens(found: Finding, field: str) -> set[str]:
    several = (m.tokens for m in found.several if m.field == field)
    return {*found.any_of.get(field, ()), *(token for tokens in several for token in tokens)}


def test_a_long_query_needs_most_of_a_fields_tokens_in_an_item():
    plan = plan_query(SearchRequest(text="公共场所卫生许可证注销"))
    typed = plan.readings[0]
    grams = next(m for m in typed.matches if m.field == "name_grams")
    assert len(grams.tokens) >= 9 and grams.minimum == len(grams.tokens) * 60 // 100
    clause = body_for(text="公共场所卫生许可证注销")["query"]
    assert f'"minimum_should_match": {grams.minimum}' in json.dumps(clause, ensure_ascii=False)
    # two tokens or fewer: either finds
    short = plan_query(SearchRequest(text="护照")).readings[0]
    assert {m.minimum for m in short.matches} == {1}
    # a pasted text (over 24 tokens in a field): any finds, as tantivy's count of them is dear
    pasted = plan_query(
        SearchRequest(text="公共场所卫生许可证注销农村公路建设项目初步设计审批县级")
    ).readings[0]
    grams = next(m for m in pasted.matches if m.field == "name_grams")
    assert len(grams.tokens) > 24 and grams.minimum == 1


def test_generic_tokens_and_action_words_find_nothing_alone():
    plan = plan_query(SearchRequest(text="开饭店"))
    found = finding(plan.readings)
    tokens = finding_tokens(found, "name_words")
    assert "饭店" in tokens and "餐饮" in tokens  # and its rewrites
    assert "个体工商户" in tokens  # the object the intent implies finds too
    every = {token for name in FIELDS for token in finding_tokens(found, name)}
    assert not every & {"开", "登记", "设立", "许可", "备案"}
    assert found.keys[0] == "开饭店"  # exact names (typed, rewritten) are found


def test_a_query_of_generic_words_only_is_found_by_them():
    plan = plan_query(SearchRequest(text="办 证"))
    assert {"办", "证"} <= finding_tokens(finding(plan.readings), "name_words")
    assert plan.scored_once == ()  # nothing left to score apart
    assert plan_query(SearchRequest(text="护照")).scored_once == ()


def test_filters_go_to_post_filter_and_each_facet_drops_its_own():
    body = body_for(
        text="护照",
        filters={"department": ["区公安分局", "区民政局"], "instant": "true"},
        facets=["department", "instant", "kind"],
    )
    department = {"terms": {"department": ["区公安分局", "区民政局"]}}
    instant = {"term": {"instant": True}}
    assert body["post_filter"] == {"bool": {"filter": [department, instant]}}
    aggs = body["aggs"]
    assert aggs["department"]["filter"] == {"bool": {"filter": [instant]}}
    assert aggs["instant"]["filter"] == {"bool": {"filter": [department]}}
    assert aggs["kind"]["filter"] == {"bool": {"filter": [department, instant]}}
    assert aggs["kind"]["aggs"]["values"]["terms"]["field"] == "lists"  # twins count in each list
    assert aggs["department"]["aggs"]["values"]["terms"]["field"] == "department"
    assert aggs["instant"]["aggs"]["values"] == {"terms": {"field": "instant", "size": 200}}
    # the scoring query itself carries no filter (only leaves merged twins out)
    assert "filter" not in body["query"].get("bool", {})
    assert body["query"]["bool"]["must_not"] == [{"term": {"merged": True}}]


def test_no_filter_no_post_filter_and_facets_count_everything():
    body = body_for(text="护照", facets=["theme"])
    assert "post_filter" not in body
    # no filter bucket around an unfiltered facet: it would cost a check per matching document
    assert body["aggs"]["theme"] == {"terms": {"field": "themes", "size": 200}}
    only_own = body_for(text="护照", filters={"theme": ["出生"]}, facets=["theme", "instant"])
    assert only_own["aggs"]["theme"] == {"terms": {"field": "themes", "size": 200}}
    assert only_own["aggs"]["instant"]["filter"] == {
        "bool": {"filter": [{"terms": {"themes": ["出生"]}}]}
    }


TIES = [{"suggest_order": "asc"}, {"id": "asc"}]


def test_paging_and_totals():
    body = body_for(text="护照", page=3, per_page=20)
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)


def test_browsing_without_text_matches_all_in_name_order():
    body = body_for(filters={"kind": "service"})
    assert body["query"] == {
        "bool": {"must": [{"match_all": {}}], "must_not": [{"term": {"merged": True}}]}
    }
    assert body["sort"] == [{"name_sort": "asc"}, *TIES]


def test_sort_by_update():
    assert body_for(text="护照", sort="updated")["sort"] == [
        {"updated_at": {"order": "desc", "missing": "_last"}},
        *TIES,
    ]


def test_every_order_ends_in_the_tie_breakers_once():
    assert body_for(text="护照")["sort"] == ["_score", *TIES]
    assert body_for(text="护照", sort="short")["sort"] == TIES


# -- guards -----------------------------------------------------------------------------


def test_query_over_200_characters_is_refused():
    SearchRequest(text="证" * 200)
    with pytest.raises(QueryTooLong):
        SearchRequest(text="证" * 201)


def test_per_page_is_capped():
    assert SearchRequest(per_page=500).per_page == MAX_PER_PAGE


def test_paging_past_10000_results_is_refused():
    SearchRequest(page=100, per_page=100)
    with pytest.raises(InvalidRequest):
        SearchRequest(page=101, per_page=100)
    with pytest.raises(InvalidRequest):
        SearchRequest(page=0)


@pytest.mark.parametrize(
    "request_args",
    [
        {"filters": {"colour": ["red"]}},
        {"facets": ["colour"]},
        {"sort": "random"},
        {"filters": {"instant": "maybe"}},
        {"filters": {"instant": [True, False]}},
        {"filters": {"department": [f"d{n}" for n in range(51)]}},
    ],
)
def test_invalid_requests(request_args):
    with pytest.raises(InvalidRequest):
        SearchRequest(**request_args)


def test_filter_values_are_parsed():
    request = SearchRequest(
        filters={"instant": "否", "zero_visit": True, "township": "城南街道", "theme": []}
    )
    assert request.filters == {"instant": False, "zero_visit": True, "township": ("城南街道",)}


def test_every_filter_has_a_facet_and_an_index_field():
    assert set(FILTERS) == {
        "department",
        "kind",
        "item_type",
        "township",
        "service_object",
        "theme",
        "instant",
        "zero_visit",
        "region",
    }
    schema = build_schema()
    for definition in FILTERS.values():
        value = True if definition.value_type.value == "bool" else ("x",)
        assert isinstance(definition.tantivy_clause(schema, value), tantivy.Query)


def test_embedded_query_is_built_from_the_same_plan():
    schema = build_schema()
    plan = plan_query(SearchRequest(text="网吧注销", filters={"kind": "service"}))
    query = tantivy_filtered(tantivy_text_query(plan, schema), plan.request.filters, schema)
    text = repr(query)
    assert "DisjunctionMaxQuery" in text and "tie_breaker: 0.1" in text
    exact = r'Const\(score=1000, query=BooleanQuery \{ subqueries: \[\(Must, TermQuery\(Term\(field=\d+, type=Str, "网吧注销"\)\)\)'
    assert re.search(exact, text)
    # a filter adds nothing to the score; its values are term queries (a term set costs 0.3 ms)
    assert re.search(
        r'Const\(score=0, query=BooleanQuery \{ subqueries: \[\(Should, TermQuery\(Term\(field=\d+, type=Str, "service"\)',
        text,
    )
    assert "TermSetQuery" not in text


def test_relevance_file_is_validated():
    with pytest.raises(ValueError):
        RelevanceSettings.from_dict(
            {
                "fields": {"no_such_field": 1.0},
                "exact_name": {"boost": 1},
                "synonyms": {"weight": 1, "tie_breaker": 0},
            }
        )
