"""One contract, one suite: every test here runs against the embedded engine and against a
real Elasticsearch (the ``elasticsearch_url`` fixture of tests/search/conftest.py; each
test gets its own index prefix there)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from search.documents import SearchDocument
from search.engines.base import Removal, SearchEngine
from search.engines.elasticsearch import ElasticsearchEngine
from search.engines.embedded import EmbeddedEngine
from search.errors import EngineUnavailable
from search.query import SearchRequest
from tests.support.borrowed_cluster import drop_indices

pytestmark = pytest.mark.filterwarnings("ignore:HTTPResponse.getheaders:DeprecationWarning")


def doc(number: int, name: str, **fields) -> SearchDocument:
    row = {"id": f"service:{number}", "kind": "service", "name": name, "version": 1, **fields}
    return SearchDocument.from_mapping(row)


PUBLIC_SECURITY, CIVIL_AFFAIRS, TRANSPORT, CULTURE = (
    "区公安分局",
    "区民政局",
    "区交通运输局",
    "区文广旅局",
)


def service(
    number: int, name: str, department: str, item_type: str, objects: list[str], **fields
) -> SearchDocument:
    return doc(
        number,
        name,
        department=department,
        item_type=item_type,
        service_objects=objects,
        **fields,
    )


# fmt: off
# A table, one 实施清单 row a line or two: the formatter would give each field a line of its own.
CATALOG = [
    service(1, "普通护照签发", PUBLIC_SECURITY, "20", ["个人"], themes=["出入境"],
            townships=["城南街道"], instant=False, onsite_visits=1),
    service(2, "居民身份证办理（包括临时）", PUBLIC_SECURITY, "20", ["个人"], themes=["户籍"],
            townships=["城南街道", "城北街道"], instant=True),
    service(3, "居民身份证跨省异地办理", PUBLIC_SECURITY, "20", ["个人"], themes=["户籍"],
            instant=True, zero_visit=True),
    service(4, "户口迁移审批", PUBLIC_SECURITY, "1", ["个人"], themes=["户籍"],
            townships=["城北街道"], instant=False),
    service(5, "中国内地公民婚姻登记", CIVIL_AFFAIRS, "7", ["个人"], themes=["婚姻"], instant=True),
    service(6, "结婚登记预约", CIVIL_AFFAIRS, "20", ["个人"], themes=["婚姻"], zero_visit=True,
            instant=True),
    service(7, "客运站经营许可", TRANSPORT, "1", ["法人"]),
    service(8, "客运站经营许可（注销）", TRANSPORT, "1", ["法人"]),
    service(9, "客运站经营许可（换发）", TRANSPORT, "1", ["法人"]),
    service(10, "网络预约出租汽车经营许可", TRANSPORT, "1", ["法人", "个人"],
            aliases=["出租汽车经营许可"]),
    service(11, "开办互联网上网服务营业场所", CULTURE, "1", ["法人"], kind="service"),
    SearchDocument.from_mapping(
        {
            "id": "power:12",
            "kind": "power",
            "name": "对违反护照管理规定的行政处罚",
            "department": PUBLIC_SECURITY,
            "item_type": "2",
            "version": 1,
            "text": "依据《中华人民共和国护照法》第二十条",
        }
    ),
]
# fmt: on


@pytest.fixture
def engine(bare_engine: SearchEngine) -> SearchEngine:
    """The engines alone, without the app (tests/search/conftest.py)."""
    return bare_engine


@pytest.fixture
def loaded(engine) -> SearchEngine:
    result = engine.index(CATALOG)
    assert (result.indexed, result.stale, result.errors) == (len(CATALOG), 0, [])
    return engine


def names(engine: SearchEngine, text: str = "", **request) -> list[str]:
    return [hit.name for hit in engine.search(SearchRequest(text=text, **request)).hits]


# -- lifecycle --------------------------------------------------------------------------


def test_ensure_index_is_idempotent_and_healthy(engine):
    live = engine.health().index
    engine.ensure_index()
    health = engine.health()
    assert health.ok and health.index == live and health.count == 0
    assert engine.count() == 0
    assert engine.search(SearchRequest(text="护照")).total == 0


def test_index_then_search(loaded):
    assert loaded.count() == len(CATALOG)
    result = loaded.search(SearchRequest(text="护照"))
    assert result.total == 2
    first = result.hits[0]
    assert (first.id, first.name, first.department, first.kind) == (
        "service:1",
        "普通护照签发",
        PUBLIC_SECURITY,
        "service",
    )
    assert first.score and first.score > 0
    assert first.highlight == "普通<mark>护照</mark>签发"
    assert result.hits[1].id == "power:12"


def test_highlight_can_be_turned_off(loaded):
    assert loaded.search(SearchRequest(text="护照", highlight=False)).hits[0].highlight is None


def test_exact_name_ranks_first(loaded):
    assert names(loaded, "客运站经营许可")[0] == "客运站经营许可"
    assert names(loaded, "客运站经营许可（注销）")[0] == "客运站经营许可（注销）"


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("huzhao", "普通护照签发"),
        ("hu zhao", "普通护照签发"),
        ("hkqy", "户口迁移审批"),
        ("護照", "普通护照签发"),
        ("ｈｕｚｈａｏ", "普通护照签发"),
        ("网约车", "网络预约出租汽车经营许可"),
        ("网吧", "开办互联网上网服务营业场所"),
        ("身分证", "居民身份证办理（包括临时）"),
        ("jiehun dengji", "结婚登记预约"),
    ],
)
def test_citizens_ways_of_typing(loaded, query, expected_first):
    assert names(loaded, query)[0] == expected_first


def test_initials_find_identity_cards(loaded):
    assert set(names(loaded, "sfz")) == {"居民身份证办理（包括临时）", "居民身份证跨省异地办理"}


def test_longest_allowed_query_runs(loaded):
    text = ("网吧个体户身份证护照结婚登记户口迁移客运站经营许可" * 10)[:200]
    result = loaded.search(SearchRequest(text=text, facets=["department"]))
    assert result.total > 0


def test_a_long_query_finds_items_holding_most_of_it_not_one_of_its_words(engine):
    engine.index([doc(1, "公共场所卫生许可证注销"), doc(2, "演出许可证延续")])
    assert names(engine, "公共场所卫生许可证注销") == ["公共场所卫生许可证注销"]
    assert sorted(names(engine, "许可证")) == ["公共场所卫生许可证注销", "演出许可证延续"]


def test_body_text_is_searched_but_never_shown(loaded):
    result = loaded.search(SearchRequest(text="第二十条"))
    assert [hit.id for hit in result.hits] == ["power:12"]
    assert result.hits[0].highlight == "对违反护照管理规定的行政处罚"  # nothing to mark in the name


# -- filters and facets -----------------------------------------------------------------


def test_filter_values_or_within_and_across(loaded):
    both = loaded.search(SearchRequest(filters={"department": [CIVIL_AFFAIRS, TRANSPORT]}))
    assert both.total == 6
    narrowed = loaded.search(
        SearchRequest(filters={"department": [CIVIL_AFFAIRS, TRANSPORT], "instant": True})
    )
    assert {h.name for h in narrowed.hits} == {"中国内地公民婚姻登记", "结婚登记预约"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "power"}, {"对违反护照管理规定的行政处罚"}),
        ({"item_type": "7"}, {"中国内地公民婚姻登记"}),
        ({"township": "城北街道"}, {"居民身份证办理（包括临时）", "户口迁移审批"}),
        (
            {"service_object": "法人", "theme": []},
            {
                "客运站经营许可",
                "客运站经营许可（注销）",
                "客运站经营许可（换发）",
                "网络预约出租汽车经营许可",
                "开办互联网上网服务营业场所",
            },
        ),
        ({"theme": "婚姻"}, {"中国内地公民婚姻登记", "结婚登记预约"}),
        ({"zero_visit": True}, {"居民身份证跨省异地办理", "结婚登记预约"}),
        # a power item has no 办件类型: not stated is neither 是 nor 否
        ({"instant": False, "department": PUBLIC_SECURITY}, {"普通护照签发", "户口迁移审批"}),
    ],
)
def test_each_filter(loaded, filters, expected):
    result = loaded.search(SearchRequest(filters=filters, per_page=50))
    assert {hit.name for hit in result.hits} == expected
    assert result.total == len(expected)


def test_filters_apply_to_text_search(loaded):
    result = loaded.search(SearchRequest(text="护照", filters={"kind": "service"}))
    assert [h.id for h in result.hits] == ["service:1"] and result.total == 1


def test_facets_ignore_their_own_filter(loaded):
    result = loaded.search(
        SearchRequest(
            filters={"department": [PUBLIC_SECURITY]},
            facets=["department", "instant", "theme", "kind"],
        )
    )
    assert result.total == 5
    # the department facet counts as if no department were chosen: other departments stay
    assert result.facets["department"] == [
        (PUBLIC_SECURITY, 5),
        (TRANSPORT, 4),
        (CIVIL_AFFAIRS, 2),
        (CULTURE, 1),
    ]
    # the other facets count within the chosen department
    assert result.facets["instant"] == [(False, 2), (True, 2)]  # the power item is in neither
    assert result.facets["theme"] == [("户籍", 3), ("出入境", 1)]
    assert result.facets["kind"] == [("service", 4), ("power", 1)]


def test_facets_of_a_text_search_with_a_bool_filter(loaded):
    result = loaded.search(
        SearchRequest(text="登记", filters={"instant": True}, facets=["instant", "department"])
    )
    assert {h.name for h in result.hits} == {"中国内地公民婚姻登记", "结婚登记预约"}
    assert result.facets["instant"] == [(True, 2)]
    assert result.facets["department"] == [(CIVIL_AFFAIRS, 2)]


def test_missing_values_are_no_facet_value(engine):
    engine.index([doc(1, "甲事项"), doc(2, "乙事项", department=CULTURE, themes=["出行"])])
    result = engine.search(SearchRequest(facets=["department", "theme", "township"]))
    assert result.facets == {"department": [(CULTURE, 1)], "theme": [("出行", 1)], "township": []}
    assert {hit.department for hit in result.hits} == {"", CULTURE}


def test_facet_counts_add_up_to_the_total(loaded):
    result = loaded.search(SearchRequest(facets=["kind", "item_type"]))
    assert sum(count for _, count in result.facets["kind"]) == result.total == len(CATALOG)
    assert sum(count for _, count in result.facets["item_type"]) == len(CATALOG)


# -- paging and sorting -----------------------------------------------------------------


def test_pagination_covers_every_match_once(loaded):
    pages = [loaded.search(SearchRequest(page=p, per_page=5)) for p in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [len(CATALOG)] * 4
    assert [len(p.hits) for p in pages] == [5, 5, 2, 0]
    ids = [hit.id for page in pages for hit in page.hits]
    assert sorted(ids) == sorted(d.id for d in CATALOG)


def test_browsing_is_in_name_order_without_scores(loaded):
    hits = loaded.search(SearchRequest(per_page=50)).hits
    assert [h.score for h in hits] == [None] * len(CATALOG)
    keys = [h.name.replace("（", "").replace("）", "") for h in hits]
    assert keys == sorted(keys)


def test_text_search_pages_agree_with_one_big_page(loaded):
    everything = [h.id for h in loaded.search(SearchRequest(text="许可", per_page=50)).hits]
    paged = [
        h.id
        for p in (1, 2, 3)
        for h in loaded.search(SearchRequest(text="许可", page=p, per_page=2)).hits
    ]
    assert paged == everything[:6]


def test_sort_by_last_update(engine):
    engine.index(
        [
            doc(1, "甲事项", updated_at="2024-01-01T00:00:00Z"),
            doc(2, "乙事项", updated_at="2024-03-01T08:00:00+08:00"),
            doc(3, "丙事项", updated_at="2023-12-31T23:00:00"),
        ]
    )
    assert names(engine, "事项", sort="updated") == ["乙事项", "甲事项", "丙事项"]


LONG_NAME, SHORT_NAME = "临时占用城市道路审批", "占用道路审批"
LONG_IDS = [f"service:{n}" for n in range(100, 112)]
SHORT_IDS = ["service:112", *(f"service:{n}" for n in range(95, 100))]  # the ids' text order
BY_NAME_ORDER = [*LONG_IDS, *SHORT_IDS]  # 临 sorts before 占
SHORTER_NAMES_FIRST = [*SHORT_IDS, *LONG_IDS]


@pytest.mark.parametrize(
    ("text", "sort", "expected"),
    [
        (LONG_NAME, "relevance", BY_NAME_ORDER),  # each name's copies score alike
        ("", "name", BY_NAME_ORDER),
        ("", "updated", SHORTER_NAMES_FIRST),  # one update time for all
        ("", "short", SHORTER_NAMES_FIRST),
    ],
)
def test_items_an_order_leaves_tied_come_in_one_order_on_every_page(engine, text, sort, expected):
    """Copies of one item tie under every order: they come shorter names first, then by id,
    however they were indexed (here backwards, in batches: several segments), and pages cut
    through the ties without losing or repeating an item."""
    copies = [
        doc(int(key.split(":")[1]), LONG_NAME if key in LONG_IDS else SHORT_NAME,
            department=TRANSPORT, updated_at="2024-01-01T00:00:00Z")
        for key in sorted(BY_NAME_ORDER, reverse=True)
    ]  # fmt: skip
    for batch in (copies[:5], copies[5:11], copies[11:]):
        engine.index(batch)
    pages = [
        [hit.id for hit in engine.search(SearchRequest(text=text, sort=sort, page=p, per_page=5)).hits]
        for p in (1, 2, 3, 4)
    ]  # fmt: skip
    assert [key for page in pages for key in page] == expected


def test_pages_through_a_tie_too_long_to_order_still_hold_each_item_once(engine):
    engine.index(
        [doc(n, "临时占用城市道路审批", updated_at="2024-01-01T00:00:00Z") for n in range(450)]
    )
    pages = [
        engine.search(SearchRequest(sort="updated", page=p, per_page=100)).hits for p in range(1, 6)
    ]
    ids = [hit.id for page in pages for hit in page]
    assert len(ids) == 450 and len(set(ids)) == 450


# -- suggestions ------------------------------------------------------------------------


def test_suggest_chinese_prefix_whole_names_first(loaded):
    suggestions = [s.text for s in loaded.suggest("客运")]
    assert suggestions[0] == "客运站经营许可"  # shorter names first
    assert sorted(suggestions[1:]) == ["客运站经营许可（换发）", "客运站经营许可（注销）"]


def test_suggest_inner_words_after_whole_names(loaded):
    suggestions = [s.text for s in loaded.suggest("护照")]
    assert suggestions == ["普通护照签发", "对违反护照管理规定的行政处罚"]
    assert sorted(s.text for s in loaded.suggest("身份")) == [
        "居民身份证办理（包括临时）",
        "居民身份证跨省异地办理",
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("huz", "普通护照签发"),  # full pinyin prefix of an inner word
        ("putong", "普通护照签发"),
        ("hkq", "户口迁移审批"),  # initials prefix
        ("HKQY", "户口迁移审批"),
        ("戶口", "户口迁移审批"),  # traditional
    ],
)
def test_suggest_pinyin_and_initials(loaded, typed, expected):
    assert expected in [s.text for s in loaded.suggest(typed)]


def test_suggest_limit_and_fields(loaded):
    suggestions = loaded.suggest("k", limit=2)
    assert len(suggestions) == 2
    assert all(s.id.startswith("service:") and s.kind == "service" for s in suggestions)
    assert loaded.suggest("   ") == []
    assert loaded.suggest("不存在的事项") == []


def test_suggest_one_entry_per_name(engine):
    engine.index(
        [doc(1, "护照签发"), doc(2, "护照签发", department="另一部门"), doc(3, "护照加注")]
    )
    assert sorted(s.text for s in engine.suggest("护照")) == ["护照加注", "护照签发"]


# -- updates, deletes, versions ---------------------------------------------------------


def test_update_replaces_and_stale_write_is_skipped(loaded):
    renamed = doc(1, "普通护照签发（换发）", department=PUBLIC_SECURITY, version=3)
    assert loaded.index([renamed]).indexed == 1
    stale = doc(1, "旧名称", version=2)
    result = loaded.index([stale])
    assert (result.indexed, result.stale, result.errors) == (0, 1, [])
    assert names(loaded, "护照签发")[0] == "普通护照签发（换发）"
    assert names(loaded, "旧名称") == []
    assert loaded.count() == len(CATALOG)
    assert loaded.fetch_versions()["service:1"] == 3
    # the same version again is accepted (a rebuild or a retry rewrites it)
    assert loaded.index([renamed]).indexed == 1


def test_delete(loaded):
    result = loaded.delete(
        [Removal("service:1", 1), Removal("service:999", 4), Removal("service:2")]
    )
    assert result.ok and result.indexed == 3
    assert loaded.count() == len(CATALOG) - 2
    assert "普通护照签发" not in names(loaded, "护照")
    assert "service:1" not in loaded.fetch_versions()
    assert [s.text for s in loaded.suggest("普通")] == []


def test_a_search_asked_again_is_never_answered_from_before_a_write(loaded):
    """Elasticsearch answers a repeated search from its request cache: a write empties it."""
    request = SearchRequest(text="护照", facets=["department", "kind"])
    before = loaded.search(request)
    assert loaded.search(request) == before
    if isinstance(loaded, ElasticsearchEngine):  # the repeat came from the cache
        stats = loaded._client.indices.stats(index=loaded.alias, metric="request_cache")
        assert stats["_all"]["total"]["request_cache"]["hit_count"] >= 1
    assert loaded.delete([Removal("service:1")]).ok
    after = loaded.search(request)
    assert after.total == before.total - 1
    assert "service:1" in [h.id for h in before.hits]
    assert "service:1" not in [h.id for h in after.hits]
    assert sum(n for _, n in after.facets["department"]) == after.total


def test_a_removal_decided_before_a_newer_write_leaves_it(loaded):
    """Drainer A decides "remove" at version 2; the row is published again and drainer B
    indexes version 3; A's removal then arrives: it must not take version 3 away."""
    assert loaded.index([doc(1, "普通护照签发", version=3)]).indexed == 1
    late = loaded.delete([Removal("service:1", 2)])
    assert (late.indexed, late.stale, late.errors) == (0, 1, [])
    assert loaded.fetch_versions()["service:1"] == 3
    assert names(loaded, "护照")[0] == "普通护照签发"
    current = loaded.delete([Removal("service:1", 3)])
    assert (current.indexed, current.stale) == (1, 0)
    assert "service:1" not in loaded.fetch_versions()


