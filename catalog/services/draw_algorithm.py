"""The 双随机 draw, qingdan-draw-v1: which targets and which inspectors, from a published seed.

Pure: standard library only, no database, so anyone holding the task's draw parameters, the
directory snapshot and the revealed seed re-runs a draw and gets the same result
(docs/random-draws.md has the specification and a stand-alone re-implementation).

国办发〔2015〕58号 asks for targets and inspectors drawn "通过摇号等方式" at random; it names no
algorithm. This one ranks candidates by SHA-256 of the draw key and the candidate's key, which
is a uniformly random order as long as SHA-256 behaves as a random function, and is easy to
re-compute in any language:

1. draw key K = SHA-256("qingdan-draw-v1|" + task code + "|" + seed + "|" + witness), as hex.
   The seed (64 hex digits) was committed to before the draw (its SHA-256 published); the
   witness text is entered at the draw (e.g. dice thrown by the 监督员), so whoever committed
   could not know the key in advance.
2. n from the pool size N: ceil(N × ratio / 100), or the task's count; refused unless
   min ≤ n / N (≤ max, for 一般检查事项 only: 重点检查事项 are uncapped, 市场监管总局 2019 通知).
3. targets in order of SHA-256(K + "|target|" + target key); the first n are drawn.
4. for each drawn target and each department of the task, that department's inspectors in
   order of SHA-256(K + "|inspector|" + target key + "|" + inspector key); eligible ones are
   taken until the team has k (≥ 2) members; an ineligible one met on the way is recorded as
   replaced, with the reason, by the next eligible one.

Ties of hash values (practically impossible) are broken by the key. Eligibility (回避) is
decided from the snapshot alone: on duty, a 执法证 issued on or before the draw date and not
expired, an 执法领域 among the department's required fields, and no declared conflict with the
target.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

ALGORITHM = "qingdan-draw-v1"
MIN_INSPECTORS = 2  # "执法人员不得少于两人" (行政处罚法 §42; 法律服务 抽查 example)

REASONS = {
    "conflict": "申报与该检查对象存在利害关系，依法回避",
    "field": "执法领域不属于本次抽查事项要求的领域",
    "off_duty": "不在岗",
    "no_certificate": "执法证发证日期未填报，无法确认持证",
    "not_yet_certified": "抽取日尚未取得执法证",
    "expired": "执法证已过有效期",
}


class DrawRefused(ValueError):
    """The inputs admit no valid draw: the message says why, in Chinese."""


def canonical_json(value: Any) -> str:
    """The one serialization that is hashed and stored: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw_key(task_code: str, seed: str, witness: str) -> str:
    return sha256_hex(f"{ALGORITHM}|{task_code}|{seed}|{witness}")


def ranked(key: str, label: str, candidates: dict[str, str]) -> list[tuple[str, str]]:
    """(score, candidate) in draw order: ascending SHA-256(K + "|" + label + "|" + hashed text),
    where ``candidates`` maps each candidate to the text hashed for it."""
    return sorted(
        (sha256_hex(f"{key}|{label}|{text}"), candidate) for candidate, text in candidates.items()
    )


def sample_size(pool: int, parameters: dict[str, Any]) -> int:
    """How many targets to draw from a pool of ``pool``, within the bounds, or DrawRefused."""
    if pool == 0:
        raise DrawRefused("检查对象名录库中没有符合抽查范围的对象。")
    if parameters.get("count") is not None:
        size = int(parameters["count"])
        if size > pool:
            raise DrawRefused(f"抽取数量 {size} 超过符合范围的检查对象数 {pool}。")
    else:
        size = math.ceil(pool * Fraction(parameters["ratio_percent"]) / 100)
    if size < 1:
        raise DrawRefused("抽取数量至少为 1。")
    low, high = parameters.get("ratio_min"), parameters.get("ratio_max")
    if low is not None and size * 100 < Fraction(low) * pool:
        raise DrawRefused(f"抽取 {size} 户占 {pool} 户的比例低于抽查事项规定的下限 {low}%。")
    if high is not None and size * 100 > Fraction(high) * pool:
        raise DrawRefused(
            f"抽取 {size} 户占 {pool} 户的比例高于一般检查事项的上限 {high}%；请缩小数量或扩大抽查范围。"
        )
    return size


