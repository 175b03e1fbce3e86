"""What the figures read, kept per generation of the data they read.

The auditors' pages read the same grouped totals again and again: the dashboard, a figure's
bars by department, its line over year-ends. At 100,000 items one grouped scan costs tens of
milliseconds, and the data change only when a change is recorded. So:

- every commit of a session that recorded a change (``history.record_change`` calls
  :func:`note_change`) replaces, in that commit and after its last flush, the catalog's token
  and the token of each department whose counted rows it changed (``DepartmentGeneration``;
  department 0, :data:`EVERY_DEPARTMENT`, for a change no department holds alone). On
  PostgreSQL two committing writers wait for each other only between those writes and their
  COMMIT, and nothing else is locked after them;
- a reader reads the tokens first (once per transaction), then the rows, and keeps the rows
  under the tokens. Read after the tokens, the rows are never older than them (a commit in
  between makes them newer, and the next reader meets its new token), so nothing stale is kept;
- a scan grouped by department (:func:`rows_by_department`) is kept as each department's share
  under that department's token: after a change only the departments whose token changed are
  read again, with the scan limited to them. Any other scan (:func:`rows`) is kept under every
  token;
- each process keeps its own results, the most recent up to :data:`KEPT_ROWS` rows in all
  (about 300 bytes a row: some 15 MB a worker at most). A session with an
  uncommitted recorded change reads without them (it sees rows that may yet roll back), and so
  does a session bound to a connection, which works inside its caller's transaction (the
  tests' SAVEPOINT fixture): its commits may be undone with the tokens that stood for them.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from cachetools import LRUCache
from sqlalchemy import BindParameter, Connection, bindparam, event, select
from sqlalchemy.orm import Session, SessionTransaction

from ..models import ChangeRecord, DepartmentGeneration, SupervisionItem
from ..models.audit import EVERY_DEPARTMENT, new_generation
from ..models.base import utcnow
from ..models.figure_facts import FACT_SOURCES
from .facts import AS_OF, Query

# A result is one grouped query: up to a thousand rows at 100,000 items (a row per department
# and pair of time limits), a handful for most. Counted in rows, so that many scopes (as-of
# dates, regions) cannot make a worker hold more than this; an empty result counts one.
KEPT_ROWS = 50_000
_CHANGED = "qingdan_figures_changed"  # in Session.info: the departments changed, uncommitted
_BACK_DATED = "qingdan_figures_back_dated"  # in Session.info: a change dated in the past
_TOKENS = "qingdan_figures_tokens"  # in Session.info: the tokens this transaction read
# A figure as of a moment settled this long ago keeps its shares under the history tokens,
# which only a change dated in the past replaces; a change is dated in the past when it is
# dated BACK_DATED before its commit. SETTLED - BACK_DATED (23 hours) is what the clocks of two
# app hosts may differ by, and still no commit changing a settled moment goes unseen.
SETTLED = timedelta(days=1)
BACK_DATED = timedelta(hours=1)
_OWNED = "qingdan_figures_owned"  # in Session.info: OwnedChanges, for another session's commit
_DEPARTMENTS: BindParameter[list[int]] = bindparam("figure_departments", expanding=True)
# Which departments the figures count a list's row under (the snapshot's key), and the lists
# whose changes move rows between the departments of a scope: 机构 (a region's departments).
_DEPARTMENT_KEYS = {kind: columns["department_id"][0] for kind, columns in FACT_SOURCES.items()}
_EVERY_DEPARTMENT_LISTS = frozenset({"organization"})
# Lists a figure also counts under another row's department: a 检查实施清单 under its 监管事项's
# (the 实施清单完成率): (the snapshot's key to that row, its model).
_COUNTED_UNDER: dict[str, tuple[str, type[SupervisionItem]]] = {
    "inspection_impl_list": ("supervision_item_id", SupervisionItem)
}
_ACROSS = "qingdan_figures_across"  # in Session.info: a _COUNTED_UNDER list changed


@dataclass(frozen=True)
class _Shares:
    """A scan grouped by department, kept as each department's rows and the token they were
    read under; ``whole`` is the token of every department's at the last whole scan."""

    whole: str | None
    tokens: Mapping[int, str]
    rows: Mapping[int | None, Sequence[Any]]

    @property
    def size(self) -> int:
        return sum(len(rows) for rows in self.rows.values()) + 1

    def all_rows(self) -> list[Any]:
        return [row for rows in self.rows.values() for row in rows]


