"""The rows a form's reference may name (法律依据, 权责事项, 下放批次, 监管事项, 一件事's items),
found by 编号, code or name, and a typed name turned into its 编号.

What is offered is what the writer may reference in that form: rows the actor sees (crud's
visibility: another department's drafts do not exist for them) and, for the lists kept by
departments, rows of the departments the actor writes for. The save itself still checks every
编号 as the API does (crud._check_references); this only finds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from .. import models as m
from .crud import _visible, write_permission
from .errors import FieldError
from .mapped import Identified
from .permissions import Actor, departments_where, use_case
from .registry import ALL_LISTS, ListSpec, Reference

# The model's name and code columns: what a person types and reads to pick a row.
NAMED: dict[type[Identified], tuple[str, str]] = {
    m.LegalBasis: ("name", "document_number"),
    m.PowerItem: ("name", "code"),
    m.DevolutionBatch: ("title", "document_number"),
    m.SupervisionItem: ("main_name", "code"),
    m.ServiceItem: ("name", "implementation_code"),
}
CHOICES_MAX = 10
QUERY_MAX = 50
# What a chosen row reads as in its input: "名称（编号 12）" (typing the name or 12 works too).
CHOSEN = re.compile(r"（编号\s*(\d{1,12})）\s*$")
_OWNERS: dict[type[Identified], str] = {spec.model: spec.owner for spec in ALL_LISTS if spec.owner}


@dataclass(frozen=True)
class Choice:
    id: int
    name: str
    code: str | None

    @property
    def text(self) -> str:
        return f"{self.name}（编号 {self.id}）"


def picked(spec: ListSpec, name: str) -> Reference | None:
    """(model, label) of a field whose rows a picker offers; None for other fields (机构 are a select)."""
    reference = spec.references.get(name)
    return reference if reference is not None and reference[0] in NAMED else None


def _reference(spec: ListSpec, name: str) -> Reference:
    """(model, label) of a field the caller knows a picker offers (it asked ``picked``)."""
    reference = picked(spec, name)
    if reference is None:
        raise ValueError(f"{spec.name}.{name} names no rows a picker offers")
    return reference


def _scope(
    model: type[Identified], actor: Actor, writable: frozenset[int] | None
) -> list[ColumnElement[bool]]:
    """Rows the actor sees, of the departments they write for (``writable``; None: all)."""
    clauses = list(_visible(actor, model))
    owner = _OWNERS.get(model)
    if owner is not None and writable is not None:
        clauses.append(getattr(model, owner).in_(sorted(writable)))
    return clauses


def _rows(
    session: Session, model: type[Identified], clauses: list[ColumnElement[bool]], limit: int
) -> list[Choice]:
    name_column, code_column = (getattr(model, c) for c in NAMED[model])
    query = (
        select(model.id, name_column, code_column).where(*clauses).order_by(model.id).limit(limit)
    )
    return [Choice(*found) for found in session.execute(query)]


@use_case(write_permission)
def reference_choices(
    session: Session, spec: ListSpec, name: str, typed: str, actor: Actor
) -> list[Choice]:
    """Up to CHOICES_MAX rows the field may name whose 编号 is ``typed``, or whose name contains
    it or code starts with it."""
    model = _reference(spec, name)[0]
    name_column, code_column = (getattr(model, c) for c in NAMED[model])
    text = typed.strip()[:QUERY_MAX]
    matches = [
        name_column.contains(text, autoescape=True),
        code_column.startswith(text, autoescape=True),
    ]
    if text.isdigit() and len(text) <= 12:
        matches.append(model.id == int(text))
    writable = departments_where(actor, write_permission(spec))
    return _rows(session, model, [*_scope(model, actor, writable), or_(*matches)], CHOICES_MAX)


@use_case(write_permission)
def resolve_references(
    session: Session, spec: ListSpec, data: dict[str, Any], actor: Actor
) -> tuple[dict[str, Any], dict[str, list[FieldError]]]:
    """The data with each picked field's typed names turned into 编号, and the names that name
    no row (or several) as field errors. A 编号 stays as typed: the save checks it."""
    resolved, problems = dict(data), {}
    writable = departments_where(actor, write_permission(spec))
    for name in [n for n in data if picked(spec, n)]:
        value = data[name]
        found = [
            _resolved(session, spec, name, v, actor, writable)
            for v in (value if isinstance(value, list) else [value])
        ]
        errors = [f for f in found if isinstance(f, FieldError)]
        if errors:
            problems[name] = errors
        elif value is not None:
            resolved[name] = found if isinstance(value, list) else found[0]
    return resolved, problems


def _resolved(
    session: Session,
    spec: ListSpec,
    name: str,
    value: Any,
    actor: Actor,
    writable: frozenset[int] | None,
) -> Any:
    if not isinstance(value, str):
        return value
    chosen = CHOSEN.search(value)
    if chosen:
        return int(chosen.group(1))
    model, label = _reference(spec, name)
    text = value.strip()[: QUERY_MAX * 6]
    name_column, code_column = (getattr(model, c) for c in NAMED[model])
    rows = _rows(
        session,
        model,
        [*_scope(model, actor, writable), or_(name_column == text, code_column == text)],
        2,
    )
    if len(rows) == 1:
        return rows[0].id
    if rows:
        return FieldError(
            "ambiguous_reference", f"名称为“{text}”的{label}不止一个：请从列表中选择，或填编号。"
        )
    return FieldError(
        "unknown_reference", f"没有编号、编码或名称为“{text}”的{label}：请从列表中选择，或填编号。"
    )


@use_case("row.read")
def chosen_texts(
    session: Session, spec: ListSpec, values: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """The form's values with each picked 编号 shown as "名称（编号 N）"; a 编号 of a row the
    actor may not see stays a bare number, so a form typed again leaks no name."""
    shown = dict(values)
    for name, value in values.items():
        reference = picked(spec, name)
        ids = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int)]
        if reference is None or not ids:
            continue
        model = reference[0]
        texts = {
            c.id: c.text
            for c in _rows(session, model, [model.id.in_(ids), *_visible(actor, model)], len(ids))
        }
        shown[name] = (
            [texts.get(v, v) for v in value] if isinstance(value, list) else texts.get(value, value)
        )
    return shown