def ineligibility(
    inspector: dict[str, Any],
    target_key: str,
    fields: list[str],
    draw_date: str,
    conflicts: set[tuple[str, str]],
) -> str | None:
    """Why this inspector may not inspect this target on ``draw_date`` (ISO date), or None."""
    if (inspector["key"], target_key) in conflicts:
        return "conflict"
    if fields and inspector.get("enforcement_field") not in fields:
        return "field"
    if not inspector.get("on_duty"):
        return "off_duty"
    certified = inspector.get("certified_on")
    if certified is None:
        return "no_certificate"
    if certified > draw_date:  # ISO dates compare as text
        return "not_yet_certified"
    valid_until = inspector.get("certificate_valid_until")
    if valid_until is not None and valid_until < draw_date:
        return "expired"
    return None


@dataclass(frozen=True)
class _Team:
    members: list[str]
    replacements: list[dict[str, Any]]


def _team(
    key: str,
    target_key: str,
    department: dict[str, Any],
    inspectors: list[dict[str, Any]],
    size: int,
    draw_date: str,
    conflicts: set[tuple[str, str]],
) -> _Team:
    by_key = {i["key"]: i for i in inspectors if i["department"] == department["key"]}
    members: list[str] = []
    skipped: list[tuple[str, str]] = []
    replacements: list[dict[str, Any]] = []
    for _score, inspector_key in ranked(key, "inspector", {k: f"{target_key}|{k}" for k in by_key}):
        inspector = by_key[inspector_key]
        reason = ineligibility(
            inspector, target_key, department.get("fields") or [], draw_date, conflicts
        )
        if reason is not None:
            skipped.append((inspector["key"], reason))
            continue
        for skipped_key, skipped_reason in skipped:
            replacements.append(
                {
                    "target": target_key,
                    "department": department["key"],
                    "inspector": skipped_key,
                    "reason": skipped_reason,
                    "replaced_by": inspector["key"],
                }
            )
        skipped = []
        members.append(inspector["key"])
        if len(members) == size:
            return _Team(members, replacements)
    raise DrawRefused(
        f"{department.get('name') or department['key']}符合条件（在岗、持有效执法证、执法领域相符、无回避情形）的"
        f"执法人员不足 {size} 人，无法为检查对象 {target_key} 组成检查组。"
    )


def run(
    parameters: dict[str, Any], snapshot: dict[str, Any], seed: str, witness: str
) -> dict[str, Any]:
    """The draw: targets in draw order, one team per drawn target and department, replacements.

    ``parameters``: code, draw_date (ISO), ratio_percent | count, ratio_min, ratio_max,
    inspectors_per_department, departments [{key, name, fields}].
    ``snapshot``: targets [{key, …}], inspectors [{key, department, enforcement_field, on_duty,
    certified_on, certificate_valid_until, …}], conflicts [{inspector, target}].
    """
    size = int(parameters.get("inspectors_per_department") or MIN_INSPECTORS)
    if size < MIN_INSPECTORS:
        raise DrawRefused(f"每个部门每个检查对象至少抽取 {MIN_INSPECTORS} 名执法人员。")
    key = draw_key(parameters["code"], seed, witness)
    targets = [t["key"] for t in snapshot["targets"]]
    if len(set(targets)) != len(targets):
        raise DrawRefused("名录库快照中检查对象的键重复。")
    drawn = ranked(key, "target", {t: t for t in targets})[: sample_size(len(targets), parameters)]
    conflicts = {(c["inspector"], c["target"]) for c in snapshot.get("conflicts", [])}
    teams, replacements = [], []
    for _score, target_key in drawn:
        for department in parameters["departments"]:
            team = _team(
                key,
                target_key,
                department,
                snapshot["inspectors"],
                size,
                parameters["draw_date"],
                conflicts,
            )
            teams.append(
                {"target": target_key, "department": department["key"], "inspectors": team.members}
            )
            replacements.extend(team.replacements)
    return {
        "algorithm": ALGORITHM,
        "draw_key": key,
        "pool": len(targets),
        "targets": [
            {"rank": rank, "key": target_key, "score": score}
            for rank, (score, target_key) in enumerate(drawn, 1)
        ],
        "teams": teams,
        "replacements": replacements,
    }
