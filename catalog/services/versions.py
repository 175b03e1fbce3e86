"""Optimistic locking: every change names the version of the row it was made on (the API's
If-Match, the console's hidden field), and a row someone changed since refuses it with a 412."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .errors import stale_version


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


def require_version(row: Versioned, expected_version: int) -> None:
    """Refuse a change made on another version of the row than its current one."""
    if row.version != expected_version:
        raise stale_version()


def flush_versioned(session: Session) -> None:
    """Flush a versioned row's change: another writer's change since it was read (the
    version the UPDATE names is gone) is a 412, as a stale If-Match is."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise stale_version() from None
