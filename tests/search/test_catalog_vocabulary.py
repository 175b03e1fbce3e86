"""The catalog's vocabulary is built from published names, off the request path in a server."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from catalog.services import catalog_vocabulary
from tests import factories


def test_a_session_on_one_connection_builds_in_place_from_published_names_only(session):
    department = factories.department(session)
    factories.service_item(session, department.id, name="林木采伐许可证核发", status="published")
    factories.service_item(session, department.id, name="草原征占用审核", status="draft")
    words = catalog_vocabulary.current(session)
    assert words is not None and "林木采伐许可证" in words and "草原" not in words
    assert words.correct("林木采伐许可正") == "林木采伐许可证"


def test_a_server_answers_at_once_and_builds_in_a_thread_of_its_own(live_database):
    with live_database.app.app_context(), live_database.session() as writer:
        department = factories.department(writer)
        factories.service_item(writer, department.id, name="林木采伐许可证核发", status="published")
        writer.commit()
    with live_database.session() as reader:
        assert catalog_vocabulary.current(reader) is None  # the first search does not wait
        deadline = time.monotonic() + 30
        while (words := catalog_vocabulary.current(reader)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    assert words is not None and words.correct("林木采伐许可正") == "林木采伐许可证"


def test_a_database_gone_mid_build_is_a_warning_and_the_next_search_tries_again(caplog):
    """A build that loses its database (a restart during the build) logs a warning instead of
    a thread's traceback, and leaves the way open for the next search's build."""
    unreachable = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    with Session(unreachable) as session:
        for _attempt in range(2):
            assert catalog_vocabulary.current(session) is None
            for thread in threading.enumerate():
                if thread.name == "qingdan-vocabulary":
                    thread.join(timeout=30)
    warnings = [r for r in caplog.records if "vocabulary not rebuilt" in r.getMessage()]
    assert [r.levelname for r in warnings] == ["WARNING", "WARNING"]
