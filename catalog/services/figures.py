"""The auditors' figures (docs/figures.md), exact, with the rounding rule named.

Every figure keeps its numerator and denominator as exact numbers and is displayed under a
named rounding rule: the 2020 report truncates 423/443 to 95.48% but rounds 502/506 half-up
to 99.21%, so the rule is never implicit. ``check_published`` says which rules support a
published string.

A rate counts only the rows whose inputs are known. Each figure also says how many rows in
its scope it left out because an input is 未填报 (``unknown``), and the rows behind every part
are one request away: ``numerator``, ``denominator``, ``excluded`` (in the denominator but not
the numerator: what pulls a rate down) and ``unknown`` (in scope, but left out of the
denominator because an input is 未填报). A rate whose whole scope is unknown says so.
Exact values are printed from the fraction in integers, never through a float.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from functools import cache, cached_property, lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Subquery, and_, false, func, null, or_, select, true
from sqlalchemy.orm import Session

from ..models import DevolvedItem, Organization
from ..models.devolution import devolved_item_receivers
from ..models.services import is_instant, is_zero_visit
from . import facts as _facts
from . import figure_cache
from .facts import (
    Query,
    Scope,
    Shape,
    bundle_facts,
    devolved_facts,
    devolved_receivers_as_of,
    inspection_facts,
    inspector_facts,
    service_facts,
    supervision_facts,
)
from .time_limits import in_working_days

RULES = ("HALF_UP", "DOWN")
# What a published figure can be: a count, a decimal or a percentage (95.48%, 0.0045), bounded
# so that reading it costs nothing ("1e999999999" would make a number of a billion digits).
# [0-9], not \d (any script's digits): the pattern is also in the OpenAPI document.
PUBLISHED = re.compile(r"^([0-9]{1,12})(?:\.([0-9]{1,12}))?([%％]?)$")


def round_fraction(value: Fraction, places: int, rule: str) -> Fraction:
    """``value`` rounded to ``places`` decimals: HALF_UP (away from zero at .5) or DOWN (truncate)."""
    whole = _rounded_digits(value, places, rule)
    return Fraction(whole if value >= 0 else -whole, 10**places)


def _rounded_digits(value: Fraction, places: int, rule: str) -> int:
    """|value| × 10^places rounded to an integer under ``rule``."""
    # In integers: |value| × 10^places = scaled / denominator, and floor(x + 1/2) for HALF_UP
    # (a per-department table rounds thousands of values; Fraction arithmetic was most of it)
    scale: int = 10**places
    scaled, denominator = abs(value.numerator) * scale, value.denominator
    return (
        (2 * scaled + denominator) // (2 * denominator)
        if rule == "HALF_UP"
        else scaled // denominator
    )


ALL_UNKNOWN = "全部未填报"
NO_ROWS = "—"


def decimal_text(value: Fraction, places: int, rule: str = "DOWN") -> str:
    """``value`` with ``places`` decimals under ``rule``, written from integers (no float)."""
    digits = _rounded_digits(value, places, rule)
    sign = "-" if value < 0 and digits else ""
    whole, fraction = divmod(digits, 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"


def exact_text(value: Fraction) -> str:
    """An exact number for people: 7576, 429.4, or 1/3 when no decimal ends."""
    if value.denominator == 1:
        return str(value.numerator)
    rest, places = value.denominator, 0
    for prime in (2, 5):
        times = 0
        while rest % prime == 0:
            rest //= prime
            times += 1
        places = max(places, times)
    # a decimal ends only when the denominator has no prime but 2 and 5
    return decimal_text(value, places) if rest == 1 else f"{value.numerator}/{value.denominator}"


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
    in_scope: int = 0  # rows in the figure's scope
    unknown: int = 0  # of those, left out because an input is 未填报

    @cached_property
    def value(self) -> Fraction | None:
        if self.denominator is None:
            return None if self._all_unknown else self.numerator
        return self.numerator / self.denominator if self.denominator else None

    @property
    def _all_unknown(self) -> bool:
        return self.unknown > 0 and self.unknown == self.in_scope

    def display(self, rule: str | None = None) -> str:
        value = self.value
        if value is None:
            return ALL_UNKNOWN if self._all_unknown else NO_ROWS
        if self.denominator is None:
            return exact_text(value)
        scaled = value * 100 if self.percent else value
        text = decimal_text(scaled, self.places, rule or self.rule)
        return f"{text}%" if self.percent else text

    def as_dict(self) -> dict[str, Any]:
        displays = {rule: self.display(rule) for rule in RULES}
        return {
            "key": self.key,
            "label": self.label,
            "formula": self.formula,
            "numerator": _number(self.numerator),
            "denominator": _number(self.denominator),
            "numerator_text": exact_text(self.numerator),
            "value": _exact(self.value),
            "display": displays[self.rule],
            "displays": displays,
            "rule": self.rule,
            "in_scope": self.in_scope,
            "unknown": self.unknown,
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
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator} = {decimal_text(value, 12)}"


Predicate = Callable[[Any], ColumnElement[bool]]


@dataclass(frozen=True)
class Parts:
    """Which facts a figure reads, and which of them are its numerator, denominator and
    unknown rows."""

    facts: Callable[[Shape], Subquery]
    numerator: Predicate
    denominator: Predicate | None = None  # None: every row of the facts whose inputs are known
    unknown: Predicate | None = None  # None: no input of the figure can be unknown


def _numeric(c: Any, prefix: str) -> ColumnElement[bool]:
    """A time limit given in days: time_limits.in_working_days is not None, in SQL."""
    value, unit = getattr(c, f"{prefix}_time_limit"), getattr(c, f"{prefix}_time_unit")
    return and_(value.is_not(None), or_(unit.is_not(None), value == 0))


def _limit_unknown(c: Any, prefix: str) -> ColumnElement[bool]:
    """Neither days nor 无期限: 未填报."""
    return and_(~_numeric(c, prefix), getattr(c, f"{prefix}_no_limit").is_not(True))


def _both_numeric(c: Any) -> ColumnElement[bool]:
    return and_(_numeric(c, "legal"), _numeric(c, "promised"))


def _limits_unknown(c: Any) -> ColumnElement[bool]:
    return or_(_limit_unknown(c, "legal"), _limit_unknown(c, "promised"))


def _visits_known(c: Any) -> ColumnElement[bool]:
    return cast("ColumnElement[bool]", c.onsite_visits.is_not(None))


def _materials_unknown(c: Any) -> ColumnElement[bool]:
    return cast("ColumnElement[bool]", c.materials_known.is_not(True))


def _everything(c: Any) -> ColumnElement[bool]:
    return true()


@cache
def _enforcement_units(shape: Shape) -> Subquery:
    """One row per department with an on-duty inspector (a 行政执法主体), with their number."""
    inspectors = inspector_facts(shape)
    c = inspectors.c
    return (
        select(c.department_id.label("id"), c.department_id, func.count().label("inspectors"))
        .where(c.on_duty.is_(True))
        .group_by(c.department_id)
        .subquery("enforcement_units")
    )


@cache
def _e_license_departments(shape: Shape) -> Subquery:
    """One row per department with an item linked to an 电子证照, with how many."""
    c = service_facts(shape).c
    return (
        select(c.department_id.label("id"), c.department_id, func.count().label("items"))
        .where(c.e_license_linked.is_(True))
        .group_by(c.department_id)
        .subquery("e_license_departments")
    )


PARTS: dict[str, Parts] = {
    "instant_share": Parts(
        service_facts,
        is_instant,
        lambda c: c.case_type.is_not(None),
        lambda c: c.case_type.is_(None),
    ),
    "time_reduction": Parts(service_facts, _both_numeric, _both_numeric, _limits_unknown),
    "time_reduction_mean": Parts(service_facts, _both_numeric, _both_numeric, _limits_unknown),
    "average_visits": Parts(
        service_facts, lambda c: c.onsite_visits > 0, _visits_known, lambda c: ~_visits_known(c)
    ),
    "zero_visit_rate": Parts(
        service_facts, is_zero_visit, _visits_known, lambda c: ~_visits_known(c)
    ),
    "e_license_items": Parts(
        service_facts, lambda c: c.e_license_linked.is_(True), unknown=_materials_unknown
    ),
    "license_free_items": Parts(
        service_facts, lambda c: c.license_free.is_(True), unknown=_materials_unknown
    ),
    "e_license_departments": Parts(_e_license_departments, _everything),
    "bundles": Parts(bundle_facts, _everything),
    "inspection_list_completion": Parts(inspection_facts, lambda c: c.has_list.is_(True)),
    "supervision_items": Parts(supervision_facts, lambda c: c.parent_id.is_(None)),
    "supervision_claim_rate": Parts(supervision_facts, lambda c: c.claimed.is_(True), _everything),
    "devolved_items": Parts(devolved_facts, _everything),
    "enforcement_units": Parts(_enforcement_units, _everything),
    "certified_inspectors": Parts(inspector_facts, lambda c: c.on_duty.is_(True)),
}


def _count_where(key: str, c: Any) -> ColumnElement[int]:
    return func.count().filter(PARTS[key].numerator(c))


def _count_unknown(key: str, c: Any) -> ColumnElement[int]:
    return func.count().filter(PARTS[key].unknown(c))  # type: ignore[misc]


# (法定, unit, 无期限, 承诺, unit, 无期限) → items
LimitPair = tuple[int | None, str | None, bool | None, int | None, str | None, bool | None]


@dataclass
class Totals:
    """Counts and sums over the facts of one scope (or of one department in it)."""

    items: int = 0
    instant: int = 0
    case_unknown: int = 0
    visits: int = 0
    visits_unknown: int = 0
    zero_visits: int = 0
    e_license: int = 0
    license_free: int = 0
    materials_unknown: int = 0
    # few distinct pairs exist, so they are summed exactly in Python
    time_limits: dict[LimitPair, int] = field(default_factory=dict)
    e_license_departments: set[int | None] = field(default_factory=set)
    inspection_items: int = 0
    inspection_with_list: int = 0
    bundles: int = 0
    supervision_all: int = 0
    supervision_main: int = 0
    supervision_claimed: int = 0
    devolved: int = 0
    inspectors: int = 0
    inspectors_on_duty: int = 0
    enforcement_units: set[int | None] = field(default_factory=set)


Group = int | None  # a department id, or None for the whole scope

SERVICE_COUNTS = (
    "instant",
    "case_unknown",
    "visits",
    "visits_unknown",
    "zero_visits",
    "e_license",
    "license_free",
    "materials_unknown",
)


def _grouped(facts: Subquery, by_department: bool, *columns: Any) -> Query:
    """SELECT [department_id,] columns FROM facts [GROUP BY department_id]."""
    key = facts.c.department_id if by_department else null()
    query = select(key, *columns).select_from(facts)
    return query.group_by(facts.c.department_id) if by_department else query


Rows = Iterable[Any]


@dataclass(frozen=True)
class Section:
    """One query over one kind of facts, and how its rows fill the totals. A query of one list
    is read grouped by department (the department first in each row), for the scope as well:
    each department's share is kept apart (figure_cache.rows_by_department). ``by_department``
    False: a query across lists, whose rows one department's change may not be alone to change."""

    statement: Callable[[Shape, bool], Query]  # (shape, by department) → the query
    add: Callable[[Rows, bool, dict[Group, Totals]], None]
    by_department: bool = True