def test_fetch_versions_for_verify(loaded):
    assert loaded.fetch_versions() == {d.id: 1 for d in CATALOG}


def test_bad_documents_are_reported_not_raised(engine):
    broken = SearchDocument(id="service:2", kind="service", name="坏日期", updated_at="not-a-date")
    result = engine.index([doc(1, "好事项"), broken, doc(3, "另一个好事项")])
    assert result.indexed == 2
    assert [e.id for e in result.errors] == ["service:2"]
    assert engine.count() == 2


# -- rebuild ----------------------------------------------------------------------------


def test_reindex_serves_the_old_index_until_the_switch(loaded):
    before = loaded.health().index
    seen_during: list[list[str]] = []

    def replacement() -> Iterator[SearchDocument]:
        for number in range(1, 21):
            if number == 10:
                seen_during.append(names(loaded, "护照"))
            yield doc(100 + number, f"新事项{number}号", department=CULTURE)

    report = loaded.reindex(replacement(), expected_count=20)
    assert report.ok, report.problems
    assert (report.indexed, report.count, report.mapping_ok, report.switched) == (
        20,
        20,
        True,
        True,
    )
    assert report.previous_index == before and report.new_index != before
    assert seen_during == [["普通护照签发", "对违反护照管理规定的行政处罚"]]
    assert loaded.health().index == report.new_index
    assert loaded.count() == 20
    assert names(loaded, "护照") == []
    assert names(loaded, "新事项5号")[0] == "新事项5号"
    assert report.rate > 0


