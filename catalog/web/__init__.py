"""Server-rendered pages: the citizen portal (search, item guides); the figures pages are in
figures.py, the townships' pages in townships.py.

Handlers stay thin: parse the query string with a schema, call one service, render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, render_template, request, url_for

from search.filters import FILTERS, ValueType

from ..extensions import db, search_answers, search_engine
from ..models.base import CHINA_TIME
from ..models.codes import (
    CASE_TYPES,
    CHANNELS,
    CHECK_CATEGORIES,
    CHECK_RESULTS,
    DEVOLUTION_MODES,
    EXERCISE_LEVELS,
    ITEM_TYPES,
    SERVICE_OBJECTS,
    SERVICE_SCOPES,
    STATUSES,
    TASK_STATES,
    TIME_UNITS,
)
from ..schemas.search import SearchArgsSchema
from ..services import citizen_pages, public_items, search_documents
from ..services.errors import DomainError
from ..services.public_items import KIND_LABELS
from .console import bp as console_blueprint
from .console_admin import bp as console_admin_blueprint
from .console_forms import bp as console_forms_blueprint
from .console_oversight import bp as console_oversight_blueprint
from .console_review import bp as console_review_blueprint
from .console_spreadsheets import bp as console_spreadsheets_blueprint
from .figures import register as register_figures
from .query import page_args
from .random_checks import bp as random_checks_blueprint
from .search_insights import bp as search_console_blueprint
from .sign_in_limits import init_sign_in_limits
from .townships import bp as townships_blueprint

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)
register_figures(bp)  # the auditors' dashboard keeps the portal's endpoints (web.figures …)

LABELS = {
    "item_types": ITEM_TYPES,
    "case_types": CASE_TYPES,
    "time_units": TIME_UNITS,
    "channels": CHANNELS,
    "levels": EXERCISE_LEVELS,
    "service_objects": SERVICE_OBJECTS,
    "service_scopes": SERVICE_SCOPES,
    "statuses": STATUSES,
    "filters": {name: definition.label for name, definition in FILTERS.items()},
    "check_results": CHECK_RESULTS,
    "check_categories": CHECK_CATEGORIES,
    "task_states": TASK_STATES,
}


# The list a hit comes from, as a short badge (a twin's hit names each of its lists).
LIST_BADGES = {"service": "办事服务", "power": "权责", "supervision": "监管", "devolved": "下放"}


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {"labels": LABELS, "kind_labels": KIND_LABELS, "list_badges": LIST_BADGES}


@bp.app_template_filter("labelled")
def labelled(codes: list[str] | None, table: dict[str, str]) -> str:
    """Codes shown by their labels: ["1", "2"] → 窗口办理、电脑端网上办理 ('' for none)."""
    return "、".join(table.get(code, code) for code in codes or ())


@bp.app_template_filter("china_date")
def china_date(moment: Any) -> str:
    """A stored UTC moment as the China date people read."""
    return moment.astimezone(CHINA_TIME).date().isoformat() if moment else "—"


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Clients that do not read the pages' icon link ask here: the same icon, not a 404."""
    return bp.send_static_file("favicon.svg")


@bp.get("/")
def home() -> str:
    return render_template("home.html", counts=search_documents.published_counts(db.session))


@bp.get("/search")
def search() -> tuple[str, int] | str:
    args = page_args(SearchArgsSchema, "search.html", result=None)
    try:
        answer = citizen_pages.search_page(db.session, search_engine(), args, search_answers())
    except DomainError as error:
        return render_template(
            "search.html", args=args, result=None, problems={"q": [error.message]}
        ), error.status
    result = answer.found.result
    return render_template(
        "search.html",
        args=args,
        result=result,
        found=answer.found,
        facts=answer.facts,
        regions=answer.regions,
        facets=_facets(result),
        chosen=_chosen(),
        problems=None,
    )


SIDEBAR_HIDDEN = {"region"}  # chosen in the search box, beside the words


def _facets(result: Any) -> list[dict[str, Any]]:
    """Each facet's values as links that add (or, when chosen, remove) that filter."""
    current = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "page"}
    facets = []
    for name, counts in result.facets.items():
        if name in SIDEBAR_HIDDEN:
            continue
        values = []
        for value, count in counts[:15]:
            raw = str(value).lower() if isinstance(value, bool) else str(value)
            chosen = raw in current.get(name, [])
            link = {k: v for k, v in current.items() if k != name}
            if not chosen:
                link[name] = [raw]
            values.append(
                {
                    "text": _facet_text(name, value),
                    "count": count,
                    "chosen": chosen,
                    "url": _search_url(link),
                }
            )
        if values:
            facets.append({"name": name, "label": FILTERS[name].label, "options": values})
    return facets


def _search_url(args: dict[str, list[str]]) -> str:
    """The search page with these arguments: one url_for per page, not one per facet link (about
    15% of a page's time when each of its ~40 links built its own)."""
    return f"{url_for('web.search')}?{urlencode(args, doseq=True)}"


def _chosen() -> list[dict[str, str]]:
    """The filters in force, each with a link that drops it (shown above the hits)."""
    current = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "page"}
    chosen = []
    for name, values in current.items():
        if name not in FILTERS or name in SIDEBAR_HIDDEN:
            continue
        for raw in filter(None, values):
            rest = {**current, name: [v for v in values if v != raw]}
            definition = FILTERS[name]
            value = definition.parse(raw) if definition.value_type is ValueType.BOOL else raw
            chosen.append(
                {
                    "text": f"{definition.label}：{_facet_text(name, value)}",
                    "url": _search_url(rest),
                }
            )
    return chosen


FACET_VALUE_LABELS: dict[str, dict[str, str]] = {
    "kind": KIND_LABELS,
    "item_type": {**DEVOLUTION_MODES, **ITEM_TYPES},
}


def _facet_text(name: str, value: object) -> str:
    """What a citizen reads for a facet value: 是/否, a list's name, an item type's name."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return FACET_VALUE_LABELS.get(name, {}).get(str(value), str(value))


@bp.app_template_global()
def page_url(page: int) -> str:
    """The current search on another page."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for("web.search", **args)


@bp.get("/items/<kind>/<int:row_id>")
def item(kind: str, row_id: int) -> str:
    guide = public_items.guide(db.session, kind, row_id)
    return render_template(
        f"item_{kind}.html", row=guide.row, warnings=guide.warnings, twin=guide.twin
    )


# The pages load only their own files: a stored payload that slipped past escaping still could
# not run a script, and no other site may frame the console's forms (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def register_web(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.after_request
    def secure_pages(response: Response) -> Response:
        if not request.path.startswith("/api/"):  # the Swagger UI page runs an inline script
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    app.register_blueprint(console_blueprint)
    init_sign_in_limits(app, console_blueprint.name)
    app.register_blueprint(random_checks_blueprint)
    app.register_blueprint(console_oversight_blueprint)
    app.register_blueprint(search_console_blueprint)
    app.register_blueprint(townships_blueprint)
    app.register_blueprint(console_review_blueprint)
    app.register_blueprint(console_admin_blueprint)
    app.register_blueprint(console_forms_blueprint)
    app.register_blueprint(console_spreadsheets_blueprint)


def render_error(error: DomainError) -> tuple[str, int]:
    return render_template("error.html", error=error), error.status