@lru_cache(maxsize=256)
def _statement(section: Section, shape: Shape, by_department: bool) -> Query:
    return section.statement(shape, by_department)


def totals(
    session: Session, scope: Scope, by_department: bool = False, keys: Iterable[str] | None = None
) -> dict[Group, Totals]:
    """The totals behind every figure (or only behind ``keys``: one kind of facts is one
    query), for the scope or for each department in it."""
    result: dict[Group, Totals] = defaultdict(Totals)
    chosen = SECTIONS.values() if keys is None else (SECTIONS[PARTS[k].facts] for k in keys)
    sections = list(dict.fromkeys(chosen))  # once each: two kinds of facts share a query
    for section in sections:
        if section.by_department:
            statement = _statement(section, scope.shape, True)
            found = figure_cache.rows_by_department(session, statement, scope.parameters)
        else:
            statement = _statement(section, scope.shape, by_department)
            found = figure_cache.rows(session, statement, scope.parameters)
        section.add(found, by_department, result)
    return result


def _add_inspection(rows: Rows, by_department: bool, result: dict[Group, Totals]) -> None:
    for department_id, count, with_list in rows:
        t = result[department_id if by_department else None]
        t.inspection_items += count
        t.inspection_with_list += with_list


def _count_statement(
    facts: Callable[[Shape], Subquery], *rules: str
) -> Callable[[Shape, bool], Query]:
    """The query of a kind of facts the figures count: its rows, and those meeting each rule
    (none for 一件事 and 下放事项)."""

    def statement(shape: Shape, by_department: bool) -> Query:
        table = facts(shape)
        counted = (_count_where(rule, table.c) for rule in rules)
        return _grouped(table, by_department, func.count(), *counted)

    return statement


