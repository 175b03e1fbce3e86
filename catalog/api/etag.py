"""ETags are row versions: a stale If-Match gets 412, a missing one 428 (RFC 7232, RFC 6585).

Not flask-smorest's ``Blueprint.etag``/``check_etag``/``set_etag``; tried on flask-smorest 0.47,
they do not fit a versioned row:
- its ETag is a SHA-1 of the data (``set_etag(3)`` sends "77de68da…"), so a client could no
  longer send back the version that the console forms and the API documentation use;
- ``check_etag`` compares in the view, before the use case has authorized the actor (a stale
  If-Match would answer 412 to someone who may not see the row) and outside the transaction
  that writes it; the use case compares the version itself, after authorizing, on the row it
  then changes (crud, workflow);
- the workflow steps are POSTs: ``etag`` asks no If-Match of a POST (no 428) and
  ``check_etag`` warns that it cannot check one.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request

from ..services.errors import precondition_required, stale_version

_VERSION = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def etag_of(row: Any) -> str:
    return f'"{row.version}"'


def expected_version() -> int:
    """The version the client last read, from If-Match."""
    header = request.headers.get("If-Match")
    if not header:
        raise precondition_required()
    match = _VERSION.match(header.strip())
    if not match:
        raise stale_version()
    return int(match.group(1))


def with_etag(response: Response, row: Any) -> Response:
    response.headers["ETag"] = etag_of(row)
    return response
