"""`flask --app catalog draws …` and `… legal …`: 双随机 draws and legal-basis changes from the
server's command line (run by operators: the system actor, recorded as "cli" in the trail).

``draws rerun`` needs no database: it re-runs a draw from the published files, as anyone can.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from .cli_users import OPERATOR, _run  # the operators' actor and the Chinese error exit
from .extensions import db
from .models import LegalBasis, RandomCheckTask
from .services import draw_algorithm, draw_verification, draw_views, legal_changes, random_checks
from .services.tabular_files import FORMATS


def _version(model: type, row_id: int) -> int:
    row = db.session.get(model, row_id)
    if row is None:
        raise click.ClickException(f"编号 {row_id} 不存在。")
    return row.version


def _row_command(
    group: click.Group, name: str, row: str, **attrs: Any
) -> Callable[[Callable[..., Any]], click.Command]:
    """A command of ``group`` about one row, named by its id (the argument ``row``), run in
    the app context."""

    def decorate(function: Callable[..., Any]) -> click.Command:
        function = click.argument(row, type=int)(with_appcontext(function))
        return group.command(name, **attrs)(function)

    return decorate


def _export_command(
    group: click.Group, name: str, row: str, export: Callable[..., Any], description: str
) -> None:
    """Add to ``group`` the command writing one row's export (``export(session, id, format,
    actor)``) to a file, in the format chosen."""

    @_row_command(group, name, row, help=description)
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="xlsx", show_default=True
    )
    def command(path: Path, fmt: str, **ids: int) -> None:
        exported = _run(lambda: export(db.session, ids[row], fmt, OPERATOR))
        click.echo(f"已写入 {path}（{exported.save(path)} 字节）。")


@click.group("draws")
def draws_group() -> None:
    """双随机 抽查任务: list, commit, run, show, verify, export; rerun from published files."""


@draws_group.command("list")
@click.option("--year", type=int)
@with_appcontext
def list_command(year: int | None) -> None:
    """Tasks: id, code, state, drawn/pool, name."""
    page = random_checks.list_tasks(
        db.session, {"year": year, "page": 1, "per_page": 1000}, OPERATOR
    )
    for task in page.items:
        drawn = f"{task.draw.sample_size}/{task.draw.pool_size}" if task.draw else "—"
        click.echo(f"{task.id:>5}  {task.code:<16} {task.state:<10} {drawn:>7}  {task.name}")


@_row_command(draws_group, "commit", "task_id")
def commit_command(task_id: int) -> None:
    """Make the seed and publish its SHA-256."""
    task = _run(
        lambda: random_checks.commit_task(
            db.session, task_id, _version(RandomCheckTask, task_id), OPERATOR
        )
    )
    click.echo(f"种子承诺（SHA-256）：{task.seed_commitment}")


@_row_command(draws_group, "run", "task_id")
@click.option("--witness", default="", help="现场见证随机数, entered at the draw.")
def run_command(task_id: int, witness: str) -> None:
    """Draw a committed task (once)."""
    drawn = _run(
        lambda: random_checks.run_draw(
            db.session, task_id, _version(RandomCheckTask, task_id), witness, OPERATOR
        )
    )
    click.echo(
        f"抽取 {drawn.sample_size}/{drawn.pool_size}；种子 {drawn.task.seed}；结果 SHA-256 {drawn.result_sha256}"
    )


@_row_command(draws_group, "show", "task_id")
def show_command(task_id: int) -> None:
    """The drawn targets, their teams and results, and the replacements."""
    view = draw_views.draw_view(_run(lambda: random_checks.get_draw(db.session, task_id, OPERATOR)))
    click.echo(
        f"{view['code']} {view['name']}：{view['draw_date']} 从 {view['pool_size']} 户抽取 {view['sample_size']} 户"
    )
    for target in view["targets"]:
        teams = "；".join(
            f"{t['department']}：{'、'.join(p['name'] for p in t['inspectors'])}"
            for t in target["teams"]
        )
        result = target["result_label"] or "未录入"
        click.echo(f"  {target['rank']:>3}. {target['name']}  [{teams}]  {result}")
    for r in view["replacements"]:
        click.echo(
            f"  回避/替换：{r['target']} {r['department']} {r['inspector']['name']}（{r['reason']}）→ {r['replaced_by']['name']}"
        )


@_row_command(draws_group, "verify", "task_id")
def verify_command(task_id: int) -> None:
    """Re-run the stored draw; exit 1 unless it is identical."""
    report = _run(lambda: draw_verification.verify_draw(db.session, task_id, OPERATOR))
    for name, ok in report["checks"].items():
        click.echo(f"  {name:<16} {'一致' if ok else '不一致'}")
    click.echo(f"  名录库：{report['directory']['message']}")
    if not report["identical"]:
        raise click.ClickException("抽取结果无法复现。")
    click.echo("重新抽取的结果与保存的结果逐字节一致。")


_export_command(
    draws_group,
    "export",
    "task_id",
    draw_views.export_draw,
    "The draw as .xlsx (drawn targets, replacements, draw facts) or CSV.",
)


def _published_file(name: str, description: str) -> Callable[[Callable[..., Any]], Any]:
    """A required option naming one of a draw's published files (``--snapshot`` gives the
    parameter ``snapshot_path``)."""
    return click.option(
        f"--{name}",
        f"{name}_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=True,
        help=description,
    )


@draws_group.command("rerun")
@_published_file("parameters", "The draw's parameters (JSON, as GET …/draw gives them).")
@_published_file("snapshot", "The published directory snapshot (GET …/snapshot).")
@click.option("--seed", required=True, help="The revealed seed (64 hex digits).")
@click.option("--witness", default="")
def rerun_command(parameters_path: Path, snapshot_path: Path, seed: str, witness: str) -> None:
    """Re-run a draw from the published files alone (no database): prints the drawn keys."""
    snapshot_text = snapshot_path.read_text(encoding="utf-8")
    try:
        result = draw_algorithm.run(
            json.loads(parameters_path.read_text(encoding="utf-8")),
            json.loads(snapshot_text),
            seed,
            witness,
        )
    except (draw_algorithm.DrawRefused, KeyError, ValueError) as error:
        raise click.ClickException(f"无法重新抽取：{error}") from None
    click.echo(f"快照 SHA-256 {draw_algorithm.sha256_hex(snapshot_text)}")
    for target in result["targets"]:
        click.echo(f"  {target['rank']:>3}. {target['key']}")
    click.echo(f"结果 SHA-256 {draw_algorithm.sha256_hex(draw_algorithm.canonical_json(result))}")


@click.group("legal")
def legal_group() -> None:
    """Legal bases: impact, abolish, revise, pending reviews, export of a change's impact."""