def _add_count(name: str) -> Callable[[Rows, bool, dict[Group, Totals]], None]:
    def add(rows: Rows, by_department: bool, result: dict[Group, Totals]) -> None:
        for department_id, count in rows:
            t = result[department_id if by_department else None]
            setattr(t, name, getattr(t, name) + count)

    return add


def _add_supervision(rows: Rows, by_department: bool, result: dict[Group, Totals]) -> None:
    for department_id, count, main, claimed in rows:
        t = result[department_id if by_department else None]
        t.supervision_all += count
        t.supervision_main += main
        t.supervision_claimed += claimed


def _inspector_statement(shape: Shape, _by_department: bool) -> Query:
    # per department either way: the 行政执法主体 are the departments with an on-duty inspector
    c = inspector_facts(shape).c
    return select(c.department_id, func.count(), _count_where("certified_inspectors", c)).group_by(
        c.department_id
    )


def _add_inspectors(rows: Rows, by_department: bool, result: dict[Group, Totals]) -> None:
    for department_id, count, on_duty in rows:
        t = result[department_id if by_department else None]
        t.inspectors += count
        t.inspectors_on_duty += on_duty
        if on_duty:
            t.enforcement_units.add(department_id)


def _service_statement(shape: Shape, _by_department: bool) -> Query:
    c = service_facts(shape).c
    # One scan. Grouped in the order of the covering indexes (item type, department, then the
    # (法定, 承诺) pair), SQLite aggregates as it reads instead of sorting every row first; the
    # groups (item types × departments × pairs, a few thousand at most) are summed here.
    pair = (
        c.legal_time_limit,
        c.legal_time_unit,
        c.legal_no_limit,
        c.promised_time_limit,
        c.promised_time_unit,
        c.promised_no_limit,
    )
    return select(
        c.department_id,
        *pair,
        func.count(),
        _count_where("instant_share", c),
        _count_unknown("instant_share", c),
        func.coalesce(func.sum(c.onsite_visits), 0),
        _count_unknown("average_visits", c),
        _count_where("zero_visit_rate", c),
        _count_where("e_license_items", c),
        _count_where("license_free_items", c),
        _count_unknown("e_license_items", c),
    ).group_by(c.item_type, c.department_id, *pair)


