"""抽查任务: plan a batch, commit to a seed, draw it once, read the draw.

The steps (国办发〔2015〕58号 "双随机": targets and inspectors drawn at random; 国发〔2019〕5号:
部门联合抽查 draws the objects once for several departments):

- plan: items, initiating and cooperating departments, the 名录库 scope, a ratio or a count
  within the items' bounds, the window and the publication deadline; editable until committed;
- commit: a 256-bit seed is made and only its SHA-256 is published (the task is frozen);
- draw: the witness text entered at the draw, the directory snapshot and the seed go through
  catalog/services/draw_algorithm.py; the result, the snapshot and the parameters are stored as
  the exact text hashed, and the seed is revealed to whoever may read the draw;
- verify (draw_verification.py): the draw is run again from what was stored and compared byte
  for byte; the snapshot is compared with the directory rebuilt from the history.

The task's rules (departments, items, scope, ratio bounds) are in random_check_rules.py.

Who is drawn stays with the task's departments until the draw is disclosed (the window ended,
or every result published): inspections are not announced in advance. That is this project's
reading of "抽查结果向社会公开", not a national rule; once disclosed, anyone may re-run it.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..models import (
    DrawnTarget,
    Organization,
    RandomCheckItem,
    RandomCheckTask,
    RandomDraw,
)
from ..models.base import CHINA_TIME, utcnow
from ..models.codes import CHECK_CATEGORIES
from . import draw_algorithm as algorithm
from .crud import Page
from .draw_snapshot import departments_of, live_snapshot
from .errors import DomainError, FieldError, conflict, not_found, validation_failed
from .history import record_change, snapshot_of
from .permissions import Actor, authorize, departments_where, use_case
from .random_check_rules import bounds, check_task, percent_text
from .versions import flush_versioned, require_version

TASK_ENTITY = "random_check_task"
LABEL = "抽查任务"
PUBLIC_STATES = ("committed", "drawn")  # a plan is the departments' own until its seed is committed


def china_today(moment: datetime | None = None) -> date:
    return (moment or utcnow()).astimezone(CHINA_TIME).date()


# -- reading -------------------------------------------------------------------------------------


def reads_task(actor: Actor, task: RandomCheckTask) -> bool:
    """Whether the actor reads the task's undisclosed parts: staff of one of its departments,
    auditors and admins (a use case asking this has checked the department of draws.read)."""
    readable = departments_where(actor, "draws.read")
    return readable is None or not readable.isdisjoint(task.department_ids)


@use_case("public")
def get_task(session: Session, task_id: int, actor: Actor) -> RandomCheckTask:
    """A committed or drawn task for anyone; a plan for its departments' staff and auditors."""
    task = session.get(RandomCheckTask, task_id) if 0 < task_id < 2**31 else None
    if task is None or (task.state not in PUBLIC_STATES and not reads_task(actor, task)):
        raise not_found(LABEL, task_id)
    return task