_kept: LRUCache[Hashable, Any] = LRUCache(
    maxsize=KEPT_ROWS,
    getsizeof=lambda kept: kept.size if isinstance(kept, _Shares) else len(kept) + 1,
)
_lock = threading.Lock()  # gunicorn threads share a worker's results


def note_change(
    session: Session,
    entity_type: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """This session's transaction changes ``entity_type``'s row from ``before`` to ``after``
    (snapshots): what the figures count under the row's departments, if anything."""
    changed = session.info.setdefault(_CHANGED, set())
    if entity_type in _EVERY_DEPARTMENT_LISTS:
        changed.add(EVERY_DEPARTMENT)
        # the figures of any moment scope a region by the 机构 as they are now
        session.info[_BACK_DATED] = True
    elif entity_type in _DEPARTMENT_KEYS:
        key = _DEPARTMENT_KEYS[entity_type]
        snapshots = [s for s in (before, after) if s is not None]
        departments = {s.get(key) for s in snapshots} - {None}
        if entity_type in _COUNTED_UNDER:
            departments |= _counted_under(session, entity_type, snapshots)
        changed.update(departments or {EVERY_DEPARTMENT})


def _counted_under(
    session: Session, entity_type: str, snapshots: Iterable[Mapping[str, Any]]
) -> set[int | None]:
    """The departments of the rows ``snapshots`` are also counted under, as they are now. A
    change dated in the past may count under the department one of them had then: its commit
    reads every department again (:func:`_new_generation`)."""
    session.info[_ACROSS] = True
    key, model = _COUNTED_UNDER[entity_type]
    with session.no_autoflush:
        others = [session.get(model, s[key]) for s in snapshots if s.get(key) is not None]
    return {other.department_id if other else EVERY_DEPARTMENT for other in others}


@dataclass
class OwnedChanges:
    """What the commits of a session inside another session's transaction changed."""

    changed: bool = False
    departments: set[int] = field(default_factory=set)
    back_dated: bool = False  # a change dated in the past (a seed's, 机构): the history tokens too


def leave_tokens_to_owner(session: Session) -> OwnedChanges:
    """``session`` works inside a transaction another session owns and commits (an import's
    rows, each in a SAVEPOINT of its own): its commits release SAVEPOINTs, so they replace no
    token. What they changed gathers in the object returned; the owner, if it keeps the rows,
    hands it to :func:`adopt`, and its commit replaces those tokens once rather than once a
    row. A row whose SAVEPOINT is rolled back adds nothing."""
    owned = OwnedChanges()
    session.info[_OWNED] = owned
    return owned


def adopt(session: Session, owned: OwnedChanges) -> None:
    """``session``'s transaction now holds what ``owned`` changed: its commit replaces the tokens."""
    if owned.changed:
        session.info.setdefault(_CHANGED, set()).update(owned.departments)
        if owned.back_dated:
            session.info[_BACK_DATED] = True


def rows(session: Session, statement: Query, parameters: Mapping[str, Any]) -> Sequence[Any]:
    """``statement``'s rows, from this process's results when nothing has changed since they
    were read."""
    tokens = _generation(session, parameters)
    if tokens is None:
        return session.execute(statement, parameters).all()
    key = (_database(session), statement, _frozen(parameters), _frozen(tokens))
    with _lock:
        found = _kept.get(key)
    if found is None:
        found = session.execute(statement, parameters).all()
        _keep(key, found, len(found) + 1)
    return found


def rows_by_department(
    session: Session, statement: Query, parameters: Mapping[str, Any]
) -> Sequence[Any]:
    """The rows of ``statement``, a scan grouped by department with the department first in
    each row, reading again only the departments changed since this process read them."""
    tokens = _generation(session, parameters)
    if tokens is None:
        return session.execute(statement, parameters).all()
    key = (_database(session), statement, _frozen(parameters))
    with _lock:
        kept: _Shares | None = _kept.get(key)
    whole = tokens.get(EVERY_DEPARTMENT)
    if kept is None or kept.whole != whole:
        shares = _Shares(whole, tokens, _by_department(session.execute(statement, parameters)))
    else:
        stale = [d for d, token in tokens.items() if kept.tokens.get(d) != token]
        if not stale:
            return kept.all_rows()
        limited = {**parameters, _DEPARTMENTS.key: stale}
        read = _by_department(session.execute(_limited(statement), limited))
        kept_rows = {d: r for d, r in kept.rows.items() if d not in read and d not in stale}
        shares = _Shares(whole, tokens, kept_rows | read)
    _keep(key, shares, shares.size)
    return shares.all_rows()


def _by_department(result: Iterable[Any]) -> dict[int | None, list[Any]]:
    shares: dict[int | None, list[Any]] = {}
    for row in result:
        shares.setdefault(row[0], []).append(row)
    return shares


@lru_cache(maxsize=512)
def _limited(statement: Query) -> Query:
    """``statement`` limited to the departments bound as ``figure_departments``."""
    return statement.where(statement.selected_columns[0].in_(_DEPARTMENTS))


def _keep(key: Hashable, value: Any, size: int) -> None:
    if size <= KEPT_ROWS:  # a larger one would push out everything and still not fit
        with _lock:
            _kept[key] = value


def _generation(session: Session, parameters: Mapping[str, Any]) -> dict[int, str] | None:
    """Each department's token that the rows of a scope with ``parameters`` are kept under:
    its history token for a moment settled long ago; None for a session that may read what is
    not committed."""
    if session.info.get(_CHANGED) or isinstance(session.get_bind(), Connection):
        return None
    as_of = parameters.get(AS_OF.key)
    which = 1 if as_of is not None and as_of < utcnow() - SETTLED else 0
    return {department: tokens[which] for department, tokens in _tokens(session).items()}


def _tokens(session: Session) -> dict[int, tuple[str, str]]:
    """Each department's (token, history token) as this transaction first read them."""
    tokens = session.info.get(_TOKENS)
    if tokens is None:
        generations = select(
            DepartmentGeneration.department_id,
            DepartmentGeneration.token,
            DepartmentGeneration.history_token,
        )
        rows = session.execute(generations).all()
        tokens = session.info[_TOKENS] = {d: (token, history) for d, token, history in rows}
    return tokens


def _database(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _frozen(parameters: Mapping[Any, Any]) -> Hashable:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in parameters.items()))


