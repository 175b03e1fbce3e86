"""The console's forms: create and edit the rows of every list a department maintains.

Each form is generated from the list's ListSpec and schema (form_model.py), and saves through
the same use cases as the API (crud.create_row, workflow.edit_row): permissions, rules, the
修订稿 of a published row, the audit trail and the search outbox are the API's. A refused save
renders the form again with what was typed and each message at its field; the completeness
elements left 未填报 and the list's warnings are shown beside their fields, never blocking.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache, partial
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..api.errors import error_response
from ..authentication import current_actor
from ..extensions import db
from ..models import Organization, Revision
from ..models.elements import ELEMENTS, unfilled_keys, unfilled_mask
from ..schemas.base import PageSchema
from ..schemas.errors import schema_errors
from ..services import crud, references, review, workflow
from ..services.completeness import requirements
from ..services.errors import DomainError
from ..services.field_labels import field_label
from ..services.permissions import Actor, departments_where
from ..services.public_items import warnings_of
from ..services.registry import ALL_LISTS, ListSpec
from . import form_model
from .form_model import Control
from .query import query_args

bp = Blueprint("console_forms", __name__, template_folder="templates")

# The lists a department keeps: those whose rows belong to a department.
FORM_LISTS: dict[str, ListSpec] = {spec.name: spec for spec in ALL_LISTS if spec.owner}
EXTRA_ROWS_MAX = 5  # blank rows a form offers at once ("添加一行" adds one per click)


def _spec(list_name: str) -> ListSpec:
    spec = FORM_LISTS.get(list_name)
    if spec is None:
        raise DomainError("not_found", "没有这个清单。", 404)
    return spec


def _organizations(spec: ListSpec, name: str, actor: Actor) -> list[tuple[str, str]]:
    """The choices of a field naming a 机构: the owner field offers the departments the actor
    writes for, other 机构 fields every 机构."""
    query = select(Organization.id, Organization.name).order_by(Organization.kind, Organization.id)
    if name == spec.owner:
        writable = departments_where(actor, crud.write_permission(spec))
        query = query.where(Organization.kind == "department")
        if writable is not None:
            query = query.where(Organization.id.in_(sorted(writable)))
    return [(str(i), label) for i, label in db.session.execute(query)]


@cache
def _schema_controls(list_name: str) -> tuple[Control, ...]:
    """The list's controls, read off its schema once (a schema deep-copies its fields when made)."""
    spec = FORM_LISTS[list_name]
    schema = spec.schema()
    return tuple(
        _picker(
            spec,
            form_model.control_for(
                name,
                schema_field,
                field_label(spec, name),
                [] if _names_organization(spec, name) else None,
            ),
        )
        for name, schema_field in schema.fields.items()
        if not schema_field.dump_only
        and name != "status"  # the status moves by workflow steps only
    )


def _picker(spec: ListSpec, control: Control) -> Control:
    """A field naming a row of a long list (法律依据, 权责事项 …) is typed, with a search to pick from."""
    if references.picked(spec, control.name) is None:
        return control
    return replace(control, kind="references" if control.kind == "ids" else "reference")


def _names_organization(spec: ListSpec, name: str) -> bool:
    return spec.references.get(name, (None,))[0] is Organization


def controls_of(spec: ListSpec, actor: Actor) -> list[Control]:
    """The controls of the list's form, with the 机构 this actor may choose."""
    return [
        replace(control, options=_organizations(spec, control.name, actor))
        if _names_organization(spec, control.name)
        else control
        for control in _schema_controls(spec.name)
    ]


def completeness_notes(spec: ListSpec, data: dict[str, Any]) -> dict[str, list[str]]:
    """Required elements the data leaves 未填报, at the first field of each."""
    requirement = requirements().get(spec.entity_type)
    if requirement is None:
        return {}
    required = {e.key for e in requirement.elements}
    notes: dict[str, list[str]] = {}
    for key in unfilled_keys(spec.entity_type, unfilled_mask(spec.entity_type, data)):
        if key in required:
            element = ELEMENTS[spec.entity_type][key]
            notes.setdefault(element.fields[0], []).append(
                f"必填要素“{element.label}”未填报，计入{requirement.figure}的缺项。"
            )
    return notes


