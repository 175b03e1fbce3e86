"""Console pages for search: the queries citizens could not find, and the synonyms that fix them.

Handlers stay thin: read the query string or form, call one service, render.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from ..api.spreadsheets import file_response
from ..authentication import current_actor
from ..extensions import db
from ..schemas.search import SearchLogArgsSchema, SearchLogExportSchema
from ..services import search_log, search_synonyms
from ..services.errors import DomainError
from .query import flash_problem, page_args, strict_args

bp = Blueprint(
    "search_console", __name__, template_folder="templates", url_prefix="/console/search"
)


@bp.get("/log")
@login_required
def log() -> str:
    args = page_args(SearchLogArgsSchema, "search_log.html", entries=None)
    entries = search_log.summary(db.session, current_actor(), args["days"])
    retention = current_app.config["SEARCH_LOG_RETENTION_DAYS"]
    return render_template(
        "search_log.html", args=args, entries=entries, retention=retention, problems=None
    )


@bp.get("/log/export")
@login_required
def log_export() -> Response:
    args = strict_args(SearchLogExportSchema)
    return file_response(search_log.export_log(db.session, current_actor(), args))


@bp.get("/synonyms")
@login_required
def synonyms() -> str:
    rules = search_synonyms.list_rules(db.session, current_actor())
    return render_template("search_synonyms.html", rules=rules)


@bp.post("/synonyms")
@login_required
def add_synonym() -> Response:
    rule, note = request.form.get("rule", "")[:1000], request.form.get("note", "")[:200]
    try:
        added = search_synonyms.add_rule(db.session, current_actor(), rule, note)
    except DomainError as error:
        flash_problem(error)
    else:
        flash(f"已添加：{added.rule}。下一次搜索即生效，无需重建索引。", "done")
    return redirect(url_for("search_console.synonyms"), 303)


@bp.post("/synonyms/<int:row_id>/delete")
@login_required
def delete_synonym(row_id: int) -> Response:
    search_synonyms.delete_rule(db.session, current_actor(), row_id)
    flash("已删除。", "done")
    return redirect(url_for("search_console.synonyms"), 303)
