"""Loads the 2020 draws and the 2 abolished documents' effect (oversight.py) through the use
cases, as the departments would have: plan, commit, declare 回避, draw, record and publish; the
区政府办公室 abolishes, the department revises its items, the reviewer approves.

Rows the seed creates (tasks, the 回避 declaration) are recorded by "seed" and counted in the
report; the steps taken on them are recorded by the acting department's demo user. A task whose
code exists, or a document already abolished, is left as it is: a second run changes nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Inspector, LegalBasis, Organization, RandomCheckItem, RandomCheckTask
from catalog.schemas.random_checks import TaskSchema
from catalog.services import (
    draw_algorithm,
    inspector_conflicts,
    legal_changes,
    random_check_results,
    random_checks,
    workflow,
)
from catalog.services.draw_snapshot import live_snapshot
from catalog.services.permissions import Actor

from ..loading import SEED_ACTOR, Loader
from . import oversight
from .oversight import CST

JUSTICE = Actor.system("区司法局（演示）", "seed")


def _department_actor(session: Session, org_id: int) -> Actor:
    return Actor.system(f"{session.get(Organization, org_id).short_name}（演示）", "seed")


class OversightDemo:
    def __init__(self, loader: Loader, org: dict[str, int], law: dict[str, int]) -> None:
        self.loader, self.session, self.org, self.law = loader, loader.session, org, law

    def load(self) -> None:
        for task in oversight.TASKS:
            self._task(task)
        for key, abolition in oversight.ABOLITIONS.items():
            self._abolish(key, *abolition)

    # -- 双随机 -------------------------------------------------------------------------------
    def _task(self, spec: dict[str, Any]) -> None:
        if self.session.scalar(
            select(RandomCheckTask.id).where(RandomCheckTask.code == spec["code"])
        ):
            self.loader.report.existing["random-check-tasks"] += 1
            self.loader.report.existing["inspector-conflicts"] += bool(spec["conflict"])
            return
        start, end = spec["window"]
        data = TaskSchema().load(
            {
                "code": spec["code"],
                "name": spec["name"],
                "year": spec["year"],
                "batch": spec["batch"],
                "initiating_department_id": self.org[spec["initiating"]],
                "cooperating_department_ids": [self.org[k] for k in spec["cooperating"]],
                "item_ids": [self._item(dept, name) for dept, name in spec["items"]],
                "scope": spec["scope"],
                "ratio_percent": spec["ratio_percent"],
                "window_start": start.isoformat(),
                "window_end": end.isoformat(),
            }
        )
        task = random_checks.create_task(self.session, data, SEED_ACTOR)
        self.loader.report.created["random-check-tasks"] += 1
        actor = _department_actor(self.session, task.initiating_department_id)
        random_checks.commit_task(
            self.session, task.id, task.version, actor, now=spec["committed_at"], seed=spec["seed"]
        )
        if spec["conflict"]:
            self._declare_conflict(task, spec)
        draw = random_checks.run_draw(
            self.session, task.id, task.version, spec["witness"], actor, now=spec["drawn_at"]
        )
        self._results(task, draw, spec["results"], actor)

    def _item(self, dept: str, name: str) -> int:
        query = select(RandomCheckItem.id).where(
            RandomCheckItem.department_id == self.org[dept], RandomCheckItem.name == name
        )
        return self.session.scalars(query).one()

    def _declare_conflict(self, task: RandomCheckTask, spec: dict[str, Any]) -> None:
        """A 回避 declaration by whoever the draw would otherwise send first, so the demo shows
        the replacement (the draw is deterministic once its seed and witness are fixed)."""
        parameters = random_checks.draw_parameters(task, spec["drawn_at"].date())
        snapshot = live_snapshot(self.session, task)
        planned = draw_algorithm.run(parameters, snapshot, spec["seed"], spec["witness"])
        target_key, inspector_key = (
            planned["teams"][0]["target"],
            planned["teams"][0]["inspectors"][0],
        )
        target_id = next(t["id"] for t in snapshot["targets"] if t["key"] == target_key)
        inspector_id = self.session.scalars(
            select(Inspector.id).where(Inspector.certificate_number == inspector_key)
        ).one()
        declared_on = (spec["drawn_at"] - timedelta(days=30)).date()
        inspector_conflicts.declare(
            self.session,
            {
                "inspector_id": inspector_id,
                "target_id": target_id,
                "reason": spec["conflict"],
                "declared_on": declared_on,
            },
            SEED_ACTOR,
        )
        self.loader.report.created["inspector-conflicts"] += 1

    def _results(
        self, task: RandomCheckTask, draw: Any, results: list[tuple[Any, ...]], actor: Actor
    ) -> None:
        rows = random_check_results.task_results(self.session, task.id, actor)
        for row, (result, handling, check_days, publish_days) in zip(rows, results, strict=True):
            checked_on = draw.draw_date + timedelta(days=check_days)
            evening = datetime.combine(checked_on, time(17, 0), tzinfo=CST)
            random_check_results.record_result(
                self.session,
                task.id,
                row.id,
                {"checked_on": checked_on, "result": result, "handling": handling},
                row.version,
                actor,
                now=evening,
            )
            published = datetime.combine(
                checked_on + timedelta(days=publish_days), time(10, 0), tzinfo=CST
            )
            random_check_results.publish_results(
                self.session, task.id, [row.id], actor, now=published
            )

    # -- 规范性文件清理 --------------------------------------------------------------------------
    def _abolish(
        self, key: str, number: str, decided_on: Any, effective_on: Any, reason: str, revised: bool
    ) -> None:
        basis = self.session.get(LegalBasis, self.law[key])
        if basis.validity != "effective":
            return
        data = {
            "document_number": number,
            "decided_on": decided_on,
            "effective_on": effective_on,
            "reason": reason,
        }
        change = legal_changes.abolish(self.session, basis.id, data, basis.version, JUSTICE)
        if revised:
            for review in change.reviews:
                self._drop_citation(review, basis.id)

    def _drop_citation(self, review: Any, basis_id: int) -> None:
        """The department removes the abolished document from the item; the reviewer approves."""
        spec = legal_changes.SPECS[review.entity_type]
        row = self.session.get(spec.model, review.entity_id)
        editor = _department_actor(self.session, row.department_id)
        changes: dict[str, Any] = {
            "legal_basis_ids": [i for i in row.legal_basis_ids if i != basis_id]
        }
        name = f"《{self.session.get(LegalBasis, basis_id).name}》"
        if name in (getattr(row, "basis_text", None) or ""):
            changes["basis_text"] = (
                row.basis_text.replace(f"；{name}", "").replace(name, "") or None
            )
        workflow.edit_row(self.session, spec, row.id, changes, row.version, editor)
        workflow.take_step(self.session, spec, "submit", row.id, row.version, editor)
        workflow.take_step(self.session, spec, "approve", row.id, row.version, JUSTICE)
