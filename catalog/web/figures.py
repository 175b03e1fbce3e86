"""The auditors' dashboard: /figures, one figure's page with its charts, and the rows behind
a part of a figure as a table; each table can be exported as xlsx or CSV.

The routes are registered on the portal's blueprint (``web.figures`` stays the dashboard's
endpoint). Handlers parse the query with a schema, call the figures services, render.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from ..api.spreadsheets import file_response
from ..extensions import db
from ..models.base import CHINA_TIME
from ..schemas.fields import Code, Int, Str, optional
from ..schemas.stats import ScopeArgsSchema
from ..services import completeness_views, figure_views, public_items, statistics
from ..services.figure_views import PART_LABELS, SHAPES, SORTS, department_sorts
from ..services.tabular_files import FORMATS
from .charts import bar_chart, line_chart
from .query import page_args, strict_args

RULE_NAMES = {"HALF_UP": "四舍五入（HALF_UP）", "DOWN": "截断（DOWN）"}


class DashboardArgsSchema(ScopeArgsSchema):
    sort = Code({s: s for s in department_sorts()}, load_default="instant_share")
    page = Int(minimum=1, maximum=10_000, load_default=1, strict=False)


class _RowsArgsSchema(ScopeArgsSchema):
    part = Code(PART_LABELS, load_default="numerator")
    sort = Code({s: s for s in SORTS}, load_default="name")


class RowsPageArgsSchema(_RowsArgsSchema):
    page = Int(minimum=1, maximum=100_000, load_default=1, strict=False)


class RowsExportArgsSchema(_RowsArgsSchema):
    format = Code(FORMATS, load_default="xlsx")


class _CompletenessArgsSchema(ScopeArgsSchema):
    element = optional(Str, max_length=40)
    sort = Code({s: s for s in SORTS}, load_default="name")


class CompletenessRowsArgsSchema(_CompletenessArgsSchema):
    page = Int(minimum=1, maximum=100_000, load_default=1, strict=False)


class CompletenessExportArgsSchema(_CompletenessArgsSchema):
    format = Code(FORMATS, load_default="xlsx")


def _scope(args: dict[str, Any]) -> dict[str, Any]:
    """The figures' scope from the query; a region is chosen when none is (a figure over two
    districts means little)."""
    if args.get("region_id") is None:
        regions = public_items.regions(db.session)
        if regions:
            args["region_id"] = regions[0].id
    return {k: args.get(k) for k in ("region_id", "department_id", "item_types", "as_of")}


def _scope_args(args: dict[str, Any]) -> dict[str, Any]:
    """The scope and rule as query parameters, for links to the other figure pages."""
    chosen = {k: args.get(k) for k in ("region_id", "department_id", "as_of", "rule")}
    if args.get("item_types") and list(args["item_types"]) != ["01"]:
        chosen["item_types"] = list(args["item_types"])
    return {k: v for k, v in chosen.items() if v is not None}


def here(**changes: Any) -> str:
    """This page with some query parameters changed (None removes one): sort and page links."""
    args = request.args.to_dict(flat=False)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = [str(value)]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _computed_at() -> str:
    """The moment a live figure is computed, as people in China read it."""
    return datetime.now(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")


def dashboard() -> str:
    regions = public_items.regions(db.session)
    args = page_args(
        DashboardArgsSchema, "figures.html", figures=[], rule_names=RULE_NAMES, regions=regions
    )
    scope = _scope(args)
    computed_at = _computed_at()
    shown = figure_views.dashboard(
        db.session, rule=args["rule"], sort=args["sort"], page=args["page"], **scope
    )
    return render_template(
        "figures.html",
        args=args,
        figures=shown.figures,
        computed_at=computed_at,
        rule_names=RULE_NAMES,
        scope_text=statistics.scope_text(db.session, shown.figures[0]["scope"]),
        departments=shown.departments,
        completeness=statistics.completeness_figures(db.session, rule=args["rule"], **scope),
        regions=regions,
        scope_args=_scope_args(args),
        formats=FORMATS,
        problems=None,
    )


def figure(key: str) -> str:
    figure_views.check(key)
    args = strict_args(ScopeArgsSchema)
    scope = _scope(args)
    computed_at = _computed_at()
    shape = SHAPES[key]
    departments = figure_views.by_department(db.session, key, rule=args["rule"], **scope)
    days = figure_views.series(db.session, key, rule=args["rule"], **scope)
    # the line ends with the live figure: asked for as of a day, the figure is computed again
    chosen = (
        figure_views.one(db.session, key, args["rule"], **scope)
        if args.get("as_of")
        else days[-1].figure
    )
    overall = chosen.as_dict()
    label = shape.label
    return render_template(
        "figure.html",
        args=args,
        figure=overall,
        computed_at=computed_at,
        rule_names=RULE_NAMES,
        parts=PART_LABELS,
        departments=departments,
        days=days,
        department_chart=bar_chart(
            f"各部门{label}",
            f"{label}，按部门，从高到低；无适用事项的部门列在最后。数值见下表。",
            [(v.label, v.value, v.text) for v in departments],
            shape.percent,
        ),
        series_chart=line_chart(
            f"{label}的变化",
            f"{label}在各截至日期的数值，从早到晚。数值见下表。",
            [(v.label, v.value, v.text) for v in days],
            shape.percent,
        ),
        scope_text=statistics.scope_text(db.session, overall["scope"]),
        scope_args=_scope_args(args),
    )


def figure_rows(key: str) -> str:
    args = strict_args(RowsPageArgsSchema)
    scope = _scope(args)
    found = figure_views.rows_page(
        db.session, key, part=args["part"], sort=args["sort"], page=args["page"], **scope
    )
    return render_template(
        "figure_rows.html",
        args=args,
        found=found,
        parts=PART_LABELS,
        formats=FORMATS,
        scope_args=_scope_args(args),
    )


def figure_rows_export(key: str) -> Response:
    args = strict_args(RowsExportArgsSchema)
    scope = _scope(args)
    return file_response(
        figure_views.export_rows(
            db.session, args["format"], key, part=args["part"], sort=args["sort"], **scope
        )
    )


def completeness_rows(list_name: str) -> str:
    args = strict_args(CompletenessRowsArgsSchema)
    found = completeness_views.rows_page(
        db.session, list_name, args["element"], sort=args["sort"], page=args["page"], **_scope(args)
    )
    return render_template(
        "completeness_rows.html",
        args=args,
        found=found,
        formats=FORMATS,
        required=completeness_views.requirement(list_name),
        scope_args=_scope_args(args),
        all_label=completeness_views.ALL_ELEMENTS,
    )


def completeness_rows_export(list_name: str) -> Response:
    args = strict_args(CompletenessExportArgsSchema)
    return file_response(
        completeness_views.export_rows(
            db.session,
            args["format"],
            list_name,
            args["element"],
            sort=args["sort"],
            **_scope(args),
        )
    )


def register(bp: Blueprint) -> None:
    bp.add_app_template_global(here, "here")
    bp.add_url_rule("/figures", "figures", dashboard)
    bp.add_url_rule("/figures/<key>", "figure", figure)
    bp.add_url_rule("/figures/<key>/rows", "figure_rows", figure_rows)
    bp.add_url_rule("/figures/<key>/rows/export", "figure_rows_export", figure_rows_export)
    bp.add_url_rule(
        "/figures/completeness/<list_name>/rows", "completeness_rows", completeness_rows
    )
    bp.add_url_rule(
        "/figures/completeness/<list_name>/rows/export",
        "completeness_rows_export",
        completeness_rows_export,
    )
