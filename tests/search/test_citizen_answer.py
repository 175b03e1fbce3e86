"""A citizen's answer on both engines: generic characters do not carry a query, services come
first, twins are one hit with consistent counts, and a search never ends on an empty page."""

from __future__ import annotations

import pytest

from search.analysis import analyze_query, synonym_table
from search.citizen import answer
from search.documents import SearchDocument
from search.engines.base import SearchEngine
from search.query import SearchRequest
from search.spelling import Vocabulary


def doc(row_id: str, name: str, department: str = "区市监局", **fields) -> SearchDocument:
    kind = row_id.split(":")[0]
    return SearchDocument.from_mapping(
        {"id": row_id, "kind": kind, "name": name, "department": department, "version": 1, **fields}
    )


CATALOG = [
    doc("service:1", "开锁业备案", "区公安分局"),
    doc("service:2", "食品小经营店备案发放"),
    doc("service:3", "个体工商户设立登记", "区行政审批局"),
    doc("service:4", "居民身份证办理（包括临时）", "区公安分局"),
    doc("service:5", "乡村建设规划许可证核发", "区自然资源和规划局"),
    doc("service:6", "社会保险登记", "区人社局"),
    doc("supervision:7", "社会保险基金监督检查", "区人社局"),
    doc("power:8", "社会保险费征缴检查", "区人社局"),
    # twins: the service item and its 权责 item, one hit
    doc("service:9", "食品经营许可", twins=["power:10"], twin_kinds=["power"]),
    doc("power:10", "食品经营许可", merged_into="service:9"),
    doc("service:11", "社会保障卡申领", "区人社局"),
    # a 权责 item with no same-name service: its services carry a suffix
    doc("power:12", "烟花爆竹经营许可", "区应急管理局"),
    doc("service:13", "烟花爆竹经营许可（新办）", "区应急管理局"),
]


@pytest.fixture
def engine(bare_engine: SearchEngine) -> SearchEngine:
    """The engines alone, without the app (tests/search/conftest.py)."""
    return bare_engine


@pytest.fixture
def catalog(engine) -> SearchEngine:
    assert engine.index(CATALOG).ok
    return engine


def ask(engine: SearchEngine, text: str, **request):
    return answer(engine, SearchRequest(text=text, highlight=False, **request))


def names(found) -> list[str]:
    return [hit.name for hit in found.result.hits]


def test_a_shared_generic_character_does_not_carry_the_query(catalog):
    found = names(ask(catalog, "开饭店"))
    # 开锁业备案 holds only 开 (generic) and 备案 (an action word of the intent): not found
    assert "开锁业备案" not in found
    assert "食品小经营店备案发放" in found
    assert found[0] in {"食品小经营店备案发放", "食品经营许可", "个体工商户设立登记"}


def test_question_words_weigh_nothing(catalog):
    assert names(ask(catalog, "身份证怎么办"))[0] == "居民身份证办理（包括临时）"
    assert analyze_query("身份证在哪里办理").core == "身份证办理"


def test_everyday_words_reach_official_names(catalog):
    assert names(ask(catalog, "盖房子"))[0] == "乡村建设规划许可证核发"


def test_services_rank_above_supervision_and_power_items_of_similar_relevance(catalog):
    found = ask(catalog, "社会保险")
    assert names(found)[0] == "社会保险登记"
    assert {hit.kind for hit in found.result.hits[1:3]} == {"supervision", "power"}


def test_the_exact_name_of_a_power_item_does_not_push_it_above_its_services(catalog):
    found = ask(catalog, "烟花爆竹经营许可")
    assert [hit.id for hit in found.result.hits[:2]] == ["service:13", "power:12"]


def test_twins_are_one_hit_naming_both_lists_with_consistent_counts(catalog):
    found = ask(catalog, "食品经营许可", facets=("kind",))
    twin = [hit for hit in found.result.hits if hit.name == "食品经营许可"]
    assert len(twin) == 1
    assert twin[0].id == "service:9" and twin[0].lists == ("service", "power")
    assert twin[0].twins == ("power:10",)
    assert found.result.total == len(found.result.hits)
    assert "power:10" not in {hit.id for hit in found.result.hits}  # shown once, as service:9
    counts = dict(found.result.facets["kind"])
    for kind in ("service", "power"):  # each hit counted once under every list it is in
        assert counts[kind] == sum(kind in hit.lists for hit in found.result.hits), kind
    only_power = catalog.search(SearchRequest(text="食品经营许可", filters={"kind": ["power"]}))
    assert [hit.id for hit in only_power.hits] == ["service:9", "power:12"]  # the twin's hit


def test_a_query_that_finds_nothing_is_relaxed(catalog):
    found = ask(catalog, "规村")
    assert found.relaxed and not found.zero_result
    assert names(found)[0] == "乡村建设规划许可证核发"


def test_a_slip_is_corrected_and_offered_as_did_you_mean(catalog):
    found = ask(catalog, "社保咔")
    assert found.did_you_mean == "社保卡"
    assert names(found)[0] == "社会保障卡申领"


def test_nothing_found_points_to_the_departments_the_words_name(catalog):
    found = ask(catalog, "派出所盖章")
    assert found.zero_result and not found.result.hits
    assert found.popular and {hit.department for hit in found.popular} == {"区公安分局"}
    assert [hit.name for hit in found.popular] == ["开锁业备案", "居民身份证办理（包括临时）"]


def test_synonyms_added_at_run_time_apply_without_reindex(catalog):
    assert ask(catalog, "清白书").zero_result
    table = synonym_table(["清白书 => 居民身份证"])
    found = answer(catalog, SearchRequest(text="清白书", synonyms=table, highlight=False))
    assert names(found)[0] == "居民身份证办理（包括临时）"


def test_a_right_word_that_sounds_like_a_known_term_is_not_corrected(catalog):
    """工商 sounds like the synonym files' 工伤: the catalog's own words tell it is no slip."""
    words = Vocabulary(d.name for d in CATALOG)
    assert ask(catalog, "个体工商户设立登计").did_you_mean == "个体工伤户设立登计"  # by sound alone
    found = answer(
        catalog, SearchRequest(text="个体工商户设立登计", highlight=False), vocabulary=lambda: words
    )
    assert found.did_you_mean is None
    assert names(found)[0] == "个体工商户设立登记"
    slip = answer(catalog, SearchRequest(text="社保咔", highlight=False), vocabulary=lambda: words)
    assert slip.did_you_mean == "社保卡"  # a real slip stays corrected


def test_the_vocabulary_is_asked_for_only_when_an_answer_needs_it(catalog):
    asked = []
    found = answer(
        catalog,
        SearchRequest(text="社会保险登记", highlight=False),
        vocabulary=lambda: asked.append(1),
    )
    assert names(found)[0] == "社会保险登记" and asked == []
