"""Verifying a stored draw: run it again from what was stored and compare byte for byte; check
the seed against its commitment and every digest; rebuild the snapshot from the audit trail
as of the draw moment and compare it with the one kept."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from ..models import RandomDraw
from . import draw_algorithm as algorithm
from .draw_snapshot import snapshot_as_of
from .permissions import Actor, use_case
from .random_checks import get_draw


@use_case("public")  # who may read the draw is get_draw's to decide
def verify_draw(
    session: Session, task_id: int, actor: Actor, directory: bool = True
) -> dict[str, Any]:
    """Re-run the stored draw and check every digest; with ``directory``, also compare the
    snapshot with the directory rebuilt from the history (it reads every change record of the
    directory up to the draw: the verify endpoint and command do it, page views do not)."""
    draw = get_draw(session, task_id, actor)
    task = draw.task
    checks = {
        "commitment": algorithm.sha256_hex(task.seed or "") == task.seed_commitment,
        "snapshot_sha256": algorithm.sha256_hex(draw.snapshot) == draw.snapshot_sha256,
        "result_sha256": algorithm.sha256_hex(draw.result) == draw.result_sha256,
    }
    try:
        rerun = algorithm.canonical_json(
            algorithm.run(
                _loads(draw.parameters), _loads(draw.snapshot), task.seed or "", draw.witness
            )
        )
    except algorithm.DrawRefused as refused:
        rerun = f"refused: {refused}"
    checks["rerun_identical"] = rerun == draw.result
    return {
        "task_id": task.id,
        "algorithm": draw.algorithm,
        "checks": checks,
        "identical": all(checks.values()),
        "rerun_sha256": algorithm.sha256_hex(rerun),
        "directory": _directory_check(session, draw) if directory else None,
    }


def _directory_check(session: Session, draw: RandomDraw) -> dict[str, Any]:
    """The snapshot against the directory rebuilt from the change records as of the draw."""
    rebuilt = algorithm.canonical_json(snapshot_as_of(session, draw.task, draw.drawn_at))
    history = {
        name: {e["key"] for e in _loads(rebuilt)[name]} for name in ("targets", "inspectors")
    }
    kept = {
        name: {e["key"] for e in _loads(draw.snapshot)[name]} for name in ("targets", "inspectors")
    }
    if rebuilt == draw.snapshot:
        state, message = "identical", "名录库快照与抽取时点的名录库（按变更记录重建）逐字节一致。"
    elif not history["targets"] and not history["inspectors"]:
        state, message = (
            "no_history",
            "抽取时点之前没有名录库的变更记录（数据为事后批量载入），无法按历史核对。",
        )
    else:
        state, message = "differs", "名录库快照与按变更记录重建的名录库不一致，见差异。"
    return {
        "state": state,
        "message": message,
        "missing_from_snapshot": {n: sorted(history[n] - kept[n]) for n in history},
        "not_in_history": {n: sorted(kept[n] - history[n]) for n in history},
    }


def _loads(text: str) -> Any:
    return json.loads(text)
