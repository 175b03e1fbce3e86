"""`flask --app catalog stats`: the auditors' figures in the terminal."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .extensions import db
from .models import FigureFact, Region
from .models.figure_facts import rebuild_figure_facts
from .services import legal_changes, statistics, supervision_figures
from .services.figures import RULES
from .services.permissions import Actor


def _scoped(command: Callable[..., None]) -> Callable[..., None]:
    """The options every figures command takes; the command gets ``as_json``, ``rule`` and the
    ``scope`` (statistics' keyword arguments) they give."""

    @functools.wraps(command)
    def run(
        *args: Any,
        region_code: str | None,
        department_id: int | None,
        item_types: tuple[str, ...],
        as_of: object,
        **options: Any,
    ) -> None:
        command(*args, scope=_scope(region_code, department_id, item_types, as_of), **options)

    function: Any = run
    for option in reversed(
        [
            click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table."),
            click.option(
                "--as-of",
                "as_of",
                type=click.DateTime(["%Y-%m-%d"]),
                help="As of the end of this day (China time).",
            ),
            click.option(
                "--rule",
                type=click.Choice(RULES),
                default="HALF_UP",
                show_default=True,
                help="Rounding rule of the display.",
            ),
            click.option(
                "--region", "region_code", help="行政区划代码, e.g. 445302 (default: every region)."
            ),
            click.option("--department-id", type=int, help="Only this department."),
            click.option(
                "--item-type",
                "item_types",
                multiple=True,
                default=("01",),
                show_default=True,
                help="事项类型 in scope (实施清单).",
            ),
        ]
    ):
        function = option(function)
    return function


def _scope(
    region_code: str | None, department_id: int | None, item_types: tuple[str, ...], as_of: object
) -> dict[str, Any]:
    region_id = None
    if region_code:
        region_id = db.session.scalar(select(Region.id).where(Region.code == region_code))
        if region_id is None:
            raise click.BadParameter(
                f"没有行政区划代码为 {region_code} 的地区。", param_hint="--region"
            )
    day = as_of.date() if isinstance(as_of, date) else None
    return {
        "region_id": region_id,
        "department_id": department_id,
        "item_types": item_types,
        "as_of": day,
    }


def _fraction(figure: dict[str, Any]) -> str:
    if figure["denominator"] is None:
        return figure["numerator_text"]
    return f"{figure['numerator_text']}/{figure['denominator']}"


def _unknown(figure: dict[str, Any]) -> str:
    return f"另有 {figure['unknown']} 项未填报、未计入" if figure["unknown"] else ""


@click.group("stats", invoke_without_command=True)
@click.pass_context
@with_appcontext
@_scoped
def stats_command(context: click.Context, as_json: bool, rule: str, scope: dict[str, Any]) -> None:
    """Print every figure with its numerator, denominator, exact value and display."""
    if context.invoked_subcommand is not None:
        return
    figures = statistics.figures(db.session, rule=rule, **scope)
    oversight = supervision_figures.oversight_figures(
        db.session,
        rule=rule,
        region_id=scope["region_id"],
        department_id=scope["department_id"],
        as_of=scope["as_of"],
    )
    if as_json:
        click.echo(
            json.dumps(
                figures + oversight["figures"] + oversight["ratios"], ensure_ascii=False, indent=2
            )
        )
        return
    click.echo(f"口径：{statistics.scope_text(db.session, figures[0]['scope'])}；舍入：{rule}")
    _print(figures, rule)
    click.echo("双随机、一公开与法律依据（口径见各数字的 scope；覆盖率和引用数为当前状态）：")
    _print(oversight["figures"] + oversight["ratios"], rule)
    _print_basis_changes()


def _print_basis_changes() -> None:
    """Each revised or abolished basis with the reviews it opened and how many are pending."""
    operator = Actor.system("cli", "cli")
    for change in legal_changes.changes(db.session, operator):
        reviews = legal_changes.change_reviews(db.session, change.id, operator)[1]
        kind = "修订" if change.kind == "revise" else "废止"
        click.echo(
            f"依据{kind}：《{change.legal_basis.name}》{change.document_number}（{change.effective_on}）"
            f"  影响事项 {len(reviews)}，待处理 {sum(c.pending for c in reviews)}"
        )


def _print(figures: list[dict], rule: str) -> None:
    for figure in figures:
        others = ", ".join(f"{r}: {d}" for r, d in figure["displays"].items() if r != rule)
        click.echo(
            f"{figure['label']:<14} {figure['display']:>10}   {_fraction(figure):<24} "
            f"精确值 {figure['value'] or '—'}  ({others})  {_unknown(figure)}".rstrip()
        )


@stats_command.command("completeness")
@with_appcontext
@_scoped
def completeness_command(as_json: bool, rule: str, scope: dict[str, Any]) -> None:
    """Print each list's completeness (实施清单要素完整率 …) and the rows missing each element."""
    lists = statistics.completeness_figures(db.session, rule=rule, **scope)
    if as_json:
        click.echo(json.dumps(lists, ensure_ascii=False, indent=2))
        return
    click.echo(f"口径：{statistics.scope_text(db.session, lists[0]['scope'])}；舍入：{rule}")
    for figure in lists:
        click.echo(
            f"{figure['label']}（{figure['list_label']}） {figure['display']}   {_fraction(figure)}  {_unknown(figure)}".rstrip()
        )
        for element in figure["elements"]:
            if element["missing"]:
                click.echo(f"    缺{element['label']}：{element['missing']}")


@click.command("rebuild-figure-facts")
@with_appcontext
def rebuild_figure_facts_command() -> None:
    """Refill figure_facts (the as-of figures' history) from change_records.

    Writes through the application keep it current; run this after loading history rows in
    bulk with SQL, which bypasses the application.
    """
    rebuild_figure_facts(db.session.connection())
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(FigureFact))
    click.echo(f"figure_facts 已按变更记录重建：{count} 行。")
