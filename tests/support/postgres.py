"""A throwaway PostgreSQL database on the Debian PostgreSQL 15 cluster of this machine.

With TEST_DATABASE_URL set, that server is used instead (a database is still created for the
run, so tests never touch data they did not make).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROLE = "qingdan_test"
PASSWORD = "qingdan_test"
CLUSTER = ("15", "main")


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*runner, *command], capture_output=True, text=True, check=False)


def _cluster_line() -> str:
    """pg_lsclusters' line for the suite's cluster (15/main): others may run beside it
    (deploy/stack's own), and their state or port is not ours."""
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout
    return next((line for line in listing.splitlines() if line.split()[:2] == list(CLUSTER)), "")


def ensure_cluster_running() -> str:
    """Start the machine's cluster if it is down; return an admin URL for our test role."""
    if shutil.which("pg_ctlcluster") is None:
        raise RuntimeError("pg_ctlcluster 不存在：请安装 Debian 的 postgresql-15 软件包。")
    status = _cluster_line()
    if " online " not in f" {status} ":
        started = subprocess.run(
            ["pg_ctlcluster", *CLUSTER, "start"], capture_output=True, text=True, check=False
        )
        # another test worker may have started it meanwhile: only a cluster still down is an error
        if started.returncode != 0 and " online " not in f" {_cluster_line()} ":
            raise RuntimeError(f"PostgreSQL 15 未能启动：{started.stderr.strip()}")
    port = status.split()[2] if status.split() else "5432"
    for _ in range(50):
        if _as_postgres("pg_isready", "-p", port).returncode == 0:
            break
        time.sleep(0.2)
    _as_postgres(
        "psql",
        "-p",
        port,
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
        f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'; END IF; END $$;",
    )
    return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{port}/postgres"


def create_database(admin_url: str, name: str) -> str:
    """(Re)create database ``name`` and return its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        _drop(conn, name)
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        _drop(conn, name)


def _drop(conn: psycopg.Connection, name: str, attempts: int = 20) -> None:
    """DROP DATABASE, ending the test's own leftover connections (FORCE). An autovacuum worker
    busy on a freshly seeded database has no role, so FORCE may not end it ("must be a member of
    the role…"); a plain DROP cancels autovacuum itself, once no session is left."""
    for attempt in range(attempts):
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except psycopg.errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)


def throwaway_database(sqlite_dir: Path, label: str) -> Iterator[str]:
    """A database URL for one test run, dropped afterwards: a SQLite file, or with
    TEST_DATABASE=postgresql a database of its own (named by label and process, so runs
    side by side never drop each other's)."""
    if os.environ.get("TEST_DATABASE", "sqlite") != "postgresql":
        yield f"sqlite:///{sqlite_dir / f'{label}.sqlite3'}"
        return
    admin = os.environ.get("TEST_DATABASE_URL") or ensure_cluster_running()
    name = f"qingdan_{label}_{os.getpid()}"
    yield create_database(admin, name)
    drop_database(admin, name)
