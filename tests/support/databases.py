"""Databases of a test's own, for tests that need real separate connections or processes.

The ``session`` fixture runs a test on one connection inside a transaction that is rolled
back: it cannot show what two connections, threads or processes do at once, because there is
only one. A :class:`LiveDatabase` is a migrated database that no other test sees, committed
to for real: every thread, every :meth:`LiveDatabase.session` and every process given
:meth:`LiveDatabase.environ` works on a connection of its own.

Copies are cheap: the schema is migrated once per test run into a template (a SQLite file,
or a PostgreSQL database), and each test gets a copy of it (a file copy, or
``CREATE DATABASE … TEMPLATE``), dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from catalog import create_app
from catalog.database import tune_sqlite
from catalog.extensions import db
from tests.support import postgres

# What sessions_on set, innermost last: each exit gives the factory back what was set before.
_DEFAULTS: dict[str, Any] = {"bind": None, "join_transaction_mode": "conditional_savepoint"}
_configured: list[dict[str, Any]] = []


@contextmanager
def sessions_on(app: Flask, bind: Engine | Connection, **options: Any) -> Iterator[None]:
    """Every ``db.session`` made inside, in any app context or thread, works on ``bind``.

    Flask-SQLAlchemy's public session factory is configured (``db.session.configure``), which
    the app's session class (catalog/models/base.py) honours; on the way out the factory gets
    what it had before. ``db.engine`` stays the app's own.
    """
    settings = {**_DEFAULTS, "bind": bind, **options}
    _configure(app, settings)
    _configured.append(settings)
    try:
        yield
    finally:
        _configured.pop()
        _configure(app, _configured[-1] if _configured else _DEFAULTS)


def _configure(app: Flask, settings: dict[str, Any]) -> None:
    with app.app_context():
        db.session.remove()  # configure() affects the sessions made after it only
        db.session.configure(**settings)


@dataclass
class Template:
    """A migrated, empty database that each test copies."""

    url: str
    admin_url: str | None  # PostgreSQL: where databases are created and dropped

    @property
    def is_postgresql(self) -> bool:
        return self.admin_url is not None


def app_on(url: str, index: Path, **settings: Any) -> Flask:
    """A test app of its own on the database at ``url``, its embedded index in ``index``."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_PATH": str(index),
            **settings,
        }
    )


def migrated_engine(url: str, index: Path) -> Engine:
    """The engine of an app of its own on ``url``, once that database is migrated."""
    with app_on(url, index).app_context():
        upgrade()
        return db.engine


def migrated_template(folder: Path) -> Iterator[Template]:
    """Create and migrate the template once (a generator for a session-scoped fixture)."""
    if os.environ.get("TEST_DATABASE", "sqlite") != "postgresql":
        template = Template(f"sqlite:///{folder / 'template.sqlite3'}", None)
    else:
        admin = os.environ.get("TEST_DATABASE_URL") or postgres.ensure_cluster_running()
        name = f"qingdan_template_{os.getpid()}"
        template = Template(postgres.create_database(admin, name), admin)
    # Migrated the way production does it: an app of its own on that database (SQLALCHEMY_DATABASE_URI).
    migrating = app_on(template.url, folder / "search-index")
    with migrating.app_context():
        upgrade()
        db.engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    yield template
    if template.admin_url is not None:
        postgres.drop_database(template.admin_url, make_url(template.url).database)


@dataclass
class LiveDatabase:
    """A migrated database of one test's own, on real separate connections."""

    url: str
    engine: Engine
    app: Flask
    folder: Path  # for the test's files: search index, server logs

    def session(self) -> Session:
        """A session on a connection of its own (close it, or use it in a ``with``)."""
        return Session(bind=self.engine, expire_on_commit=False)

    def environ(self, **extra: str) -> dict[str, str]:
        """Environment for a process of the app (gunicorn, ``flask`` commands) on this database
        and the embedded index beside it, also when the suite runs against an external
        Elasticsearch (``ELASTICSEARCH_URL`` set for the search tests)."""
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "ELASTICSEARCH_URL": "",
            "SEARCH_INDEX_PATH": str(self.folder / "search-index"),
            "SECRET_KEY": secrets.token_hex(32),
            **extra,
        }


def live_copy(app: Flask, template: Template, folder: Path, label: str) -> Iterator[LiveDatabase]:
    """A copy of the template for one test, the app bound to it (a generator for a fixture)."""
    if template.admin_url is None:
        path = folder / f"{label}.sqlite3"
        shutil.copyfile(make_url(template.url).database, path)
        url = f"sqlite:///{path}"
    else:
        name = f"qingdan_{label}_{os.getpid()}"[:63]
        with psycopg.connect(template.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(
                f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template.url).database}"'
            )
        url = str(make_url(template.url).set(database=name).render_as_string(hide_password=False))
    engine = create_engine(url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    # Tests hold correctness, not latency: on a loaded machine a writer may wait long for
    # SQLite's lock, and that must not fail a test (servers the tests start keep the default).
    tune_sqlite(engine, busy_timeout=max(app.config["SQLITE_BUSY_TIMEOUT"], 60))
    try:
        with app.app_context(), sessions_on(app, engine):
            yield LiveDatabase(url, engine, app, folder)
    finally:
        engine.dispose()
        if template.admin_url is not None:
            _drop(template.admin_url, make_url(url).database)


def _drop(admin_url: str, name: str) -> None:
    """Drop a test's database; an autovacuum worker still on it (which the test role may not
    terminate) is waited for."""
    for _ in range(20):
        try:
            postgres.drop_database(admin_url, name)
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            time.sleep(0.5)
    postgres.drop_database(admin_url, name)
