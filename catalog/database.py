"""The database under concurrency: SQLite's write lock made explicit, busy databases named.

SQLite, the default, lets one connection at a time hold the database's write lock; in WAL mode
readers never wait. Writes in several gunicorn workers stay correct and never fail with
"database is locked" when:

* **a transaction that will write takes the lock when it begins** (``BEGIN IMMEDIATE``). A
  transaction that read first and writes later cannot wait for the lock: when another writer
  committed since it began reading, SQLite refuses at once, whatever the busy timeout. Write
  requests (POST, PUT, PATCH, DELETE), the search indexer's claims and settlements, imports and
  seeds begin this way (:func:`write_intent`); everything else begins deferred and never waits;
* **writers wait** for the lock, up to the busy timeout (``SQLITE_BUSY_TIMEOUT``, seconds), and
  hold it briefly. A request that still cannot go on answers 503 with ``Retry-After``
  (:func:`unavailable`, used by ``catalog.errors``), never 500;
* **work whose writes are thrown away** (an import's dry run) runs on a private copy of the
  database (:func:`scratch_connection`) and so holds no lock that others wait for.

PostgreSQL locks rows, not the whole database: only the 503 for a busy or unreachable server
applies there.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from flask import has_request_context, request
from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_write_intent: ContextVar[bool] = ContextVar("qingdan_write_intent", default=False)

Unavailable = Literal["busy", "unreachable"]


@contextmanager
def write_intent() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock as they begin."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _begins_writing() -> bool:
    if _write_intent.get():
        return True
    # Asked of the request itself, not set by a hook: a hook registered before one that set it
    # could otherwise begin a deferred transaction that the request's use case then writes in.
    return has_request_context() and request.method in WRITE_METHODS


def tune_sqlite(engine: Engine, busy_timeout: float) -> None:
    """Foreign keys on, WAL, a busy timeout, and BEGIN IMMEDIATE for writing transactions.

    pysqlite's own implicit BEGIN breaks SAVEPOINTs and cannot say IMMEDIATE; SQLAlchemy's
    documented recipe takes over transaction control, so nested transactions are exact too.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begins_writing() else "BEGIN")


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """A short transaction of its own that writes: committed at the end, rolled back on error.

    The session's transaction in progress, if any, is committed first, so the new one begins
    here (and on SQLite takes the write lock as it begins).
    """
    session.commit()
    with write_intent():
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_snapshot(session: Session) -> Iterator[Session]:
    """A session of its own whose reads all see one moment of the database, on a connection of
    its own: REPEATABLE READ on PostgreSQL; a SQLite read transaction is a snapshot already.

    It may be read from another thread (Elasticsearch's parallel bulk pulls documents from
    one). A session bound to one connection already in a transaction (the test suite's) reads
    on that connection.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        with Session(bind=bind) as reader:
            yield reader
        return
    with bind.connect() as connection:
        if bind.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=connection) as reader:
            yield reader


@contextmanager
def scratch_connection(session: Session) -> Iterator[Connection]:
    """A connection for writes that will be rolled back, holding no lock others wait for.

    On SQLite the database's write lock covers the whole file, so the connection is on a
    private copy of the committed database (SQLite's online backup, a read that blocks no
    writer); the session's own transaction is ended first, so it holds no lock meanwhile.
    Elsewhere (PostgreSQL locks rows) and on a session bound to one connection already in a
    transaction (the test suite's), it is the session's own connection.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite" or not bind.url.database:
        yield session.connection()
        return
    session.commit()
    with tempfile.TemporaryDirectory(prefix="qingdan-scratch-") as folder:
        copy = sqlite3.connect(Path(folder) / "scratch.sqlite3", check_same_thread=False)
        copy.execute("PRAGMA journal_mode=OFF")
        copy.execute("PRAGMA synchronous=OFF")
        source = sqlite3.connect(Path(bind.url.database).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            source.backup(copy)
        finally:
            source.close()
        scratch = create_engine("sqlite://", creator=lambda: copy, poolclass=StaticPool)
        tune_sqlite(scratch, busy_timeout=0)
        try:
            with scratch.connect() as connection:
                yield connection
        finally:
            scratch.dispose()
            copy.close()


def unavailable(error: BaseException) -> Unavailable | None:
    """Whether a database error means "busy, try again" or "unreachable", or is something else.

    Something else (a missing table, a constraint) is a fault to fix, not to retry.
    """
    if isinstance(error, PoolTimeout):
        return "busy"  # every pooled connection in use for the pool's whole timeout
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return "unreachable"
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        text = str(original)
        if "locked" in text or "busy" in text:
            return "busy"
        return "unreachable" if "unable to open" in text or "disk I/O" in text else None
    return _postgresql_unavailable(original)


def _postgresql_unavailable(original: BaseException | None) -> Unavailable | None:
    try:
        import psycopg
        from psycopg import errors
    except ImportError:  # pragma: no cover - psycopg is a runtime dependency
        return None
    busy = (
        errors.LockNotAvailable,
        errors.QueryCanceled,
        errors.DeadlockDetected,
        errors.SerializationFailure,
        errors.TransactionRollback,
    )
    if isinstance(original, busy):
        return "busy"  # lock or statement timeout, deadlock, serialization failure
    if isinstance(original, psycopg.OperationalError):
        return "unreachable"  # connection refused or lost, server shutting down
    return None


def close_sessions_quietly(app: Any, scoped: Callable[[], Any]) -> None:
    """End each app context's session even when the server has already dropped its connection.

    Flask-SQLAlchemy's own teardown rolls back on that connection; with PostgreSQL restarting it
    raises, and the request that had its answer ready became a 500. Registered after
    Flask-SQLAlchemy, this teardown runs first: the dead connection is let go (the pool discards
    it; the next checkout's pre-ping opens a fresh one) and the session leaves the registry.
    """

    @app.teardown_appcontext
    def _close(_error: BaseException | None) -> None:
        session = scoped()  # looked up each time: the test suite swaps it
        try:
            session.remove()
        except SQLAlchemyError as error:
            if unavailable(error) is None:
                raise
            session.registry.clear()


def rollback_quietly(session: Session) -> None:
    """Roll back after a database error; a server that is gone makes that fail too."""
    with contextlib.suppress(SQLAlchemyError):
        session.rollback()
