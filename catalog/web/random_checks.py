"""Public pages of 双随机、一公开: tasks with their seed commitments, published results, the
figures; a task's page with its published results and, once disclosed, the whole draw."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..authentication import current_actor
from ..extensions import db
from ..schemas.random_checks import OversightArgsSchema, PublicResultQuerySchema
from ..services import (
    draw_verification,
    draw_views,
    random_check_results,
    random_checks,
    supervision_figures,
)
from .query import page_args

bp = Blueprint("random_checks_web", __name__, template_folder="templates")


class _PageArgs(PublicResultQuerySchema):
    """The page's query: the results' filters and the figures' rounding rule."""

    rule = OversightArgsSchema().fields["rule"]


@bp.get("/random-checks")
def index() -> str:
    args = page_args(_PageArgs, "random_checks.html", tasks=None)
    actor = current_actor()
    tasks = random_checks.list_tasks(
        db.session, {"year": args["year"], "page": 1, "per_page": 100}, actor
    )
    results = random_check_results.published_results(db.session, args)
    figures = supervision_figures.oversight_figures(
        db.session, rule=args["rule"], year=args["year"]
    )
    return render_template(
        "random_checks.html",
        args=args,
        tasks=tasks,
        results=results,
        figures=figures,
        problems=None,
    )


@bp.get("/random-checks/<int:task_id>")
def task(task_id: int) -> str:
    actor = current_actor()
    found = random_checks.get_task(db.session, task_id, actor)
    results = random_check_results.published_results(
        db.session, {"task_id": task_id, "page": 1, "per_page": 100}
    )
    view = verified = None
    if found.draw is not None and random_checks.disclosed(found):
        view = draw_views.draw_view(random_checks.get_draw(db.session, task_id, actor))
        verified = draw_verification.verify_draw(db.session, task_id, actor, directory=False)
    return render_template(
        "random_check.html", task=found, results=results, view=view, verified=verified
    )
