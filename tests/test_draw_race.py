"""Two people draw the same task at the same moment, on separate connections: one draw is
stored, the other is told the task was drawn (409), never a second draw."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.models import DrawnTarget, RandomDraw
from catalog.schemas.random_checks import TaskSchema
from catalog.services import random_checks
from catalog.services.errors import DomainError
from catalog.services.permissions import Actor
from tests.draw_fixtures import make_district, task_data
from tests.support import postgres
from tests.support.databases import migrated_engine

SYSTEM = Actor.system("tests")


@pytest.fixture
def committed_database(app, tmp_path: Path, worker_id: str) -> Iterator[Engine]:
    """A database of this run's kind whose rows are committed, so other connections see them."""
    for url in postgres.throwaway_database(tmp_path, f"race_{worker_id}"):
        engine = migrated_engine(url, tmp_path / "index")
        yield engine
        engine.dispose()


def test_two_simultaneous_draws_store_one(committed_database):
    with Session(committed_database) as setup:
        district = make_district(setup)
        task = random_checks.create_task(setup, TaskSchema().load(task_data(district)), SYSTEM)
        random_checks.commit_task(setup, task.id, task.version, SYSTEM)
        task_id, version = task.id, task.version
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def draw(witness: str) -> None:
        with Session(committed_database) as session:
            random_checks.get_task(session, task_id, SYSTEM)  # both have read the committed task
            barrier.wait()
            try:
                outcomes.append(
                    random_checks.run_draw(session, task_id, version, witness, SYSTEM).result_sha256
                )
            except DomainError as error:
                outcomes.append(error.status)

    threads = [threading.Thread(target=draw, args=(w,)) for w in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str).count(409) == 1 and len(outcomes) == 2, outcomes
    with Session(committed_database) as check:
        assert check.scalar(select(func.count()).select_from(RandomDraw)) == 1
        stored = check.scalar(select(RandomDraw))
        assert stored.result_sha256 in outcomes
        assert check.scalar(select(func.count()).select_from(DrawnTarget)) == stored.sample_size