@_row_command(legal_group, "impact", "basis_id")
def impact_command(basis_id: int) -> None:
    """The items citing a basis, by list and department."""
    found = _run(lambda: legal_changes.impact(db.session, basis_id, OPERATOR))
    click.echo(
        f"《{found['basis'].name}》（{found['basis'].validity}）被 {len(found['items'])} 个事项引用："
    )
    for group in found["groups"]:
        click.echo(f"  {group['list']:<8} {group['department']:<24} {group['items']:>4}")


def _change_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--document-number",
                required=True,
                help="文号 of the decision (or of the new version).",
            ),
            click.option("--decided-on", type=click.DateTime(["%Y-%m-%d"]), required=True),
            click.option("--effective-on", type=click.DateTime(["%Y-%m-%d"]), required=True),
            click.option("--reason"),
        ]
    ):
        function = option(function)
    return function


def _change_data(
    document_number: str, decided_on: Any, effective_on: Any, reason: str | None, **more: Any
) -> dict[str, Any]:
    return {
        "document_number": document_number,
        "decided_on": decided_on.date(),
        "effective_on": effective_on.date(),
        "reason": reason,
        **more,
    }


def _change(use_case: Callable[..., Any], basis_id: int, data: dict[str, Any]) -> None:
    """Abolish or revise the basis at its current version, and say how many reviews it opened."""
    change = _run(
        lambda: use_case(db.session, basis_id, data, _version(LegalBasis, basis_id), OPERATOR)
    )
    pending = legal_changes.change_reviews(db.session, change.id, OPERATOR)[1]
    click.echo(
        f"已{'修订' if change.kind == 'revise' else '废止'}（{change.document_number}）：开出复核 {len(pending)} 项。"
    )


@_row_command(legal_group, "abolish", "basis_id")
@_change_options
def abolish_command(basis_id: int, **options: Any) -> None:
    """Abolish a basis; each citing item's department gets a review."""
    data = _change_data(**options)
    _change(legal_changes.abolish, basis_id, data)


@_row_command(legal_group, "revise", "basis_id")
@_change_options
@click.option("--version-label", help="版本, e.g. 2021年修订.")
def revise_command(basis_id: int, version_label: str | None, **options: Any) -> None:
    """A new version supersedes the basis; published citing items get a revision."""
    data = _change_data(**options, version_label=version_label)
    _change(legal_changes.revise, basis_id, data)


@legal_group.command("pending")
@with_appcontext
def pending_command() -> None:
    """Reviews still pending: items still citing a revised or abolished basis."""
    pending = legal_changes.pending_reviews(db.session, OPERATOR)
    for citation in pending:
        click.echo(
            f"  {citation.spec.label:<8} {citation.item_id:>6} {citation.name}（{citation.department}）"
        )
    click.echo(f"待处理 {len(pending)} 项。")


_export_command(
    legal_group,
    "export",
    "change_id",
    legal_changes.export_change,
    "A change's citing items and their reviews as .xlsx or CSV.",
)
