"""Administration in the browser: accounts, reviewers' departments and API tokens.

Each form calls the same use cases as `flask users …` and `flask tokens …` (services/accounts.py),
so the audit trail records a page's action exactly as it records the command's, with the
admin's session as its credential.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from ..authentication import current_actor
from ..extensions import db
from ..schemas.accounts import ReviewsFormSchema, TokenFormSchema, UserFormSchema
from ..schemas.fields import MAX_ID
from ..services import accounts
from ..services.errors import DomainError, not_found
from ..services.permissions import ROLES, authorize_anywhere
from .console import department_choices
from .query import problems_of, query_args

bp = Blueprint("console_admin", __name__, template_folder="templates", url_prefix="/console/admin")


@bp.before_request
@login_required
def admins_only() -> None:
    """Refused before any form is read: these pages are the administrators' alone."""
    authorize_anywhere(current_actor(), "accounts.manage")


def _form_problems(error: ValidationError | DomainError) -> dict[str, list[str]]:
    if isinstance(error, ValidationError):
        return problems_of(error)
    fields = {name: [e.message for e in errors] for name, errors in error.fields.items()}
    return fields or {"": [error.message]}


def _admin_page(template: str, problems: dict[str, list[str]] | None, **context: Any) -> str:
    """A page of accounts or tokens: its form's department and role choices, and its problems."""
    return render_template(
        template, orgs=department_choices(), roles=ROLES, problems=problems, **context
    )


def _users_page(
    problems: dict[str, list[str]] | None = None, form: dict[str, Any] | None = None
) -> str:
    users = accounts.list_users(db.session, current_actor())
    return _admin_page("console_admin_users.html", problems, users=users, form=form or {})


@bp.get("/users")
def users() -> str:
    return _users_page()


@bp.post("/users")
def create_user() -> Response | tuple[str, int]:
    try:
        data = query_args(UserFormSchema, request.form)
        user = accounts.create_user(
            db.session,
            current_actor(),
            **{**data, "display_name": data["display_name"] or data["username"]},
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
    except (ValidationError, DomainError) as error:
        form = {k: v for k, v in request.form.items() if k != "password"}  # never echoed back
        return _users_page(_form_problems(error), form), 400
    flash(f"已创建用户 {user.username}（{ROLES[user.role]}）。", "done")
    return redirect(url_for("console_admin.users"), 303)


@bp.post("/users/<username>/reviews")
def set_reviews(username: str) -> Response | tuple[str, int]:
    try:
        data = query_args(ReviewsFormSchema, request.form)
        accounts.set_reviewed_departments(
            db.session, current_actor(), username[:64], data["reviewed_department_ids"]
        )
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status == 404:
            raise
        return _users_page(_form_problems(error)), 400
    flash(f"已更新 {username} 审核的部门。", "done")
    return redirect(url_for("console_admin.users"), 303)


@bp.post("/users/<username>/deactivate")
def deactivate(username: str) -> Response:
    accounts.deactivate_user(db.session, current_actor(), username[:64])
    flash(f"已停用 {username}，其登录会话已全部结束。", "done")
    return redirect(url_for("console_admin.users"), 303)


def _tokens_page(
    problems: dict[str, list[str]] | None = None, created: tuple[Any, str] | None = None
) -> str:
    tokens = accounts.list_tokens(db.session, current_actor())
    return _admin_page("console_admin_tokens.html", problems, tokens=tokens, created=created)


@bp.get("/tokens")
def tokens() -> str:
    return _tokens_page()


@bp.post("/tokens")
def create_token() -> tuple[str, int, dict[str, str]]:
    """The new token is in this answer only: not stored, not cached, not shown again."""
    try:
        data = query_args(TokenFormSchema, request.form)
        created = accounts.create_token(db.session, current_actor(), **data)
    except (ValidationError, DomainError) as error:
        return _tokens_page(_form_problems(error)), 400, {}
    return _tokens_page(created=created), 200, {"Cache-Control": "no-store"}


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    if token_id > MAX_ID:
        raise not_found("API 令牌", token_id)
    token = accounts.revoke_token(db.session, current_actor(), token_id)
    flash(f"令牌 {token.id}（{token.name}）已撤销。", "done")
    return redirect(url_for("console_admin.tokens"), 303)
