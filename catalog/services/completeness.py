"""Completeness as a figure: 实施清单要素完整率 and the same for the other lists.

For each list, the share of rows in scope (published, in the region or department, of the
item types for the 实施清单, live or as of a date) that have every required element filled,
and for each required element the rows missing it. The required elements are data
(catalog/data/required-elements.toml); what "filled" means is catalog/models/elements.py.
Rows whose elements were never assessed (loaded in bulk with SQL, no mask) are left out of
the figure and counted as ``unknown``, like the other figures' unknown inputs.

The rows behind a figure come with the names of the elements they miss; the department's
workbook lists them with a column per missing element, to be filled and imported back as
changes through the workflow (a draft at once, a published row as a revision for review).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, func, select
from sqlalchemy.orm import Session

from ..models.elements import ELEMENTS, Element
from . import figure_cache
from .facts import Scope, Shape, element_facts
from .figures import Figure
from .permissions import use_case

REQUIRED_FILE = Path(__file__).resolve().parent.parent / "data" / "required-elements.toml"
# URL names of the lists, as everywhere in the API
LIST_NAMES = {
    "service-items": "service_item",
    "power-items": "power_item",
    "devolved-items": "devolved_item",
    "supervision-items": "supervision_item",
    "inspection-lists": "inspection_impl_list",
}
URL_NAMES = {entity_type: name for name, entity_type in LIST_NAMES.items()}


@dataclass(frozen=True)
class Requirement:
    """The elements one list requires."""

    entity_type: str
    label: str  # the list
    figure: str  # the figure's name: 实施清单要素完整率, 检查实施清单完备度 …
    elements: tuple[Element, ...]

    @property
    def mask(self) -> int:
        return sum(1 << element.bit for element in self.elements)


@cache
def requirements(path: Path = REQUIRED_FILE) -> dict[str, Requirement]:
    """The required elements of each list, read once; an unknown element key is an error here,
    not a figure silently counting nothing."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    result = {}
    for entity_type, entry in data.items():
        defined = ELEMENTS.get(entity_type)
        if defined is None:
            raise ValueError(
                f"{path.name}: no list named {entity_type!r}; lists: {', '.join(ELEMENTS)}"
            )
        unknown = [key for key in entry["required"] if key not in defined]
        if unknown:
            raise ValueError(f"{path.name}: [{entity_type}] has no element {', '.join(unknown)}")
        elements = tuple(defined[key] for key in entry["required"])
        result[entity_type] = Requirement(entity_type, entry["label"], entry["figure"], elements)
    return result


def _missing(facts: Subquery, mask: int) -> ColumnElement[bool]:
    return facts.c.unfilled_elements.op("&")(mask) != 0


def _counts(requirement: Requirement, masks: Iterable[tuple[int | None, int]]) -> list[int]:
    """Rows, rows not assessed, complete rows, then the rows missing each required element,
    from the number of rows of each distinct mask (a few dozen distinct masks, whatever the
    number of rows: counting them in SQL and the elements here is one cheap grouped scan)."""
    rows = not_assessed = complete = 0
    missing = [0] * len(requirement.elements)
    for mask, count in masks:
        rows += count
        if mask is None:
            not_assessed += count
            continue
        if not mask & requirement.mask:
            complete += count
        for position, element in enumerate(requirement.elements):
            if mask >> element.bit & 1:
                missing[position] += count
    return [rows, not_assessed, complete, *missing]


def _figure(
    requirement: Requirement, scope: Scope, rule: str, counts: Iterable[int]
) -> dict[str, Any]:
    rows, not_assessed, complete, *missing = counts
    figure = Figure(
        f"{requirement.entity_type}_completeness",
        requirement.figure,
        f"必填要素全部填报的{requirement.label}事项数 / 范围内的事项数（必填要素见 required-elements.toml）",
        numerator=Fraction(complete),
        denominator=Fraction(rows - not_assessed),
        percent=True,
        places=2,
        rule=rule,
        scope=scope,
        in_scope=rows,
        unknown=not_assessed,
    )
    return {
        **figure.as_dict(),
        "list": requirement.entity_type,
        "list_name": URL_NAMES[requirement.entity_type],
        "list_label": requirement.label,
        "elements": [
            {"key": e.key, "label": e.label, "missing": n}
            for e, n in zip(requirement.elements, missing, strict=True)
        ],
    }


