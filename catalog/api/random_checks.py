"""双随机、一公开: /api/v1/random-check-tasks (plan, commit, draw, verify, results, export),
/api/v1/random-check-results (published results), /api/v1/inspector-conflicts (回避申报) and
/api/v1/stats/oversight (the figures)."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from ..authentication import current_actor
from ..extensions import db
from ..schemas.random_checks import (
    ConflictQuerySchema,
    ConflictSchema,
    DrawArgsSchema,
    DrawSchema,
    OversightArgsSchema,
    OversightFiguresSchema,
    PublicResultPageSchema,
    PublicResultQuerySchema,
    PublishArgsSchema,
    RecordedResultSchema,
    ResultFieldsSchema,
    TaskPageSchema,
    TaskPatchSchema,
    TaskQuerySchema,
    TaskSchema,
    VerifySchema,
)
from ..services import (
    draw_verification,
    draw_views,
    inspector_conflicts,
    random_check_results,
    random_checks,
    supervision_figures,
)
from ..services.tabular_files import Exported
from .errors import NOT_SIGNED_IN, documented_errors
from .etag import expected_version, with_etag
from .gate import requires
from .resources import ETAG_HEADER, if_match
from .spreadsheets import exports

blp = Blueprint(
    "random_checks",
    __name__,
    url_prefix="/api/v1",
    description="双随机、一公开：抽查任务、抽取、结果公示",
)

ERRORS = {
    **NOT_SIGNED_IN,
    403: "无权操作（仅限发起或配合部门），或抽取名单尚未公开",
    409: "当前状态不能进行此操作",
}


_errors = partial(documented_errors, blp, ERRORS)


def _task_response(task: Any, status: int = 200) -> Response:
    response = jsonify(TaskSchema().dump(task))
    response.status_code = status
    return with_etag(response, task)


@blp.route("/random-check-tasks")
class Tasks(MethodView):
    @requires(random_checks.list_tasks)
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """抽查任务（公众可见已公布种子承诺的任务）"""
        return random_checks.list_tasks(db.session, args, current_actor())

    @requires(random_checks.create_task)
    @blp.arguments(TaskSchema)
    @blp.response(201, TaskSchema, headers=ETAG_HEADER)
    @_errors(401, 403)
    def post(self, data: dict[str, Any]) -> Response:
        """新建抽查任务（发起部门）"""
        return _task_response(random_checks.create_task(db.session, data, current_actor()), 201)


@blp.route("/random-check-tasks/<int:task_id>")
class Task(MethodView):
    @requires(random_checks.get_task)
    @blp.response(200, TaskSchema, headers=ETAG_HEADER)
    def get(self, task_id: int) -> Response:
        """一个抽查任务"""
        return _task_response(random_checks.get_task(db.session, task_id, current_actor()))

    @requires(random_checks.update_task)
    @blp.arguments(TaskPatchSchema(partial=True))
    @blp.response(200, TaskSchema, headers=ETAG_HEADER)
    @if_match(blp, ERRORS, 401, 403, 409)
    def patch(self, data: dict[str, Any], task_id: int) -> Response:
        """修改计划中的任务（公布种子承诺前）"""
        task = random_checks.update_task(
            db.session, task_id, data, expected_version(), current_actor()
        )
        return _task_response(task)


@blp.post("/random-check-tasks/<int:task_id>/commit")
@requires(random_checks.commit_task)
@blp.response(200, TaskSchema, headers=ETAG_HEADER)
@if_match(blp, ERRORS, 401, 403, 409)
def commit(task_id: int) -> Response:
    """生成种子并公布其 SHA-256（种子承诺）；此后任务不能再修改"""
    return _task_response(
        random_checks.commit_task(db.session, task_id, expected_version(), current_actor())
    )


@blp.post("/random-check-tasks/<int:task_id>/draw")
@requires(random_checks.run_draw)
@blp.arguments(DrawArgsSchema)
@blp.response(201, DrawSchema)
@if_match(blp, ERRORS, 401, 403, 409)
def draw(data: dict[str, Any], task_id: int) -> dict[str, Any]:
    """抽取（一次）：按种子、见证随机数和名录库快照抽取检查对象和执法人员，公开种子"""
    result = random_checks.run_draw(
        db.session, task_id, expected_version(), data["witness"], current_actor()
    )
    return draw_views.draw_view(result)


@blp.get("/random-check-tasks/<int:task_id>/draw")
@requires(random_checks.get_draw)
@blp.response(200, DrawSchema)
@_errors(403)
def get_draw(task_id: int) -> dict[str, Any]:
    """抽取结果：检查对象、检查组、回避替换、种子和摘要（检查时间结束或结果全部公示后向社会公开）"""
    return draw_views.draw_view(random_checks.get_draw(db.session, task_id, current_actor()))


@blp.get("/random-check-tasks/<int:task_id>/snapshot")
@requires(random_checks.get_draw)
@blp.response(
    200, description="名录库快照：抽取时保存的规范 JSON 原文（其 SHA-256 即 snapshot_sha256）"
)
@_errors(403)
def snapshot(task_id: int) -> Response:
    """名录库快照原文，供任何人按公开算法重新抽取"""
    stored = random_checks.get_draw(db.session, task_id, current_actor())
    return Response(stored.snapshot, mimetype="application/json")


@blp.get("/random-check-tasks/<int:task_id>/verify")
@requires(draw_verification.verify_draw)
@blp.response(200, VerifySchema)
@_errors(403)
def verify(task_id: int) -> dict[str, Any]:
    """重新抽取并逐字节核对；并将名录库快照与按变更记录重建的名录库核对"""
    return draw_verification.verify_draw(db.session, task_id, current_actor())


@blp.get("/random-check-tasks/<int:task_id>/export")
@requires(draw_views.export_draw)
@exports(blp, "xlsx（抽取结果、回避与替换、抽取信息）或 CSV（抽取结果）")
@_errors(403)
def export(args: dict[str, Any], task_id: int) -> Exported:
    """导出抽取结果"""
    return draw_views.export_draw(db.session, task_id, args["format"], current_actor())


@blp.put("/random-check-tasks/<int:task_id>/results/<int:drawn_id>")
@requires(random_check_results.record_result)
@blp.arguments(ResultFieldsSchema)
@blp.response(200, RecordedResultSchema, headers=ETAG_HEADER)
@if_match(blp, ERRORS, 401, 403, 409)
def record_result(data: dict[str, Any], task_id: int, drawn_id: int) -> Response:
    """录入（公示前可更正）一个抽取对象的检查结果和处理情况"""
    row = random_check_results.record_result(
        db.session, task_id, drawn_id, data, expected_version(), current_actor()
    )
    return with_etag(jsonify(RecordedResultSchema().dump(row)), row)


@blp.post("/random-check-tasks/<int:task_id>/publish")
@requires(random_check_results.publish_results)
@blp.arguments(PublishArgsSchema)
@blp.response(200, RecordedResultSchema(many=True))
@_errors(401, 403)
def publish(data: dict[str, Any], task_id: int) -> list[Any]:
    """公示已录入的检查结果（全部可公示才公示）"""
    return random_check_results.publish_results(
        db.session, task_id, data["drawn_target_ids"], current_actor()
    )


@blp.get("/random-check-results")
@requires(random_check_results.published_results)
@blp.arguments(PublicResultQuerySchema, location="query")
@blp.response(200, PublicResultPageSchema)
def results(args: dict[str, Any]) -> Any:
    """已公示的抽查结果"""
    return random_check_results.published_results(db.session, args)


@blp.route("/inspector-conflicts")
class Conflicts(MethodView):
    @requires(inspector_conflicts.list_declarations)
    @blp.arguments(ConflictQuerySchema, location="query")
    @blp.response(200, ConflictSchema(many=True))
    @_errors(401)
    def get(self, args: dict[str, Any]) -> list[Any]:
        """回避申报（本部门；审计与管理员可见全部）"""
        return inspector_conflicts.list_declarations(db.session, args, current_actor())

    @requires(inspector_conflicts.declare)
    @blp.arguments(ConflictSchema)
    @blp.response(201, ConflictSchema)
    @_errors(401, 403, 409)
    def post(self, data: dict[str, Any]) -> Any:
        """申报回避：该执法人员不再被抽取检查该对象"""
        return inspector_conflicts.declare(db.session, data, current_actor())


@blp.delete("/inspector-conflicts/<int:conflict_id>")
@requires(inspector_conflicts.withdraw)
@blp.response(204)
@_errors(401, 403)
def withdraw_conflict(conflict_id: int) -> None:
    """撤回回避申报"""
    inspector_conflicts.withdraw(db.session, conflict_id, current_actor())


@blp.get("/stats/oversight")
@requires(supervision_figures.oversight_figures)
@blp.arguments(OversightArgsSchema, location="query")
@blp.response(200, OversightFiguresSchema)
def oversight(args: dict[str, Any]) -> dict[str, Any]:
    """双随机、一公开与法律依据的数字：联合抽查占比、按时公示率、主项覆盖率、引用失效依据的事项数、各任务抽查比例"""
    return supervision_figures.oversight_figures(db.session, **args)
