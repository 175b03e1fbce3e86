"""`flask --app catalog search …`: reindex, verify, drain and the indexer worker."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from .extensions import db, search_engine
from .services import search_log, search_outbox, search_reindex


@click.group("search")
def search_group() -> None:
    """The search index: rebuild, compare with the database, drain the outbox."""


def sync_index() -> None:
    """Leave the index in sync with what a command wrote: drain the outbox now.

    An engine that cannot be reached keeps the changes in the outbox; the message says who
    takes them later. The command's own writes are committed either way.
    """
    report = search_outbox.drain_outbox(db.session, search_engine())
    if report.engine_down:
        pending = search_outbox.outbox_lag(db.session)["pending"]
        click.echo(
            f"搜索引擎暂不可用：{pending} 条变更留在待同步队列中，引擎恢复后由 search worker"
            "（或 flask --app catalog search drain）写入索引。",
            err=True,
        )
    elif report.claimed:
        click.echo(f"搜索索引已同步：写入 {report.indexed}，删除 {report.deleted}。")


@search_group.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Build a new index from the database; switch to it only once its mapping and count match.

    Changes made while it runs are written to the new index before and after the switch.
    """
    report = search_reindex.reindex(db.session, search_engine())
    click.echo(
        f"新索引 {report.new_index}：写入 {report.indexed} 条，核对数量 {report.count}/{report.expected_count}，"
        f"{report.rate:,.0f} 条/秒，{'已切换' if report.switched else '未切换'}。"
    )
    if report.switched:
        click.echo(
            f"重建期间的变更：切换前补写 {report.caught_up} 条，切换后重放 {report.replayed} 条。"
        )
    for problem in report.problems:
        click.echo(f"  问题：{problem}", err=True)
    if not report.ok:
        sys.exit(1)


@search_group.command("verify")
@click.option(
    "--repair", is_flag=True, help="Index what is missing or stale and remove what is extra."
)
@with_appcontext
def verify_command(repair: bool) -> None:
    """List documents missing from, stale in, or extra to the index; exit 1 on drift."""
    engine = search_engine()
    drift = search_reindex.verify(db.session, engine)
    for label, ids in (("缺失", drift.missing), ("过期", drift.stale), ("多余", drift.extra)):
        click.echo(
            f"{label} {len(ids)}"
            + (f"：{' '.join(ids[:20])}{' …' if len(ids) > 20 else ''}" if ids else "")
        )
    if drift.total and repair:
        search_reindex.repair(db.session, engine, drift)
        drift = search_reindex.verify(db.session, engine)
        click.echo(f"修复后差异 {drift.total} 条。")
    if drift.total:
        sys.exit(1)


@search_group.command("drain")
@click.option(
    "--now", "ignore_backoff", is_flag=True, help="Also take changes still waiting after a failure."
)
@with_appcontext
def drain_command(ignore_backoff: bool) -> None:
    """Index every change waiting in the outbox, then stop."""
    due_by = datetime.now(UTC) + timedelta(days=365) if ignore_backoff else None
    report = search_outbox.drain_outbox(db.session, search_engine(), due_by=due_by)
    click.echo(
        f"写入 {report.indexed}，删除 {report.deleted}，已是更新版本 {report.stale}，失败 {report.failed}。"
    )
    if report.engine_down:
        click.echo("搜索引擎不可用，变更保留在待同步队列中。", err=True)
        sys.exit(1)


@search_group.command("worker")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between polls when idle.")
@with_appcontext
def worker_command(poll: float) -> None:
    """Drain the outbox continuously (run one or more next to the web processes).

    Each poll is its own short transactions: an idle worker holds no snapshot or lock.
    """
    search_outbox.run_indexer(
        db.session,
        search_engine(),
        poll_seconds=poll,
        on_outage=lambda error: click.echo(
            f"数据库暂不可用，稍后重试（变更留在待同步队列中）：{error}", err=True
        ),
    )


@search_group.command("purge-log")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep this many days (default: SEARCH_LOG_RETENTION_DAYS).",
)
@with_appcontext
def purge_log_command(days: int | None) -> None:
    """Delete logged search queries older than the retention period (run it daily)."""
    from flask import current_app

    kept = days or current_app.config["SEARCH_LOG_RETENTION_DAYS"]
    deleted = search_log.purge(db.session, kept)
    click.echo(f"已删除 {deleted} 条早于 {kept} 天的搜索记录。")