def test_reindex_catches_up_with_changes_made_while_it_ran(loaded):
    """What changed while the new index was filled is written to it just before the switch,
    versioned: a newer document replaces the snapshot's, a removal takes one out, and an older
    document than the snapshot's is left alone."""
    seen_live_at_catch_up: list[str | None] = []

    def catch_up():
        seen_live_at_catch_up.append(loaded.health().index)
        newer = doc(2, "居民身份证办理（新版）", version=5)
        older = doc(3, "居民身份证跨省异地办理（旧稿）", version=0)
        return [newer, older, doc(77, "重建期间发布的事项", version=2)], [Removal("service:4", 2)]

    before = loaded.health().index
    report = loaded.reindex(CATALOG, len(CATALOG), catch_up=catch_up)
    assert report.ok, report.problems
    assert seen_live_at_catch_up == [before]  # called before the switch
    assert report.caught_up == 3  # two writes and one removal; the older document is skipped
    versions = loaded.fetch_versions()
    assert (versions["service:2"], versions["service:3"], versions["service:77"]) == (5, 1, 2)
    assert "service:4" not in versions
    assert names(loaded, "重建期间发布")[0] == "重建期间发布的事项"


def test_reindex_that_fails_its_checks_does_not_catch_up(loaded):
    calls: list[int] = []
    report = loaded.reindex(
        iter(CATALOG[:3]), len(CATALOG), catch_up=lambda: calls.append(1) or ([], [])
    )
    assert not report.switched and calls == []


