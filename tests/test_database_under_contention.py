"""The database under contention (issue 13, item 12), against gunicorn's worker processes on a
database of the test's own: concurrent writers wait for each other instead of failing, losers
of an ETag race get 412, a dry-run import holds no lock others wait for, and a request that
still cannot get the lock answers 503 with Retry-After — never 500.

They run on PostgreSQL too (the PostgreSQL pass), where the same requests must give the same
answers; the lock-holding ones need SQLite's single write lock and skip there. A database that
cannot be reached at all answers 503 too.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import psycopg
import pytest
import requests
from sqlalchemy import create_engine, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from catalog.database import unavailable, write_intent
from catalog.models import ChangeRecord, FigureFact, ServiceItem
from catalog.models.figure_facts import rebuild_figure_facts
from catalog.schemas.random_checks import TaskSchema
from catalog.services import (
    accounts,
    random_checks,
    search_documents,
    search_outbox,
    search_reindex,
)
from catalog.services.permissions import Actor
from catalog.services.random_check_results import RESULT_ENTITY
from catalog.services.random_checks import TASK_ENTITY
from search.engines.embedded import EmbeddedEngine
from tests import factories
from tests.draw_fixtures import make_district, task_data
from tests.factories import PASSWORD
from tests.support.databases import LiveDatabase, sessions_on
from tests.support.servers import RunningServer, gunicorn
from tests.test_figure_facts import versions_follow_each_other

OPERATOR = Actor.system("tests", "cli")


def sqlite_only(live: LiveDatabase) -> None:
    if live.engine.dialect.name != "sqlite":
        pytest.skip("holds SQLite's database-wide write lock")


class Site:
    """What the tests need on the live database: a department, an admin token, a user."""

    def __init__(self, live: LiveDatabase) -> None:
        with write_intent(), live.session() as session:
            self.department = factories.department(session)
            _, self.token = accounts.create_token(
                session, OPERATOR, name="contention", role="admin", department_id=None
            )
            factories.user(session, "reviewer", "admin")

    def api(self) -> requests.Session:
        client = requests.Session()
        client.headers["Authorization"] = f"Bearer {self.token}"
        return client

    def drafts(self, server: RunningServer, count: int) -> list[tuple[str, str]]:
        """(url, ETag) of new drafts, created through the API."""
        client, made = self.api(), []
        for n in range(count):
            created = client.post(
                server.url + "/api/v1/service-items",
                json=factories.service_item_data(self.department.id, name=f"并发测试事项{n}"),
            )
            assert created.status_code == 201, created.text
            made.append(
                (
                    f"{server.url}/api/v1/service-items/{created.json()['id']}",
                    created.headers["ETag"],
                )
            )
        return made


def sign_in_form(server: RunningServer) -> Callable[[], requests.Response]:
    """A browser that opened the sign-in page; calling the result submits the form."""
    browser = requests.Session()
    page = browser.get(server.url + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": "reviewer", "password": PASSWORD, "csrf_token": token}
    return lambda: browser.post(server.url + "/login", data=form, allow_redirects=False)


def race(count: int, request: Callable[[], requests.Response]) -> list[int]:
    """``count`` threads send ``request`` at the same moment; their status codes."""
    start = threading.Barrier(count)

    def one() -> int:
        start.wait()
        return request().status_code

    with ThreadPoolExecutor(count) as pool:
        return sorted(pool.map(lambda _: one(), range(count)))


@pytest.fixture
def site(live_database: LiveDatabase) -> Site:
    return Site(live_database)


def assert_index_in_sync(live: LiveDatabase) -> None:
    """Once the workers' drains after their writes are done, the index equals the database."""
    engine = EmbeddedEngine(live.folder / "search-index")
    deadline = time.monotonic() + 60
    with live.session() as session:
        while search_outbox.outbox_lag(session)["pending"] and time.monotonic() < deadline:
            session.commit()
            time.sleep(0.2)
        drift = search_reindex.verify(session, engine)
    assert (drift.missing, drift.stale, drift.extra) == ([], [], [])


