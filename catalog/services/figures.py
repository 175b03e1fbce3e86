"""The auditors' figures (domain-model.md §10), exact, with the rounding rule named.

Every figure keeps its numerator and denominator as exact numbers and is displayed under a
named rounding rule: the 2020 report truncates 423/443 to 95.48% but rounds 502/506 half-up
to 99.21%, so the rule is never implicit. ``check_published`` says which rules support a
published string.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, func, null, select, true
from sqlalchemy.orm import Session

from ..models import DevolvedItem, Organization
from ..models.codes import CASE_TYPE_INSTANT
from ..models.devolution import devolved_item_receivers
from .facts import Scope, bundle_facts, inspection_facts, service_facts
from .time_limits import in_working_days

RULES = ("HALF_UP", "DOWN")
# What a published figure can be: a count, a decimal or a percentage (95.48%, 0.0045), bounded
# so that reading it costs nothing ("1e999999999" would make a number of a billion digits).
# [0-9], not \d (any script's digits): the pattern is also in the OpenAPI document.
PUBLISHED = re.compile(r"^([0-9]{1,12})(?:\.([0-9]{1,12}))?([%％]?)$")


def round_fraction(value: Fraction, places: int, rule: str) -> Fraction:
    """``value`` rounded to ``places`` decimals: HALF_UP (away from zero at .5) or DOWN (truncate)."""
    # In integers: |value| × 10^places = scaled / denominator, and floor(x + 1/2) for HALF_UP
    # (a per-department table rounds a thousand values; Fraction arithmetic was most of it)
    scaled, denominator = abs(value.numerator) * 10**places, value.denominator
    whole = (2 * scaled + denominator) // (2 * denominator) if rule == "HALF_UP" else scaled // denominator
    return Fraction(whole if value >= 0 else -whole, 10**places)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    formula: str
    numerator: Fraction
    denominator: Fraction | None  # None: a plain count
    percent: bool
    places: int
    rule: str
    scope: Scope

    @property
    def value(self) -> Fraction | None:
        if self.denominator is None:
            return self.numerator
        return self.numerator / self.denominator if self.denominator else None

    def display(self, rule: str | None = None) -> str:
        value = self.value
        if value is None:
            return "—"
        if self.denominator is None:
            return str(value)
        scaled = value * 100 if self.percent else value
        rounded = round_fraction(scaled, self.places, rule or self.rule)
        text = f"{float(rounded):.{self.places}f}"
        return f"{text}%" if self.percent else text

    def as_dict(self) -> dict[str, Any]:
        displays = {rule: self.display(rule) for rule in RULES}
        return {
            "key": self.key,
            "label": self.label,
            "formula": self.formula,
            "numerator": _number(self.numerator),
            "denominator": _number(self.denominator),
            "value": _exact(self.value),
            "display": displays[self.rule],
            "displays": displays,
            "rule": self.rule,
            "scope": self.scope.describe(),
            "as_of": self.scope.as_of.isoformat() if self.scope.as_of else None,
        }


def _number(value: Fraction | None) -> int | str | None:
    if value is None:
        return None
    return value.numerator if value.denominator == 1 else str(value)


def _exact(value: Fraction | None) -> str | None:
    """The exact value as a fraction and as a 12-decimal string (``423/443 = 0.954853273137``)."""
    if value is None:
        return None
    decimal = f"{float(round_fraction(value, 12, 'DOWN')):.12f}"
    return decimal if value.denominator == 1 else f"{value.numerator}/{value.denominator} = {decimal}"


Predicate = Callable[[Any], ColumnElement[bool]]


@dataclass(frozen=True)
class Parts:
    """Which facts a figure reads, and which of them are its numerator and denominator rows."""

    facts: Callable[[Scope], Subquery]
    numerator: Predicate
    denominator: Predicate | None = None  # None: every row of the facts


def _has_both_limits(c: Any) -> ColumnElement[bool]:
    return and_(c.legal_time_limit.is_not(None), c.promised_time_limit.is_not(None))


def _visits(c: Any) -> ColumnElement[int]:
    return func.coalesce(c.onsite_visits, 0)


PARTS: dict[str, Parts] = {
    "instant_share": Parts(service_facts, lambda c: c.case_type == CASE_TYPE_INSTANT),
    "time_reduction": Parts(service_facts, _has_both_limits, _has_both_limits),
    "time_reduction_mean": Parts(service_facts, _has_both_limits, _has_both_limits),
    "average_visits": Parts(service_facts, lambda c: _visits(c) > 0),
    "zero_visit_rate": Parts(service_facts, lambda c: _visits(c) == 0),
    "e_license_items": Parts(service_facts, lambda c: c.e_license_linked.is_(True)),
    "license_free_items": Parts(service_facts, lambda c: c.license_free.is_(True)),
    "inspection_list_completion": Parts(inspection_facts, lambda c: c.has_list.is_(True)),
    "bundles": Parts(bundle_facts, lambda c: true()),
}


def _count_where(key: str, c: Any) -> ColumnElement[int]:
    return func.count().filter(PARTS[key].numerator(c))


@dataclass
class Totals:
    """Counts and sums over the facts of one scope (or of one department in it)."""

    items: int = 0
    instant: int = 0
    visits: int = 0
    zero_visits: int = 0
    e_license: int = 0
    license_free: int = 0
    # (法定, unit, 承诺, unit) → items; few distinct pairs exist, so they are summed exactly in Python
    time_limits: dict[tuple[int, str, int, str], int] = field(default_factory=dict)
    inspection_items: int = 0
    inspection_with_list: int = 0
    bundles: int = 0


Group = int | None  # a department id, or None for the whole scope


def _grouped(session: Session, facts: Subquery, by_department: bool, *columns: Any) -> list[Any]:
    """SELECT [department_id,] columns FROM facts [GROUP BY department_id]."""
    key = facts.c.department_id if by_department else null()
    query = select(key, *columns).select_from(facts)
    if by_department:
        query = query.group_by(facts.c.department_id)
    return session.execute(query).all()


def totals(session: Session, scope: Scope, by_department: bool = False) -> dict[Group, Totals]:
    """The totals behind every figure, for the scope or for each department in it."""
    result: dict[Group, Totals] = defaultdict(Totals)
    service = service_facts(scope)
    c = service.c
    # One scan. Grouped in the order of the covering indexes (item type, department, then the
    # (法定, 承诺) pair), SQLite aggregates as it reads instead of sorting every row first; the
    # groups (item types × departments × pairs, a few thousand at most) are summed here.
    pair = (c.legal_time_limit, c.legal_time_unit, c.promised_time_limit, c.promised_time_unit)
    rows = session.execute(
        select(
            c.department_id,
            *pair,
            func.count(),
            _count_where("instant_share", c),
            func.coalesce(func.sum(c.onsite_visits), 0),
            _count_where("zero_visit_rate", c),
            _count_where("e_license_items", c),
            _count_where("license_free_items", c),
        ).group_by(c.item_type, c.department_id, *pair)
    )
    for department_id, legal, legal_unit, promised, promised_unit, items, *counts in rows:
        t = result[department_id if by_department else None]
        t.items += items
        for name, value in zip(("instant", "visits", "zero_visits", "e_license", "license_free"), counts):
            setattr(t, name, getattr(t, name) + value)
        if legal is not None and promised is not None:
            limits = (legal, legal_unit, promised, promised_unit)
            t.time_limits[limits] = t.time_limits.get(limits, 0) + items
    inspection = inspection_facts(scope)
    for group, count, with_list in _grouped(
        session, inspection, by_department, func.count(), _count_where("inspection_list_completion", inspection.c)
    ):
        result[group].inspection_items, result[group].inspection_with_list = count, with_list
    bundles = bundle_facts(scope)
    for group, count in _grouped(session, bundles, by_department, func.count()):
        result[group].bundles = count
    return result


@lru_cache(maxsize=4096)
def _reduction_ratio(legal: int, legal_unit: str, promised: int, promised_unit: str) -> Fraction | None:
    """(法定 − 承诺) / 法定 in 工作日, or None when the 法定 limit is 0 days."""
    legal_days = in_working_days(legal, legal_unit)
    if not legal_days:
        return None
    return (legal_days - in_working_days(promised, promised_unit)) / legal_days


def time_limit_sums(t: Totals) -> tuple[Fraction, Fraction, Fraction, int]:
    """Σ法定, Σ承诺 (工作日), Σ per-item reduction ratio, and how many items have a ratio."""
    # Items are counted per distinct limit first: a per-department table sums a thousand
    # (法定, 承诺) pairs, but few distinct limits, and Fraction arithmetic is the slow part.
    legal_items: Counter[tuple[int, str]] = Counter()
    promised_items: Counter[tuple[int, str]] = Counter()
    ratio_sum = Fraction(0)
    rated = 0
    for (legal, legal_unit, promised, promised_unit), count in t.time_limits.items():
        legal_items[legal, legal_unit] += count
        promised_items[promised, promised_unit] += count
        ratio = _reduction_ratio(legal, legal_unit, promised, promised_unit)
        if ratio is not None:
            ratio_sum += ratio * count
            rated += count
    legal_sum = sum((in_working_days(*limit) * n for limit, n in legal_items.items()), Fraction(0))
    promised_sum = sum((in_working_days(*limit) * n for limit, n in promised_items.items()), Fraction(0))
    return legal_sum, promised_sum, ratio_sum, rated


def figures_from(t: Totals, scope: Scope, rule: str) -> list[Figure]:
    """Every figure, from the totals of one scope."""
    legal_sum, promised_sum, ratio_sum, rated = time_limit_sums(t)

    def figure(key: str, label: str, formula: str, num: Any, den: Any, percent: bool = True, places: int = 2) -> Figure:
        denominator = None if den is None else Fraction(den)
        return Figure(key, label, formula, Fraction(num), denominator, percent, places, rule, scope)

    return [
        figure("instant_share", "即办件占比", "即办件数 / 事项总数", t.instant, t.items),
        figure(
            "time_reduction",
            "时限压减率（汇总）",
            "(Σ法定办结时限 − Σ承诺办结时限) / Σ法定办结时限，折合工作日，仅计两者均有期限的事项",
            legal_sum - promised_sum,
            legal_sum,
        ),
        figure(
            "time_reduction_mean",
            "时限压减率（逐项平均）",
            "Σ[(法定 − 承诺) / 法定] / 有法定期限的事项数",
            ratio_sum,
            rated,
        ),
        figure("average_visits", "平均跑动次数", "Σ到办事现场次数 / 事项总数", t.visits, t.items, percent=False, places=4),
        figure("zero_visit_rate", "零跑动率", "到办事现场次数为0的事项数 / 事项总数", t.zero_visits, t.items),
        figure("e_license_items", "电子证照事项数", "关联电子证照的事项数", t.e_license, None),
        figure("license_free_items", "免证办事项数", "关联电子证照且免提交的事项数", t.license_free, None),
        figure("bundles", "一件事数", "已发布的一件事数", t.bundles, None, percent=False, places=0),
        figure(
            "inspection_list_completion",
            "实施清单完成率",
            "已编制检查实施清单的行政检查事项数 / 已认领的行政检查事项数",
            t.inspection_with_list,
            t.inspection_items,
        ),
    ]


def compute_figures(session: Session, scope: Scope, rule: str = "HALF_UP") -> list[Figure]:
    """Every figure for one scope and rounding rule."""
    return figures_from(totals(session, scope)[None], scope, rule)


@dataclass(frozen=True)
class CheckResult:
    published: str
    supported_by: list[str]
    recomputed: dict[str, str]
    difference_points: str | None

    @property
    def supported(self) -> bool:
        return bool(self.supported_by)


def check_published(figure: Figure, published: str) -> CheckResult:
    """Does the data support a published figure (e.g. "95.48%"), and under which rule?"""
    text = published.strip().replace("％", "%")
    recomputed = {rule: figure.display(rule) for rule in RULES}
    supported = [rule for rule, shown in recomputed.items() if shown == text]
    difference = None
    value = figure.value
    published_value = published_number(text)
    if value is not None and figure.denominator is not None and published_value is not None:
        exact = value * 100 if figure.percent else value
        difference = f"{float(published_value - exact):+.6f}"
    return CheckResult(published, supported, recomputed, difference)


def published_number(text: str) -> Fraction | None:
    """The exact value of a published figure ("95.48%" → 9548/100), None when it is not one."""
    match = PUBLISHED.fullmatch(text.strip())
    if match is None:
        return None
    whole, decimals, _percent = match.groups()
    decimals = decimals or ""
    return Fraction(int(whole + decimals), 10 ** len(decimals))


def figure_rows(session: Session, key: str, scope: Scope, part: str, limit: int = 1000) -> list[dict[str, Any]]:
    """The rows behind a figure: ``numerator``, ``denominator``, or ``excluded`` (in the
    denominator but not the numerator — the rows that pull a rate down)."""
    parts = PARTS[key]
    facts = parts.facts(scope)
    c = facts.c
    in_denominator = parts.denominator(c) if parts.denominator else true()
    condition = {
        "numerator": and_(in_denominator, parts.numerator(c)),
        "denominator": in_denominator,
        "excluded": and_(in_denominator, ~parts.numerator(c)),
    }[part]
    query = select(facts).where(condition).order_by(c.department_id, c.id).limit(limit)
    return [dict(row._mapping) for row in session.execute(query)]


def figures_by_department(
    session: Session, scope: Scope, department_ids: list[int], rule: str = "HALF_UP"
) -> list[dict[str, Any]]:
    """Each department's figures under the same scope, lowest 即办件占比 first (one grouped
    query per kind of fact, whatever the number of departments)."""
    grouped = totals(session, scope, by_department=True)
    table = []
    for department_id in department_ids:
        if department_id in grouped:
            department_scope = replace(scope, department_id=department_id)
            figures = {f.key: f for f in figures_from(grouped[department_id], department_scope, rule)}
            table.append({"department_id": department_id, "figures": figures})
    return sorted(table, key=lambda row: row["figures"]["instant_share"].value or 0)


def devolved_by_township(session: Session, region_id: int | None) -> list[dict[str, Any]]:
    """How many published devolved items each township or street has received (live)."""
    receivers = devolved_item_receivers
    query = (
        select(Organization.id, Organization.name, func.count(DevolvedItem.id))
        .join(receivers, receivers.c.township_id == Organization.id)
        .join(DevolvedItem, DevolvedItem.id == receivers.c.devolved_item_id)
        .where(DevolvedItem.status == "published")
        .group_by(Organization.id, Organization.name)
        .order_by(Organization.id)
    )
    if region_id is not None:
        query = query.where(Organization.region_id == region_id)
    return [{"township_id": i, "township": name, "items": n} for i, name, n in session.execute(query)]
