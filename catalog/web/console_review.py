"""The reviewer's page of one row: what changed, field by field, the guide citizens will read,
and only the steps this user may take now (workflow.open_steps)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from ..authentication import current_actor
from ..extensions import db
from ..services import public_items, review
from ..services.errors import DomainError
from ..services.registry import ALL_LISTS, ListSpec
from ..services.workflow import REVISION_STATES, STEPS, QueueEntry, open_steps

bp = Blueprint(
    "console_review", __name__, template_folder="templates", url_prefix="/console/review"
)
LISTS = {spec.name: spec for spec in ALL_LISTS if spec.has_workflow}


@bp.app_context_processor
def workflow_labels() -> dict[str, Any]:
    return {"workflow_steps": STEPS, "revision_states": REVISION_STATES, "steps_for": _steps_for}


def _steps_for(entry: QueueEntry) -> list[str]:
    return open_steps(current_actor(), entry)


def _spec(list_name: str) -> ListSpec:
    spec = LISTS.get(list_name)
    if spec is None:
        raise DomainError("not_found", "没有这个清单。", 404)
    return spec


@bp.get("/<list_name>/<int:row_id>")
@login_required
def review_page(list_name: str, row_id: int) -> str:
    spec = _spec(list_name)
    found = review.review_of(db.session, spec, row_id, current_actor())
    return render_template(
        "console_review.html",
        review=found,
        entry=found.entry,
        preview_kind=spec.searchable is not None,
        problems=None,
    )


@bp.get("/<list_name>/<int:row_id>/preview")
@login_required
def preview(list_name: str, row_id: int) -> str:
    """The public guide of a draft, or of a published row with its revision applied."""
    spec = _spec(list_name)
    if spec.searchable is None:
        raise DomainError("not_found", f"{spec.label}没有公众页面。", 404)
    kind = spec.searchable.kind

    def render(row: Any) -> str:
        return render_template(
            f"item_{kind}.html", row=row, warnings=public_items.warnings_of(kind, row)
        )

    return review.preview(db.session, spec, row_id, current_actor(), render)
