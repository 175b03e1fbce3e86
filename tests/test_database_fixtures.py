"""The two database fixtures hold what they promise (tests/conftest.py).

``session``: everything the test writes, commits included, is on one connection inside a
transaction that is rolled back: no other connection sees it, and the next test starts clean.
``live_database``: a database of the test's own on real separate connections, where a commit is
a commit and one connection sees what another committed.
"""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.extensions import db
from catalog.models import Organization
from tests import factories


def organizations(connection_source) -> int:
    with connection_source.connect() as connection:
        return connection.execute(select(func.count()).select_from(Organization)).scalar_one()


def test_session_commits_stay_inside_the_tests_transaction(app, session):
    before = organizations(db.engine)  # a connection of the app's own engine, outside the test's
    factories.department(session)
    session.commit()  # releases a SAVEPOINT only
    assert session.scalar(select(func.count()).select_from(Organization)) == before + 1
    with app.test_request_context():  # another app context: its session joins the same connection
        assert db.session.scalar(select(func.count()).select_from(Organization)) == before + 1
    assert organizations(db.engine) == before, (
        "a separate connection must not see the test's writes"
    )


def test_live_database_commits_are_seen_by_other_connections(app, live_database):
    with live_database.session() as writer:
        factories.department(writer)
        writer.commit()
    assert organizations(live_database.engine) >= 1
    with app.app_context():  # the app's sessions are on the test's database, not on the shared one
        assert db.session.scalar(select(func.count()).select_from(Organization)) == organizations(
            live_database.engine
        )
        assert db.session.get_bind() is live_database.engine
    with live_database.session() as first, live_database.session() as second:
        assert (
            first.connection().connection.dbapi_connection
            is not second.connection().connection.dbapi_connection
        )
