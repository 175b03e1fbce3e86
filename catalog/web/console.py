"""The department console: sign in, see one's drafts and the review queue, take workflow steps.

Every form posts a CSRF token (Flask-WTF checks it before any handler runs); every step goes
through the same use cases as the API, so permissions and rules are the ones the API has.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..api.spreadsheets import file_response
from ..authentication import begin_session, current_actor, end_session
from ..extensions import db
from ..models import ChangeRecord, Organization
from ..models.base import CHINA_TIME
from ..schemas.workflow import AuditExportSchema, AuditQuerySchema
from ..services import accounts, audit_trail, review, workflow
from ..services.errors import DomainError
from ..services.permissions import ROLES
from ..services.registry import ALL_LISTS
from .query import flash_problem, page_args, strict_args
from .sign_in_limits import remember_device, sign_in_limits, submitted_username

bp = Blueprint("console", __name__, template_folder="templates")
LISTS = {spec.name: spec for spec in ALL_LISTS if spec.has_workflow}
QUEUE_PAGE = 50  # rows of the work queue per page: each carries its step forms


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits
def login() -> Response | tuple[str, int] | str:
    if request.method == "GET":
        return render_template("login.html", problem=None)
    username = submitted_username()
    try:
        opened, secret = accounts.sign_in(
            db.session,
            username,
            request.form.get("password", ""),
            request.remote_addr,
            current_app.config["SESSION_LIFETIME"],
            current_app.config["PASSWORD_HASH_METHOD"],
        )
    except DomainError as error:
        return render_template("login.html", problem=error.message, username=username), error.status
    begin_session(opened, secret)
    response = redirect(url_for("console.console"))
    remember_device(response, username)
    return response


@bp.post("/logout")
def logout() -> Response:
    end_session()
    return redirect(url_for("web.home"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    """End every session of this account: other browsers, a forgotten office PC, a copied cookie."""
    accounts.sign_out_everywhere(db.session, current_actor())
    end_session()
    return redirect(url_for("web.home"))


@bp.get("/console")
@login_required
def console() -> str:
    actor = current_actor()
    asked = request.args.get("page", "")
    page = int(asked) if asked.isdigit() and len(asked) < 6 else 1
    queue = workflow.work_queue(db.session, actor, page, QUEUE_PAGE)
    return render_template(
        "console.html",
        entries=queue.items,
        total=queue.total,
        page=queue.page,
        last_page=max(1, queue.pages),
        role=ROLES.get(actor.role, actor.role),
        actor=actor,
    )


@bp.post("/console/<list_name>/<int:row_id>/<step>")
@login_required
def take_step(list_name: str, row_id: int, step: str) -> Response:
    spec = LISTS.get(list_name)
    if spec is None or step not in workflow.STEPS:
        raise DomainError("not_found", "没有这个清单或操作。", 404)
    version = request.form.get("version", "")
    reason = request.form.get("reason", "").strip()[:2000] or None
    try:
        workflow.take_step(
            db.session,
            spec,
            step,
            row_id,
            int(version) if version.isdigit() else -1,
            current_actor(),
            reason,
        )
    except DomainError as error:
        flash_problem(error)
    else:
        flash(f"已{workflow.STEPS[step].label}：{spec.label} {row_id}。", "done")
    if request.form.get("back") == "review":  # a step taken on the review page stays on it
        return redirect(
            url_for("console_review.review_page", list_name=list_name, row_id=row_id), 303
        )
    return redirect(url_for("console.console"), 303)


@bp.get("/console/audit")
@login_required
def audit() -> tuple[str, int] | str:
    """The auditors' view of the trail: the newest changes, filtered as the API filters them."""
    context = _audit_context()
    args = page_args(AuditQuerySchema, "audit.html", page=None, **context)
    actor = current_actor()
    page = audit_trail.query_changes(db.session, args, actor)
    return render_template(
        "audit.html",
        args=args,
        page=page,
        problems=None,
        lines=review.record_lines(db.session, page.items, actor),
        last_page=max(1, -(-page.total // page.per_page)),
        **context,
    )


def _audit_context() -> dict[str, Any]:
    return {**AUDIT_LABELS, "orgs": department_choices(), "audit_link": _audit_link}


AUDIT_LABELS = {
    "actions": audit_trail.ACTION_LABELS,
    "entities": audit_trail.ENTITY_LABELS,
    "sources": audit_trail.SOURCE_LABELS,
}


@bp.app_template_filter("china_time")
def china_time(moment: datetime | None) -> str:
    """A stored UTC moment as the 北京时间 people read, to the second."""
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def department_choices() -> list[Organization]:
    """The departments a filter or form offers (read when a page asks, not on every page)."""
    query = select(Organization).where(Organization.kind == "department").order_by(Organization.id)
    return list(db.session.scalars(query))


_LIST_OF_ENTITY = {spec.entity_type: spec.name for spec in LISTS.values()}
_PAGES = {
    "random_check_task": ("console_oversight.task", "task_id"),
    "legal_basis_change": ("console_oversight.change", "change_id"),
}


def _audit_link(change: ChangeRecord) -> str | None:
    """Where the changed row is read: its review page (drafts, revisions) or its console page."""
    if change.entity_type == workflow.REVISION_ENTITY:
        snapshot = change.after or change.before or {}
        list_name = _LIST_OF_ENTITY.get(snapshot.get("entity_type", ""))
        entity_id = snapshot.get("entity_id")
    else:
        list_name, entity_id = _LIST_OF_ENTITY.get(change.entity_type), change.entity_id
    if list_name and isinstance(entity_id, int):
        return url_for("console_review.review_page", list_name=list_name, row_id=entity_id)
    if change.entity_type in _PAGES:
        endpoint, argument = _PAGES[change.entity_type]
        return url_for(endpoint, **{argument: change.entity_id})
    return None


@bp.get("/console/audit/export")
@login_required
def audit_export() -> Response:
    args = strict_args(AuditExportSchema)
    return file_response(audit_trail.export_changes(db.session, args, current_actor()))
