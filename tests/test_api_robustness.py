"""Walk every route of the OpenAPI document with bad input: never a 500, always the JSON error.

Malformed JSON, wrong types, 100 KB strings, unknown fields, negative and huge numbers, ids that
do not exist, stale and malformed If-Match headers.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from catalog.extensions import db
from tests import factories
from tests.draw_fixtures import drawn_rows
from tests.support import hostile_files
from tests.support.databases import app_on

HUGE_STRING = "清" * 100_000
BAD_SCALARS: list[Any] = [None, -1, 2**63, 1e308, "abc", HUGE_STRING, [], {}, True]


def _operations(app) -> list[tuple[str, str, dict]]:
    spec = app.test_client().get("/api/openapi.json").json
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _body_schema(spec: dict, operation: dict) -> dict:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.fixture
def existing_ids(session) -> dict[str, int]:
    """One real row per resource, so item routes are walked on rows that exist too."""
    department = factories.department(session)
    street = factories.township(session, department.region_id)
    item = factories.service_item(session, department.id)
    reg = factories.registry
    batch = factories.make(
        session, reg.DEVOLUTION_BATCHES, title="批次", region_id=department.region_id
    )
    supervision = factories.supervision_item(session, department.id)
    rows = {
        "regions": department.region_id,
        "organizations": street.id,
        "service-items": item.id,
        "legal-bases": factories.make(session, reg.LEGAL_BASES, name="中华人民共和国行政许可法").id,
        "power-types": 1,
        "power-items": factories.power_item(session, department.id).id,
        "bundles": factories.make(
            session,
            reg.BUNDLES,
            name="开办餐饮店",
            lead_department_id=department.id,
            member_ids=[item.id],
        ).id,
        "devolution-batches": batch.id,
        "devolved-items": factories.devolved_item(session, batch.id, department.id, [street.id]).id,
        "supervision-items": supervision.id,
        "inspection-lists": factories.inspection_list(session, supervision.id, department.id).id,
        "random-check-items": factories.random_check_item(session, department.id).id,
        "inspection-targets": factories.make(
            session, reg.INSPECTION_TARGETS, name="某公司", region_id=department.region_id
        ).id,
        "inspectors": factories.make(
            session,
            reg.INSPECTORS,
            name="张三",
            certificate_number="44000000001",
            department_id=department.id,
        ).id,
        **drawn_rows(session),  # 双随机 tasks, 回避 declarations, legal-basis changes
    }
    return rows


def _urls(path: str, existing_ids: dict[str, int]) -> list[str]:
    if "{key}" in path:
        return [
            path.replace("{key}", key) for key in ("instant_share", "no_such_figure", "清" * 3000)
        ]
    if "{list_name}" in path:
        return [
            path.replace("{list_name}", name)
            for name in ("service-items", "no-such-list", "清" * 3000)
        ]
    if "{" not in path:
        return [path]
    resource = path.split("/")[3]
    base = path.split("{")[0]
    return [f"{base}{existing_ids[resource]}", f"{base}999999999", f"{base}{2**63}", f"{base}0"]


def _bad_bodies(schema: dict) -> list[Any]:
    properties = schema.get("properties", {})
    writable = {k: v for k, v in properties.items() if not v.get("readOnly")}
    bodies: list[Any] = [[], "text", 42, {"unknown_field": 1}]
    for name in writable:
        bodies.extend({name: value} for value in BAD_SCALARS)
    bodies.append(dict.fromkeys(writable, HUGE_STRING))
    bodies.append(dict.fromkeys(writable, -(2**40)))
    return bodies


def _bad_queries(operation: dict) -> list[dict[str, Any]]:
    names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    queries: list[dict[str, Any]] = [{"nonsense": "1"}]
    for name in names:
        queries.extend(
            {name: value} for value in ("-1", str(2**63), "abc", HUGE_STRING[:5000], "1e999", "")
        )
    return queries


def _assert_clean_error(response, context: str) -> None:
    assert response.status_code < 500, f"{context}: {response.status_code} {response.data[:300]!r}"
    if response.status_code >= 400:
        error = response.json["error"]
        assert error["code"] and error["message"], context


@pytest.mark.slow
def test_every_route_survives_bad_input(app, client, existing_ids):
    spec = client.get("/api/openapi.json").json
    walked = 0
    for path, method, operation in _operations(app):
        call = getattr(client, method)
        urls = _urls(path, existing_ids)
        if method in {"post", "put", "patch"}:
            # The body is parsed before anything else, so one URL walks every bad body.
            raw = call(
                urls[0],
                data="{not json",
                content_type="application/json",
                headers={"If-Match": '"1"'},
            )
            _assert_clean_error(raw, f"{method} {urls[0]} malformed JSON")
            for body in _bad_bodies(_body_schema(spec, operation)):
                response = call(urls[0], json=body, headers={"If-Match": '"1"'})
                _assert_clean_error(response, f"{method} {urls[0]} {str(body)[:80]}")
                walked += 1
        if method == "get":
            for url in urls:
                for query in _bad_queries(operation):
                    _assert_clean_error(
                        call(url, query_string=query), f"get {url} {str(query)[:80]}"
                    )
                    walked += 1
        if method in {"put", "patch", "delete"}:
            for url in urls:
                for headers in (
                    {},
                    {"If-Match": "garbage"},
                    {"If-Match": '"999999"'},
                    {"If-Match": 'W/"1"'},
                ):
                    kwargs = {"json": {}} if method == "patch" else {}
                    _assert_clean_error(
                        call(url, headers=headers, **kwargs), f"{method} {url} {headers}"
                    )
                    walked += 1
    assert walked > 1000


def test_openapi_lists_every_resource(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for resource in (
        "service-items",
        "power-items",
        "devolved-items",
        "supervision-items",
        "inspection-lists",
        "bundles",
    ):
        assert f"/api/v1/{resource}" in spec["paths"]
        assert f"/api/v1/{resource}/{{row_id}}" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.data
    assert client.get("/api/swagger-ui/swagger-ui-bundle.js").status_code == 200


def _api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route of the app's API blueprints."""
    api_blueprints = app.extensions["flask-smorest"]["blp_name_to_api"]
    return {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in api_blueprints
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_openapi_documents_every_api_route_in_each_app_of_a_process(app, database_url, tmp_path):
    """The blueprints enter the document when it is first read, not when they are registered
    (QingdanApi): every route is still documented, by an app made after others in the same
    process (tests, `flask` commands) as by the first, and the document is the same."""
    other = app_on(database_url, tmp_path / "search-index")
    documents = []
    for application in (other, app):
        document = application.test_client().get("/api/openapi.json").json
        documented = {
            (path, method)
            for path, item in document["paths"].items()
            for method in item
            if method != "parameters"
        }
        assert _api_routes(application) == documented and len(documented) > 100
        documents.append(document)
    assert documents[0] == documents[1]
    with other.app_context():
        db.engine.dispose()


# -- every input bounded, before any work is done ------------------------------------------------


@pytest.fixture
def schema_loads(monkeypatch) -> list[str]:
    """The request bodies and queries the arguments parser (webargs) went on to load."""
    from webargs.core import Parser

    loads: list[str] = []
    parse = Parser.parse

    def counting(self, schema, req=None, *, location=None, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(location or "json")
        return parse(self, schema, req, location=location, **kwargs)

    monkeypatch.setattr(Parser, "parse", counting)
    return loads


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            hostile_files.deep_json(100_000),
            400,
            "nesting_too_deep",
        ),  # answered 500 (RecursionError)
        ('{"name": [[[[[[[["too deep"]]]]]]]]}', 400, "nesting_too_deep"),
        (hostile_files.many_keys_json(5_000), 400, "too_many_members"),
        (json.dumps({"member_ids": list(range(1, 2_000))}), 400, "too_many_members"),
        (hostile_files.many_keys_json(90_000), 413, "payload_too_large"),  # 1.6 MB
    ],
)
def test_json_bodies_beyond_the_bounds_are_refused_before_the_schema(
    client, schema_loads, body, status, code
):
    response = client.post("/api/v1/bundles", data=body, content_type="application/json")
    assert response.status_code == status, response.data[:300]
    error = response.json["error"]
    assert error["code"] == code and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert len(response.data) < 1_000
    assert schema_loads == []  # the schema never saw the body


