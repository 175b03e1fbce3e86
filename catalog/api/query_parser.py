"""A query-string parser that validates each distinct query string once.

Citizens' searches repeat (the same words, the same filters), and webargs validates every
field of a schema on every request, present or not: for the search arguments (a field per
filter) that was a sixth of an answered search's CPU (bench/request_overhead.py). The parse is
a pure function of the schema and the raw query string, so its result is kept, per schema and
query string, in a bounded LRU; a query string that fails validation is not kept and fails
again the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from typing import Any

from cachetools import LRUCache
from webargs.flaskparser import FlaskParser

KEPT_QUERY_STRINGS = 1024  # a query string is at most gunicorn's request line: 4 KB


class RepeatedQueryParser(FlaskParser):
    """FlaskParser keeping what each (schema, query string) parsed to."""

    def __init__(self, size: int = KEPT_QUERY_STRINGS) -> None:
        super().__init__()
        self._parsed: LRUCache[Hashable, Mapping[str, Any]] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def parse(
        self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any
    ) -> Any:
        if location != "query" or kwargs.get("validate") or kwargs.get("error_headers"):
            return super().parse(argmap, req, location=location, **kwargs)
        request = req if req is not None else self.get_default_request()
        key = (argmap, request.query_string, kwargs.get("unknown"), kwargs.get("error_status_code"))
        with self._lock:
            parsed = self._parsed.get(key)
        if parsed is None:
            parsed = super().parse(argmap, request, location=location, **kwargs)
            with self._lock:
                self._parsed[key] = parsed
        # the view gets its own dict and lists: nothing it does reaches the kept parse
        return {
            name: list(value) if isinstance(value, list) else value
            for name, value in parsed.items()
        }
