"""The figures kept per generation of the data (catalog/services/figure_cache.py), on a database
of the test's own with real separate connections and gunicorn's worker processes: a commit in
any process reaches the figures every process answers next; what a session has not committed is
read by that session alone and never kept; after a change only the departments it changed are
read again. On PostgreSQL too (the PostgreSQL pass)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import requests
from cachetools import LRUCache
from sqlalchemy import event, literal, select, union_all

from catalog.database import write_intent
from catalog.models import CatalogGeneration, DepartmentGeneration, ServiceItem
from catalog.services import accounts, crud, figure_cache, registry
from catalog.services.facts import CHINA_TIME, Scope
from catalog.services.figures import compute_figures, totals
from catalog.services.history import record_change
from catalog.services.permissions import Actor
from catalog.services.registry import SERVICE_ITEMS
from catalog.services.row_import import import_file
from seed.loading import Loader
from tests import factories
from tests.support.databases import LiveDatabase
from tests.support.servers import gunicorn
from tests.test_spreadsheets import large_rows, xlsx

OPERATOR = Actor.system("tests", "cli")


def instant_share(session) -> str:
    figure = compute_figures(session, Scope(), keys=["instant_share"])[0]
    return f"{figure.numerator}/{figure.denominator}"


def token(live: LiveDatabase) -> str:
    with live.session() as session:
        return session.scalar(select(CatalogGeneration.token))


def shares(session, scope: Scope | None = None) -> dict[int | None, tuple[int, int]]:
    """(即办件, items) of each department in ``scope``."""
    grouped = totals(session, scope or Scope(), by_department=True)
    return {d: (t.instant, t.items) for d, t in grouped.items()}


@contextmanager
def service_scans(live: LiveDatabase) -> Iterator[list[str]]:
    """The statements of the service items' figures (live or as of a moment), as they run."""
    seen: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        if "AS service_facts" in statement:
            seen.append(statement)

    event.listen(live.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(live.engine, "before_cursor_execute", capture)


def updated(session, spec: registry.ListSpec, row_id: int, **data) -> None:
    """A row changed and recorded as the services do, committed."""
    row = session.get(spec.model, row_id)
    before = spec.snapshot(row)
    crud.apply_update(session, spec, row, data, OPERATOR)
    crud.record(session, spec, row, "update", before, OPERATOR)
    session.commit()


def recorded_row(session, department_id: int, **overrides) -> None:
    """A published row added and recorded as the services do, left uncommitted."""
    row = ServiceItem(**factories.service_item_data(department_id, status="published", **overrides))
    session.add(row)
    session.flush()
    record_change(
        session,
        entity_type="service_item",
        entity_id=row.id,
        action="create",
        before=None,
        after={"version": 1},
        actor=OPERATOR,
        department_id=department_id,
        searchable=False,
        row=row,
    )


def test_a_commit_in_one_process_reaches_the_figures_of_every_worker(live_database, tmp_path):
    live = live_database
    with write_intent(), live.session() as session:
        department = factories.department(session)
        for _ in range(3):
            factories.instant_item(session, department.id)
        factories.service_item(session, department.id, status="published")  # a 承诺件
        _, admin = accounts.create_token(
            session, OPERATOR, name="figures", role="admin", department_id=None
        )
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {admin}"

    with gunicorn(live.environ(), tmp_path / "gunicorn.log", workers=3) as server:

        def answered() -> set[str]:
            """即办件占比 as a dozen requests answer it, spread over the workers."""
            found = set()
            for _ in range(12):
                answer = api.get(server.url + "/api/v1/stats/figures")
                assert answer.status_code == 200, answer.text
                share = next(f for f in answer.json()["figures"] if f["key"] == "instant_share")
                found.add(f"{share['numerator']}/{share['denominator']}")
            return found

        assert answered() == {"3/4"}
        # this process (not a worker) commits: every worker's next answer has it
        before = token(live)
        with write_intent(), live.session() as session:
            made = factories.instant_item(session, department.id)
        assert token(live) != before
        assert answered() == {"4/5"}
        # one worker commits a step through the API (暂停: no longer counted): every worker
        # answers it
        url = f"{server.url}/api/v1/service-items/{made.id}"
        etag = api.get(url).headers["ETag"]
        suspended = api.post(url + "/suspend", json={"reason": "核查"}, headers={"If-Match": etag})
        assert suspended.status_code == 200, suspended.text
        assert answered() == {"3/4"}


def test_an_uncommitted_change_is_read_by_its_session_alone_and_never_kept(live_database):
    live = live_database
    with write_intent(), live.session() as session:
        department = factories.department(session)
        factories.instant_item(session, department.id)
        factories.service_item(session, department.id, status="published")
    with live.session() as reader:
        assert instant_share(reader) == "1/2"  # kept under the token
    with live.session() as writer:
        recorded_row(writer, department.id, case_type="1")
        assert instant_share(writer) == "2/3"  # its own change, not what others keep
        writer.rollback()
    with live.session() as reader:
        assert instant_share(reader) == "1/2"


def test_a_savepoint_rolled_back_keeps_the_changes_before_it(live_database):
    """A row import rolls a bad row's SAVEPOINT back and commits the others: the commit still
    replaces the token, or every process would keep answering the figures from before it."""
    live = live_database
    with write_intent(), live.session() as session:
        department = factories.department(session)
        factories.instant_item(session, department.id)
    before = token(live)
    with live.session() as session:
        assert instant_share(session) == "1/1"
    with write_intent(), live.session() as session:
        factories.service_item(session, department.id, status="published")  # commits: 1/2
    assert token(live) != before
    with live.session() as session:
        assert instant_share(session) == "1/2"
    before_import = token(live)
    with write_intent(), live.session() as session:
        with session.begin_nested():
            recorded_row(session, department.id)
        failed = session.begin_nested()
        figure_cache.note_change(session, "service_item", None, {"department_id": department.id})
        failed.rollback()
        assert (
            session.scalar(select(CatalogGeneration.token)) == before_import
        )  # not at a SAVEPOINT
        session.commit()
    assert token(live) != before_import
    with live.session() as session:
        assert instant_share(session) == "1/3"


def test_what_is_kept_is_bounded_in_rows_and_a_larger_result_is_answered_not_kept(
    live_database, monkeypatch
):
    monkeypatch.setattr(figure_cache, "KEPT_ROWS", 4)
    monkeypatch.setattr(
        figure_cache, "_kept", LRUCache(maxsize=4, getsizeof=lambda rows: len(rows) + 1)
    )

    def numbers(count: int):
        return select(union_all(*(select(literal(n).label("n")) for n in range(count))).subquery())

    five, two = numbers(5), numbers(2)
    with live_database.session() as session:
        assert [n for (n,) in figure_cache.rows(session, five, {})] == [0, 1, 2, 3, 4]
        assert len(figure_cache._kept) == 0  # five rows would not fit: answered, not kept
        assert len(figure_cache.rows(session, two, {})) == 2
        assert len(figure_cache._kept) == 1


def test_after_a_change_only_the_departments_it_changed_are_read_again(live_database):
    live = live_database
    with write_intent(), live.session() as session:
        one = factories.department(session)
        other = factories.department(session, region_id=one.region_id)
        moved = factories.instant_item(session, one.id)
        factories.service_item(session, one.id, status="published")
        factories.instant_item(session, other.id)
        regions = {"one": one.region_id, "elsewhere": factories.region(session).id}
    in_region = Scope(region_id=regions["one"])
    with live.session() as reader:
        assert shares(reader) == {one.id: (1, 2), other.id: (1, 1)}
        assert shares(reader, in_region) == {one.id: (1, 2), other.id: (1, 1)}
    with live.session() as reader, service_scans(live) as scans:
        assert shares(reader) == {one.id: (1, 2), other.id: (1, 1)}
        assert scans == []  # kept: nothing changed

    # an item moves from one department to the other: both are read again, no other
    with write_intent(), live.session() as session:
        updated(session, registry.SERVICE_ITEMS, moved.id, department_id=other.id)
    with live.session() as reader, service_scans(live) as scans:
        assert shares(reader) == {one.id: (0, 1), other.id: (2, 2)}
        assert len(scans) == 1
        limited_to = re.search(r"department_id IN \((.*?)\)\s+GROUP BY", scans[0])
        assert limited_to and len(limited_to.group(1).split(",")) == 2  # the two departments

    with live.session() as reader:
        assert shares(reader, in_region) == {one.id: (0, 1), other.id: (2, 2)}

    # a department moves to another region (机构): every department is read again
    with write_intent(), live.session() as session:
        updated(session, registry.ORGANIZATIONS, other.id, region_id=regions["elsewhere"])
    with live.session() as reader:
        assert shares(reader, in_region) == {one.id: (0, 1)}
        assert shares(reader, Scope(region_id=regions["elsewhere"])) == {other.id: (2, 2)}
        assert shares(reader) == {one.id: (0, 1), other.id: (2, 2)}


def test_a_change_dated_now_keeps_the_figures_as_of_a_settled_moment_and_one_dated_then_reaches_them(
    live_database,
):
    live = live_database
    today = datetime.now(CHINA_TIME).date()
    last_week = today - timedelta(days=7)
    with write_intent(), live.session() as session:
        department = factories.department(session)
        with Loader(session, "test", as_of=Scope.end_of_day(last_week - timedelta(days=1))):
            factories.instant_item(session, department.id)
        session.commit()
    then, tonight = Scope(as_of=Scope.end_of_day(last_week)), Scope(as_of=Scope.end_of_day(today))
    with live.session() as reader:
        assert shares(reader, then) == shares(reader, tonight) == {department.id: (1, 1)}

    # dated now: the figures as of last week cannot change, and are not read again
    with write_intent(), live.session() as session:
        factories.service_item(session, department.id, status="published")
    with live.session() as reader, service_scans(live) as scans:
        assert shares(reader, then) == {department.id: (1, 1)}
        assert scans == []
        assert shares(reader, tonight) == {department.id: (1, 2)}
        assert len(scans) == 1

    # dated last week (a seed standing for that moment): they change, and are read again
    with write_intent(), live.session() as session:
        with Loader(session, "test", as_of=Scope.end_of_day(last_week - timedelta(days=1))):
            factories.instant_item(session, department.id)
        session.commit()
    with live.session() as reader, service_scans(live) as scans:
        assert shares(reader, then) == {department.id: (2, 2)}
        assert len(scans) == 1


def test_a_list_counted_under_another_departments_row_reads_that_department_again(live_database):
    """A 检查实施清单 counts under its 监管事项's department (实施清单完成率), whichever department
    keeps the list: adding the list reads the item's department again."""
    live = live_database

    def completion(session) -> dict[int | None, tuple[int, int]]:
        grouped = totals(session, Scope(), by_department=True, keys=["inspection_list_completion"])
        return {d: (t.inspection_with_list, t.inspection_items) for d, t in grouped.items()}

    with write_intent(), live.session() as session:
        item_owner = factories.department(session)
        list_owner = factories.department(session, region_id=item_owner.region_id)
        item = factories.supervision_item(session, item_owner.id, status="published", claimed=True)
    with live.session() as reader:
        assert completion(reader) == {item_owner.id: (0, 1)}
    with write_intent(), live.session() as session:
        factories.inspection_list(session, item.id, list_owner.id, status="published")
    with live.session() as reader:
        assert completion(reader) == {item_owner.id: (1, 1)}


def test_an_import_replaces_the_tokens_once_when_it_keeps_its_rows(live_database):
    """Each row of an import commits a SAVEPOINT of its own: the file's commit replaces the
    tokens (the catalog's, and those of the departments its rows are counted under) once, and a
    dry run, which keeps nothing, replaces none."""
    live = live_database
    with write_intent(), live.session() as session:
        departments = [factories.department(session, name=f"区测试局{n}") for n in range(3)]
    data = xlsx(large_rows(departments, 5, bad=False))
    writes: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        written = not statement.lstrip().upper().startswith("SELECT")
        if written and re.search("catalog_generation|department_generations", statement, re.I):
            writes.append(statement)

    def tokens() -> dict[int, str]:
        with live.session() as session:
            rows = session.execute(
                select(DepartmentGeneration.department_id, DepartmentGeneration.token)
            )
            return {**dict(rows.all()), -1: session.scalar(select(CatalogGeneration.token))}

    event.listen(live.engine, "before_cursor_execute", note)
    try:
        for dry_run, replaced in ((True, set()), (False, {-1, *(d.id for d in departments)})):
            before = tokens()
            with live.session() as session:
                report = import_file(
                    session, SERVICE_ITEMS, data, actor=OPERATOR, dry_run=dry_run, filename="a.xlsx"
                )
            assert report.ok and report.valid == 5 and report.created == 5 * (not dry_run)
            after = tokens()
            assert {d for d in after if after[d] != before.get(d)} == replaced
            assert len(writes) == 2 * bool(replaced), writes  # the catalog's, the departments'
    finally:
        event.remove(live.engine, "before_cursor_execute", note)
    with live.session() as session:
        assert len(session.scalars(select(ServiceItem.id)).all()) == 5