@use_case("public")
def list_tasks(session: Session, args: dict[str, Any], actor: Actor) -> Page:
    """Tasks, newest year first: the public sees committed and drawn ones."""
    query = select(RandomCheckTask)
    readable = departments_where(actor, "draws.read")
    if readable is not None:
        departments = sorted(readable)
        own = or_(
            RandomCheckTask.initiating_department_id.in_(departments),
            RandomCheckTask.cooperating_departments.any(Organization.id.in_(departments)),
        )
        query = query.where(or_(RandomCheckTask.state.in_(PUBLIC_STATES), own))
    for name in ("year", "state"):
        if args.get(name) is not None:
            query = query.where(getattr(RandomCheckTask, name) == args[name])
    if args.get("department_id") is not None:
        query = query.where(RandomCheckTask.initiating_department_id == args["department_id"])
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page, per_page = args["page"], args["per_page"]
    rows = session.scalars(
        query.order_by(RandomCheckTask.year.desc(), RandomCheckTask.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(rows), total, page, per_page)


def disclosed(task: RandomCheckTask, today: date | None = None) -> bool:
    """Whether the public may see who was drawn, the seed and the snapshot."""
    if task.state != "drawn":
        return False
    if (today or china_today()) > task.window_end:
        return True
    return all(row.published_at is not None for row in task.drawn_targets)


@use_case("public")  # anyone once disclosed; before, draws.read in one of the task's departments
def get_draw(session: Session, task_id: int, actor: Actor) -> RandomDraw:
    """The draw of a task: for its departments' staff and auditors, and for anyone once disclosed."""
    task = get_task(session, task_id, actor)
    draw = draw_of(task)
    if not disclosed(task) and not reads_task(actor, task):
        raise DomainError(
            "not_disclosed",
            f"抽取名单、种子和名录库快照在检查时间结束（{task.window_end}）或全部结果公示后向社会公开。",
            403,
        )
    return draw


def draw_of(task: RandomCheckTask) -> RandomDraw:
    """The task's draw; "not drawn" (404) while it has none."""
    if task.draw is None:
        raise DomainError("not_drawn", "该抽查任务尚未抽取。", 404)
    return task.draw


# -- planning ------------------------------------------------------------------------------------


def _apply(session: Session, task: RandomCheckTask, data: dict[str, Any]) -> None:
    item_ids = data.pop("item_ids", None)
    cooperating = data.pop("cooperating_department_ids", None)
    for name, value in data.items():
        setattr(task, name, value)
    item_ids = item_ids if item_ids is not None else [i.id for i in task.items]
    cooperating = (
        cooperating if cooperating is not None else [d.id for d in task.cooperating_departments]
    )
    # a duplicate code must surface at _flush_unique as a validation error, not at a query's autoflush
    with session.no_autoflush:
        problems = check_task(
            session, task, list(dict.fromkeys(item_ids)), list(dict.fromkeys(cooperating))
        )
        if problems:
            session.rollback()
            raise validation_failed(problems.by_field)
        task.items = list(
            session.scalars(select(RandomCheckItem).where(RandomCheckItem.id.in_(item_ids)))
        )
        task.cooperating_departments = list(
            session.scalars(select(Organization).where(Organization.id.in_(cooperating)))
        )


def task_snapshot(task: RandomCheckTask) -> dict[str, Any]:
    """The task as the audit trail keeps it; the seed only once revealed by the draw."""
    kept = snapshot_of(
        task,
        "id code name year batch state version initiating_department_id"
        " cooperating_department_ids item_ids scope ratio_percent sample_count"
        " inspectors_per_department window_start window_end publish_within_days seed_commitment",
    )
    return kept | {"seed": task.seed if task.state == "drawn" else None}


def _record(
    session: Session,
    task: RandomCheckTask,
    action: str,
    before: dict[str, Any] | None,
    actor: Actor,
    note: str | None = None,
) -> None:
    flush_versioned(session)
    department_id = task.initiating_department_id
    after = task_snapshot(task)
    record_change(
        session, TASK_ENTITY, task.id, action, before, after, actor, department_id, note=note
    )


def _flush_unique(session: Session) -> None:
    """Flush the task: a code another task holds is a validation error, and a version another
    writer changed meanwhile a 412 (on PostgreSQL both may have read the same version)."""
    try:
        flush_versioned(session)
    except IntegrityError:
        session.rollback()
        raise validation_failed(
            {"code": [FieldError("duplicate", "该任务编号已被使用，不能重复。")]}
        ) from None


@use_case("draws.plan")
def create_task(session: Session, data: dict[str, Any], actor: Actor) -> RandomCheckTask:
    """A planned task of the initiating department (its editors, admins)."""
    authorize(actor, "draws.plan", data.get("initiating_department_id"))
    task = RandomCheckTask(state="planned")
    session.add(task)
    _apply(session, task, dict(data))
    _flush_unique(session)
    _record(session, task, "create", None, actor)
    session.commit()
    return task


def _own_task(
    session: Session, task_id: int, expected_version: int, actor: Actor
) -> RandomCheckTask:
    task = get_task(session, task_id, actor)
    authorize(actor, "draws.plan", task.initiating_department_id)
    require_version(task, expected_version)
    return task


@use_case("draws.plan")
def update_task(
    session: Session, task_id: int, data: dict[str, Any], expected_version: int, actor: Actor
) -> RandomCheckTask:
    task = _own_task(session, task_id, expected_version, actor)
    if task.state != "planned":
        raise conflict("种子承诺已公布的任务不能再修改（抽查范围和比例须在抽取前固定）。")
    if data.get("initiating_department_id") not in (None, task.initiating_department_id):
        authorize(actor, "draws.plan", data["initiating_department_id"])
    before = task_snapshot(task)
    _apply(session, task, dict(data))
    _flush_unique(session)
    _record(session, task, "update", before, actor)
    session.commit()
    return task


@use_case("draws.plan")
def commit_task(
    session: Session,
    task_id: int,
    expected_version: int,
    actor: Actor,
    now: datetime | None = None,
    seed: str | None = None,
) -> RandomCheckTask:
    """Make the secret seed and publish its SHA-256: from now on the task cannot change.

    ``seed`` fixes the seed of demo data (seed/yuncheng), for system tools only: the API, the
    pages and the CLI never pass it, so a real task's seed is always ``secrets.token_hex(32)``.
    """
    if seed is not None and actor.role != "system":
        raise DomainError("forbidden", "种子只能由系统随机生成。", 403)
    task = _own_task(session, task_id, expected_version, actor)
    if task.state != "planned":
        raise conflict("该任务的种子承诺已经公布。")
    before = task_snapshot(task)
    task.seed = seed or secrets.token_hex(32)
    task.seed_commitment = algorithm.sha256_hex(task.seed)
    task.committed_at = now or utcnow()
    task.state = "committed"
    _record(session, task, "commit", before, actor, note=f"种子承诺 SHA-256 {task.seed_commitment}")
    session.commit()
    return task


# -- the draw ------------------------------------------------------------------------------------


def draw_parameters(task: RandomCheckTask, draw_date: date) -> dict[str, Any]:
    floor, cap = bounds(task.items)
    return {
        "code": task.code,
        "draw_date": draw_date.isoformat(),
        "ratio_percent": task.ratio_percent,
        "count": task.sample_count,
        "ratio_min": percent_text(floor),
        "ratio_max": percent_text(cap),
        "inspectors_per_department": task.inspectors_per_department,
        "departments": departments_of(task),
        "items": [
            {
                "id": i.id,
                "name": i.name,
                "category": CHECK_CATEGORIES.get(i.category, i.category),
                "field": i.field,
            }
            for i in task.items
        ],
    }


@use_case("draws.plan")
def run_draw(
    session: Session,
    task_id: int,
    expected_version: int,
    witness: str,
    actor: Actor,
    now: datetime | None = None,
) -> RandomDraw:
    """Draw a committed task once, within its window, and reveal the seed with the result."""
    task = _own_task(session, task_id, expected_version, actor)
    if task.state != "committed":
        raise conflict(
            "只有已公布种子承诺、尚未抽取的任务才能抽取。"
            if task.state == "planned"
            else "该任务已经抽取，不能重抽。"
        )
    moment = now or utcnow()
    today = china_today(moment)
    if today > task.window_end:
        raise conflict(f"检查时间已于 {task.window_end} 结束，不能再抽取。")
    parameters = draw_parameters(task, today)
    snapshot = live_snapshot(session, task)
    try:
        result = algorithm.run(parameters, snapshot, task.seed or "", witness)
    except algorithm.DrawRefused as refused:
        raise DomainError("draw_refused", str(refused), 422) from None
    before = task_snapshot(task)
    try:
        draw = _store(session, task, parameters, snapshot, result, witness, moment, actor)
        task.state = "drawn"
        session.flush()
        _record(
            session,
            task,
            "draw",
            before,
            actor,
            note=f"抽取 {draw.sample_size}/{draw.pool_size}，结果 SHA-256 {draw.result_sha256}",
        )
        session.commit()
    except (IntegrityError, StaleDataError):  # another request drew this task at the same moment
        session.rollback()
        raise conflict("该任务已经抽取，不能重抽。") from None
    except OperationalError as error:
        # SQLite: a write after another connection's committed write fails at once (its
        # snapshot is stale); nothing was stored — the other draw, if any, stands.
        session.rollback()
        if "locked" not in str(error.orig):
            raise
        raise DomainError("busy", "该任务正在被他人抽取或修改，请刷新后查看。", 409) from None
    return draw


def _store(
    session: Session,
    task: RandomCheckTask,
    parameters: dict[str, Any],
    snapshot: dict[str, Any],
    result: dict[str, Any],
    witness: str,
    moment: datetime,
    actor: Actor,
) -> RandomDraw:
    snapshot_text, result_text = (
        algorithm.canonical_json(snapshot),
        algorithm.canonical_json(result),
    )
    draw = RandomDraw(
        task_id=task.id,
        algorithm=algorithm.ALGORITHM,
        drawn_at=moment,
        draw_date=china_today(moment),
        witness=witness,
        actor=actor.name,
        parameters=algorithm.canonical_json(parameters),
        snapshot=snapshot_text,
        snapshot_sha256=algorithm.sha256_hex(snapshot_text),
        result=result_text,
        result_sha256=algorithm.sha256_hex(result_text),
        pool_size=result["pool"],
        sample_size=len(result["targets"]),
    )
    session.add(draw)
    by_key = {t["key"]: t for t in snapshot["targets"]}
    for drawn in result["targets"]:
        target = by_key[drawn["key"]]
        session.add(
            DrawnTarget(
                task_id=task.id,
                target_id=target["id"],
                rank=drawn["rank"],
                target_key=drawn["key"],
                target_name=target["name"],
            )
        )
    return draw