def _row_notes(spec: ListSpec, row: Any) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}
    for notice in spec.warnings(row) if spec.warnings else ():
        notes.setdefault(notice.field, []).append(notice.message)
    return notes


def _render(
    spec: ListSpec,
    controls: list[Control],
    values: dict[str, Any],
    *,
    row: Any = None,
    revision: Any = None,
    errors: dict[str, list[str]] | None = None,
    notes: dict[str, list[str]] | None = None,
    message: str | None = None,
    extra_rows: dict[str, int] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "console_form.html",
        spec=spec,
        controls=controls,
        values=values,
        row=row,
        revision=revision,
        errors=errors or {},
        notes=notes or {},
        message=message,
        extra_rows=extra_rows or {},
        labels_of={c.name: c.label for c in controls},
        shown=form_model.shown,
        preview=row is not None and spec.searchable is not None,
        revision_states=workflow.REVISION_STATES,
    )
    return page, status


def _extra_rows(controls: list[Control]) -> dict[str, int]:
    """Blank rows to offer for each list of rows: one, or as many as shown before plus one
    when its "添加一行" was pressed (a few at most: a form is no spreadsheet)."""
    form = request.form if request.method == "POST" else {}
    counts = {}
    for control in (c for c in controls if c.kind == "rows"):
        before = form.get(f"_blank_{control.name}", "1")
        shown_before = int(before) if before.isdigit() and len(before) < 3 else 1
        added = form.get("_add") == control.name
        counts[control.name] = max(1, min(shown_before + added, EXTRA_ROWS_MAX))
    return counts


