"""Legal bases revised or abolished, and what rests on them: /api/v1/legal-bases/<id>/impact,
…/revise, …/abolish, /api/v1/legal-basis-changes and /api/v1/basis-reviews."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_smorest import Blueprint

from ..authentication import current_actor
from ..extensions import db
from ..schemas.legal_changes import (
    AbolishSchema,
    BasisChangeDetailSchema,
    BasisChangeSchema,
    CitationSchema,
    ImpactSchema,
    ReviseSchema,
)
from ..services import legal_changes
from ..services.tabular_files import Exported
from .errors import NOT_SIGNED_IN, documented_errors
from .etag import expected_version
from .gate import requires
from .resources import if_match
from .spreadsheets import exports

blp = Blueprint(
    "legal_changes",
    __name__,
    url_prefix="/api/v1",
    description="法律依据的修订、废止及其影响的事项",
)

ERRORS = {
    **NOT_SIGNED_IN,
    403: "无权操作（修订、废止依据仅限管理员）",
    409: "该依据已修订或已废止",
}


_errors = partial(documented_errors, blp, ERRORS)


@blp.get("/legal-bases/<int:basis_id>/impact")
@requires(legal_changes.impact)
@blp.response(200, ImpactSchema)
@_errors(401)
def impact(basis_id: int) -> dict[str, Any]:
    """引用该依据的权责事项、实施清单事项和监管事项（按清单和部门）"""
    return legal_changes.impact(db.session, basis_id, current_actor())


@blp.post("/legal-bases/<int:basis_id>/revise")
@requires(legal_changes.revise)
@blp.arguments(ReviseSchema)
@blp.response(201, BasisChangeSchema)
@if_match(blp, ERRORS, 401, 403, 409)
def revise(data: dict[str, Any], basis_id: int) -> Any:
    """修订：新版本取代该依据；已发布的引用事项生成改引新版本的修订稿，其余开出复核"""
    return legal_changes.revise(db.session, basis_id, data, expected_version(), current_actor())


@blp.post("/legal-bases/<int:basis_id>/abolish")
@requires(legal_changes.abolish)
@blp.arguments(AbolishSchema)
@blp.response(201, BasisChangeSchema)
@if_match(blp, ERRORS, 401, 403, 409)
def abolish(data: dict[str, Any], basis_id: int) -> Any:
    """废止：每个引用事项的部门收到复核任务"""
    return legal_changes.abolish(db.session, basis_id, data, expected_version(), current_actor())


@blp.get("/legal-basis-changes")
@requires(legal_changes.changes)
@blp.response(200, BasisChangeSchema(many=True))
@_errors(401)
def changes() -> list[Any]:
    """依据的修订和废止，最新的在前"""
    return legal_changes.changes(db.session, current_actor())


@blp.get("/legal-basis-changes/<int:change_id>")
@requires(legal_changes.change_reviews)
@blp.response(200, BasisChangeDetailSchema)
@_errors(401)
def change(change_id: int) -> dict[str, Any]:
    """一次修订或废止及其开出的复核（是否仍待处理）"""
    found, reviews = legal_changes.change_reviews(db.session, change_id, current_actor())
    return {"change": found, "reviews": reviews, "pending": sum(c.pending for c in reviews)}


@blp.get("/legal-basis-changes/<int:change_id>/export")
@requires(legal_changes.export_change)
@exports(blp, "xlsx 或 CSV：每个引用事项及其复核")
@_errors(401)
def export(args: dict[str, Any], change_id: int) -> Exported:
    """导出一次修订或废止影响的事项"""
    return legal_changes.export_change(db.session, change_id, args["format"], current_actor())


@blp.get("/basis-reviews")
@requires(legal_changes.pending_reviews)
@blp.response(200, CitationSchema(many=True))
@_errors(401)
def pending() -> list[Any]:
    """仍待处理的依据复核（本部门；审计与管理员可见全部）"""
    return legal_changes.pending_reviews(db.session, current_actor())
