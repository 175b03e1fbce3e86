"""PostgreSQL going away under a running app (what deploy/faults/postgres_restart.py does to the
stack), on real connections the server ends: no request becomes a 500 because its finished
session cannot roll back, and the search worker waits the outage out instead of exiting."""

from __future__ import annotations

import os
import threading
import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from catalog.extensions import db
from catalog.services import search_outbox
from search.engines.embedded import EmbeddedEngine
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        os.environ.get("TEST_DATABASE") != "postgresql",
        reason="ends PostgreSQL connections: the PostgreSQL pass (TEST_DATABASE=postgresql)",
    ),
]


def end_connections(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )


def test_a_session_whose_connection_the_server_ended_closes_quietly(
    app, live_database, database_template
):
    with app.app_context():
        db.session.execute(text("SELECT 1")).scalar_one()
        end_connections(database_template.admin_url, make_url(live_database.url).database)
    # leaving the context ran the teardown, which rolled back on the dead connection (a 500 before)
    answer = app.test_client().get("/api/v1/stats/figures")
    assert answer.status_code == 200  # the pool let the dead connection go and opened a new one


def test_the_search_worker_waits_out_a_database_outage(
    app, live_database, database_template, tmp_path
):
    name = make_url(live_database.url).database
    engine = EmbeddedEngine(tmp_path / "index")
    engine.ensure_index()
    stop, outages = threading.Event(), []

    def worker() -> None:
        with app.app_context():
            search_outbox.run_indexer(
                db.session,
                engine,
                poll_seconds=0.1,
                should_stop=stop.is_set,
                on_outage=outages.append,
            )

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    with psycopg.connect(database_template.admin_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            end_connections(database_template.admin_url, name)
            deadline = time.monotonic() + 30
            while not outages and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert outages, "the worker never met the outage"
    assert thread.is_alive(), "the worker ended with the outage"

    with app.app_context():  # a change made once the database is back is drained by the same worker
        factories.service_item(db.session, factories.department(db.session).id)
        db.session.commit()
        deadline = time.monotonic() + 30
        while search_outbox.outbox_lag(db.session)["pending"] and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.1)
        assert search_outbox.outbox_lag(db.session)["pending"] == 0
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
