"""The console's 双随机 and legal-basis pages: departments plan, commit and draw their tasks and
record and publish results; admins revise or abolish legal bases; everyone signed in sees the
reviews pending for their departments.

Forms post CSRF tokens; every action goes through the same use cases as the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..api.spreadsheets import file_response
from ..authentication import current_actor
from ..extensions import db
from ..models import RandomCheckItem
from ..models.codes import CHECK_RESULTS, CREDIT_RISKS, TARGET_KINDS
from ..models.legal import CATEGORIES, VALIDITIES
from ..schemas.errors import schema_errors
from ..schemas.legal_changes import AbolishSchema, ReviseSchema
from ..schemas.random_checks import DrawArgsSchema, ResultFieldsSchema, TaskSchema
from ..services import (
    crud,
    draw_verification,
    draw_views,
    legal_changes,
    random_check_results,
    random_checks,
)
from ..services.errors import DomainError
from ..services.registry import LEGAL_BASES
from .console import department_choices

bp = Blueprint("console_oversight", __name__, template_folder="templates")

INTEGER_FIELDS = (
    "year",
    "initiating_department_id",
    "sample_count",
    "inspectors_per_department",
    "publish_within_days",
)


def _flash_problem(error: DomainError) -> None:
    details = "；".join(
        f"{name}：{e.message}" for name, errors in error.fields.items() for e in errors
    )
    flash(f"{error.message}{' ' + details if details else ''}", "error")


def _loaded(schema: Schema, data: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return schema.load(data)
    except ValidationError as invalid:
        details = "；".join(
            f"{name}：{e.message}"
            for name, errors in schema_errors(invalid.messages).items()
            for e in errors
        )
        flash(f"提交的数据未通过校验：{details}", "error")
        return None


def _act(action: Callable[[], Any], done: str, back: str) -> Response:
    """Run a use case; flash what happened (forbidden and not-found answer as errors do)."""
    try:
        action()
    except DomainError as error:
        if error.status in (401, 403, 404):
            raise
        _flash_problem(error)
    else:
        flash(done, "done")
    return redirect(back, 303)


def _act_on(
    schema: Schema,
    form: dict[str, Any],
    action: Callable[[dict[str, Any]], Any],
    done: str,
    back: str,
) -> Response:
    """Check the form with ``schema``, then run the use case on what it loaded (``_act``); a
    form that does not pass goes back with its problems flashed, and nothing is run."""
    data = _loaded(schema, form)
    if data is None:
        return redirect(back, 303)
    return _act(lambda: action(data), done, back)


def _version() -> int:
    version = request.form.get("version", "")
    return int(version) if version.isdigit() else -1


def _number(value: str) -> int | str | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 10 else (value or None)


def _task_form() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {
        name: (form.get(name) or "").strip() or None
        for name in (
            "code",
            "name",
            "batch",
            "ratio_percent",
            "window_start",
            "window_end",
        )
    }
    for name in INTEGER_FIELDS:
        if form.get(name, "").strip():
            data[name] = _number(form[name])
    data["item_ids"] = [_number(v) for v in form.getlist("item_ids")]
    data["cooperating_department_ids"] = [
        _number(v) for v in form.getlist("cooperating_department_ids")
    ]
    industries = [
        p.strip()
        for p in form.get("industries", "").replace("，", "、").replace(",", "、").split("、")
    ]
    scope = {
        "region_id": _number(form.get("region_id", "")),
        "kinds": form.getlist("kinds"),
        "industries": [i for i in industries if i],
        "abnormal": form.get("abnormal") or None,
        "serious_violation": form.get("serious_violation") or None,
        "credit_risks": form.getlist("credit_risks"),
    }
    data["scope"] = {k: v for k, v in scope.items() if v not in (None, [])}
    return data


# -- 抽查任务 ------------------------------------------------------------------------------------


@bp.get("/console/random-checks")
@login_required
def tasks() -> str:
    actor = current_actor()
    page = random_checks.list_tasks(db.session, {"page": 1, "per_page": 100}, actor)
    items = list(
        db.session.scalars(
            select(RandomCheckItem)
            .where(RandomCheckItem.status == "published")
            .order_by(RandomCheckItem.department_id, RandomCheckItem.id)
        )
    )
    return render_template(
        "console_random_checks.html",
        page=page,
        items=items,
        departments=department_choices(),
        actor=actor,
        kinds=TARGET_KINDS,
        credit_risks=CREDIT_RISKS,
    )


@bp.post("/console/random-checks")
@login_required
def create_task() -> Response:
    back = url_for("console_oversight.tasks")
    data = _loaded(TaskSchema(), _task_form())
    if data is None:
        return redirect(back, 303)
    try:
        created = random_checks.create_task(db.session, data, current_actor())
    except DomainError as error:
        if error.status in (401, 403, 404):
            raise
        _flash_problem(error)
        return redirect(back, 303)
    flash("已新建抽查任务；核对无误后公布种子承诺。", "done")
    return redirect(url_for("console_oversight.task", task_id=created.id), 303)


@bp.get("/console/random-checks/<int:task_id>")
@login_required
def task(task_id: int) -> str:
    actor = current_actor()
    found = random_checks.get_task(db.session, task_id, actor)
    view = verified = None
    if found.draw is not None:
        view = draw_views.draw_view(random_checks.get_draw(db.session, task_id, actor))
        verified = draw_verification.verify_draw(db.session, task_id, actor, directory=False)
    return render_template(
        "console_random_check.html", task=found, view=view, verified=verified, results=CHECK_RESULTS
    )


@bp.post("/console/random-checks/<int:task_id>/commit")
@login_required
def commit(task_id: int) -> Response:
    back = url_for("console_oversight.task", task_id=task_id)
    return _act(
        lambda: random_checks.commit_task(db.session, task_id, _version(), current_actor()),
        "已公布种子承诺。",
        back,
    )


@bp.post("/console/random-checks/<int:task_id>/draw")
@login_required
def draw(task_id: int) -> Response:
    return _act_on(
        DrawArgsSchema(),
        {"witness": request.form.get("witness", "")},
        lambda data: random_checks.run_draw(
            db.session, task_id, _version(), data["witness"], current_actor()
        ),
        "已抽取，种子已公开。",
        url_for("console_oversight.task", task_id=task_id),
    )


@bp.post("/console/random-checks/<int:task_id>/results/<int:drawn_id>")
@login_required
def record_result(task_id: int, drawn_id: int) -> Response:
    form = {name: request.form.get(name) or None for name in ("checked_on", "result", "handling")}
    return _act_on(
        ResultFieldsSchema(),
        form,
        lambda data: random_check_results.record_result(
            db.session, task_id, drawn_id, data, _version(), current_actor()
        ),
        "已录入检查结果。",
        url_for("console_oversight.task", task_id=task_id),
    )


@bp.post("/console/random-checks/<int:task_id>/publish")
@login_required
def publish(task_id: int) -> Response:
    back = url_for("console_oversight.task", task_id=task_id)
    ids = [int(v) for v in request.form.getlist("drawn_target_ids") if v.isdigit() and len(v) < 10]
    return _act(
        lambda: random_check_results.publish_results(db.session, task_id, ids, current_actor()),
        "已公示检查结果。",
        back,
    )


@bp.get("/console/random-checks/<int:task_id>/export")
@login_required
def export(task_id: int) -> Response:
    fmt = request.args.get("format", "xlsx")
    return file_response(draw_views.export_draw(db.session, task_id, fmt, current_actor()))


# -- 法律依据 ------------------------------------------------------------------------------------


@bp.get("/console/legal")
@login_required
def legal() -> str:
    actor = current_actor()
    query = {"page": 1, "per_page": 1000, "q": (request.args.get("q") or "").strip()[:100] or None}
    bases = crud.list_rows(db.session, LEGAL_BASES, query, actor)
    return render_template(
        "console_legal.html",
        bases=bases,
        changes=legal_changes.changes(db.session, actor),
        pending=legal_changes.pending_reviews(db.session, actor),
        validities=VALIDITIES,
        q=query["q"],
    )


@bp.get("/console/legal/<int:basis_id>")
@login_required
def basis(basis_id: int) -> str:
    found = legal_changes.impact(db.session, basis_id, current_actor())
    return render_template(
        "console_legal_basis.html", impact=found, validities=VALIDITIES, categories=CATEGORIES
    )


@bp.post("/console/legal/<int:basis_id>/<kind>")
@login_required
def change_basis(basis_id: int, kind: str) -> Response:
    use_cases = {
        "abolish": (legal_changes.abolish, AbolishSchema),
        "revise": (legal_changes.revise, ReviseSchema),
    }
    if kind not in use_cases:
        raise DomainError("not_found", "没有这个操作。", 404)
    use_case, schema = use_cases[kind]
    form = {
        name: (value.strip() or None)
        for name, value in request.form.items()
        if name in schema().fields
    }
    label = "废止" if kind == "abolish" else "修订"
    return _act_on(
        schema(),
        form,
        lambda data: use_case(db.session, basis_id, data, _version(), current_actor()),
        f"已{label}，并向引用该依据的事项所属部门开出复核。",
        url_for("console_oversight.basis", basis_id=basis_id),
    )


@bp.get("/console/legal-changes/<int:change_id>")
@login_required
def change(change_id: int) -> str:
    found, reviews = legal_changes.change_reviews(db.session, change_id, current_actor())
    return render_template("console_legal_change.html", change=found, reviews=reviews)


@bp.get("/console/legal-changes/<int:change_id>/export")
@login_required
def export_change(change_id: int) -> Response:
    fmt = request.args.get("format", "xlsx")
    return file_response(legal_changes.export_change(db.session, change_id, fmt, current_actor()))
