"""Figures of 双随机、一公开 and of the legal bases, in the shape of every other figure
(catalog/services/figures.py: exact numerator and denominator, a named rounding rule).

- 抽查比例 per task and item = 抽取对象数 / 名录库相关对象数 (docs/figures.md);
- 联合抽查占比 = drawn tasks with cooperating departments / drawn tasks (国发〔2019〕5号 asks
  for 部门联合抽查; the share as a figure is this project's);
- 抽查结果按时公示率 = results published by their deadline / results due (published, or past
  their deadline);
- 监管行为涉及的监管事项主项覆盖率 = 主项 with a 监管行为 / 主项 (practice); the only
  监管行为 Qingdan records are checks of drawn targets, so the numerator counts those;
- 引用失效依据的已发布事项数: published items citing an abolished or superseded basis (goal 0).

Draw figures as of a date read the draws' own dates (drawn, checked, published). The coverage
and the citing count read the lists as they stand now: their scope says as_of null.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, func, literal, select, union
from sqlalchemy.orm import Session

from ..models import (
    DrawnTarget,
    LegalBasis,
    Organization,
    RandomCheckItem,
    RandomCheckTask,
    RandomDraw,
    SupervisionItem,
)
from ..models.base import utcnow
from ..models.random_checks import task_items
from .facts import Scope
from .figures import Figure
from .legal_changes import CITING
from .permissions import use_case
from .random_check_results import publication_deadline
from .random_checks import china_today, draw_of


@dataclass(frozen=True)
class OversightScope(Scope):
    year: int | None = None
    task: str | None = None  # a task's code
    item_id: int | None = None

    def describe(self) -> dict[str, object]:
        return {
            "region_id": self.region_id,
            "department_id": self.department_id,
            "year": self.year,
            "task": self.task,
            "item_id": self.item_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


def _figure(
    key: str, label: str, formula: str, num: int, den: int | None, rule: str, scope: Scope
) -> Figure:
    return Figure(
        key,
        label,
        formula,
        Fraction(num),
        None if den is None else Fraction(den),
        den is not None,
        2 if den is not None else 0,
        rule,
        scope,
    )


def _departments(scope: OversightScope) -> Any:
    query = select(Organization.id)
    if scope.region_id is not None:
        query = query.where(Organization.region_id == scope.region_id)
    if scope.department_id is not None:
        query = query.where(Organization.id == scope.department_id)
    return query


def _drawn_tasks(session: Session, scope: OversightScope) -> list[RandomCheckTask]:
    query = (
        select(RandomCheckTask)
        .join(RandomDraw, RandomDraw.task_id == RandomCheckTask.id)
        .where(RandomCheckTask.initiating_department_id.in_(_departments(scope)))
        .order_by(RandomCheckTask.year, RandomCheckTask.id)
    )
    if scope.as_of is not None:
        query = query.where(RandomDraw.drawn_at <= scope.as_of)
    if scope.year is not None:
        query = query.where(RandomCheckTask.year == scope.year)
    return list(session.scalars(query))


def draw_figures(session: Session, scope: OversightScope, rule: str = "HALF_UP") -> list[Figure]:
    tasks = _drawn_tasks(session, scope)
    moment = scope.as_of or utcnow()
    on_time, due = _publication(session, [t.id for t in tasks], moment)
    live = OversightScope(scope.region_id, scope.department_id, year=scope.year)
    covered, mains = _coverage(session, live, _drawn_tasks(session, live))
    return [
        _figure(
            "joint_share",
            "联合抽查占比",
            "有配合部门的已抽取任务数 / 已抽取任务数",
            sum(t.joint for t in tasks),
            len(tasks),
            rule,
            scope,
        ),
        _figure(
            "results_on_time",
            "抽查结果按时公示率",
            "在期限内公示的结果数 / 应公示的结果数（已公示，或已过公示期限）",
            on_time,
            due,
            rule,
            scope,
        ),
        _figure(
            "main_item_coverage",
            "监管事项主项覆盖率",
            "有监管行为（已录入检查结果的抽查）的主项数 / 已发布的监管事项主项数",
            covered,
            mains,
            rule,
            live,
        ),
    ]


def _publication(session: Session, task_ids: list[int], moment: datetime) -> tuple[int, int]:
    today = china_today(moment)
    on_time = due = 0
    rows: Iterable[DrawnTarget] = (
        session.scalars(select(DrawnTarget).where(DrawnTarget.task_id.in_(task_ids)))
        if task_ids
        else []
    )
    for row in rows:
        published = row.published_at is not None and row.published_at <= moment
        deadline = publication_deadline(row)
        if published or deadline < today:
            due += 1
            on_time += published and china_today(row.published_at) <= deadline
    return on_time, due


def _coverage(
    session: Session, scope: OversightScope, tasks: list[RandomCheckTask]
) -> tuple[int, int]:
    main_of = func.coalesce(SupervisionItem.parent_id, SupervisionItem.id)
    mains = select(SupervisionItem.id).where(
        SupervisionItem.parent_id.is_(None),
        SupervisionItem.status == "published",
        SupervisionItem.department_id.in_(_departments(scope)),
    )
    checked_tasks = select(DrawnTarget.task_id).where(DrawnTarget.checked_on.is_not(None))
    checked_tasks = checked_tasks.where(DrawnTarget.task_id.in_([t.id for t in tasks]))
    covered = (
        select(main_of.label("main_id"))
        .join(RandomCheckItem, RandomCheckItem.supervision_item_id == SupervisionItem.id)
        .join(task_items, task_items.c.random_check_item_id == RandomCheckItem.id)
        .where(task_items.c.task_id.in_(checked_tasks))
        .distinct()
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(mains.subquery())) or 0
    hit = (
        session.scalar(
            select(func.count()).select_from(covered).where(covered.c.main_id.in_(mains))
        )
        or 0
    )
    return hit, total


def ratio_by_item(session: Session, scope: OversightScope, rule: str = "HALF_UP") -> list[Figure]:
    """抽查比例 of each drawn task, once per item it drew for (objects drawn once serve every item)."""
    figures = []
    for task in _drawn_tasks(session, scope):
        draw = draw_of(task)  # _drawn_tasks joins the draws
        for item in task.items:
            item_scope = OversightScope(
                scope.region_id,
                item.department_id,
                as_of=scope.as_of,
                year=task.year,
                task=task.code,
                item_id=item.id,
            )
            figures.append(
                _figure(
                    "draw_ratio",
                    f"抽查比例：{task.code} {item.name}",
                    "抽取对象数 / 名录库相关对象数",
                    draw.sample_size,
                    draw.pool_size,
                    rule,
                    item_scope,
                )
            )
    return figures


def invalid_citation_count(session: Session, scope: OversightScope) -> int:
    invalid = select(LegalBasis.id).where(LegalBasis.validity != "effective")
    parts = []
    for spec, table in CITING:
        model = spec.workflow_model
        parts.append(
            select(literal(spec.entity_type).label("entity"), model.id)
            .join(table, and_(table.c.item_id == model.id, table.c.legal_basis_id.in_(invalid)))
            .where(model.status == "published", spec.owner_column().in_(_departments(scope)))
        )
    return session.scalar(select(func.count()).select_from(union(*parts).subquery())) or 0


def legal_figures(session: Session, scope: OversightScope, rule: str = "HALF_UP") -> list[Figure]:
    live = OversightScope(scope.region_id, scope.department_id)
    count = invalid_citation_count(session, live)
    return [
        _figure(
            "citing_invalid_bases",
            "引用已废止或已修订依据的已发布事项数",
            "已发布的权责事项、实施清单事项、监管事项中，引用已废止或已被新版本取代的依据的事项数（目标为0）",
            count,
            None,
            rule,
            live,
        )
    ]


def make_scope(
    region_id: int | None = None,
    department_id: int | None = None,
    year: int | None = None,
    as_of: date | None = None,
) -> OversightScope:
    return OversightScope(
        region_id, department_id, as_of=Scope.end_of_day(as_of) if as_of else None, year=year
    )


@use_case("public")  # counts of published rows and of draws, as public as every other figure
def oversight_figures(
    session: Session, rule: str = "HALF_UP", **scope: Any
) -> dict[str, list[dict[str, Any]]]:
    made = make_scope(**scope)
    return {
        "figures": [
            f.as_dict()
            for f in draw_figures(session, made, rule) + legal_figures(session, made, rule)
        ],
        "ratios": [f.as_dict() for f in ratio_by_item(session, made, rule)],
    }