@event.listens_for(Session, "before_commit")
def _new_generation(session: Session) -> None:
    # a SAVEPOINT's release commits nothing yet: the tokens change with the transaction's COMMIT
    changed = session.info.get(_CHANGED)
    if changed is None or session.in_nested_transaction():
        return
    # the records' dates first, and every row lock: after the tokens', only the COMMIT follows
    session.flush()
    back_dated = bool(session.info.get(_BACK_DATED))
    if back_dated and session.info.get(_ACROSS):
        changed = changed | {EVERY_DEPARTMENT}
    owned = session.info.get(_OWNED)
    if owned is not None:
        owned.changed = True
        owned.departments.update(changed)
        owned.back_dated = owned.back_dated or back_dated
        return
    new_generation(session.connection(), changed, back_dated=back_dated)


@event.listens_for(Session, "after_flush")
def _note_back_dated(session: Session, _context: Any) -> None:
    # the records just flushed carry their dates now (a seed dates them in before_flush)
    if _CHANGED in session.info and not session.info.get(_BACK_DATED):
        dated_in_the_past = utcnow() - BACK_DATED
        session.info[_BACK_DATED] = any(
            isinstance(row, ChangeRecord) and row.changed_at < dated_in_the_past
            for row in session.new
        )


@event.listens_for(Session, "after_transaction_end")
def _forget_change(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # a SAVEPOINT rolled back leaves the other changes
        for key in (_CHANGED, _BACK_DATED, _ACROSS, _TOKENS):
            session.info.pop(key, None)