def _add_service(rows: Rows, by_department: bool, result: dict[Group, Totals]) -> None:
    for department_id, *limits_and_counts in rows:
        limits, (items, *counts) = tuple(limits_and_counts[:6]), limits_and_counts[6:]
        t = result[department_id if by_department else None]
        t.items += items
        for name, value in zip(SERVICE_COUNTS, counts, strict=True):
            setattr(t, name, getattr(t, name) + value)
        if counts[SERVICE_COUNTS.index("e_license")]:
            t.e_license_departments.add(department_id)
        t.time_limits[limits] = t.time_limits.get(limits, 0) + items


_SERVICE = Section(_service_statement, _add_service)
_INSPECTORS = Section(_inspector_statement, _add_inspectors)
# Which query fills the totals of each kind of facts
SECTIONS: dict[Callable[[Shape], Subquery], Section] = {
    service_facts: _SERVICE,
    _e_license_departments: _SERVICE,
    # a 检查实施清单 counts under its 监管事项's department (figure_cache._COUNTED_UNDER)
    inspection_facts: Section(
        _count_statement(inspection_facts, "inspection_list_completion"), _add_inspection
    ),
    bundle_facts: Section(_count_statement(bundle_facts), _add_count("bundles")),
    supervision_facts: Section(
        _count_statement(supervision_facts, "supervision_items", "supervision_claim_rate"),
        _add_supervision,
    ),
    devolved_facts: Section(_count_statement(devolved_facts), _add_count("devolved")),
    inspector_facts: _INSPECTORS,
    _enforcement_units: _INSPECTORS,
}


