"""ETags are row versions: a stale If-Match gets 412, a missing one 428 (RFC 7232, RFC 6585)."""
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