def assert_facts_equal_a_rebuild(live: LiveDatabase) -> None:
    """The figure facts the workers wrote, each in its own transaction, equal those rebuilt
    from the whole history, and each row's versions follow each other without gap or overlap
    (the rebuild is rolled back)."""
    columns = list(FigureFact.__table__.columns)
    with live.session() as session:
        written = session.execute(select(*columns).order_by(FigureFact.record_id)).all()
        assert written
        rebuild_figure_facts(session.connection())
        assert session.execute(select(*columns).order_by(FigureFact.record_id)).all() == written
        session.rollback()
    versions_follow_each_other(written)


def test_concurrent_writers_wait_and_etag_races_answer_412(live_database, site, tmp_path):
    live = live_database
    with gunicorn(live.environ(), tmp_path / "gunicorn.log") as server:
        drafts = site.drafts(server, 8)

        def edit_own_row(draft: tuple[str, str]) -> list[int]:
            url, etag = draft
            client, codes = site.api(), []
            for n in range(6):
                answer = client.patch(
                    url, json={"name": f"并发修改{n}"}, headers={"If-Match": etag}
                )
                codes.append(answer.status_code)
                etag = answer.headers.get("ETag", etag)
            return codes

        with ThreadPoolExecutor(8) as pool:
            own_rows = Counter(code for codes in pool.map(edit_own_row, drafts) for code in codes)
        assert own_rows == {200: 48}, server.log_tail()

        url, etag = drafts[0]
        etag = site.api().get(url).headers["ETag"]
        for n in range(3):
            client = site.api()
            codes = race(
                8,
                partial(
                    client.patch, url, json={"name": f"同一版本{n}"}, headers={"If-Match": etag}
                ),
            )
            assert codes == [200] + [412] * 7, server.log_tail()
            etag = site.api().get(url).headers["ETag"]

        step = site.api().post(f"{url}/submit", json={}, headers={"If-Match": etag})
        assert step.status_code == 200, step.text
        etag = step.headers["ETag"]
        client = site.api()
        codes = race(6, lambda: client.post(f"{url}/approve", json={}, headers={"If-Match": etag}))
        assert codes == [200] + [412] * 5, server.log_tail()
    assert "Traceback" not in server.log.read_text(errors="replace")
    assert_index_in_sync(live)
    assert_facts_equal_a_rebuild(live)


def test_a_legal_basis_changed_at_once_by_several_admins_is_changed_once(
    live_database, site, tmp_path
):
    """Revisions and abolitions racing on one version of a basis: one wins, every other gets
    412 (an older If-Match, or a flush that finds the version gone), never a 500 or a second
    change."""
    with write_intent(), live_database.session() as session:
        basis_id = factories.legal_basis(session, "并发修订条例").id
    with gunicorn(live_database.environ(), tmp_path / "gunicorn.log") as server:
        url = f"{server.url}/api/v1/legal-bases/{basis_id}"
        etag = site.api().get(url).headers["ETag"]
        body = {"document_number": "并发〔2020〕1号", "decided_on": "2020-10-01"}
        revise, abolish = site.api(), site.api()
        turns = iter(range(8))

        def change() -> requests.Response:
            client, action = (revise, "revise") if next(turns) % 2 else (abolish, "abolish")
            return client.post(
                f"{url}/{action}",
                json={**body, "effective_on": "2020-11-01"},
                headers={"If-Match": etag},
            )

        codes = race(8, change)
        assert codes == [201] + [412] * 7, server.log_tail()
        changes = site.api().get(f"{server.url}/api/v1/legal-basis-changes").json()
    assert [c["legal_basis_id"] for c in changes].count(basis_id) == 1
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_a_random_check_task_and_a_result_changed_at_once_are_changed_once(
    live_database, site, tmp_path
):
    """双随机: editors racing on one version of a planned task, then inspectors on one drawn
    target's result, through gunicorn's processes: one change wins, every other gets 412 (the
    version the UPDATE names is gone), and the trail holds one record of it."""
    with write_intent(), live_database.session() as session:
        district = make_district(session)
        task = random_checks.create_task(session, TaskSchema().load(task_data(district)), OPERATOR)
        task_id = task.id
    with gunicorn(live_database.environ(), tmp_path / "gunicorn.log") as server:
        url = f"{server.url}/api/v1/random-check-tasks/{task_id}"
        etag = site.api().get(url).headers["ETag"]
        turns = iter(range(6))
        patches = [site.api() for _ in range(6)]

        def rename() -> requests.Response:
            n = next(turns)
            return patches[n].patch(
                url, json={"name": f"并发修改任务{n}"}, headers={"If-Match": etag}
            )

        assert race(6, rename) == [200] + [412] * 5, server.log_tail()
        task = site.api().get(url)
        committed = site.api().post(
            f"{url}/commit", json={}, headers={"If-Match": task.headers["ETag"]}
        )
        assert committed.status_code == 200, committed.text
        drawn = site.api().post(
            f"{url}/draw",
            json={"witness": "并发测试"},
            headers={"If-Match": committed.headers["ETag"]},
        )
        assert drawn.status_code == 201, drawn.text
        draw = site.api().get(f"{url}/draw").json()
        target = draw["targets"][0]
        result_url = f"{url}/results/{target['drawn_target_id']}"
        result_etag = f'"{target["version"]}"'
        recorders = [site.api() for _ in range(6)]
        turns = iter(range(6))

        def record() -> requests.Response:
            n = next(turns)
            body = {"result": "no_problem", "checked_on": draw["draw_date"], "handling": f"第{n}次"}
            return recorders[n].put(result_url, json=body, headers={"If-Match": result_etag})

        assert race(6, record) == [200] + [412] * 5, server.log_tail()
    with live_database.session() as session:
        updates = session.scalars(
            select(ChangeRecord.entity_type).where(ChangeRecord.action == "update")
        ).all()
    assert Counter(updates) == {TASK_ENTITY: 1, RESULT_ENTITY: 1}
    assert "Traceback" not in server.log.read_text(errors="replace")


