"""`flask --app catalog import <list> FILE` and `flask --app catalog export <list> FILE`.

- ``import``: a dry run by default — every problem of every row is printed as a table (row as
  Excel shows it, column, code, message) and nothing is saved. ``--commit`` saves the whole
  file, or nothing when any row has a problem, and leaves the search index in sync. Exit status
  1 when there are problems.
- ``export``: the list (with ``--filter name=value``, the filters of GET /api/v1/<list>) or the
  auditors' figures (``export figures``) as .xlsx or CSV, with the Chinese headers.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select

from .cli_search import sync_index
from .extensions import db
from .models import Region
from .services import figures_export, list_export, row_import
from .services.errors import DomainError
from .services.figures import RULES
from .services.permissions import Actor
from .services.spreadsheet_columns import SHEETS
from .services.tabular_files import FORMATS, Problem, read_file

LARGE_FILE_ROWS = 500  # a progress bar from this many rows on
FIGURES = "figures"


def register_spreadsheet_commands(cli: click.Group) -> None:
    cli.add_command(import_command)
    cli.add_command(export_command)


def _region_id(code: str | None) -> int | None:
    if not code:
        return None
    region_id = db.session.scalar(select(Region.id).where(Region.code == code))
    if region_id is None:
        raise click.BadParameter(f"没有行政区划代码为 {code} 的地区。", param_hint="--region")
    return region_id


@click.command("import")
@click.argument("list_name", metavar="LIST", type=click.Choice(sorted(SHEETS)))
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--commit",
    is_flag=True,
    help="Save the rows (all of them, or none when any row has a problem).",
)
@click.option(
    "--region", "region_code", help="行政区划代码: look departments up by name only in this region."
)
@click.option(
    "--allow-unknown-columns",
    is_flag=True,
    help="Ignore columns the list does not have (they are listed).",
)
@click.option(
    "--actor",
    default="cli",
    show_default=True,
    help="Name recorded in the history of the created rows.",
)
@with_appcontext
def import_command(
    list_name: str,
    path: Path,
    commit: bool,
    region_code: str | None,
    allow_unknown_columns: bool,
    actor: str,
) -> None:
    """Check (default) or import an .xlsx or CSV file of LIST."""
    spec = SHEETS[list_name].spec
    try:
        table = read_file(path)
        rows = max(len(max((r for _, r in table.sheets), key=len)) - 1, 0)
        options = {
            "region_id": _region_id(region_code),
            "allow_unknown_columns": allow_unknown_columns,
        }
        # An operator on the server: the rows keep the sheet's 状态 (publishing an existing list).
        options["actor"] = Actor.system(actor, "import")
        with click.progressbar(
            length=rows, label="检查并导入" if commit else "检查", file=_bar_file(rows)
        ) as bar:
            report = row_import.import_file(
                db.session, spec, table, dry_run=not commit, progress=bar.update, **options
            )
    except DomainError as error:
        raise click.ClickException(f"{error.message}（{error.code}）") from None
    _print_problems(report.problems)
    if report.warnings:
        click.echo(f"提示（不影响导入）{len(report.warnings)} 条：")
        _print_problems(report.warnings)
    for column in report.ignored_columns:
        click.echo(f"已忽略的列：{column}")
    summary = f"{spec.label}：{report.rows} 行，{report.valid} 行无误，{len(report.problems)} 处问题，用时 {report.seconds:.1f} 秒。"
    if commit:
        summary += f" 已导入 {report.created} 行。" if report.ok else " 有问题，未导入任何一行。"
    elif report.ok:
        summary += " 检查通过；加 --commit 导入。"
    click.echo(summary)
    if not report.ok:
        raise SystemExit(1)
    if commit:
        sync_index()


def _bar_file(rows: int) -> object | None:
    """The progress bar only for large files; small ones finish before it would show."""
    if rows >= LARGE_FILE_ROWS:
        return None
    import io

    return io.StringIO()


def _print_problems(problems: list[Problem]) -> None:
    if not problems:
        return
    table = [("行", "列", "代码", "说明")] + [
        (str(p.row), p.column, p.code, p.message) for p in problems
    ]
    widths = [max(_width(row[i]) for row in table) for i in range(3)]
    for row in table:
        cells = [_pad(row[i], widths[i]) for i in range(3)]
        click.echo("  ".join([*cells, row[3]]))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@click.command("export")
@click.argument("list_name", metavar="LIST", type=click.Choice([*sorted(SHEETS), FIGURES]))
@click.argument(
    "path", metavar="FILE", type=click.Path(dir_okay=False, writable=True, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    help="Default: from FILE's suffix, else xlsx.",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="NAME=VALUE",
    help="A filter of GET /api/v1/<list>, e.g. department_id=3.",
)
@click.option("--sort", help="A sort of GET /api/v1/<list>, e.g. -updated_at.")
@click.option("--region", "region_code", help="figures: 行政区划代码 (default: every region).")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="figures: as of the end of this day.",
)
@click.option(
    "--rule",
    type=click.Choice(RULES),
    default="HALF_UP",
    show_default=True,
    help="figures: rounding rule.",
)
@with_appcontext
def export_command(
    list_name: str,
    path: Path,
    fmt: str | None,
    filters: tuple[str, ...],
    sort: str | None,
    region_code: str | None,
    as_of: object,
    rule: str,
) -> None:
    """Write LIST (or the figures) to FILE as .xlsx or CSV with the Chinese headers."""
    fmt = fmt or (
        path.suffix.lower().lstrip(".") if path.suffix.lower() in (".xlsx", ".csv") else "xlsx"
    )
    try:
        if list_name == FIGURES:
            day = as_of.date() if isinstance(as_of, date) else None
            exported = figures_export.export_figures(
                db.session, fmt, rule=rule, region_id=_region_id(region_code), as_of=day
            )
        else:
            spec = SHEETS[list_name].spec
            query = dict(_pair(f) for f in filters)
            query.update({"format": fmt, **({"sort": sort} if sort else {})})
            try:
                args = list_export.export_query_schema(spec)().load(query)
            except ValidationError as error:
                raise click.BadParameter(_messages(error.messages), param_hint="--filter") from None
            exported = list_export.export_list(db.session, spec, args, Actor.system("cli", "cli"))
    except DomainError as error:
        raise click.ClickException(f"{error.message}（{error.code}）") from None
    click.echo(f"已写入 {path}（{exported.save(path):,} 字节）")


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise click.BadParameter(
            f"“{text}”应写作 名称=值，如 department_id=3。", param_hint="--filter"
        )
    return name.strip(), value.strip()


def _messages(messages: dict[str, list[str]]) -> str:
    return "；".join(f"{name}：{'、'.join(map(str, errors))}" for name, errors in messages.items())