@lru_cache(maxsize=4096)
def _reduction_ratio(
    legal: int, legal_unit: str, promised: int, promised_unit: str
) -> Fraction | None:
    """(法定 − 承诺) / 法定 in 工作日, or None when the 法定 limit is 0 days."""
    legal_days = _days(legal, legal_unit)
    if not legal_days:
        return None
    return (legal_days - _days(promised, promised_unit)) / legal_days


@lru_cache(maxsize=4096)
def _days(value: int, unit: str | None) -> Fraction:
    """A limit whose state is "days" (never None then)."""
    return cast(Fraction, in_working_days(value, unit))


@lru_cache(maxsize=4096)
def _limit_state(value: int | None, unit: str | None, no_limit: bool | None) -> str:
    if in_working_days(value, unit) is not None:
        return "days"
    return "none" if no_limit else "unknown"


@dataclass(frozen=True)
class TimeLimitSums:
    legal: Fraction  # Σ法定, 工作日
    promised: Fraction  # Σ承诺
    ratios: Fraction  # Σ per-item reduction ratio
    rated: int  # items with a ratio (法定 > 0)
    with_days: int  # items whose two limits are both in days
    unknown: int  # items with a 未填报 limit


def _sum_of(counted: Iterable[tuple[Fraction, int]]) -> Fraction:
    """Σ value × count, exactly. Fraction arithmetic is the slow part of a per-department table
    (a thousand pairs over sixty departments), and the values share few denominators (工作日,
    自然日 sevenths, a ratio's 法定 days): the numerators are summed per denominator as integers,
    and only those few sums are added as fractions."""
    by_denominator: defaultdict[int, int] = defaultdict(int)
    for value, count in counted:
        by_denominator[value.denominator] += value.numerator * count
    return sum((Fraction(n, d) for d, n in by_denominator.items()), Fraction(0))


def time_limit_sums(t: Totals) -> TimeLimitSums:
    """The sums of the 时限压减率 over the items whose two limits are in days."""
    legal: list[tuple[Fraction, int]] = []
    promised: list[tuple[Fraction, int]] = []
    ratios: list[tuple[Fraction, int]] = []
    rated = with_days = unknown = 0
    for (
        legal_limit,
        legal_unit,
        legal_none,
        promised_limit,
        promised_unit,
        promised_none,
    ), count in t.time_limits.items():
        states = (
            _limit_state(legal_limit, legal_unit, legal_none),
            _limit_state(promised_limit, promised_unit, promised_none),
        )
        if "unknown" in states:
            unknown += count
        if states != ("days", "days"):
            continue
        with_days += count
        legal.append((_days(legal_limit, legal_unit), count))
        promised.append((_days(promised_limit, promised_unit), count))
        ratio = _reduction_ratio(legal_limit, legal_unit, promised_limit, promised_unit)
        if ratio is not None:
            ratios.append((ratio, count))
            rated += count
    return TimeLimitSums(
        _sum_of(legal), _sum_of(promised), _sum_of(ratios), rated, with_days, unknown
    )


