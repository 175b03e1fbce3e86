"""Search answers kept per process (catalog/services/citizen_search.py, AnswerCache) are keyed by
what an answer depends on: the index commit the engine's next search sees, the synonym table and
the did-you-mean vocabulary. On a database of the test's own with real separate connections:
identical searches are answered once per commit; a write indexed by any process, or a synonym
rule, reaches the next search; and across gunicorn's worker processes, a write indexed by another
process reaches every worker's next search."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from catalog.database import write_intent
from catalog.services import catalog_vocabulary, citizen_search, search_outbox, search_synonyms
from catalog.services.citizen_search import AnswerCache
from catalog.services.permissions import Actor
from search.engines.embedded import EmbeddedEngine
from search.query import SearchRequest, SearchResult
from tests import factories
from tests.support.databases import LiveDatabase
from tests.support.servers import gunicorn

OPERATOR = Actor.system("tests", "cli")
FIRST, SECOND = "犬只登记证核发", "犬只登记证补办"


class Counting:
    """The real engine, counting the searches it is asked to run."""

    def __init__(self, engine: EmbeddedEngine) -> None:
        self.engine, self.searches = engine, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def search(self, request: SearchRequest) -> SearchResult:
        self.searches += 1
        return self.engine.search(request)


def publish(live: LiveDatabase, department_id: int, name: str) -> None:
    with write_intent(), live.session() as session:
        factories.service_item(session, department_id, name=name, status="published")


def index_here(live: LiveDatabase, index: Path) -> None:
    """This process indexes what the outbox holds, on a handle of its own on the index."""
    with live.session() as session:
        search_outbox.drain_outbox(session, EmbeddedEngine(index, lock_timeout=10))


def started(live: LiveDatabase, index: Path) -> int:
    EmbeddedEngine(index).ensure_index()
    with write_intent(), live.session() as session:
        department_id = int(factories.department(session).id)
    publish(live, department_id, FIRST)
    index_here(live, index)
    return department_id


def test_identical_searches_are_answered_once_per_commit_and_synonym_table(live_database):
    live = live_database
    index = live.folder / "search-index"
    department_id = started(live, index)
    engine, cache = Counting(EmbeddedEngine(index)), AnswerCache(16)

    def ask(text: str, page: int = 1) -> citizen_search.CitizenAnswer:
        with live.session() as session:
            return citizen_search.search_items(
                session, engine, {"q": text, "page": page}, cache=cache
            )

    first = ask("犬只登记")
    assert [hit.name for hit in first.result.hits] == [FIRST] and engine.searches == 1
    assert ask("犬只登记") is first and engine.searches == 1  # kept
    assert ask("犬只登记", page=2) is not first and engine.searches > 1  # another request
    # a commit of another handle on the index (as another process's): the next search sees it
    publish(live, department_id, SECOND)
    index_here(live, index)
    asked = engine.searches
    assert sorted(hit.name for hit in ask("犬只登记").result.hits) == sorted([FIRST, SECOND])
    assert engine.searches > asked
    # a synonym rule: the same text is answered anew, with the rule applied
    assert FIRST not in [hit.name for hit in ask("养狗证").result.hits]
    with live.session() as session:
        search_synonyms.add_rule(session, OPERATOR, "养狗证 => 犬只登记证")
    assert FIRST in [hit.name for hit in ask("养狗证").result.hits]


def test_a_write_indexed_in_one_process_reaches_the_next_search_of_every_worker(
    live_database, tmp_path
):
    live = live_database
    index = live.folder / "search-index"
    department_id = started(live, index)

    with gunicorn(live.environ(), tmp_path / "gunicorn.log", workers=3) as server:

        def answered() -> set[tuple[str, ...]]:
            """The names a dozen identical searches answer, spread over the workers."""
            found = set()
            for _ in range(12):
                answer = requests.get(
                    server.url + "/api/v1/search", params={"q": "犬只登记"}, timeout=60
                )
                assert answer.status_code == 200, answer.text
                found.add(tuple(sorted(hit["name"] for hit in answer.json()["hits"])))
            return found

        assert answered() == {(FIRST,)}  # now kept by the workers that answered
        publish(live, department_id, SECOND)
        index_here(live, index)  # this process, not a worker, commits to the index
        assert answered() == {tuple(sorted([FIRST, SECOND]))}


def test_a_kept_answer_is_the_same_json_as_one_computed(live_database):
    live = live_database
    index = live.folder / "search-index"
    started(live, index)
    app, client = live.app, live.app.test_client()
    saved = {k: app.extensions.get(k) for k in ("qingdan_search_engine", "qingdan_search_answers")}
    app.extensions["qingdan_search_engine"] = EmbeddedEngine(index)
    try:
        app.extensions["qingdan_search_answers"] = None  # every answer computed
        computed = [client.get(f"/api/v1/search?q={q}") for q in ("犬只登记", "养狗证")]
        app.extensions["qingdan_search_answers"] = AnswerCache(16)
        for answer in computed:
            kept = [client.get(answer.request.full_path) for _ in range(3)]
            assert {(k.status_code, k.mimetype, k.get_data()) for k in kept} == {
                (200, "application/json", answer.get_data())
            }
    finally:
        app.extensions.update(saved)


def test_only_an_answer_that_consulted_the_vocabulary_waits_for_the_same_vocabulary(live_database):
    """工商 sounds like the synonym files' 工伤; the catalog's vocabulary, built in the
    background, tells it is no slip. An answer that consulted the vocabulary is kept with it and
    answered anew once the build ends; an answer that consulted none is kept across the build."""
    live = live_database
    index = live.folder / "search-index"
    department_id = started(live, index)
    publish(live, department_id, "个体工商户设立登记")
    index_here(live, index)
    engine, cache = Counting(EmbeddedEngine(index)), AnswerCache(16)

    def ask(text: str) -> citizen_search.CitizenAnswer:
        with live.session() as session:
            return citizen_search.search_items(session, engine, {"q": text}, cache=cache)

    plain = ask(FIRST)
    by_sound = ask("个体工商户设立登计")  # the first search does not wait for the vocabulary
    assert by_sound.did_you_mean == "个体工伤户设立登计"
    with live.session() as session:
        deadline = time.monotonic() + 30
        while catalog_vocabulary.current(session) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    asked = engine.searches
    assert ask(FIRST) is plain and engine.searches == asked  # consulted none: kept
    by_words = ask("个体工商户设立登计")
    assert by_words.did_you_mean is None and engine.searches > asked
    asked = engine.searches
    assert ask("个体工商户设立登计") is by_words and engine.searches == asked  # same vocabulary
