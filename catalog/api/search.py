"""Citizen search: /api/v1/search and /api/v1/suggest (the index health is in health.py)."""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache
from flask import Response, current_app, jsonify
from flask_smorest import Blueprint

from search.citizen import CitizenAnswer

from ..extensions import db, search_answers, search_engine
from ..schemas.search import (
    SearchArgsSchema,
    SearchResultSchema,
    SuggestArgsSchema,
    SuggestionSchema,
    search_answer_json,
)
from ..services import citizen_search
from .query_parser import RepeatedQueryParser

blp = Blueprint("search", __name__, url_prefix="/api/v1", description="事项搜索")
blp.ARGUMENTS_PARSER = RepeatedQueryParser()  # citizens repeat their queries

# Instances, not classes: given a class, webargs builds the schema (deep copies of ~20 fields)
# on every request, a tenth of an embedded search's time.
SEARCH_ARGS = SearchArgsSchema()
SUGGEST_ARGS = SuggestArgsSchema()

# The JSON of the answers the answer cache hands out, by the answer object: a kept answer is
# serialised once, not on every request. Each entry holds its answer, so no other answer can
# take its id while the entry lives.
_bodies: LRUCache[int, tuple[CitizenAnswer, bytes]] = LRUCache(maxsize=512)
_bodies_lock = threading.Lock()


@blp.get("/search")
@blp.arguments(SEARCH_ARGS, location="query")
@blp.response(200, SearchResultSchema)  # the OpenAPI document; the answer is built plainly
def search(args: dict[str, Any]) -> Response:
    """搜索已发布的事项：全文、筛选、分面计数、高亮；无结果时放宽查询、提示“您是不是要找”、推荐相关部门的事项"""
    facets = tuple(name for name in args["facets"] if name != "none")
    answers = search_answers()
    found = citizen_search.search_items(db.session, search_engine(), args, facets, answers)
    # a Response passes flask-smorest's dump untouched (search_answer_json says why)
    body = _json(found, kept=answers is not None)
    return current_app.response_class(body, mimetype=current_app.json.mimetype)  # type: ignore[attr-defined]


def _json(found: CitizenAnswer, kept: bool) -> bytes:
    """The answer's JSON; an answer the answer cache ``kept`` (it hands out the same object
    again) is serialised once."""
    if not kept:
        return jsonify(search_answer_json(found)).get_data()
    with _bodies_lock:
        body = _bodies.get(id(found))
    if body is None or body[0] is not found:
        body = (found, jsonify(search_answer_json(found)).get_data())
        with _bodies_lock:
            _bodies[id(found)] = body
    return body[1]


@blp.get("/suggest")
@blp.arguments(SUGGEST_ARGS, location="query")
@blp.response(200, SuggestionSchema(many=True))
def suggest(args: dict[str, Any]) -> list[Any]:
    """输入提示：中文、全拼或首字母前缀"""
    return citizen_search.suggest_names(search_engine(), args["q"], args["limit"])
