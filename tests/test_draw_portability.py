"""The same task, directory snapshot and seed give the identical draw on SQLite and on
PostgreSQL, and after the database is restored elsewhere.

The draw is made on this run's database; every row is then copied, table by table, into a
fresh database of the other kind (a restore from a logical dump), where the stored draw is
verified and then drawn again from the restored directory: same snapshot, same result, byte
for byte. Both databases are real: the other one is started here (SQLite file or the
machine's PostgreSQL 15).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Integer, delete, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.extensions import db
from catalog.models import DrawnTarget, RandomCheckTask, RandomDraw
from catalog.models.base import utcnow
from catalog.schemas.random_checks import TaskSchema
from catalog.services import draw_algorithm, draw_verification, random_checks
from catalog.services.permissions import Actor
from tests.draw_fixtures import make_district, task_data
from tests.support import postgres
from tests.support.databases import migrated_engine

SYSTEM = Actor.system("tests")
SEED = draw_algorithm.sha256_hex("portability")
WITNESS = "见证 4-4-1"


@pytest.fixture
def other_database(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database of the kind this run is not using."""
    if os.environ.get("TEST_DATABASE") == "postgresql":
        url, cleanup = f"sqlite:///{tmp_path / 'restored.sqlite3'}", None
    else:
        admin = os.environ.get("TEST_DATABASE_URL") or postgres.ensure_cluster_running()
        name = f"qingdan_restore_{os.getpid()}"
        url, cleanup = postgres.create_database(admin, name), (admin, name)
    engine = migrated_engine(url, tmp_path / "index")
    yield engine
    engine.dispose()
    if cleanup:
        postgres.drop_database(*cleanup)


def _restore(source: Connection, target: Engine) -> None:
    """Copy every row of every table (parents first), as a logical dump and reload would."""
    with target.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "change_records" and connection.scalar(
                select(func.count()).select_from(table)
            ):
                connection.execute(
                    delete(table)
                )  # rows a migration seeded (职权类型) come from the dump
        for table in db.metadata.sorted_tables:
            rows = [dict(row) for row in source.execute(select(table)).mappings()]
            if rows:
                connection.execute(table.insert(), rows)
        if connection.dialect.name == "postgresql":  # the next ids follow the restored ones
            for table in db.metadata.sorted_tables:
                if (
                    "id" in table.c
                    and isinstance(table.c.id.type, Integer)
                    and len(table.primary_key.columns) == 1
                ):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE(MAX(id), 1)) FROM {table.name}"
                        )
                    )


def _draw(session: Session, task_id: int, moment: datetime) -> RandomDraw:
    task = session.get(RandomCheckTask, task_id)
    return random_checks.run_draw(session, task.id, task.version, WITNESS, SYSTEM, now=moment)


def test_the_same_draw_on_both_databases_and_after_a_restore(session, other_database):
    district = make_district(session, targets=25)
    data = TaskSchema().load(
        task_data(district, window_start="2026-01-01", window_end="2099-12-31")
    )
    task = random_checks.create_task(session, data, SYSTEM)
    random_checks.commit_task(session, task.id, task.version, SYSTEM, seed=SEED)
    moment = utcnow()  # after the directory's history, so the snapshot can be rebuilt from it
    here = _draw(session, task.id, moment)
    assert draw_verification.verify_draw(session, task.id, SYSTEM)["identical"]
    snapshot, result = here.snapshot, here.result

    _restore(session.connection(), other_database)
    with Session(other_database) as restored:
        report = draw_verification.verify_draw(restored, task.id, SYSTEM)
        assert report["identical"] and report["directory"]["state"] == "identical", report
        stored = restored.get(RandomCheckTask, task.id).draw
        assert (stored.snapshot, stored.result) == (snapshot, result)
        # draw the same task again on the other database, from its restored directory
        restored.execute(delete(DrawnTarget).where(DrawnTarget.task_id == task.id))
        restored.execute(delete(RandomDraw).where(RandomDraw.task_id == task.id))
        restored.execute(
            update(RandomCheckTask).where(RandomCheckTask.id == task.id).values(state="committed")
        )
        restored.commit()
        again = _draw(restored, task.id, moment)
        assert (again.snapshot, again.result, again.result_sha256) == (
            snapshot,
            result,
            here.result_sha256,
        )
        assert restored.bind.dialect.name != session.connection().dialect.name


def test_another_seed_draws_otherwise_from_the_same_stored_inputs(session):
    district = make_district(session, targets=25)
    data = TaskSchema().load(
        task_data(district, window_start="2026-01-01", window_end="2099-12-31")
    )
    task = random_checks.create_task(session, data, SYSTEM)
    random_checks.commit_task(session, task.id, task.version, SYSTEM, seed=SEED)
    stored = _draw(session, task.id, utcnow())
    parameters, snapshot = json.loads(stored.parameters), json.loads(stored.snapshot)
    same = draw_algorithm.run(parameters, snapshot, SEED, WITNESS)
    other = draw_algorithm.run(
        parameters, snapshot, draw_algorithm.sha256_hex("another seed"), WITNESS
    )
    assert draw_algorithm.canonical_json(same) == stored.result
    assert [t["key"] for t in other["targets"]] != [t["key"] for t in same["targets"]]