def test_reindex_with_a_wrong_count_keeps_the_live_index(loaded):
    before = loaded.health().index
    report = loaded.reindex(iter(CATALOG[:3]), expected_count=len(CATALOG))
    assert not report.ok and not report.switched
    assert report.count == 3
    assert any("expected 12" in problem for problem in report.problems)
    assert loaded.health().index == before
    assert loaded.count() == len(CATALOG)


def test_reindex_with_failing_documents_keeps_the_live_index(loaded):
    broken = SearchDocument(id="service:99", kind="service", name="坏日期", updated_at="not-a-date")
    report = loaded.reindex([*CATALOG, broken], expected_count=len(CATALOG) + 1)
    assert not report.switched
    assert [e.id for e in report.errors] == ["service:99"]
    assert loaded.count() == len(CATALOG)


def test_reindex_keeps_one_previous_index(loaded):
    first = loaded.reindex(CATALOG, len(CATALOG))
    second = loaded.reindex(CATALOG, len(CATALOG))
    third = loaded.reindex(CATALOG, len(CATALOG))
    assert first.ok and second.ok and third.ok
    assert third.previous_index == second.new_index
    assert first.new_index in third.deleted_indices
    assert second.new_index not in third.deleted_indices
    assert loaded.count() == len(CATALOG)


