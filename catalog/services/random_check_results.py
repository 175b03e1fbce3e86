"""一公开: the result of each drawn target (检查结果, 处理情况, 检查日期), recorded by the task's
departments ("谁检查、谁录入、谁公开", 南陵 2024 — local practice) and published for everyone.

A result is published within the task's ``publish_within_days`` of the check (福建 2019's 20 days
is the default; see models/random_checks.py). Published results are never edited: a mistake is
for a new check, not for a silent change of what the public read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import DrawnTarget, RandomCheckTask
from ..models.base import utcnow
from .crud import Page
from .errors import FieldError, conflict, not_found, validation_failed
from .history import record_change, snapshot_of
from .permissions import Actor, authorize, departments_where, use_case
from .random_checks import china_today, draw_of, get_task, reads_task
from .rules import Problems
from .versions import flush_versioned, require_version

RESULT_ENTITY = "drawn_target"
FOUND_PROBLEMS = ("rectified", "case_filed")


def publication_deadline(row: DrawnTarget) -> date:
    """The last day a result may be published: N days after the check (after the window's end
    while no check is recorded)."""
    return (row.checked_on or row.task.window_end) + timedelta(days=row.task.publish_within_days)


def published_on_time(row: DrawnTarget) -> bool | None:
    """True/False once published; None while not."""
    if row.published_at is None:
        return None
    return china_today(row.published_at) <= publication_deadline(row)


def result_snapshot(row: DrawnTarget) -> dict[str, Any]:
    return snapshot_of(
        row,
        "id task_id target_id rank target_name checked_on result handling version published_at",
    )


def _authorize_any(actor: Actor, task: RandomCheckTask) -> None:
    """Editors of any department of the task (a joint task's cooperating ones too)."""
    editable = departments_where(actor, "draws.results")
    if editable is not None and editable.isdisjoint(task.department_ids):
        authorize(
            actor, "draws.results", task.initiating_department_id
        )  # refused, as for the initiator


def _drawn_target(session: Session, task: RandomCheckTask, drawn_id: int) -> DrawnTarget:
    row = session.get(DrawnTarget, drawn_id) if 0 < drawn_id < 2**31 else None
    if row is None or row.task_id != task.id:
        raise not_found("抽取对象", drawn_id)
    return row


def _record(
    session: Session, row: DrawnTarget, action: str, before: dict[str, Any] | None, actor: Actor
) -> None:
    flush_versioned(session)
    department_id = row.task.initiating_department_id
    record_change(
        session, RESULT_ENTITY, row.id, action, before, result_snapshot(row), actor, department_id
    )


def _check(row: DrawnTarget, draw_date: date, today: date) -> Problems:
    problems = Problems()
    if row.checked_on is not None and not (draw_date <= row.checked_on <= row.task.window_end):
        problems.add(
            "checked_on",
            FieldError(
                "outside_window",
                f"检查日期应在抽取日 {draw_date} 与检查结束日 {row.task.window_end} 之间。",
            ),
        )
    if row.checked_on is not None and row.checked_on > today:
        problems.add("checked_on", FieldError("in_the_future", "检查日期不能晚于今天。"))
    if row.result in FOUND_PROBLEMS and not (row.handling or "").strip():
        problems.add("handling", FieldError("handling_required", "发现问题的，须填写处理情况。"))
    if (
        row.result is not None
        and row.checked_on is None
        and row.result not in ("unreachable", "not_operating")
    ):
        problems.add("checked_on", FieldError("required", "已检查的，须填写检查日期。"))
    return problems


@use_case("draws.results")
def record_result(
    session: Session,
    task_id: int,
    drawn_id: int,
    data: dict[str, Any],
    expected_version: int,
    actor: Actor,
    now: datetime | None = None,
) -> DrawnTarget:
    """Record (or correct, until published) the result of one drawn target."""
    task = get_task(session, task_id, actor)
    _authorize_any(actor, task)
    row = _drawn_target(session, task, drawn_id)
    if row.published_at is not None:
        raise conflict("该检查结果已公示，不能修改。")
    require_version(row, expected_version)
    before = result_snapshot(row)
    for name in ("checked_on", "result", "handling"):
        if name in data:
            setattr(row, name, data[name])
    problems = _check(row, draw_of(task).draw_date, china_today(now))  # drawn: it has targets
    if problems:
        session.rollback()
        raise validation_failed(problems.by_field)
    _record(session, row, "update", before, actor)
    session.commit()
    return row


def _not_publishable(row: DrawnTarget) -> FieldError | None:
    """Why a drawn target's result cannot be published now, if it cannot."""
    if row.result is None:
        return FieldError("no_result", f"“{row.target_name}”尚未录入检查结果，不能公示。")
    if row.published_at is not None:
        return FieldError("already_published", f"“{row.target_name}”的检查结果已经公示。")
    return None


@use_case("draws.results")
def publish_results(
    session: Session, task_id: int, drawn_ids: list[int], actor: Actor, now: datetime | None = None
) -> list[DrawnTarget]:
    """Publish recorded results (all of the given ones, or none when one is not ready)."""
    task = get_task(session, task_id, actor)
    _authorize_any(actor, task)
    rows = [_drawn_target(session, task, i) for i in dict.fromkeys(drawn_ids)]
    problems = Problems()
    if not rows:
        problems.add("drawn_target_ids", FieldError("required", "请选择要公示的检查结果。"))
    for row in rows:
        problems.add_if("drawn_target_ids", _not_publishable(row))
    if problems:
        raise validation_failed(problems.by_field)
    moment = now or utcnow()
    for row in rows:
        before = result_snapshot(row)
        row.published_at = moment
        _record(session, row, "publish", before, actor)
    session.commit()
    return rows


@use_case("draws.read")
def task_results(session: Session, task_id: int, actor: Actor) -> list[DrawnTarget]:
    """Every drawn target of a task with its result, published or not: the departments' view."""
    task = get_task(session, task_id, actor)
    if not reads_task(actor, task):
        authorize(actor, "draws.read", task.initiating_department_id)
    return list(
        session.scalars(
            select(DrawnTarget).where(DrawnTarget.task_id == task.id).order_by(DrawnTarget.rank)
        )
    )


@use_case("public")
def published_results(session: Session, args: dict[str, Any]) -> Page:
    """Published results only, newest first: the public's 抽查结果."""
    query = select(DrawnTarget).join(RandomCheckTask).where(DrawnTarget.published_at.is_not(None))
    if args.get("task_id") is not None:
        query = query.where(DrawnTarget.task_id == args["task_id"])
    if args.get("year") is not None:
        query = query.where(RandomCheckTask.year == args["year"])
    if args.get("department_id") is not None:
        query = query.where(RandomCheckTask.initiating_department_id == args["department_id"])
    if args.get("result") is not None:
        query = query.where(DrawnTarget.result == args["result"])
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page, per_page = args["page"], args["per_page"]
    order = (DrawnTarget.published_at.desc(), DrawnTarget.id.desc())
    rows = session.scalars(query.order_by(*order).limit(per_page).offset((page - 1) * per_page))
    return Page(list(rows), total, page, per_page)
