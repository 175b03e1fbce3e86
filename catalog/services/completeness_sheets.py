"""The completeness workbook: a department's rows that miss required elements, one column per
element, to fill in and import back.

Export lists the rows the actor may see (published rows, and their own department's drafts)
that miss any required element, with their 编号 and 版本, what they miss, and each element's
columns as the list's spreadsheet writes them (the same headers and values as
``GET /api/v1/<list>/export``), showing 未填报 where nothing is stated.

Import reads the cells a department filled in: a cell left empty or 未填报 changes nothing, any
other value is read with the list's column (so "0", "否", "无", "无期限" are facts) and the
row is changed through the workflow (workflow.edit_row): a draft at once, a published row as
a revision that its reviewer approves like any other. All rows or none: a problem in any row
keeps every change out, and every problem is reported by row and column.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Revision, ServiceItem
from ..models.elements import HasElements, unfilled_keys
from ..schemas.fields import code_of
from . import crud, workflow
from .completeness import LIST_NAMES, requirements
from .errors import DomainError
from .facts import ITEM_TYPES, Scope, in_scope
from .permissions import Actor, use_case
from .registry import ALL_LISTS, ListSpec
from .row_import import AllOrNothing
from .sheet_cells import Candidates, CellError, cell_text, header_key, resolve
from .sheet_references import References
from .spreadsheet_columns import SHEETS, Column
from .tabular_files import (
    Exported,
    FileReport,
    Problem,
    SheetFile,
    Table,
    Upload,
    exported,
    read_file,
)
from .time_limits import WORKING_DAYS

UNKNOWN = "未填报"
ID, VERSION = "编号", "版本"
LEADING = [ID, VERSION, "名称", "部门", "状态", "缺少的要素"]
HEADER_SEARCH_ROWS = 10


def _spec(list_name: str) -> ListSpec:
    if list_name not in LIST_NAMES or list_name not in SHEETS:
        names = "、".join(name for name in LIST_NAMES if name in SHEETS)
        raise DomainError(
            "no_spreadsheet", f"清单 {list_name} 没有补充要素的表格。可用：{names}。", 404
        )
    return next(spec for spec in ALL_LISTS if spec.name == list_name)


def element_columns(spec: ListSpec) -> list[Column]:
    """The list's spreadsheet columns that fill its required elements, in the sheet's order."""
    fields = {name for e in requirements()[spec.entity_type].elements for name in e.fields}
    return [column for column in SHEETS[spec.name].columns if fields & set(column.fields)]


def _rows(session: Session, spec: ListSpec, scope: Scope, actor: Actor) -> Iterator[Any]:
    model = spec.model
    if not issubclass(model, HasElements):
        raise TypeError(f"{spec.name} counts no required elements")
    mask = requirements()[spec.entity_type].mask
    department = spec.owner_column().expression
    query = select(model).where(model.unfilled_elements.op("&")(mask) != 0)
    visibility = crud.visibility_clause(actor, spec)
    if visibility is not None:
        query = query.where(visibility)
    if spec.entity_type == "service_item":
        query = query.where(ServiceItem.item_type.in_(ITEM_TYPES))
    query = in_scope(query, department, scope.shape).order_by(department, model.id)
    yield from session.scalars(query.execution_options(yield_per=500), scope.parameters)


@use_case("row.read")  # the public's rows are the published ones (crud.visibility_clause)
def export_workbook(session: Session, list_name: str, scope: Scope, actor: Actor) -> Exported:
    """The rows missing required elements, to be filled in by their department."""
    spec = _spec(list_name)
    requirement = requirements()[spec.entity_type]
    columns = element_columns(spec)
    schema, refs = spec.schema(), References(session)
    labels = {e.key: e.label for e in requirement.elements}

    def rows() -> Iterator[list[Any]]:
        for row in _rows(session, spec, scope, actor):
            dumped = schema.dump(row)
            missing = [labels[key] for key in _missing_keys(spec, row) if key in labels]
            owner = spec.department_of(row)
            department = refs.organizations().describe(owner)[0] if owner is not None else None
            name = getattr(row, "name", None) or getattr(row, "code", "")
            values = [column.kind.export(dumped, refs) for column in columns]
            yield [
                row.id,
                row.version,
                name,
                department,
                row.status,
                "、".join(missing),
                *(UNKNOWN if value is None else value for value in values),
            ]

    table = Table(
        f"{requirement.label}待补充要素", [*LEADING, *(c.header for c in columns)], rows()
    )
    return exported(f"{requirement.label}待补充要素-{date.today():%Y%m%d}", "xlsx", [table])


def _missing_keys(spec: ListSpec, row: Any) -> list[str]:
    return unfilled_keys(spec.entity_type, row.unfilled_elements)


@dataclass
class FillReport(FileReport):
    """What an import of a filled-in workbook did, or would do (``rows``: rows with a filled cell)."""

    changed: int = 0  # drafts changed at once
    revisions: int = 0  # published rows whose change now waits for review

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "changed": self.changed, "revisions": self.revisions}


@use_case("row.edit")
def import_workbook(
    session: Session,
    list_name: str,
    file: Upload,
    actor: Actor,
    *,
    dry_run: bool = True,
    filename: str | None = None,
) -> FillReport:
    """Turn the filled cells into changes through the workflow; all rows or none."""
    started = time.perf_counter()
    spec = _spec(list_name)
    crud.authorize_write(
        actor, spec, actor.department_id
    )  # each row is then edited with its own check
    report = FillReport(list_name, dry_run)
    _number, header, rows = _header(read_file(file, filename), spec)
    writing = AllOrNothing(session)
    with writing as rows_session:
        refs = References(rows_session)
        for row_number, cells in rows:
            _fill(rows_session, spec, header, refs, actor, row_number, cells, report)
        if report.ok and not dry_run:
            writing.keep()
    report.seconds = time.perf_counter() - started
    return report


def _header(
    table: SheetFile, spec: ListSpec
) -> tuple[int, dict[int, Column | str], list[tuple[int, Any]]]:
    """The header row (the one naming 编号 and 版本) and the column each cell belongs to."""
    by_header = {header_key(c.header): c for c in element_columns(spec)}
    for _title, rows in table.sheets:
        for number, cells in rows[:HEADER_SEARCH_ROWS]:
            texts = [cell_text(c) or "" for c in cells]
            if ID in texts and VERSION in texts:
                header: dict[int, Column | str] = {}
                for index, text in enumerate(texts):
                    if text in (ID, VERSION):
                        header[index] = text
                    elif header_key(text) in by_header:
                        header[index] = by_header[header_key(text)]
                data = [(n, c) for n, c in rows if n > number and any(cell_text(v) for v in c)]
                return number, header, data
    raise DomainError(
        "header_not_found",
        f"找不到表头：补充要素的表格须有“{ID}”“{VERSION}”两列（请使用导出的表格填写）。",
        422,
    )


def _fill(
    session: Session,
    spec: ListSpec,
    header: dict[int, Column | str],
    refs: References,
    actor: Actor,
    number: int,
    cells: Any,
    report: FillReport,
) -> None:
    keys: dict[str, int] = {}
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for index, column in header.items():
        value = cells[index] if index < len(cells) else None
        text = cell_text(value)
        if isinstance(column, str):
            keys[column] = int(text) if text and text.isdigit() else 0
            continue
        if text is None or text == UNKNOWN:
            continue
        try:
            parsed = column.kind.parse(value, refs, None)
            for name, item in parsed.items():
                data[name] = resolve(item) if isinstance(item, Candidates) else item
                origin.setdefault(name, column.header)
        except CellError as error:
            report.problems.append(Problem(number, column.header, error.code, error.message))
    if not data:
        return
    report.rows += 1
    if not keys.get(ID) or not keys.get(VERSION):
        report.problems.append(
            Problem(number, ID, "missing_id", "缺少编号或版本：请使用导出的表格，不要改动这两列。")
        )
        return
    try:
        loaded = spec.schema().load(data, partial=True)
    except ValidationError as error:
        for name, messages in error.messages_dict.items():
            for message in messages if isinstance(messages, list) else [str(messages)]:
                report.problems.append(
                    Problem(number, origin.get(name, name), code_of(str(message)), str(message))
                )
        return
    for prefix in ("legal", "promised"):  # a number of days without a unit: 工作日, as on import
        if loaded.get(f"{prefix}_time_limit") is not None and f"{prefix}_time_unit" not in loaded:
            loaded[f"{prefix}_time_unit"] = WORKING_DAYS
    try:
        result = workflow.edit_row(session, spec, keys[ID], loaded, keys[VERSION], actor)
    except DomainError as error:
        if not error.fields:
            report.problems.append(Problem(number, ID, error.code, error.message))
        for name, errors in error.fields.items():
            for item in errors:
                report.problems.append(
                    Problem(number, origin.get(name.split(".")[0], name), item.code, item.message)
                )
        return
    if isinstance(result, Revision):
        report.revisions += 1
    else:
        report.changed += 1
