"""A list's form, read off its marshmallow schema: which control each field gets, and how the
posted form becomes the data the schema loads.

Nothing about a list is written here: the controls follow the field types (a code table is a
select, a nullable flag a 未填报/是/否 select, a nested list repeated rows), the bounds are the
schema's own, and the labels are field_labels'. The posted form becomes the JSON-like data the
API would have received, so the schema and the rules judge it exactly as they judge the API.
An empty input is "not given" (None), never 0 or false.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from ..schemas.fields import TEXT_MAX, Bool, Day, Int, ListOf, Str
from ..services.errors import DomainError
from ..services.field_labels import schema_label

NUMBER = re.compile(r"-?\d{1,12}")
SEPARATORS = re.compile(r"[\s,，、;；]+")
ROW_KEY = re.compile(r"^(\w+)-(\d{1,4})-(\w+)$")
LONG_TEXT = 500  # longer strings get a text area
# What a nullable list of rows states when it has none: known to be empty (else 未填报).
ROWS_NONE = "none"


@dataclass
class Control:
    """One form control: a schema field as a person fills it in."""

    name: str
    label: str
    # text, textarea, number, date, select, tristate, flag, choices, words, ids, rows; reference
    # and references: a row named by 编号 or name, picked from a search (console_forms)
    kind: str
    required: bool = False
    nullable: bool = False
    max_length: int | None = None
    max_items: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    columns: list[Control] = field(default_factory=list)  # a row's controls (kind rows)
    numeric: bool = False  # values are ids or numbers (sent as integers)
    default: Any = None  # what a new form shows: the schema's default (必需 ticked, 区县级)


def _validator(schema_field: fields.Field, kind: type) -> Any:
    return next((v for v in schema_field.validators if isinstance(v, kind)), None)


def control_for(
    name: str, schema_field: fields.Field, label: str, options: list[tuple[str, str]] | None = None
) -> Control:
    """The control of one schema field; ``options`` are the choices of a field naming a row."""
    control = Control(
        name, label, "text", required=schema_field.required, nullable=schema_field.allow_none
    )
    if isinstance(schema_field.load_default, bool | str):  # not a factory (a list's [])
        control.default = schema_field.load_default
    if isinstance(schema_field, ListOf):
        _list_control(control, schema_field, options)
    elif isinstance(schema_field, Bool):
        control.kind = "tristate" if schema_field.allow_none else "flag"
    elif isinstance(schema_field, Int):
        rng = _validator(schema_field, validate.Range)
        control.minimum, control.maximum, control.numeric = rng.min, rng.max, True
        control.kind = "select" if options is not None else "number"
        control.options = options or []
    elif isinstance(schema_field, Day):
        control.kind = "date"
    elif isinstance(schema_field, Str):
        one_of = _validator(schema_field, validate.OneOf)
        length = _validator(schema_field, validate.Length)
        control.max_length = length.max if length else TEXT_MAX
        if one_of is not None:
            control.kind, control.options = (
                "select",
                list(zip(one_of.choices, one_of.labels, strict=True)),
            )
        elif control.max_length > LONG_TEXT:
            control.kind = "textarea"
    return control


def _list_control(
    control: Control, schema_field: ListOf, options: list[tuple[str, str]] | None
) -> None:
    length = _validator(schema_field, validate.Length)
    control.max_items = length.max if length else None
    inner = schema_field.inner
    if isinstance(inner, fields.Nested):
        control.kind = "rows"
        nested: Schema = inner.schema
        control.columns = [
            control_for(sub, sub_field, schema_label(type(nested), sub))
            for sub, sub_field in nested.fields.items()
            if not sub_field.dump_only
        ]
    elif isinstance(inner, Str) and _validator(inner, validate.OneOf) is not None:
        one_of = _validator(inner, validate.OneOf)
        control.kind, control.options = (
            "choices",
            list(zip(one_of.choices, one_of.labels, strict=True)),
        )
    elif isinstance(inner, Int):
        control.numeric = True
        control.kind = "choices" if options is not None else "ids"
        control.options = options or []
    else:
        control.kind = "words"


# -- the posted form as schema data ---------------------------------------------------------------


def _scalar(control: Control, raw: str | None) -> Any:
    """One posted value as the API would carry it; what the schema cannot read stays text, so
    its own Chinese message names the problem (应为整数 …)."""
    text = (raw or "").strip()
    if control.kind == "flag":
        return raw is not None
    if not text:
        return None
    if control.numeric:  # a reference's name stays text: references.resolve_references reads it
        return int(text) if NUMBER.fullmatch(text) else text
    if control.kind == "tristate":
        return {"true": True, "false": False}.get(text, text)
    return raw if control.kind == "textarea" else text


def _listed(control: Control, form: MultiDict[str, str]) -> list[Any]:
    if control.kind == "choices":
        values = form.getlist(control.name)
    elif control.kind == "references":  # one row a line: a name may hold spaces and 、
        values = [
            part for line in form.get(control.name, "").splitlines() for part in _line_refs(line)
        ]
    else:
        values = [line.strip() for line in form.get(control.name, "").splitlines() if line.strip()]
        if control.kind == "ids":
            values = [part for part in SEPARATORS.split(" ".join(values)) if part]
    return [int(v) if control.numeric and NUMBER.fullmatch(v) else v for v in values]


def _line_refs(line: str) -> list[str]:
    """A line of 编号 ("3，5 7") is split; any other line is one name."""
    parts = [part for part in SEPARATORS.split(line) if part]
    return parts if all(NUMBER.fullmatch(p) for p in parts) else [line.strip()]


def _rows(control: Control, form: MultiDict[str, str]) -> list[dict[str, Any]] | None:
    """The posted rows in their order; rows left blank are dropped (clearing a row removes it)."""
    cells: dict[int, dict[str, str]] = {}
    for key in form:
        match = ROW_KEY.match(key)
        if match and match.group(1) == control.name:
            cells.setdefault(int(match.group(2)), {})[match.group(3)] = form[key]
    if control.max_items is not None and len(cells) > control.max_items:
        raise DomainError(
            "too_many_rows",
            f"“{control.label}”最多 {control.max_items} 行，提交了 {len(cells)} 行：未保存。",
            413,
        )
    rows = []
    for index in sorted(cells):
        posted = cells[index]
        if not any(posted.get(c.name, "").strip() for c in control.columns if c.kind != "flag"):
            continue
        rows.append({c.name: _scalar(c, posted.get(c.name)) for c in control.columns})
    if rows or not control.nullable:
        return rows
    return [] if form.get(f"{control.name}__state") == ROWS_NONE else None


def posted_data(controls: list[Control], form: MultiDict[str, str]) -> dict[str, Any]:
    """The form as the schema's input. A field left empty is None when the schema allows it
    (未填报) and absent otherwise, so its default or its 必填 message applies."""
    data: dict[str, Any] = {}
    for control in controls:
        if control.kind == "rows":
            value: Any = _rows(control, form)
        elif control.kind in ("choices", "words", "ids", "references"):
            value = _listed(control, form)
        else:
            value = _scalar(control, form.get(control.name))
        if value is None and not control.nullable:
            continue
        data[control.name] = value
    return data


def shown(control: Control, value: Any) -> Any:
    """A value as its control shows it again (after a failed save: what the user typed)."""
    if control.kind == "flag":
        return bool(value)
    if value is None:
        return "" if control.kind not in ("choices", "rows") else []
    if control.kind in ("words", "references"):
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if control.kind == "ids":
        return "，".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if control.kind == "tristate":
        return {True: "true", False: "false"}.get(value, str(value))
    if control.kind == "choices":
        return [str(v) for v in value] if isinstance(value, list) else []
    return value if isinstance(value, list) else str(value)


def as_form_values(controls: list[Control], data: Mapping[str, Any]) -> dict[str, Any]:
    return {c.name: data.get(c.name) for c in controls}
