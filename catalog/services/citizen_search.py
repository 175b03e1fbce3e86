"""Citizen search as a use case: one place turns a request into an engine search.

The API and the web pages both call it, so they answer the same query the same way: the
administrators' synonyms apply, a query that finds nothing is relaxed or answered with the
items of the departments it points to (search.citizen), a slip is corrected to a word of the
catalog's names (catalog_vocabulary), and such queries are logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from search.citizen import CitizenAnswer, answer
from search.engines.base import SearchEngine
from search.errors import EngineUnavailable, InvalidRequest
from search.filters import FILTERS
from search.query import SearchRequest, Suggestion

from . import catalog_vocabulary, search_log, search_synonyms
from .errors import DomainError


def engine_unavailable() -> DomainError:
    return DomainError("search_unavailable", "搜索服务暂时不可用，请稍后再试。", 503)


def search_items(
    session: Session,
    engine: SearchEngine,
    text: str,
    filters: Mapping[str, Any],
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    facets: tuple[str, ...] = tuple(FILTERS),
) -> CitizenAnswer:
    """Published items matching ``text`` and ``filters``, with the counts of ``facets``."""
    wanted = {
        name: value
        for name, value in filters.items()
        if name in FILTERS and value not in (None, [], "")
    }
    try:
        request = SearchRequest(
            text=text,
            filters=wanted,
            facets=facets,
            sort=sort,
            page=page,
            per_page=per_page,
            synonyms=search_synonyms.current_table(session) if text else None,
        )
        found = answer(engine, request, vocabulary=lambda: catalog_vocabulary.current(session))
    except InvalidRequest as error:
        raise DomainError("invalid_search", f"搜索条件无效：{error}", 422) from error
    except EngineUnavailable as error:
        raise engine_unavailable() from error
    if page == 1:
        search_log.record(session, request.text, found)
    return found


def suggest_names(engine: SearchEngine, prefix: str, limit: int = 10) -> list[Suggestion]:
    try:
        return engine.suggest(prefix, limit)
    except EngineUnavailable as error:
        raise engine_unavailable() from error