def figures_from(t: Totals, scope: Scope, rule: str) -> list[Figure]:
    """Every figure, from the totals of one scope."""
    limits = time_limit_sums(t)

    def figure(
        key: str,
        label: str,
        formula: str,
        num: Any,
        den: Any,
        in_scope: int,
        unknown: int = 0,
        percent: bool = True,
        places: int = 2,
    ) -> Figure:
        denominator = None if den is None else Fraction(den)
        return Figure(
            key,
            label,
            formula,
            Fraction(num),
            denominator,
            percent,
            places,
            rule,
            scope,
            in_scope,
            unknown,
        )

    def count(
        key: str, label: str, formula: str, num: int, in_scope: int, unknown: int = 0
    ) -> Figure:
        return figure(key, label, formula, num, None, in_scope, unknown, percent=False, places=0)

    known_visits = t.items - t.visits_unknown
    return [
        figure(
            "instant_share",
            "即办件占比",
            "即办件数 / 办件类型已填报的事项数",
            t.instant,
            t.items - t.case_unknown,
            t.items,
            t.case_unknown,
        ),
        figure(
            "time_reduction",
            "时限压减率（汇总）",
            "(Σ法定办结时限 − Σ承诺办结时限) / Σ法定办结时限，折合工作日，仅计两者均有天数的事项（无期限的不计）",
            limits.legal - limits.promised,
            limits.legal,
            t.items,
            limits.unknown,
        ),
        figure(
            "time_reduction_mean",
            "时限压减率（逐项平均）",
            "Σ[(法定 − 承诺) / 法定] / 法定时限大于0的事项数，仅计两者均有天数的事项",
            limits.ratios,
            limits.rated,
            t.items,
            limits.unknown,
        ),
        figure(
            "average_visits",
            "平均跑动次数",
            "Σ到办事现场次数 / 到办事现场次数已填报的事项数",
            t.visits,
            known_visits,
            t.items,
            t.visits_unknown,
            percent=False,
            places=4,
        ),
        figure(
            "zero_visit_rate",
            "零跑动率",
            "到办事现场次数为0的事项数 / 到办事现场次数已填报的事项数",
            t.zero_visits,
            known_visits,
            t.items,
            t.visits_unknown,
        ),
        count(
            "e_license_items",
            "电子证照事项数",
            "关联电子证照的事项数",
            t.e_license,
            t.items,
            t.materials_unknown,
        ),
        count(
            "e_license_departments",
            "电子证照事项涉及部门数",
            "有关联电子证照事项的部门数",
            len(t.e_license_departments),
            len(t.e_license_departments),
        ),
        count(
            "license_free_items",
            "免证办事项数",
            "关联电子证照且免提交的事项数",
            t.license_free,
            t.items,
            t.materials_unknown,
        ),
        count("bundles", "一件事数", "已发布的一件事数", t.bundles, t.bundles),
        figure(
            "inspection_list_completion",
            "实施清单完成率",
            "已编制检查实施清单的行政检查事项数 / 已认领的行政检查事项数",
            t.inspection_with_list,
            t.inspection_items,
            t.inspection_items,
        ),
        count(
            "supervision_items",
            "监管事项数",
            "已发布的监管事项主项数（子项不另计）",
            t.supervision_main,
            t.supervision_all,
        ),
        figure(
            "supervision_claim_rate",
            "监管事项认领率",
            "已认领的监管事项数 / 已发布的监管事项数（含子项）",
            t.supervision_claimed,
            t.supervision_all,
            t.supervision_all,
        ),
        count(
            "devolved_items",
            "下放镇街事项数",
            "已发布的下放镇（街）实施事项数",
            t.devolved,
            t.devolved,
        ),
        count(
            "enforcement_units",
            "行政执法主体数",
            "有在岗持证执法人员的部门数",
            len(t.enforcement_units),
            len(t.enforcement_units),
        ),
        count(
            "certified_inspectors",
            "持证执法人员数",
            "执法检查人员名录库中在岗的持证人员数",
            t.inspectors_on_duty,
            t.inspectors,
        ),
    ]


def compute_figures(
    session: Session, scope: Scope, rule: str = "HALF_UP", keys: Iterable[str] | None = None
) -> list[Figure]:
    """Every figure for one scope and rounding rule (only ``keys`` are right when given: the
    others' totals are not read)."""
    return figures_from(totals(session, scope, keys=keys)[None], scope, rule)


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
        gap = published_value - exact
        # the sign of the exact gap: a figure a hair below the data is "-0.000000", not "+"
        difference = ("-" if gap < 0 else "+") + decimal_text(abs(gap), 6)
    return CheckResult(published, supported, recomputed, difference)


def published_number(text: str) -> Fraction | None:
    """The exact value of a published figure ("95.48%" → 9548/100), None when it is not one."""
    match = PUBLISHED.fullmatch(text.strip())
    if match is None:
        return None
    whole, decimals, _percent = match.groups()
    decimals = decimals or ""
    return Fraction(int(whole + decimals), 10 ** len(decimals))


PART_NAMES = ("numerator", "denominator", "excluded", "unknown")


def figure_rows(
    session: Session, key: str, scope: Scope, part: str, limit: int = 1000
) -> list[dict[str, Any]]:
    """The rows behind a figure: ``numerator``; ``denominator``; ``excluded`` (in the denominator
    but not the numerator — the rows that pull a rate down); ``unknown`` (in scope but left out
    of the figure because an input is 未填报)."""
    facts = part_facts(key, scope.shape, part)
    query = select(facts).order_by(facts.c.department_id, facts.c.id).limit(limit)
    return [dict(row._mapping) for row in session.execute(query, scope.parameters)]


