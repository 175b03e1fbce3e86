"""Excel in the console: download the department's list or an empty template, upload a sheet,
read the dry run's report as a table, and commit it only when it is clean.

The pages call the spreadsheet use cases the API calls (catalog/services/row_import.py and
list_export.py), so an import from the browser checks, refuses and saves exactly as one through
the API. A checked file waits on the server (instance/uploads, readable only by the user who
sent it, for an hour) so that committing it needs no second upload and commits the very bytes
that were checked.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required
from werkzeug.wrappers import Response

from ..api.spreadsheets import file_response
from ..authentication import current_actor
from ..extensions import db
from ..services import crud, list_export, row_import
from ..services.errors import DomainError
from ..services.permissions import Actor
from ..services.registry import ListSpec
from ..services.spreadsheet_columns import SHEETS
from ..services.tabular_files import FORMATS, Table, exported
from .console_forms import FORM_LISTS

bp = Blueprint("console_spreadsheets", __name__, template_folder="templates")

IMPORT_LISTS: dict[str, ListSpec] = {
    name: FORM_LISTS[name] for name in SHEETS if name in FORM_LISTS
}
SUFFIXES = (".xlsx", ".csv")
STASH_SECONDS = 3600
SHOWN_PROBLEMS = 500  # the rest are counted; the file's owner fixes the first ones first


def _spec(list_name: str) -> ListSpec:
    spec = IMPORT_LISTS.get(list_name)
    if spec is None:
        raise DomainError("not_found", "这个清单不能用表格导入。", 404)
    return spec


def _authorized(list_name: str) -> tuple[ListSpec, Actor]:
    """Who may import, checked before the upload is read."""
    spec, actor = _spec(list_name), current_actor()
    crud.may_write(actor, spec, actor.department_id)
    return spec, actor


@bp.get("/console/import")
@login_required
def index() -> str:
    return render_template("console_import_lists.html", lists=IMPORT_LISTS.values())


@bp.get("/console/<list_name>/template")
@login_required
def template(list_name: str) -> Response:
    """The list's columns with no rows: what import reads."""
    sheet = SHEETS[_spec(list_name).name]
    table = Table(sheet.title, [column.header for column in sheet.columns], [])
    return file_response(exported(f"{sheet.title}-模板", "xlsx", [table]))


@bp.get("/console/<list_name>/export")
@login_required
def export(list_name: str) -> Response:
    """The department's current list (every row its people may see), ready to edit and import."""
    spec, actor = _spec(list_name), current_actor()
    fmt = request.args.get("format", "xlsx")
    args = {"department_id": actor.department_id, "format": fmt if fmt in FORMATS else "xlsx"}
    return file_response(list_export.export_list(db.session, spec, args, actor))


def _stash_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        if now - old.stat().st_mtime > STASH_SECONDS:
            old.unlink(missing_ok=True)
    return folder


def _owner(actor: Actor) -> str:
    return hashlib.sha256(f"{actor.user_id}:{current_app.secret_key!r}".encode()).hexdigest()[:16]


def _stash(actor: Actor, list_name: str, data: bytes, suffix: str) -> str:
    key = secrets.token_urlsafe(18)
    (_stash_folder() / f"{_owner(actor)}-{list_name}-{key}{suffix}").write_bytes(data)
    return key + suffix


def _stashed(actor: Actor, list_name: str, key: str) -> Path:
    """The file the actor checked; a key of another user's, or an expired one, is not found."""
    stem, _, suffix = key.rpartition(".")
    path = _stash_folder() / f"{_owner(actor)}-{list_name}-{stem}.{suffix}"
    well_formed = stem.replace("-", "").replace("_", "").isalnum() and f".{suffix}" in SUFFIXES
    if not well_formed or not path.is_file():
        raise DomainError(
            "upload_expired", "检查过的文件已过期（保留一小时）或不存在：请重新上传并检查。", 410
        )
    return path


@bp.get("/console/<list_name>/import")
@login_required
def upload_form(list_name: str) -> str:
    spec, _ = _authorized(list_name)
    return render_template("console_import.html", spec=spec, report=None, key=None, problem=None)


def _refused(spec: ListSpec, problem: str, status: int) -> tuple[str, int]:
    page = render_template("console_import.html", spec=spec, report=None, key=None, problem=problem)
    return page, status


@bp.post("/console/<list_name>/import")
@login_required
def check(list_name: str) -> tuple[str, int]:
    spec, actor = _authorized(list_name)
    upload = request.files.get("file")
    filename = (upload.filename or "") if upload else ""
    suffix = Path(filename).suffix.lower()
    if upload is None or not filename:
        return _refused(spec, "请选择要导入的文件。", 400)
    if suffix not in SUFFIXES:
        return _refused(
            spec,
            "只能导入 Excel 工作簿（.xlsx）或 CSV 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。",
            400,
        )
    data = upload.read()
    try:
        report = row_import.import_file(db.session, spec, data, actor=actor, filename=filename)
    except DomainError as error:
        if error.status in (401, 403):
            raise
        return _refused(spec, error.message, error.status)
    key = _stash(actor, spec.name, data, suffix) if report.ok else None
    return _report_page(spec, report, key, filename), 200 if report.ok else 422


@bp.post("/console/<list_name>/import/commit")
@login_required
def commit(list_name: str) -> tuple[str, int]:
    spec, actor = _authorized(list_name)
    path = _stashed(actor, spec.name, request.form.get("key", ""))
    report = row_import.import_file(
        db.session, spec, path.read_bytes(), actor=actor, dry_run=False, filename=path.name
    )
    if report.ok:
        path.unlink(missing_ok=True)
    return _report_page(
        spec, report, None, request.form.get("filename", "")
    ), 200 if report.ok else 422


def _report_page(
    spec: ListSpec, report: row_import.ImportReport, key: str | None, filename: str
) -> str:
    return render_template(
        "console_import.html",
        spec=spec,
        report=report,
        key=key,
        problem=None,
        filename=filename[:200],
        shown=report.problems[:SHOWN_PROBLEMS],
        hidden=max(0, len(report.problems) - SHOWN_PROBLEMS),
    )
