"""按镇街办事: the index of townships and streets, and what a citizen can apply for at each."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..extensions import db
from ..schemas.base import BaseSchema
from ..schemas.fields import Int
from ..services import townships
from .query import strict_args

bp = Blueprint("townships", __name__, template_folder="templates")


class PageArgsSchema(BaseSchema):
    page = Int(minimum=1, maximum=10_000, load_default=1, strict=False)


@bp.get("/townships")
def index() -> str:
    return render_template("townships.html", regions=townships.townships(db.session))


@bp.get("/townships/<int:township_id>")
def township(township_id: int) -> str:
    args = strict_args(PageArgsSchema)
    found = townships.township_page(db.session, township_id, args["page"])
    return render_template("township.html", found=found, unknown=townships.UNKNOWN)


@bp.app_template_global()
def devolved_guide(item: Any) -> Any:
    """The service item whose guide a devolved power's page links to (None: none published)."""
    return townships.guide_of(db.session, item)