# -- an engine that is not there --------------------------------------------------------


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def missing_engine(request, tmp_path) -> SearchEngine:
    """An engine whose index does not exist or whose server does not answer."""
    if request.param == "embedded":
        return EmbeddedEngine(tmp_path / "never-created")
    request.getfixturevalue("elasticsearch_url")  # same marker semantics as the live suite
    return ElasticsearchEngine("http://127.0.0.1:9", prefix="qingdan-nowhere", timeout=2)


def test_unavailable_engine_raises_engine_unavailable(missing_engine):
    with pytest.raises(EngineUnavailable):
        missing_engine.search(SearchRequest(text="护照"))
    with pytest.raises(EngineUnavailable):
        missing_engine.index([doc(1, "护照")])
    with pytest.raises(EngineUnavailable):
        missing_engine.suggest("护")
    health = missing_engine.health()
    assert not health.ok and health.detail


@pytest.mark.elasticsearch
def test_elasticsearch_never_writes_without_its_alias(elasticsearch_url):
    """A write before ensure_index must not auto-create a concrete index named like the alias."""
    es = ElasticsearchEngine(elasticsearch_url, prefix=f"qingdan-noalias-{uuid.uuid4().hex[:10]}")
    with pytest.raises(EngineUnavailable, match="run a reindex"):
        es.index([doc(1, "普通护照签发")])
    assert not es._client.indices.exists(index=es.alias)


