"""Spreadsheet import and export: /api/v1/<list>/import, /api/v1/<list>/export, /api/v1/stats/export.

Thin handlers: the query and the upload are parsed by schemas, one use case acts
(catalog/services/row_import.py, list_export.py, figures_export.py), the report or the file is
sent; a file streams from the spooled temporary file it was written into. A file that cannot be
read (not .xlsx or CSV, empty, damaged, unknown encoding) is a DomainError and answers in the
API's one error shape; an upload over MAX_CONTENT_LENGTH answers 413 in the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, jsonify, send_file
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import fields

from ..authentication import current_actor
from ..extensions import db
from ..schemas.base import BaseSchema
from ..schemas.errors import ErrorSchema
from ..schemas.fields import Bool, Code, Id
from ..schemas.random_checks import ExportArgsSchema
from ..schemas.stats import ScopeArgsSchema
from ..services import figures_export, list_export, row_import
from ..services.spreadsheet_columns import SHEETS, Sheet
from ..services.tabular_files import FORMATS, Exported
from .errors import NOT_SIGNED_IN
from .gate import requires

blp = Blueprint(
    "spreadsheets", __name__, url_prefix="/api/v1", description="表格导入导出（Excel .xlsx、CSV）"
)


class UploadSchema(BaseSchema):
    file = Upload(
        required=True, metadata={"description": "Excel 工作簿（.xlsx）或 CSV（UTF-8 或 GBK）"}
    )


class DryRunArgsSchema(BaseSchema):
    """An uploaded sheet is only checked unless the caller asks to save it."""

    dry_run = Bool(
        load_default=True,
        metadata={"description": "true：只检查，不保存（默认）；false：全部无误时才保存"},
    )


class ImportArgsSchema(DryRunArgsSchema):
    region_id = Id(
        load_default=None,
        strict=False,
        metadata={"description": "按名称查找机构时只在该行政区划内查找"},
    )
    allow_unknown_columns = Bool(
        load_default=False, metadata={"description": "忽略无法识别的列（在结果中列出）"}
    )


class ProblemSchema(BaseSchema):
    row = fields.Integer(metadata={"description": "Excel 中的行号（表头为第 1 行）"})
    column = fields.String(metadata={"description": "文件中的列名"})
    code = fields.String()
    message = fields.String()


class SheetReportSchema(BaseSchema):
    """The list an uploaded sheet was for, and whether it was only checked; each kind of upload
    (rows imported, elements filled in) adds its own counts and problems."""

    list = fields.String()
    dry_run = fields.Boolean()


class ImportReportSchema(SheetReportSchema):
    rows = fields.Integer(metadata={"description": "数据行数"})
    valid = fields.Integer(metadata={"description": "通过全部检查的行数"})
    created = fields.Integer(metadata={"description": "已保存的行数"})
    problems = fields.List(fields.Nested(ProblemSchema))
    warnings = fields.List(
        fields.Nested(ProblemSchema),
        metadata={"description": "提示：不阻止导入，如基本编码为旧版10位"},
    )
    ignored_columns = fields.List(fields.String())
    worksheet = fields.String(
        allow_none=True, metadata={"description": "读取的工作表（工作簿有多张表时）"}
    )
    seconds = fields.Float()


FiguresExportArgsSchema = type(
    "FiguresExportArgsSchema",
    (ScopeArgsSchema,),
    {"format": Code(FORMATS, load_default="xlsx", metadata={"description": "文件格式"})},
)


def _report_response(report: row_import.ImportReport) -> Response:
    body = report.as_dict()
    status = 200
    if not report.dry_run and not report.ok:
        status = 422
        body = {
            "error": {
                "status": 422,
                "code": "import_refused",
                "message": f"文件中有 {len(report.problems)} 处问题，未导入任何一行；请按 problems 逐条修改后重新导入。",
            },
            **body,
        }
    response = jsonify(body)
    response.status_code = status
    return response


def file_response(exported: Exported) -> Response:
    """The file streamed from where it was written (memory, or disk once large); closed when sent."""
    size = exported.file.seek(0, 2)
    exported.file.seek(0)
    response = send_file(
        exported.file,
        mimetype=exported.mimetype,
        as_attachment=True,
        download_name=exported.filename,
    )
    response.content_length = size
    return response


def exports(blp: Blueprint, description: str) -> Callable[[Callable[..., Exported]], Any]:
    """An export route: ?format=xlsx|csv in (the view's first argument), the file its use case
    wrote out."""

    def decorate(view: Callable[..., Exported]) -> Any:
        @wraps(view)
        def send(*args: Any, **kwargs: Any) -> Response:
            return file_response(view(*args, **kwargs))

        documented = blp.response(200, description=description)(send)
        return blp.arguments(ExportArgsSchema, location="query")(documented)

    return decorate


def _doc(text: str) -> Any:
    def decorate(function: Any) -> Any:
        function.__doc__ = text
        return function

    return decorate


def _routes(sheet: Sheet) -> None:
    spec = sheet.spec

    @blp.post(f"/{spec.name}/import", endpoint=f"{spec.entity_type}_import")
    @requires(row_import.import_file, spec)
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="未导入：文件中有问题（problems 逐行列出），或文件无法读取",
    )
    @blp.alt_response(401, schema=ErrorSchema, description=NOT_SIGNED_IN[401])
    @blp.alt_response(
        403, schema=ErrorSchema, description="无权导入（部门编辑只能导入本部门的事项）"
    )
    @_doc(f"从 Excel 或 CSV 导入{spec.label}（默认只检查；dry_run=false 时全部无误才保存）")
    def import_rows(args: dict[str, Any], files: dict[str, Any]) -> Response:
        upload = files["file"]
        report = row_import.import_file(
            db.session,
            spec,
            upload.stream,
            actor=current_actor(),
            dry_run=args["dry_run"],
            filename=upload.filename,
            region_id=args["region_id"],
            allow_unknown_columns=args["allow_unknown_columns"],
        )
        return _report_response(report)

    @blp.get(f"/{spec.name}/export", endpoint=f"{spec.entity_type}_export")
    @requires(list_export.export_list)
    @blp.arguments(list_export.export_query_schema(spec), location="query")
    @blp.response(200, description="xlsx 或 CSV 文件，中文表头，可直接再导入")
    @_doc(f"导出{spec.label}（筛选条件与列表接口相同；公众只能导出已发布的记录）")
    def export_rows(args: dict[str, Any]) -> Response:
        return file_response(list_export.export_list(db.session, spec, args, current_actor()))


for _sheet in SHEETS.values():
    _routes(_sheet)


@blp.get("/stats/export")
@requires(figures_export.export_figures)
@blp.arguments(FiguresExportArgsSchema, location="query")
@blp.response(200, description="xlsx（统计数字、各部门两张表）或 CSV 文件")
def export_figures(args: dict[str, Any]) -> Response:
    """导出统计数字（全部及各部门：分子、分母、精确值、两种舍入的显示值）"""
    fmt = args.pop("format")
    return file_response(figures_export.export_figures(db.session, fmt, **args))
