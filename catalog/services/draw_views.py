"""A stored draw as people read it: names instead of keys, reasons in words, results alongside;
and the same as an Excel workbook (抽取结果, 回避与替换, 抽取信息)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..models import DrawnTarget, RandomDraw
from ..models.codes import CHECK_RESULTS, TARGET_KINDS
from .draw_algorithm import REASONS
from .permissions import Actor, use_case
from .random_check_results import publication_deadline, published_on_time
from .random_checks import get_draw
from .tabular_files import Exported, Table, exported


def draw_view(draw: RandomDraw) -> dict[str, Any]:
    """The draw, as read by whoever got it from random_checks.get_draw or run_draw."""
    parameters, snapshot, result = (
        json.loads(t) for t in (draw.parameters, draw.snapshot, draw.result)
    )
    targets = {t["key"]: t for t in snapshot["targets"]}
    inspectors = {i["key"]: i for i in snapshot["inspectors"]}
    departments = {d["key"]: d for d in parameters["departments"]}
    rows = {r.target_key: r for r in draw.task.drawn_targets}

    def person(key: str) -> dict[str, Any]:
        return {"name": inspectors[key]["name"], "certificate_number": key}

    teams: dict[str, list[dict[str, Any]]] = {}
    for team in result["teams"]:
        teams.setdefault(team["target"], []).append(
            {
                "department": departments[team["department"]]["name"],
                "inspectors": [person(k) for k in team["inspectors"]],
            }
        )
    task = draw.task
    return {
        "task_id": task.id,
        "code": task.code,
        "name": task.name,
        "algorithm": draw.algorithm,
        "drawn_at": draw.drawn_at,
        "draw_date": draw.draw_date,
        "actor": draw.actor,
        "seed_commitment": task.seed_commitment,
        "committed_at": task.committed_at,
        "seed": task.seed,
        "witness": draw.witness,
        "draw_key": result["draw_key"],
        "pool_size": draw.pool_size,
        "sample_size": draw.sample_size,
        "snapshot_sha256": draw.snapshot_sha256,
        "result_sha256": draw.result_sha256,
        "parameters": parameters,
        "targets": [
            _target(t, targets[t["key"]], rows[t["key"]], teams.get(t["key"], []))
            for t in result["targets"]
        ],
        "replacements": [
            {
                "target": targets[r["target"]]["name"],
                "department": departments[r["department"]]["name"],
                "inspector": person(r["inspector"]),
                "reason_code": r["reason"],
                "reason": REASONS[r["reason"]],
                "replaced_by": person(r["replaced_by"]),
            }
            for r in result["replacements"]
        ],
    }


def _target(
    drawn: dict[str, Any], entry: dict[str, Any], row: DrawnTarget, teams: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "drawn_target_id": row.id,
        "rank": drawn["rank"],
        "key": drawn["key"],
        "score": drawn["score"],
        "name": entry["name"],
        "uscc": entry.get("uscc"),
        "kind": TARGET_KINDS.get(entry["kind"], entry["kind"]),
        "industry": entry.get("industry"),
        "teams": teams,
        "version": row.version,
        "checked_on": row.checked_on,
        "result": row.result,
        "result_label": CHECK_RESULTS.get(row.result or "", None),
        "handling": row.handling,
        "published_at": row.published_at,
        "deadline": publication_deadline(row),
        "on_time": published_on_time(row),
    }


DRAW_HEADERS = [
    "序号",
    "检查对象",
    "统一社会信用代码或键",
    "类别",
    "行业",
    "检查组",
    "排序值 SHA-256",
    "检查日期",
    "检查结果",
    "处理情况",
    "公示时间",
    "公示期限",
    "按时公示",
]
REPLACEMENT_HEADERS = [
    "检查对象",
    "部门",
    "未抽中的执法人员",
    "执法证号",
    "原因",
    "替换为",
    "替换者执法证号",
]


def _team_text(teams: list[dict[str, Any]]) -> str:
    return "；".join(
        f"{t['department']}：{'、'.join(p['name'] + '（' + p['certificate_number'] + '）' for p in t['inspectors'])}"
        for t in teams
    )


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


@use_case("public")  # who may read the draw is get_draw's to decide
def export_draw(session: Session, task_id: int, fmt: str, actor: Actor) -> Exported:
    """The draw of a task as a workbook (CSV: the drawn targets only), for whoever may read it."""
    view = draw_view(get_draw(session, task_id, actor))
    drawn = [
        [
            t["rank"],
            t["name"],
            t["key"],
            t["kind"],
            t["industry"],
            _team_text(t["teams"]),
            t["score"],
            _day(t["checked_on"]),
            t["result_label"] or "",
            t["handling"] or "",
            t["published_at"].replace(tzinfo=None) if t["published_at"] else "",
            _day(t["deadline"]),
            _yes_no(t["on_time"]),
        ]
        for t in view["targets"]
    ]
    replaced = [
        [
            r["target"],
            r["department"],
            r["inspector"]["name"],
            r["inspector"]["certificate_number"],
            r["reason"],
            r["replaced_by"]["name"],
            r["replaced_by"]["certificate_number"],
        ]
        for r in view["replacements"]
    ]
    facts = [
        ["任务编号", view["code"]],
        ["任务名称", view["name"]],
        ["算法", view["algorithm"]],
        ["抽取时间（UTC）", view["drawn_at"].replace(tzinfo=None)],
        ["种子承诺 SHA-256", view["seed_commitment"]],
        ["种子", view["seed"]],
        ["见证随机数", view["witness"]],
        ["抽取密钥", view["draw_key"]],
        ["名录库相关对象数", view["pool_size"]],
        ["抽取对象数", view["sample_size"]],
        ["名录库快照 SHA-256", view["snapshot_sha256"]],
        ["抽取结果 SHA-256", view["result_sha256"]],
    ]
    tables = [
        Table("抽取结果", DRAW_HEADERS, drawn),
        Table("回避与替换", REPLACEMENT_HEADERS, replaced),
        Table("抽取信息", ["项目", "内容"], facts),
    ]
    return exported(f"抽查任务{view['code']}-{date.today():%Y%m%d}", fmt, tables)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
