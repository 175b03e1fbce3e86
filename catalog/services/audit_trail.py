"""The audit trail: every change to every row, for auditors to query and export.

ChangeRecords are written by history.record_change in each change's own transaction and are
append-only (database triggers refuse UPDATE and DELETE). Queries go by entity, department,
actor and time, each backed by an index on change_records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..models import ChangeRecord
from ..models.base import CHINA_TIME
from . import crud
from .draw_snapshot import CONFLICT_ENTITY
from .legal_changes import CHANGE_ENTITY, REVIEW_ENTITY
from .permissions import Actor, authorize, use_case
from .random_check_results import RESULT_ENTITY
from .random_checks import TASK_ENTITY
from .registry import ALL_LISTS, ListSpec
from .tabular_files import Exported, Table, exported
from .workflow import REVISION_ENTITY, STEPS

CHANGE_HEADERS = [
    "编号",
    "时间（北京时间）",
    "操作",
    "对象类型",
    "对象编号",
    "版本",
    "操作人",
    "来源",
    "会话或令牌",
    "部门编号",
    "说明",
    "修改前",
    "修改后",
]

# What auditors read for the codes the trail stores: the workflow steps by their own labels,
# the lists by their ListSpec labels, and the rest of what record_change is called with.
ACTION_LABELS: dict[str, str] = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    **{name: step.label for name, step in STEPS.items()},
    "password": "设置密码",
    "deactivate": "停用账号",
    "sign_out": "结束登录",
    "revoke": "撤销",
    "commit": "承诺种子",
    "draw": "抽取",
    "publish": "公示结果",
}
ENTITY_LABELS: dict[str, str] = {
    **{spec.entity_type: spec.label for spec in ALL_LISTS},
    REVISION_ENTITY: "修订稿",
    "user": "用户",
    "api_token": "API 令牌",
    TASK_ENTITY: "抽查任务",
    RESULT_ENTITY: "抽查结果",
    CONFLICT_ENTITY: "回避申报",
    CHANGE_ENTITY: "法律依据变更",
    REVIEW_ENTITY: "依据复核",
}
SOURCE_LABELS = {
    "api": "开放接口",
    "web": "网页",
    "cli": "命令行",
    "seed": "初始数据",
    "import": "表格导入",
}


@use_case("row.read_unpublished")
def row_history(session: Session, spec: ListSpec, row_id: int, actor: Actor) -> list[ChangeRecord]:
    """Every change of one row, oldest first (drafts included, so not for the public)."""
    row = crud.get_row(session, spec, row_id, actor)
    authorize(actor, "row.read_unpublished", spec.department_of(row))
    query = select(ChangeRecord).where(
        ChangeRecord.entity_type == spec.entity_type, ChangeRecord.entity_id == row_id
    )
    return list(session.scalars(query.order_by(ChangeRecord.id)))


def _filtered(args: Mapping[str, Any]) -> Select[ChangeRecord]:
    query = select(ChangeRecord)
    for name in ("entity_type", "entity_id", "actor", "department_id", "action", "source"):
        if args.get(name) is not None:
            query = query.where(getattr(ChangeRecord, name) == args[name])
    if args.get("since") is not None:
        query = query.where(ChangeRecord.changed_at >= args["since"])
    if args.get("until") is not None:
        query = query.where(ChangeRecord.changed_at < args["until"])
    return query


@use_case("audit.read")
def query_changes(session: Session, args: Mapping[str, Any], actor: Actor) -> crud.Page:
    """One page of the trail, newest first."""
    authorize(actor, "audit.read")
    query = _filtered(args)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page, per_page = args["page"], args["per_page"]
    # The page's ids first, then their rows: skipping to a deep page steps over ids in an index,
    # not over records with their snapshots.
    ids = query.with_only_columns(ChangeRecord.id).order_by(ChangeRecord.id.desc())
    ids = ids.limit(per_page).offset((page - 1) * per_page)
    rows = session.scalars(
        select(ChangeRecord).where(ChangeRecord.id.in_(ids)).order_by(ChangeRecord.id.desc())
    )
    return crud.Page(list(rows), total, page, per_page)


@use_case("audit.read")
def export_changes(session: Session, args: Mapping[str, Any], actor: Actor) -> Exported:
    """The filtered trail as xlsx or CSV, oldest first, snapshots as JSON text."""
    authorize(actor, "audit.read")

    def rows() -> Iterator[list[Any]]:
        query = _filtered(args).order_by(ChangeRecord.id).execution_options(yield_per=1000)
        for change in session.scalars(query):
            yield [
                change.id,
                change.changed_at.astimezone(CHINA_TIME).replace(tzinfo=None),
                ACTION_LABELS.get(change.action, change.action),
                ENTITY_LABELS.get(change.entity_type, change.entity_type),
                change.entity_id,
                change.version,
                change.actor,
                change.source,
                change.credential,
                change.department_id,
                change.note,
                _json(change.before),
                _json(change.after),
            ]

    return exported(
        f"变更记录-{date.today():%Y%m%d}",
        args.get("format") or "xlsx",
        [Table("变更记录", CHANGE_HEADERS, rows())],
    )


def _json(snapshot: dict[str, Any] | None) -> str:
    return "" if snapshot is None else json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