def _errors(problems: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {name: [p.message for p in found] for name, found in problems.items()}


def _save(
    spec: ListSpec,
    controls: list[Control],
    actor: Actor,
    save: Any,
    row: Any = None,
    revision: Any = None,
) -> Response | tuple[str, int]:
    """Read the posted form, and save it with ``save(data)``; or render it again as typed."""
    values = form_model.posted_data(controls, request.form)
    extra = _extra_rows(controls)
    as_typed = partial(
        _render, spec, controls, values, row=row, revision=revision, extra_rows=extra
    )

    def unsaved(problems: dict[str, list[Any]], status: int, why: str) -> tuple[str, int]:
        """The form again as typed, each problem under its field."""
        notes = completeness_notes(spec, values)
        return as_typed(
            errors=_errors(problems), notes=notes, status=status, message=f"未保存：{why}"
        )

    if request.form.get("_add"):  # 添加一行: nothing saved yet
        return as_typed()
    try:
        resolved, unknown = references.resolve_references(db.session, spec, values, actor)
        if unknown:
            raise DomainError("validation_failed", "有引用的记录找不到。", 422, unknown)
        data = spec.schema().load(resolved)
        saved = save(data)
    except ValidationError as invalid:
        return unsaved(schema_errors(invalid.messages), 422, "请按各项下的说明修改后重新保存。")
    except DomainError as refused:
        if refused.status in (401, 403, 404):
            raise
        db.session.rollback()
        return unsaved(refused.fields, refused.status, refused.message)
    if isinstance(saved, Revision):
        flash("已保存为修订稿：已发布的内容不变，提交审核并通过后生效。", "done")
        return redirect(
            url_for("console_forms.edit", list_name=spec.name, row_id=saved.entity_id), 303
        )
    flash(f"已保存：{spec.label}（编号 {saved.id}）。", "done")
    return redirect(url_for("console_forms.edit", list_name=spec.name, row_id=saved.id), 303)


@bp.get("/console/new")
@login_required
def lists() -> str:
    return render_template("console_form_lists.html", lists=FORM_LISTS.values())


@bp.route("/console/new/<list_name>", methods=["GET", "POST"])
@login_required
def new(list_name: str) -> Response | tuple[str, int]:
    spec, actor = _spec(list_name), current_actor()
    crud.may_write(actor, spec, actor.department_id)  # before the body is read
    controls = controls_of(spec, actor)
    if request.method == "GET":
        return _render(
            spec, controls, {spec.owner: actor.department_id}, extra_rows=_extra_rows(controls)
        )
    return _save(spec, controls, actor, lambda data: crud.create_row(db.session, spec, data, actor))


def _editable(spec: ListSpec, row_id: int, actor: Actor) -> tuple[Any, Any]:
    """The row, if the actor may write it (another department's: 403; a draft not theirs: 404),
    and its open revision."""
    return workflow.editable_row(db.session, spec, row_id, actor)


@bp.route("/console/<list_name>/<int:row_id>/edit", methods=["GET", "POST"])
@login_required
def edit(list_name: str, row_id: int) -> Response | tuple[str, int]:
    spec, actor = _spec(list_name), current_actor()
    row, revision = _editable(spec, row_id, actor)
    controls = controls_of(spec, actor)
    if request.method == "POST":
        version = request.form.get("version", "")
        expected = int(version) if version.isdigit() and len(version) < 10 else -1
        return _save(
            spec,
            controls,
            actor,
            lambda data: workflow.edit_row(
                db.session, spec, row_id, data, expected, actor, replace=True
            ),
            row,
            revision,
        )
    current = spec.snapshot(row)
    if revision is not None:
        current.update(revision.data)
    notes = completeness_notes(spec, current)
    for name, found in _row_notes(spec, row).items():
        notes.setdefault(name, []).extend(found)
    values = references.chosen_texts(
        db.session, spec, form_model.as_form_values(controls, current), actor
    )
    return _render(
        spec,
        controls,
        values,
        row=row,
        revision=revision,
        notes=notes,
        extra_rows=_extra_rows(controls),
    )


@bp.get("/console/<list_name>/<int:row_id>/preview")
@login_required
def preview(list_name: str, row_id: int) -> str:
    """The draft, or the row as its open revision would make it, as citizens would read it.
    The revision is applied inside a transaction that is rolled back once the page is made."""
    spec, actor = _spec(list_name), current_actor()
    if spec.searchable is None:
        abort(404)
    _, revision = _editable(spec, row_id, actor)
    kind = spec.searchable.kind
    return review.preview(
        db.session,
        spec,
        row_id,
        actor,
        lambda row: render_template(
            "console_preview.html",
            item_template=f"item_{kind}.html",
            row=row,
            revision=revision,
            spec=spec,
            warnings=warnings_of(kind, row),
        ),
    )


@bp.get("/console/<list_name>")
@login_required
def rows(list_name: str) -> str:
    """The rows of one list the actor may see, newest first, with links to edit them."""
    spec, actor = _spec(list_name), current_actor()
    args = query_args(PageSchema)
    args["sort"] = "-id"
    args["department_id"] = actor.department_id
    page = crud.list_rows(db.session, spec, args, actor, summary=True)
    return render_template("console_form_rows.html", spec=spec, page=page, actor=actor)


@bp.get("/console/lookup/<list_name>/<field>")
@login_required
def lookup(list_name: str, field: str) -> Response:
    """The rows a form's reference field may name, for its search-as-you-type list (JSON)."""
    try:
        spec, actor = _spec(list_name), current_actor()
        crud.may_write(actor, spec, actor.department_id)  # before the query is read
        if references.picked(spec, field) is None:
            raise DomainError("not_found", "这一项不能从列表中选择。", 404)
        typed = request.args.get("q", "")
        if len(typed) > references.QUERY_MAX:
            raise DomainError("too_long", f"查找的文字最多 {references.QUERY_MAX} 个字。", 400)
        found = references.reference_choices(db.session, spec, field, typed, actor)
    except DomainError as refused:
        return error_response(refused)
    return jsonify([{"id": c.id, "text": c.text, "code": c.code} for c in found])