def hold_write_lock(live: LiveDatabase) -> sqlite3.Connection:
    """Another process's long write: SQLite's write lock, held until rolled back."""
    holder = sqlite3.connect(make_url(live.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_request_that_cannot_get_the_lock_answers_503_with_retry_after(
    live_database, site, tmp_path
):
    live = live_database
    sqlite_only(live)
    with gunicorn(live.environ(SQLITE_BUSY_TIMEOUT="0.5"), tmp_path / "gunicorn.log") as server:
        ((url, etag),) = site.drafts(server, 1)
        sign_in = sign_in_form(server)
        holder = hold_write_lock(live)
        try:
            api = site.api().patch(url, json={"name": "等不到锁"}, headers={"If-Match": etag})
            page = sign_in()
            read = site.api().get(url)
        finally:
            holder.rollback()
        assert api.status_code == 503 and api.headers["Retry-After"] == "2"
        assert (
            api.json()["error"]["code"] == "database_busy"
            and "稍后重试" in api.json()["error"]["message"]
        )
        assert page.status_code == 503 and page.headers["Retry-After"] == "2"
        assert "text/html" in page.headers["Content-Type"] and "系统繁忙" in page.text
        assert read.status_code == 200  # readers never wait for a writer (WAL)
        retried = site.api().patch(url, json={"name": "等到了锁"}, headers={"If-Match": etag})
        assert retried.status_code == 200 and sign_in().status_code == 302


def items_file(department: str, rows: int, prefix: str = "试导入事项") -> bytes:
    lines = [
        "事项名称,事项类型,实施主体,办件类型,法定办结时限,法定办结时限单位,承诺办结时限,到办事现场次数,是否收费,服务对象"
    ]
    lines += [f"{prefix}{n:05d},01,{department},承诺件,20,工作日,5,0,否,个人" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_a_long_dry_run_import_holds_no_lock_writes_and_sign_ins_wait_for(
    live_database, site, tmp_path
):
    """With a 1-second busy timeout, writes and sign-ins made while a dry run of 600 rows is
    checking succeed: before the dry run wrote on a copy, every one of them waited and failed."""
    live = live_database
    sqlite_only(live)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environ = live.environ(SQLITE_BUSY_TIMEOUT="1", TMPDIR=str(scratch))
    with gunicorn(environ, tmp_path / "gunicorn.log") as server:
        drafts = site.drafts(server, 3)
        upload = items_file(site.department.name, 600)
        outcome: dict[str, Any] = {}

        def check_file() -> None:
            answer = site.api().post(
                server.url + "/api/v1/service-items/import",
                files={"file": ("事项.csv", upload, "text/csv")},
            )
            outcome["dry_run"] = (answer.status_code, answer.json(), time.monotonic())

        checking = threading.Thread(target=check_file)
        checking.start()
        deadline = time.monotonic() + 30
        while not any(scratch.glob("qingdan-scratch-*")) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the dry run has its copy and creates its rows there
        writes, signed_in = [], []
        for url, etag in drafts:
            answer = site.api().patch(
                url, json={"name": "导入期间的修改"}, headers={"If-Match": etag}
            )
            writes.append(answer.status_code)
            signed_in.append(sign_in_form(server)().status_code)
        written_at = time.monotonic()
        checking.join(300)
        status, report, finished_at = outcome["dry_run"]
    assert status == 200 and report["dry_run"] and report["valid"] == 600, report
    assert writes == [200, 200, 200] and signed_in == [302, 302, 302]
    assert written_at < finished_at, (
        "the writes should have run while the dry run was still checking"
    )
    with live.session() as session:
        assert search_documents.published_count(session) == 0  # the dry run kept nothing


def test_files_imported_at_once_keep_one_record_per_row_and_exact_facts(
    live_database, site, tmp_path
):
    """Two files committed at the same moment through gunicorn's processes, each import holding
    its rows' history and writing it a batch at a time (history.deferred), while a draft is
    edited: every row lands once with one change record, the figure facts equal a rebuild and
    the index the database."""
    live = live_database
    with gunicorn(live.environ(), tmp_path / "gunicorn.log") as server:
        ((url, etag),) = site.drafts(server, 1)
        uploads = iter(
            [items_file(site.department.name, 120, prefix) for prefix in ("甲批", "乙批")]
        )

        def import_one() -> requests.Response:
            return site.api().post(
                server.url + "/api/v1/service-items/import?dry_run=false",
                files={"file": ("事项.csv", next(uploads), "text/csv")},
            )

        codes = race(2, import_one)
        edited = site.api().patch(url, json={"name": "导入之后的修改"}, headers={"If-Match": etag})
        assert codes == [200, 200] and edited.status_code == 200, server.log_tail()
        assert "Traceback" not in server.log.read_text(errors="replace")
    with live.session() as session:
        ids = session.scalars(
            select(ServiceItem.id).where(
                or_(ServiceItem.name.startswith("甲批"), ServiceItem.name.startswith("乙批"))
            )
        ).all()
        recorded = Counter(
            session.scalars(
                select(ChangeRecord.entity_id).where(
                    ChangeRecord.entity_type == "service_item", ChangeRecord.entity_id.in_(ids)
                )
            )
        )
    assert len(ids) == 240 and recorded == Counter(dict.fromkeys(ids, 1))
    assert_facts_equal_a_rebuild(live)
    assert_index_in_sync(live)


@pytest.mark.database_neutral  # both URLs are its own: the same test on either pass
@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-folder/qingdan.sqlite3",
        "postgresql+psycopg://qingdan@127.0.0.1:9/qingdan",
    ],
    ids=["sqlite-file-missing", "postgresql-refused"],
)
def test_an_unreachable_database_answers_503_with_retry_after(app, url):
    broken = create_engine(
        url, connect_args={"connect_timeout": 2} if url.startswith("postgresql") else {}
    )
    try:
        with sessions_on(app, broken):
            client = app.test_client()
            api = client.get("/api/v1/service-items")
            page = client.get("/items/service/1")
    finally:
        broken.dispose()
    assert api.status_code == 503 and api.headers["Retry-After"] == "10"
    assert (
        api.json["error"]["code"] == "database_unavailable"
        and "数据库暂时无法连接" in api.json["error"]["message"]
    )
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    assert "数据库暂时无法连接" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (psycopg.errors.LockNotAvailable("lock timeout"), "busy"),
        (psycopg.errors.DeadlockDetected("deadlock detected"), "busy"),
        (psycopg.errors.SerializationFailure("could not serialize access"), "busy"),
        (psycopg.OperationalError("connection refused"), "unreachable"),
        (sqlite3.OperationalError("database is locked"), "busy"),
        (sqlite3.OperationalError("no such table: service_items"), None),  # a fault, not a wait
        (psycopg.errors.UndefinedTable("relation does not exist"), None),
    ],
)
def test_which_database_errors_mean_try_again(error, reason):
    assert unavailable(DBAPIError("SELECT 1", {}, error)) == reason