def _chosen(lists: Iterable[str] | None) -> list[Requirement]:
    wanted = requirements()
    return [wanted[name] for name in lists] if lists else list(wanted.values())


@use_case("public")  # counts of published rows, like every other figure
def completeness_figures(
    session: Session, scope: Scope, rule: str = "HALF_UP", lists: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """One completeness figure per list, with the rows missing each required element."""
    result = []
    for requirement in _chosen(lists):
        masks = _department_masks(session, requirement.entity_type, scope)
        counts = _counts(requirement, ((mask, count) for _, mask, count in masks))
        result.append(_figure(requirement, scope, rule, counts))
    return result


def _department_masks(session: Session, entity_type: str, scope: Scope) -> Sequence[Any]:
    """(department, mask, rows) for each distinct mask of unfilled elements in each department:
    kept per department, so a change reads one department's again (figure_cache)."""
    return figure_cache.rows_by_department(
        session, _masks(entity_type, scope.shape), scope.parameters
    )


@lru_cache(maxsize=256)
def _masks(entity_type: str, shape: Shape) -> Select[Any]:
    """The number of rows of each distinct mask of unfilled elements per department."""
    facts = element_facts(entity_type, shape)
    groups = (facts.c.department_id, facts.c.unfilled_elements)
    return select(*groups, func.count()).group_by(*groups)


@use_case("public")
def completeness_by_department(
    session: Session,
    scope: Scope,
    departments: dict[int, str],
    rule: str = "HALF_UP",
    lists: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Each department's completeness figures (one grouped query per list), least complete first."""
    table: dict[int, dict[str, Any]] = {}
    for requirement in _chosen(lists):
        by_department: dict[int, list[tuple[int | None, int]]] = defaultdict(list)
        for department_id, mask, count in _department_masks(
            session, requirement.entity_type, scope
        ):
            by_department[department_id].append((mask, count))
        for department_id, masks in by_department.items():
            if department_id not in departments:
                continue
            entry = table.setdefault(
                department_id,
                {
                    "department_id": department_id,
                    "department": departments[department_id],
                    "lists": [],
                },
            )
            counts = _counts(requirement, masks)
            entry["lists"].append(
                _figure(requirement, replace(scope, department_id=department_id), rule, counts)
            )
    return sorted(table.values(), key=_least_complete)


def _least_complete(entry: dict[str, Any]) -> tuple[Fraction, int, int]:
    """Least complete first, the larger first among equals, then by 编号: the same order from
    any copy of the data (a restored database returns equal rows in another order)."""
    first = entry["lists"][0]
    share = (
        Fraction(first["numerator"], first["denominator"]) if first["denominator"] else Fraction(1)
    )
    return (share, -first["in_scope"], entry["department_id"])


@use_case("public")
def completeness_rows(
    session: Session, entity_type: str, scope: Scope, element: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """The rows behind a completeness figure: those missing ``element``, or any required one."""
    facts = missing_facts(entity_type, scope.shape, element)
    query = (
        select(facts.c.id, facts.c.name, facts.c.department_id, facts.c.unfilled_elements)
        .order_by(facts.c.department_id, facts.c.id)
        .limit(limit)
    )
    return [
        {
            "id": row_id,
            "name": name,
            "department_id": department_id,
            "missing": missing_labels(entity_type, mask),
        }
        for row_id, name, department_id, mask in session.execute(query, scope.parameters)
    ]


@lru_cache(maxsize=256)
def missing_facts(entity_type: str, shape: Shape, element: str | None = None) -> Subquery:
    """The rows in scope missing ``element``, or any required one (id, name, department_id,
    unfilled_elements)."""
    mask = 1 << ELEMENTS[entity_type][element].bit if element else requirements()[entity_type].mask
    facts = element_facts(entity_type, shape)
    return select(facts).where(_missing(facts, mask)).subquery(f"{entity_type}_missing")


def missing_labels(entity_type: str, mask: int | None) -> list[str]:
    """The labels of the required elements a row's mask leaves unfilled, in the file's order."""
    return [
        e.label
        for e in requirements()[entity_type].elements
        if mask is not None and mask >> e.bit & 1
    ]


__all__ = [
    "LIST_NAMES",
    "Requirement",
    "completeness_by_department",
    "completeness_figures",
    "completeness_rows",
    "missing_facts",
    "missing_labels",
    "requirements",
]
