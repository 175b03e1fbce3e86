"""deploy/backup and deploy/restore on PostgreSQL: a dump of a seeded database, restored into a
fresh database with its index rebuilt, gives the same figures and the same search, with no drift.

The scripts run as an operator runs them (separate processes, pg_dump/pg_restore, flask commands);
the restored index is a new embedded one, built from the restored database alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from catalog.database import write_transaction
from catalog.extensions import db
from catalog.services import search_reindex
from search.engines.embedded import EmbeddedEngine
from seed.yuncheng.loader import seed_yuncheng
from tests.support import postgres
from tests.support.databases import sessions_on

ROOT = Path(__file__).resolve().parents[1]
FIGURES = (
    "/api/v1/stats/figures",
    "/api/v1/stats/figures?as_of=2020-12-31",
    "/api/v1/stats/departments",
    "/api/v1/stats/devolution",
    "/api/v1/stats/completeness",
    "/api/v1/stats/completeness/departments",
)
QUERIES = ("护照", "huzhao")  # each finds at most a page (100): 75 on the 云城区 demo

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TEST_DATABASE") != "postgresql",
        reason="pg_dump/pg_restore: the PostgreSQL pass (TEST_DATABASE=postgresql)",
    ),
]


def observed(app, engine: EmbeddedEngine) -> dict[str, object]:
    """Every figure the auditors read, and what citizens find, as the API answers them."""
    app.extensions["qingdan_search_engine"] = engine
    client = app.test_client()
    answers: dict[str, object] = {}
    for path in FIGURES + tuple(f"/api/v1/search?q={q}&per_page=100" for q in QUERIES):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        body = response.get_json()
        if "hits" in body:
            # search: every document found is on the page, and the same ones are found (a new
            # index orders hits tied in score its own way, and its BM25 statistics differ in the
            # last digits: neither is drift)
            assert body["total"] <= 100, (path, body["total"])
            body = (body["total"], sorted(hit["id"] for hit in body["hits"]))
        answers[path] = body
    return answers


def run(command: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, (
        f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done


def test_restored_dump_gives_the_same_figures_and_search_with_no_drift(
    app, live_database, database_template, tmp_path
):
    original_index = EmbeddedEngine(tmp_path / "original-index")
    saved_engine = app.extensions.get("qingdan_search_engine")
    with app.app_context():
        with write_transaction(db.session):
            seed_yuncheng(db.session)
        assert search_reindex.reindex(db.session, original_index).ok
    before = observed(app, original_index)
    assert before["/api/v1/stats/figures"]["figures"], "the seeded database has figures"

    dump = tmp_path / "qingdan.dump"
    environ = {**live_database.environ(), "PYTHON": os.environ.get("PYTHON", sys.executable)}
    assert run([str(ROOT / "deploy" / "backup"), str(dump)], environ).stdout.strip() == str(dump)
    assert dump.stat().st_size > 0 and not Path(f"{dump}.partial").exists()

    name = f"qingdan_restored_{os.getpid()}"
    restored_url = postgres.create_database(database_template.admin_url, name)
    restored_index = tmp_path / "restored-index"
    try:
        restored = run(
            [str(ROOT / "deploy" / "restore"), str(dump)],
            {**environ, "DATABASE_URL": restored_url, "SEARCH_INDEX_PATH": str(restored_index)},
        )
        assert "缺失 0\n过期 0\n多余 0" in restored.stdout, restored.stdout
        # a second restore into the same, no longer empty, database is refused, not merged
        again = subprocess.run(
            [str(ROOT / "deploy" / "restore"), str(dump)],
            cwd=ROOT,
            capture_output=True,
            check=False,
            text=True,
            env={**environ, "DATABASE_URL": restored_url, "SEARCH_INDEX_PATH": str(restored_index)},
        )
        assert again.returncode == 2 and "restore into a new one" in again.stderr

        engine = create_engine(restored_url)
        try:
            with app.app_context(), sessions_on(app, engine):
                index = EmbeddedEngine(restored_index)
                assert search_reindex.verify(db.session, index).total == 0
                after = observed(app, index)
        finally:
            engine.dispose()
        for path in before:
            assert after[path] == before[path], path
    finally:
        app.extensions["qingdan_search_engine"] = saved_engine
        postgres.drop_database(database_template.admin_url, make_url(restored_url).database)
