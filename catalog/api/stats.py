"""The auditors' figures: /api/v1/stats/…"""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields

from ..extensions import db
from ..schemas.base import BaseSchema
from ..schemas.stats import (
    CheckArgsSchema,
    CheckResultSchema,
    DepartmentFiguresSchema,
    FiguresSchema,
    RowsArgsSchema,
    ScopeArgsSchema,
)
from ..services import statistics
from .gate import requires

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="统计口径与数字")

# Instances, not classes: given a class, webargs builds the schema again on every request.
SCOPE_ARGS = ScopeArgsSchema()
ROWS_ARGS = RowsArgsSchema()
CHECK_ARGS = CheckArgsSchema()


class RowsSchema(BaseSchema):
    rows = fields.List(fields.Dict())


class TownshipCountSchema(BaseSchema):
    township_id = fields.Integer()
    township = fields.String()
    items = fields.Integer()


@blp.get("/figures")
@blp.arguments(SCOPE_ARGS, location="query")
@blp.response(200, FiguresSchema)
def figures(args: dict[str, Any]) -> dict[str, Any]:
    """全部数字：分子、分母、精确值、按舍入规则显示"""
    return {"figures": statistics.figures(db.session, **args)}


@blp.get("/figures/<key>/rows")
@blp.arguments(ROWS_ARGS, location="query")
@blp.response(200, RowsSchema)
def figure_rows(args: dict[str, Any], key: str) -> dict[str, Any]:
    """一个数字背后的记录（分子、分母或拉低比率的记录）"""
    return {"rows": statistics.rows_behind(db.session, key, **args)}


@blp.get("/departments")
@blp.arguments(SCOPE_ARGS, location="query")
@blp.response(200, DepartmentFiguresSchema(many=True))
def departments(args: dict[str, Any]) -> list[dict[str, Any]]:
    """各部门的数字，即办件占比最低的在前"""
    return statistics.by_department(db.session, **args)


@blp.get("/devolution")
@blp.arguments(SCOPE_ARGS, location="query")
@blp.response(200, TownshipCountSchema(many=True))
def devolution(args: dict[str, Any]) -> list[dict[str, Any]]:
    """各镇街承接的下放事项数"""
    return statistics.devolution(db.session, args.get("region_id"))


@blp.post("/check")
@requires("public")  # it changes nothing: anyone may check a published figure
@blp.arguments(CHECK_ARGS)
@blp.response(200, CheckResultSchema)
def check(args: dict[str, Any]) -> dict[str, Any]:
    """核对公布的数字：数据是否支持，按哪种舍入规则"""
    return statistics.check(db.session, **args)
