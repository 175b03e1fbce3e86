"""Citizen search as a use case: one place turns a request into an engine search.

The API and the web pages both call it, so they answer the same query the same way: the
administrators' synonyms apply, a query that finds nothing is relaxed or answered with the
items of the departments it points to (search.citizen), a slip is corrected to a word of the
catalog's names (catalog_vocabulary), and such queries are logged.

An :class:`AnswerCache` keeps the answers to identical searches in a process, keyed by the
normalised request and by everything else an answer depends on: the index commit the engine's
next search sees (another process's write changes it), the synonym table and, for the few
answers that consulted it (a slip to correct, nothing found), the did-you-mean vocabulary. An
engine that cannot name its commit (Elasticsearch) is never cached.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from typing import Any, NamedTuple

from cachetools import LRUCache
from sqlalchemy.orm import Session

from search.citizen import CitizenAnswer, answer
from search.engines.base import SearchEngine
from search.errors import EngineUnavailable, InvalidRequest
from search.filters import FILTERS
from search.query import SearchRequest, Suggestion
from search.spelling import Vocabulary

from . import catalog_vocabulary, search_log, search_synonyms
from .errors import DomainError


def engine_unavailable() -> DomainError:
    return DomainError("search_unavailable", "搜索服务暂时不可用，请稍后再试。", 503)


class _Kept(NamedTuple):
    found: CitizenAnswer
    vocabulary: catalog_vocabulary.Stamp | None  # the one it consulted; None: it consulted none


class AnswerCache:
    """The last ``size`` answers of this process (LRU), shared by its threads."""

    def __init__(self, size: int) -> None:
        self._answers: LRUCache[Hashable, _Kept] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> _Kept | None:
        with self._lock:
            return self._answers.get(key)

    def put(self, key: Hashable, kept: _Kept) -> None:
        with self._lock:
            self._answers[key] = kept


def _answer_key(engine: SearchEngine, request: SearchRequest) -> Hashable:
    """What the answer to ``request`` depends on but the vocabulary (which few answers consult,
    _Kept says which), or None when the engine cannot name its commit."""
    generation = getattr(engine, "generation", None)
    if generation is None:
        return None
    return (
        generation(),
        request.synonyms,  # the same table object until a rule changes (search_synonyms)
        request.text,
        repr(sorted(request.filters.items())),  # parsed values: plain, with a stable repr
        tuple(request.facets),
        request.sort,
        request.page,
        request.per_page,
        request.highlight,
    )


class _Consulted:
    """The vocabulary source of one answer, noting the stamp of the vocabulary it handed out."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.asked = False
        self.stamp: catalog_vocabulary.Stamp | None = None

    def __call__(self) -> Vocabulary | None:
        self.asked = True
        self.stamp, words = catalog_vocabulary.stamped(self._session)
        return words


def _answer(
    session: Session, engine: SearchEngine, request: SearchRequest, cache: AnswerCache | None
) -> CitizenAnswer:
    """The answer from ``cache`` when it holds one for the same request and index commit (and,
    for an answer that consulted the vocabulary, the same vocabulary); else from the engine."""
    key = _answer_key(engine, request) if cache is not None else None
    kept = cache.get(key) if cache is not None and key is not None else None
    if kept is not None and (
        kept.vocabulary is None or kept.vocabulary == catalog_vocabulary.stamp(session)
    ):
        return kept.found
    vocabulary = _Consulted(session)
    found = answer(engine, request, vocabulary=vocabulary)
    nameable = not vocabulary.asked or vocabulary.stamp is not None
    if cache is not None and key is not None and nameable:
        cache.put(key, _Kept(found, vocabulary.stamp if vocabulary.asked else None))
    return found


def search_items(
    session: Session,
    engine: SearchEngine,
    args: Mapping[str, Any],
    facets: tuple[str, ...] = tuple(FILTERS),
    cache: AnswerCache | None = None,
) -> CitizenAnswer:
    """Published items matching a citizen's parsed search ``args`` (``q``, ``sort``, ``page``,
    ``per_page`` and a value per filter, each optional), with the counts of ``facets``; from
    ``cache`` when it holds the answer for the same request, index commit, synonyms and
    vocabulary."""
    text = args.get("q", "")
    try:
        request = SearchRequest(
            text=text,
            filters={name: args[name] for name in FILTERS if args.get(name) not in (None, [], "")},
            facets=facets,
            sort=args.get("sort", "relevance"),
            page=args.get("page", 1),
            per_page=args.get("per_page", 20),
            synonyms=search_synonyms.current_table(session) if text else None,
        )
        found = _answer(session, engine, request, cache)
    except InvalidRequest as error:
        raise DomainError("invalid_search", f"搜索条件无效：{error}", 422) from error
    except EngineUnavailable as error:
        raise engine_unavailable() from error
    if request.page == 1:
        search_log.record(session, request.text, found)
    return found


def suggest_names(engine: SearchEngine, prefix: str, limit: int = 10) -> list[Suggestion]:
    try:
        return engine.suggest(prefix, limit)
    except EngineUnavailable as error:
        raise engine_unavailable() from error
