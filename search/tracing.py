"""The id of the request being served, for the engines to pass on (Elasticsearch's X-Opaque-Id).

A context variable, so each thread or task serving a request sees its own; the web layer sets
it, and ``search`` stays free of Flask.
"""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
