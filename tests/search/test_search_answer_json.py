"""The search answer is built as plain dicts (catalog.schemas.search.search_answer_json), not
dumped by marshmallow, while SearchResultSchema stays its OpenAPI document: both must give
the same JSON, key for key and in the same order, for every shape a hit and an answer take."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from catalog.schemas.search import SearchResultSchema, search_answer_json
from catalog.services import citizen_search, search_outbox
from search.citizen import CitizenAnswer
from search.query import Hit, SearchResult
from tests import factories


def compact(value: Any) -> str:
    """JSON as the app writes it (Flask's provider: compact, UTF-8, keys in order)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def schema_dump(found: CitizenAnswer) -> str:
    """What the route returned before: SearchResultSchema's dump of the answer, its fields read
    straight off the dataclasses."""
    answer: dict[str, Any] = {**asdict(found.result), **asdict(found)}
    answer["facets"] = {
        name: [{"value": v, "count": n} for v, n in counts]
        for name, counts in found.result.facets.items()
    }
    return compact(SearchResultSchema().dump(answer))


SCORED = Hit(
    id="service:7",
    name="普通护照签发<急>",
    department="区公安分局",
    kind="service",
    score=12.5,
    highlight="普通<mark>护照</mark>签发&lt;急&gt;",
    lists=("service", "power"),
    twins=("power:3",),
)
SORTED = Hit(id="power:9", name="户口迁移", department="", kind="power", score=None)


def test_every_shape_of_an_answer_dumps_as_the_schema_does():
    answers = [
        CitizenAnswer(
            SearchResult(
                total=2,
                hits=[SCORED, SORTED],
                facets={"department": [("区公安分局", 2)], "online": [(True, 1), (False, 1)]},
                page=3,
                per_page=2,
            ),
            relaxed=True,
            did_you_mean="护照",
        ),
        CitizenAnswer(
            SearchResult(total=0, hits=[], facets={}), zero_result=True, popular=[SCORED, SORTED]
        ),
    ]
    for found in answers:
        assert compact(search_answer_json(found)) == schema_dump(found)


def test_the_route_answers_with_the_plain_dump(anonymous_client, session, app):
    department = factories.department(session, name="云城区公安分局")
    factories.service_item(session, department.id, name="普通护照签发", status="published")
    factories.service_item(session, department.id, name="护照遗失补办", status="published")
    engine = app.extensions["qingdan_search_engine"]
    search_outbox.drain_outbox(session, engine)
    # found, found by pinyin, relaxed to single characters, found nothing at all
    for query in ("护照", "huzhao", "护照补发", "不存在的事项名称"):
        response = anonymous_client.get("/api/v1/search", query_string={"q": query})
        assert response.status_code == 200
        found = citizen_search.search_items(session, engine, {"q": query})
        assert response.get_data(as_text=True).strip() == schema_dump(found)
