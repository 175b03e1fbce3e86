"""Fixtures: one migrated database per test run (SQLite, or PostgreSQL with
TEST_DATABASE=postgresql), and a SAVEPOINT per test so each test starts clean."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session

from catalog.extensions import db, limiter
from catalog.services import accounts
from catalog.services.permissions import Actor
from search.engines.embedded import EmbeddedEngine
from tests import factories
from tests.support import postgres
from tests.support.databases import (
    LiveDatabase,
    Template,
    app_on,
    live_copy,
    migrated_template,
    sessions_on,
)

# Passwords in the suite are hashed cheaply: scrypt costs some 0.3 s of CPU per hash or check,
# and the suite makes hundreds (accounts, sign-ins, an unknown user's dummy). Set in the
# environment, so the apps made here and every process the tests start (gunicorn, `flask`)
# read it as production reads its setting. The tests of production's hashing
# (test_accounts_and_audit.py, test_sessions_and_secrets.py) name scrypt themselves.
os.environ.setdefault("PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    yield from postgres.throwaway_database(tmp_path_factory.mktemp("db"), f"test_{worker_id}")


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = app_on(database_url, tmp_path_factory.mktemp("instance") / "search-index")
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def empty_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty embedded index, made once: each test's copy of it costs a few milliseconds,
    a new one some 40 (a tantivy commit and its fsyncs), and most tests take one."""
    folder = tmp_path_factory.mktemp("empty-index") / "search-index"
    EmbeddedEngine(folder).ensure_index()
    return folder


@pytest.fixture
def session(app: Flask, empty_index: Path, tmp_path: Path) -> Iterator[scoped_session]:
    """A session inside a transaction that is rolled back after the test: one connection.

    ``db.session`` everywhere (this app context, the requests of the test client, threads) is
    bound to one connection in a transaction, and joins it with SAVEPOINTs, so that commits in
    the code under test release a SAVEPOINT only (Warehouse's pattern, SQLAlchemy's "joining a
    session into an external transaction"). It cannot show what two connections do at once:
    tests of concurrency take ``live_database``. The search index cannot roll back, so each
    test also gets an empty embedded index, and the sign-in throttles start from zero: they
    count per address (10 a minute), and one worker's tests sign in more often than that.
    """
    limiter.reset()
    shutil.copytree(empty_index, tmp_path / "search-index")
    app.extensions["qingdan_search_engine"] = EmbeddedEngine(tmp_path / "search-index")
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        try:
            with sessions_on(app, connection, join_transaction_mode="create_savepoint"):
                yield db.session
        finally:
            transaction.rollback()
            connection.close()


@pytest.fixture(scope="session")
def database_template(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """A migrated, empty database that ``live_database`` copies for each test."""
    yield from migrated_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def live_database(
    app: Flask, database_template: Template, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[LiveDatabase]:
    """A database of this test's own with real separate connections (tests/support/databases.py).

    The app's sessions work on it for the test (``db.session.configure``): ``db.session`` in
    each app context, each thread's session, the drain after a response, all use connections of
    their own, and commits are real; ``LiveDatabase.environ()`` starts processes (gunicorn,
    ``flask`` commands) on it. Use it, not ``session``, for whatever depends on concurrency.
    """
    label = "".join(c if c.isalnum() else "_" for c in request.node.name)[-40:]
    yield from live_copy(app, database_template, tmp_path, label)


class ServerLikeClient(FlaskClient):
    """Closes each response once read, as a WSGI server does after sending it, so the
    work a response schedules on close (the embedded engine's drain) runs as in production.

    Each request also starts with an empty ``g``: in production every request has an app
    context of its own, but the session fixture's context outlives requests here, and a value
    cached in ``g`` (Flask-WTF's CSRF token) would leak from one request into the next."""

    def open(self, *args: object, **kwargs: object):  # type: ignore[override]
        kwargs.setdefault("buffered", True)
        if has_app_context():
            vars(g).clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def anonymous_client(app: Flask, session: scoped_session) -> FlaskClient:
    """A citizen: no session, no token."""
    app.test_client_class = ServerLikeClient
    return app.test_client()


def token_client(
    app: Flask, session: scoped_session, role: str, department_id: int | None = None
) -> FlaskClient:
    """A client whose API calls carry a fresh token of this role and department."""
    _, plain = accounts.create_token(
        session, Actor.system("tests"), name=f"tests-{role}", role=role, department_id=department_id
    )
    app.test_client_class = ServerLikeClient
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


@pytest.fixture
def client(app: Flask, session: scoped_session) -> FlaskClient:
    """An admin's API client: the tests of rules, lists and search act as one."""
    return token_client(app, session, "admin")


@pytest.fixture
def department(session: scoped_session) -> Any:
    """A department (区县 organization) of its own for the test."""
    return factories.department(session)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first, so that the pytest-xdist workers finish together rather
    than one waiting on a minutes-long test it reached last.

    On the PostgreSQL pass, every test whose outcome can depend on the database: each one that
    uses the app (and so its database), except those marked ``database_neutral``, which read
    the app's routes and declarations only, bring a database URL of their own, or repeat
    another test's requests with only a Python setting changed. The others (analysis, engines
    without a database, the neutral ones) ran on the SQLite pass already.
    """
    items.sort(
        key=lambda item: item.get_closest_marker("slow") is None
    )  # stable: order kept otherwise
    if os.environ.get("TEST_DATABASE") != "postgresql":
        return
    database_tests = [
        item
        for item in items
        if "app" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("database_neutral") is None
    ]
    others = [item for item in items if item not in database_tests]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = database_tests


# Modules whose tests share a module-scoped fixture that takes long to make, and the group that
# runs each whole on one worker: the fixture is made once per run, not once on each worker that
# reaches one of the module's tests (or again when a worker comes back to the module).
SHARED_SETUP = {
    "tests/test_seed.py": "seed",  # both datasets seeded, twice (`seeded`)
    # the 广安区 catalog indexed by each engine, and the two compared: with the Elasticsearch tests
    "tests/search/test_relevance.py": "elasticsearch",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """Under ``--dist loadgroup`` (make test): the browser tests go to one worker, and the tests
    of the real Elasticsearch to one worker. A worker that reaches such a test starts a server
    for the rest of its session (gunicorn on the seeded demo, with Chromium and the console's
    accounts; or a JVM with a 512 MB heap): one of each then serves the whole run. Every other
    test is handed out one at a time to whichever worker is free, as ``--dist load`` does.

    The groups are told by node id, since the scheduler sees nothing else: a test of
    Elasticsearch says so in its module's or its own name, or in the ``engine`` parameter's id;
    the modules of SHARED_SETUP are named. Groups go out largest first (pytest-xdist's
    ``--loadscope-reorder``, its default), then single tests, slow ones first.
    (pytest-xdist's own ``xdist_group`` mark cannot do it: it renames ``item._nodeid``, which
    pytest 9 no longer reads.)
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ServerGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/browser/"):
                return "browser"
            module = nodeid.partition("::")[0]
            if module in SHARED_SETUP:
                return SHARED_SETUP[module]
            if "elasticsearch" in nodeid.lower():
                return "elasticsearch"
            return super()._split_scope(nodeid)

    return ServerGroups(config, log)