@lru_cache(maxsize=512)
def part_facts(key: str, shape: Shape, part: str) -> Subquery:
    """The facts of one part of a figure (see figure_rows), to count, sort and page."""
    parts = PARTS[key]
    facts = parts.facts(shape)
    c = facts.c
    unknown = parts.unknown(c) if parts.unknown else false()
    in_denominator = parts.denominator(c) if parts.denominator else ~unknown
    condition = {
        "numerator": and_(in_denominator, parts.numerator(c)),
        "denominator": in_denominator,
        "excluded": and_(in_denominator, ~parts.numerator(c)),
        "unknown": unknown,
    }[part]
    return select(facts).where(condition).subquery(f"{key}_{part}")


def merged(groups: Iterable[Totals]) -> Totals:
    """The totals of a whole scope from those of its departments: counts and sums add up,
    the sets of departments unite; so one grouped scan serves both."""
    whole = Totals()
    for group in groups:
        for name in (f.name for f in fields(Totals)):
            mine, theirs = getattr(whole, name), getattr(group, name)
            if isinstance(mine, set):
                mine |= theirs
            elif isinstance(mine, dict):
                for pair, items in theirs.items():
                    mine[pair] = mine.get(pair, 0) + items
            else:
                setattr(whole, name, mine + theirs)
    return whole


def figures_by_department(
    session: Session,
    scope: Scope,
    department_ids: list[int],
    rule: str = "HALF_UP",
    keys: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Each department's figures under the same scope, lowest 即办件占比 first (one grouped
    query per kind of fact, whatever the number of departments); a department whose 即办件占比
    is all unknown comes last."""
    grouped = totals(session, scope, by_department=True, keys=keys)
    return department_figures(grouped, scope, department_ids, rule)


def department_figures(
    grouped: dict[Group, Totals], scope: Scope, department_ids: list[int], rule: str
) -> list[dict[str, Any]]:
    """:func:`figures_by_department` from totals already grouped by department."""
    table = []
    for department_id in department_ids:
        if department_id in grouped:
            department_scope = replace(scope, department_id=department_id)
            figures = {
                f.key: f for f in figures_from(grouped[department_id], department_scope, rule)
            }
            table.append({"department_id": department_id, "figures": figures})
    return sorted(table, key=_instant_share_order)


def _instant_share_order(row: dict[str, Any]) -> tuple[bool, Fraction]:
    value = row["figures"]["instant_share"].value
    return (value is None, value or Fraction(0))


def devolved_by_township(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """How many published devolved items each township or street has received, live or as of
    the scope's moment; the region and department of the scope select the devolving
    departments' items (the townships are those of the region)."""
    if scope.as_of is None:
        receivers = devolved_item_receivers
        query = (
            select(DevolvedItem.id, DevolvedItem.from_department_id, receivers.c.township_id)
            .join(receivers, receivers.c.devolved_item_id == DevolvedItem.id)
            .where(DevolvedItem.status == "published")
        )
        pairs = [
            (department_id, township_id)
            for _id, department_id, township_id in session.execute(query)
        ]
    else:
        pairs = [
            (department_id, township_id)
            for _id, department_id, township_ids in session.execute(
                devolved_receivers_as_of(scope.as_of)
            )
            for township_id in township_ids or ()
        ]
    if scope.department_id is not None:
        pairs = [(d, t) for d, t in pairs if d == scope.department_id]
    counts = Counter(township_id for _department, township_id in pairs)
    towns = select(Organization.id, Organization.name).where(Organization.id.in_(list(counts)))
    if scope.region_id is not None:
        towns = towns.where(Organization.region_id == scope.region_id)
    return [
        {"township_id": i, "township": name, "items": counts[i]}
        for i, name in session.execute(towns.order_by(Organization.id))
    ]


def forget_statements() -> None:
    """Build the figures' statements, and the facts' below them, anew at their next use: for a
    caller that replaces a builder (the figures' reference test replaces the facts they read)."""
    for built in (_statement, part_facts, _enforcement_units, _e_license_departments):
        built.cache_clear()
    _facts.forget_statements()