def test_a_body_of_many_unknown_fields_lists_fifty_and_counts_the_rest(client):
    response = client.post(
        "/api/v1/bundles", data=hostile_files.many_keys_json(1_000), content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert len(error["fields"]) == 50
    # 1,000 unknown fields and the 2 required ones missing: 952 more than listed
    assert error["unlisted"] == 952 and "另有 952 个字段的问题未列出" in error["message"]
    assert len(response.data) < 10_000


@pytest.mark.parametrize(
    "published",
    [
        "1e999999999",
        "1e400",
        "NaN",
        "-1",
        "1/3",
        "9" * 13 + "%",
        "95.4" + "8" * 12,
        "95.48%%",
        "٩٥",
        " ",
    ],
)
def test_a_published_figure_is_a_bounded_decimal(session, anonymous_client, published):
    """Fraction("1e999999999") would make a number of a billion digits: a worker killed."""
    department = factories.department(session)
    factories.service_item(session, department.id, status="published")
    response = anonymous_client.post(
        "/api/v1/stats/check", json={"key": "instant_share", "published": published}
    )
    assert response.status_code == 422, response.data[:300]
    assert response.json["error"]["fields"]["published"][0]["code"] in {
        "invalid_figure",
        "length_between",
    }


@pytest.mark.parametrize(
    ("published", "difference"),
    [
        ("100%", "+0.000000"),
        ("0.5", "-99.500000"),
        ("99.999999999999%", "-0.000000"),
        ("100％", "+0.000000"),
    ],
)
def test_published_figures_within_the_bounds_are_checked(
    session, anonymous_client, published, difference
):
    department = factories.department(session)
    factories.service_item(
        session, department.id, status="published", case_type="1", promised_time_limit=0
    )
    response = anonymous_client.post(
        "/api/v1/stats/check", json={"key": "instant_share", "published": published}
    )
    assert response.status_code == 200, response.data[:300]
    assert response.json["difference_points"] == difference


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/health",
        "/api/docs",
        "/api/openapi.json",
        "/api/v1/no-such-route",
        "/api/v1/service-items/999999",
    ],
)
def test_api_responses_forbid_sniffing_and_framing(anonymous_client, path):
    response = anonymous_client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    refused = anonymous_client.post("/api/v1/service-items", json={})
    assert refused.status_code == 401 and refused.headers["X-Content-Type-Options"] == "nosniff"


def test_health_names_no_path_of_the_server(app, anonymous_client, tmp_path):
    from catalog.extensions import search_engine
    from search.engines.embedded import EmbeddedEngine

    with app.app_context():
        directory = str(search_engine().directory)
    body = anonymous_client.get("/api/v1/health").get_data(as_text=True)
    assert directory not in body and str(tmp_path) not in body
    broken = EmbeddedEngine(tmp_path / "never-created").health()
    assert not broken.ok and broken.detail and str(tmp_path) not in broken.detail
