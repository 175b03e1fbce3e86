"""Scoring a search engine against a judged set: hit@k, MRR, nDCG@10, hit@1 and the zero-result
rate.

Shared by the relevance tests and ``python -m tests.search.relevance.report``. A query is run
through a ``search(text) -> Answer`` callable, so the same scoring measures the engines alone
(before issue 16) and the citizen answer with its fallbacks (search.citizen).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from search.documents import SearchDocument
from seed.guangan import load_catalog
from tests.search.relevance import Judgment

RANK_DEPTH = 10  # MRR looks this deep


@dataclass(frozen=True)
class Answer:
    """What a citizen sees for a query: names in order, and whether the search found nothing."""

    names: tuple[str, ...]
    zero_result: bool


Search = Callable[[str], Answer]


@dataclass(frozen=True)
class Outcome:
    judgment: Judgment
    rank: int | None  # 1-based rank of the first expected item, None if not in RANK_DEPTH
    top: tuple[str, ...]
    zero_result: bool

    @property
    def hit(self) -> bool:
        return self.rank is not None and self.rank <= self.judgment.k

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    @property
    def ndcg(self) -> float:
        """nDCG over the first RANK_DEPTH names, every expected item a gain of 1: unlike MRR it
        also counts where the second and further expected items rank (护照: every 护照 item)."""
        expected = self.judgment.expected
        first = {name: i for i, name in reversed(list(enumerate(self.top)))}  # a name counts once
        gained = sum(1 / math.log2(i + 2) for name, i in first.items() if name in expected)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(expected), RANK_DEPTH)))
        return gained / ideal


def evaluate(search: Search, judged: Iterable[Judgment]) -> list[Outcome]:
    outcomes = []
    for judgment in judged:
        answer = search(judgment.query)
        names = answer.names[:RANK_DEPTH]
        rank = next((i for i, name in enumerate(names, 1) if name in judgment.expected), None)
        outcomes.append(Outcome(judgment, rank, names, answer.zero_result))
    return outcomes


@dataclass(frozen=True)
class Score:
    queries: int
    hit_at_k: float
    mrr: float
    ndcg: float
    hit_at_1: float
    zero_rate: float


def score(outcomes: list[Outcome]) -> Score:
    n = len(outcomes)
    return Score(
        queries=n,
        hit_at_k=sum(o.hit for o in outcomes) / n,
        mrr=sum(o.reciprocal_rank for o in outcomes) / n,
        ndcg=sum(o.ndcg for o in outcomes) / n,
        hit_at_1=sum(o.rank == 1 for o in outcomes) / n,
        zero_rate=sum(o.zero_result for o in outcomes) / n,
    )


def by_category(outcomes: list[Outcome], order: Iterable[str] = ()) -> dict[str, Score]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.judgment.category].append(outcome)
    known = [c for c in order if c in groups]
    ordered = known + sorted(set(groups) - set(known))
    return {category: score(groups[category]) for category in ordered}


def report(title: str, outcomes: list[Outcome], order: Iterable[str] = ()) -> str:
    lines = [
        title,
        f"{'category':<16}{'n':>4}{'hit@k':>8}{'MRR':>8}{'nDCG':>8}{'hit@1':>8}{'zero':>8}",
    ]
    rows = {**by_category(outcomes, order), "overall": score(outcomes)}
    for category, s in rows.items():
        lines.append(
            f"{category:<16}{s.queries:>4}{s.hit_at_k:>8.3f}{s.mrr:>8.3f}{s.ndcg:>8.3f}"
            f"{s.hit_at_1:>8.3f}{s.zero_rate:>8.3f}"
        )
    failing = [o for o in outcomes if not o.hit]
    lines.append(f"failing queries: {len(failing)}")
    for o in failing:
        j = o.judgment
        lines.append(
            f"  line {j.line} [{j.category}] {j.query!r}: rank {o.rank or '>' + str(RANK_DEPTH)}"
            f" (k={j.k}){' ZERO' if o.zero_result else ''}; top 3: {' | '.join(o.top[:3])}"
        )
    return "\n".join(lines)


def guangan_documents() -> list[SearchDocument]:
    """The catalog as search documents: main item as alias unless it is 未分类."""
    data = load_catalog()
    labels = data["task_type_codes"]
    return [
        SearchDocument.from_mapping(
            {
                "id": f"service:{number}",
                "kind": "service",
                "name": item["name"],
                "aliases": [] if item["main_item"] == "未分类" else [item["main_item"]],
                "department": item["department"],
                "department_id": item["dept_code"],
                "item_type": item["task_type"],
                "item_type_label": labels.get(item["task_type"], ""),
                "version": 1,
            }
        )
        for number, item in enumerate(data["items"], start=1)
    ]
