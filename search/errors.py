"""Errors the search side raises, so callers can react without knowing the engine.

The one that matters most operationally is :class:`EngineUnavailable`: the outbox
indexer keeps its row and retries later when it sees it, so an engine outage loses no
change (docs/write-path.md).
"""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every error raised by the ``search`` package."""


class EngineUnavailable(SearchError):
    """The engine cannot serve now (down, timing out, index locked or missing): retry later."""


class InvalidRequest(SearchError, ValueError):
    """A search request that can never succeed as given (unknown filter, page too deep...)."""


class QueryTooLong(InvalidRequest):
    """The query text is longer than :data:`search.query.MAX_QUERY_CHARS` characters."""


class InvalidDocument(SearchError, ValueError):
    """A catalog row that cannot become a search document (missing id, unknown kind...)."""
