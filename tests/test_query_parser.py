"""The search routes' query-string parser (catalog/api/query_parser.py) validates each distinct
query string once, gives each request a parse of its own, and answers a bad query string with the
same 422 every time; on the app's own /api/v1/search route and its real argument schema."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser

from catalog.api import search as search_routes
from catalog.api.query_parser import RepeatedQueryParser


class Filters(Schema):
    q = fields.String(load_default="")
    tags = fields.List(fields.String(), load_default=list)
    page = fields.Integer(load_default=1, validate=lambda n: n >= 1)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query strings the schema actually validated (FlaskParser.parse underneath)."""
    validated: list[str] = []
    parse = FlaskParser.parse

    def counted(self: FlaskParser, argmap: Any, req: Any = None, **kwargs: Any) -> Any:
        validated.append(req.query_string.decode())
        return parse(self, argmap, req, **kwargs)

    monkeypatch.setattr(FlaskParser, "parse", counted)
    return validated


def test_a_repeated_query_string_is_validated_once_and_each_request_gets_its_own_parse(
    counting: list[str],
) -> None:
    parser, app = RepeatedQueryParser(size=8), Flask(__name__)
    with app.test_request_context("/?q=营业执照&tags=a&tags=b"):
        from flask import request

        first = parser.parse(Filters(), request, location="query")
        first["tags"].append("changed by the view")
        again = parser.parse(Filters(), request, location="query")
    assert again == {"q": "营业执照", "tags": ["a", "b"], "page": 1}
    assert len(counting) == 1 + 1  # the second Filters() is another schema: validated anew
    schema = Filters()
    for _ in range(3):
        with app.test_request_context("/?q=x&page=2"):
            assert parser.parse(schema, request, location="query")["page"] == 2
    assert counting[2:] == ["q=x&page=2"]


def test_the_kept_parses_are_bounded(counting: list[str]) -> None:
    parser, app, schema = RepeatedQueryParser(size=2), Flask(__name__), Filters()
    for text in ("a", "b", "c", "a"):
        with app.test_request_context(f"/?q={text}"):
            from flask import request

            parser.parse(schema, request, location="query")
    assert counting == ["q=a", "q=b", "q=c", "q=a"]  # "a" fell out when "c" came in


def test_the_search_route_uses_it_and_a_bad_query_string_fails_the_same_way_each_time(
    client: FlaskClient, counting: list[str]
) -> None:
    assert isinstance(search_routes.blp.ARGUMENTS_PARSER, RepeatedQueryParser)
    for _ in range(2):
        bad = client.get("/api/v1/search?q=证&page=0")
        assert bad.status_code == 422
        assert bad.get_json()["error"]["fields"]["page"][0]["code"] == "out_of_range"
    for _ in range(3):
        assert client.get("/api/v1/search?q=证明&per_page=5").status_code == 200
    assert counting == ["q=证&page=0", "q=证&page=0", "q=证明&per_page=5"]
