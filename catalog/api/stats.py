"""The auditors' figures: /api/v1/stats/…"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint
from marshmallow import fields

from ..authentication import current_actor
from ..extensions import db
from ..schemas.base import BaseSchema
from ..schemas.errors import ErrorSchema
from ..schemas.stats import (
    CheckArgsSchema,
    CheckResultSchema,
    CompletenessArgsSchema,
    CompletenessRowsArgsSchema,
    CompletenessRowsSchema,
    CompletenessSchema,
    DepartmentCompletenessSchema,
    DepartmentFiguresSchema,
    DevolutionArgsSchema,
    FiguresSchema,
    RowsArgsSchema,
    ScopeArgsSchema,
)
from ..services import completeness_sheets, statistics
from .errors import NOT_SIGNED_IN
from .gate import requires
from .spreadsheets import (
    DryRunArgsSchema,
    ProblemSchema,
    SheetReportSchema,
    UploadSchema,
    file_response,
)

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="统计口径与数字")

# Instances, not classes: given a class, webargs builds the schema again on every request.
SCOPE_ARGS = ScopeArgsSchema()
ROWS_ARGS = RowsArgsSchema()
CHECK_ARGS = CheckArgsSchema()
DEVOLUTION_ARGS = DevolutionArgsSchema()
COMPLETENESS_ARGS = CompletenessArgsSchema()
COMPLETENESS_ROWS_ARGS = CompletenessRowsArgsSchema()


class RowsSchema(BaseSchema):
    rows = fields.List(fields.Dict())


class FillReportSchema(SheetReportSchema):
    rows = fields.Integer(metadata={"description": "填写了要素的行数"})
    changed = fields.Integer(metadata={"description": "直接修改的草稿数"})
    revisions = fields.Integer(metadata={"description": "保存为修订稿、待审核的已发布记录数"})
    problems = fields.List(fields.Nested(ProblemSchema))
    seconds = fields.Float()


FILL_ARGS = DryRunArgsSchema()


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
    """一个数字背后的记录：分子、分母、拉低比率的记录（excluded），或因要素未填报而未计入的记录（unknown）"""
    return {"rows": statistics.rows_behind(db.session, key, **args)}


@blp.get("/departments")
@blp.arguments(SCOPE_ARGS, location="query")
@blp.response(200, DepartmentFiguresSchema(many=True))
def departments(args: dict[str, Any]) -> list[dict[str, Any]]:
    """各部门的数字，即办件占比最低的在前"""
    return statistics.by_department(db.session, **args)


@blp.get("/devolution")
@blp.arguments(DEVOLUTION_ARGS, location="query")
@blp.response(200, TownshipCountSchema(many=True))
def devolution(args: dict[str, Any]) -> list[dict[str, Any]]:
    """各镇街承接的下放事项数（可按地区、原实施部门、截至日期）"""
    return statistics.devolution(db.session, **args)


@blp.get("/completeness")
@requires("public")  # counts of published rows, as public as every other figure
@blp.arguments(COMPLETENESS_ARGS, location="query")
@blp.response(200, CompletenessSchema)
def completeness(args: dict[str, Any]) -> dict[str, Any]:
    """各清单要素完整率（实施清单要素完整率、检查实施清单完备度等）：分子、分母、各要素缺失数"""
    return {"lists": statistics.completeness_figures(db.session, **args)}


@blp.get("/completeness/departments")
@requires("public")
@blp.arguments(COMPLETENESS_ARGS, location="query")
@blp.response(200, DepartmentCompletenessSchema(many=True))
def completeness_departments(args: dict[str, Any]) -> list[dict[str, Any]]:
    """各部门的要素完整率，最不完整的在前"""
    return statistics.completeness_by_department(db.session, **args)


@blp.get("/completeness/<list_name>/export")
@requires(completeness_sheets.export_workbook)
@blp.arguments(SCOPE_ARGS, location="query")
@blp.response(
    200, description="xlsx：缺必填要素的记录，每个要素一列（未填报处待填写），可填好后导入"
)
def completeness_export(args: dict[str, Any], list_name: str) -> Response:
    """导出待补充要素的表格（公众只能看到已发布的记录；部门编辑还能看到本部门的草稿）"""
    args.pop("rule")
    scope = statistics.make_scope(**args)
    return file_response(
        completeness_sheets.export_workbook(db.session, list_name, scope, current_actor())
    )


@blp.post("/completeness/<list_name>/import")
@requires(completeness_sheets.import_workbook)
@blp.arguments(FILL_ARGS, location="query")
@blp.arguments(UploadSchema, location="files")
@blp.response(200, FillReportSchema)
@blp.alt_response(
    422, schema=ErrorSchema, description="未保存：表格中有问题（problems 逐行列出），或文件无法读取"
)
@blp.alt_response(401, schema=ErrorSchema, description=NOT_SIGNED_IN[401])
@blp.alt_response(403, schema=ErrorSchema, description="无权修改（部门编辑只能修改本部门的事项）")
def completeness_import(args: dict[str, Any], files: dict[str, Any], list_name: str) -> Response:
    """导入填好的补充要素表格：草稿直接修改，已发布的记录保存为修订稿待审核；有任何问题则一行都不保存"""
    upload = files["file"]
    report = completeness_sheets.import_workbook(
        db.session,
        list_name,
        upload.stream,
        current_actor(),
        dry_run=args["dry_run"],
        filename=upload.filename,
    )
    body = report.as_dict()
    response = jsonify(
        body
        if report.ok or report.dry_run
        else {
            "error": {
                "status": 422,
                "code": "import_refused",
                "message": f"表格中有 {len(report.problems)} 处问题，未保存任何一行；请按 problems 逐条修改后重新导入。",
            },
            **body,
        }
    )
    response.status_code = 200 if report.ok or report.dry_run else 422
    return response


@blp.get("/completeness/<list_name>/rows")
@requires("public")
@blp.arguments(COMPLETENESS_ROWS_ARGS, location="query")
@blp.response(200, CompletenessRowsSchema)
def completeness_rows(args: dict[str, Any], list_name: str) -> dict[str, Any]:
    """要素不完整的记录及其缺少的要素（element：只看缺该要素的）"""
    args.pop("rule")
    return {"rows": statistics.completeness_rows(db.session, list_name, **args)}


@blp.post("/check")
@requires("public")  # it changes nothing: anyone may check a published figure
@blp.arguments(CHECK_ARGS)
@blp.response(200, CheckResultSchema)
def check(args: dict[str, Any]) -> dict[str, Any]:
    """核对公布的数字：数据是否支持，按哪种舍入规则"""
    return statistics.check(db.session, **args)
