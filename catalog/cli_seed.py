"""`flask --app catalog seed …`: load the demo and sample datasets.

- ``seed yuncheng``: 云浮市云城区 as of 2020-12-31, reproducing its 2020 report's figures;
- ``seed guangan``: the real 1,135-item catalog of 广安市广安区 (seed/data/guangan-items.json);
- ``seed all``: both.

Each dataset is written in one transaction through the service layer (rules, history,
search outbox). Running a command again creates only what is missing, so a second run
changes nothing. When a command returns, the search index holds the new rows (the outbox is
drained; an engine that is down leaves them to the indexer, and the command says so).
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import with_appcontext

from seed import SeedReport, atomic_session
from seed.guangan import seed_guangan
from seed.yuncheng import seed_yuncheng

from .cli_search import sync_index
from .database import write_intent
from .extensions import db


@click.group("seed")
def seed_group() -> None:
    """Demo and sample data: 云城区 2020 (yuncheng), 广安区 (guangan), or all."""


def _run(*loaders: Callable[..., SeedReport]) -> None:
    for loader in loaders:
        # SQLite: the dataset's one transaction takes the write lock as it begins
        # the engine the app's sessions use (in the suite, a test's own database: tests/conftest.py)
        with write_intent(), atomic_session(db.session.get_bind()) as session:
            report = loader(session)
        for line in report.lines():
            click.echo(line)
    sync_index()


@seed_group.command("yuncheng")
@with_appcontext
def yuncheng_command() -> None:
    """云浮市云城区 (445302) as of 2020-12-31: 443 许可事项, 484 监管事项, 508 执法人员 …"""
    _run(seed_yuncheng)


@seed_group.command("guangan")
@with_appcontext
def guangan_command() -> None:
    """广安市广安区 (511602): 1,135 real items of 34 departments."""
    _run(seed_guangan)


@seed_group.command("all")
@with_appcontext
def all_command() -> None:
    """Both datasets, 云城区 then 广安区."""
    _run(seed_yuncheng, seed_guangan)
