"""What the figures read, kept per generation of the data they read.

The auditors' pages read the same grouped totals again and again: the dashboard, a figure's
bars by department, its line over year-ends. At 100,000 items one grouped scan costs tens of
milliseconds, and the data change only when a change is recorded. So:

- every commit of a session that recorded a change (``history.record_change`` calls
  :func:`note_change`) replaces the token of ``CatalogGeneration``, in that commit, after its
  last flush: on PostgreSQL two committing writers wait for each other only between that
  UPDATE and their COMMIT, and nothing else is locked after it;
- a reader reads the token first, then the rows, and keeps the rows under the token. Read
  after the token, the rows are never older than it (a commit in between makes them newer, and
  the next reader meets the new token), so nothing stale is kept under a token;
- each process keeps its own results, the most recent up to :data:`KEPT_ROWS` rows in all
  (about 300 bytes a row: some 15 MB a worker at most). A session with an
  uncommitted recorded change reads without them (it sees rows that may yet roll back), and so
  does a session bound to a connection, which works inside its caller's transaction (the
  tests' SAVEPOINT fixture): its commits may be undone with the token that stood for them.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from cachetools import LRUCache
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session, SessionTransaction

from ..models import CatalogGeneration
from ..models.audit import THE_GENERATION, new_generation
from .facts import Query

# A result is one grouped query: up to a thousand rows at 100,000 items (a row per department
# and pair of time limits), a handful for most. Counted in rows, so that many scopes (as-of
# dates, regions) cannot make a worker hold more than this; an empty result counts one.
KEPT_ROWS = 50_000
_CHANGED = "qingdan_figures_changed"  # in Session.info
_kept: LRUCache[Hashable, Sequence[Any]] = LRUCache(
    maxsize=KEPT_ROWS, getsizeof=lambda rows: len(rows) + 1
)
_lock = threading.Lock()  # gunicorn threads share a worker's results


def note_change(session: Session) -> None:
    """This session's transaction changes what the figures read."""
    session.info[_CHANGED] = True


def rows(session: Session, statement: Query, parameters: Mapping[str, Any]) -> Sequence[Any]:
    """``statement``'s rows, from this process's results when the data have not changed since
    they were read."""
    token = None if _reads_uncommitted(session) else _token(session)
    if token is None:
        return session.execute(statement, parameters).all()
    key = (str(session.get_bind().engine.url), token, statement, _frozen(parameters))
    with _lock:
        found = _kept.get(key)
    if found is None:
        found = session.execute(statement, parameters).all()
        if len(found) < KEPT_ROWS:  # a larger one would push out everything and still not fit
            with _lock:
                _kept[key] = found
    return found


def _reads_uncommitted(session: Session) -> bool:
    return bool(session.info.get(_CHANGED)) or isinstance(session.get_bind(), Connection)


def _token(session: Session) -> str | None:
    return session.scalar(
        select(CatalogGeneration.token).where(CatalogGeneration.id == THE_GENERATION)
    )


def _frozen(parameters: Mapping[str, Any]) -> Hashable:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in parameters.items()))


@event.listens_for(Session, "before_commit")
def _new_generation(session: Session) -> None:
    # a SAVEPOINT's release commits nothing yet: the token changes with the transaction's COMMIT
    if session.info.get(_CHANGED) and not session.in_nested_transaction():
        session.flush()  # every row lock first: after the token's, only the COMMIT follows
        new_generation(session.connection())


@event.listens_for(Session, "after_transaction_end")
def _forget_change(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # a SAVEPOINT rolled back leaves the other changes
        session.info.pop(_CHANGED, None)