@pytest.mark.elasticsearch
def test_elasticsearch_serves_a_rebuilt_index_as_one_segment(elasticsearch_url):
    """A search scores each segment's matches apart, so a rebuild merges before the switch.
    Refreshes while the new index fills cut it into several segments first."""
    es = ElasticsearchEngine(elasticsearch_url, prefix=f"qingdan-merge-{uuid.uuid4().hex[:10]}")

    def refreshed_while_filling() -> Iterator[SearchDocument]:
        for number in range(1, 2001):
            if number % 600 == 0:
                es._client.indices.refresh(index=f"{es.alias}-*")
            yield doc(number, f"事项{number}号")

    try:
        report = es.reindex(refreshed_while_filling(), expected_count=2000)
        assert report.ok, report.problems
        segments = es._client.cat.segments(index=es.alias, format="json")
        assert [s["docs.count"] for s in segments if s["prirep"] == "p"] == ["2000"]
        assert names(es, "事项1234号")[0] == "事项1234号"
    finally:
        drop_indices(es)


@pytest.mark.parametrize(
    "filters", [{}, {"department": [PUBLIC_SECURITY]}, {"instant": True, "kind": ["service"]}]
)
@pytest.mark.parametrize("text", ["", "登记", "身份证"])
def test_the_total_is_the_same_whichever_facets_are_counted(loaded, text, filters):
    """The embedded engine takes the total from the facets' run when one had every filter."""
    bare = loaded.search(SearchRequest(text=text, filters=filters, facets=()))
    for facets in (["kind"], ["department", "instant"], list(filters)):
        counted = loaded.search(SearchRequest(text=text, filters=filters, facets=facets))
        assert counted.total == bare.total, facets
        assert [hit.id for hit in counted.hits] == [hit.id for hit in bare.hits]
