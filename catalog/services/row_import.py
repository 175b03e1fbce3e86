"""Importing a list's rows from an .xlsx or CSV file, all or nothing.

Import reads a file whose header row uses the departments' own column names
(spreadsheet_columns.py, sheet_headers.py), turns each row into the list's schema fields and
creates it with ``crud.create_row`` — the use case of ``POST /api/v1/<list>`` — so the row passes
the same schema, references, uniqueness and cross-field rules and gets the same history and
search outbox rows. Every problem of every row is reported as (row number as Excel shows it,
column header as written in the file, stable code, Chinese message).

All or nothing: the whole import runs inside one SAVEPOINT on its connection, and each
``create_row`` inside a SAVEPOINT of its own (a second Session joined with
``create_savepoint``, as in seed/loading.py), so a row that breaks a rule is undone alone and
the next row still runs. A dry run then undoes everything; a commit keeps it and commits only
when no row had a problem.

A dry run creates the rows it checks, so later rows see earlier ones exactly as a commit
would (a duplicate 实施编码 within the file, a 子项 naming its 主项).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import Connection, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from ..database import scratch_connection, write_intent
from ..schemas.fields import code_of
from . import crud, figure_cache, history
from .errors import DomainError
from .permissions import Actor, allowed, use_case
from .registry import ListSpec
from .sheet_cells import Candidates, CellError, cell_text, resolve
from .sheet_headers import Header, find_header
from .sheet_references import References
from .spreadsheet_columns import Sheet, sheet_of
from .tabular_files import MAX_COLUMNS, FileReport, Problem, Rows, SheetFile, Upload, read_file

Progress = Callable[[int], None]
# Rows whose history (records, outbox rows, figure facts) is written together: two flushes a
# row become one (the row's own), and the batch's history is one more.
HISTORY_BATCH = 500


@dataclass
class ImportReport(FileReport):
    valid: int = 0  # rows that passed every check
    created: int = 0  # rows committed (0 for a dry run or a refused commit)
    # what the rows' readers should know, never blocking (a 10-character 基本编码 …)
    warnings: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    worksheet: str | None = None  # the worksheet read, when the workbook has several

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "valid": self.valid,
            "created": self.created,
            "warnings": [w.as_dict() for w in self.warnings],
            "ignored_columns": self.ignored_columns,
            "worksheet": self.worksheet,
        }


@use_case(crud.write_permission)
def import_file(
    session: Session,
    spec: ListSpec,
    file: Upload,
    *,
    actor: Actor,
    dry_run: bool = True,
    filename: str | None = None,
    region_id: int | None = None,
    allow_unknown_columns: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row as the import creates it and report every problem. A dry run keeps
    nothing; otherwise every row is kept and committed, or — when any row has a problem — none
    (``created`` is 0 when the commit was refused).

    Each row is created with the actor's permission: an editor imports only their department's
    rows, and as drafts (a 状态 column is honoured only for those who may publish).
    """
    crud.authorize_write(actor, spec, actor.department_id)
    session.commit()  # no transaction (and on SQLite no lock) held while the file is read
    table = read_file(file, filename)
    # A dry run writes on a scratch connection (on SQLite a private copy of the database), so
    # checking a long file never holds the write lock other writers wait for; a commit writes on
    # the session's connection, whose transaction takes SQLite's write lock as it begins.
    place: AbstractContextManager[Connection | None] = (
        scratch_connection(session) if dry_run else write_intent()
    )
    with place as connection:
        return _import(
            session,
            sheet_of(spec),
            table,
            commit=not dry_run,
            actor=actor,
            connection=connection,
            region_id=region_id,
            allow_unknown_columns=allow_unknown_columns,
            progress=progress,
        )


def _import(
    session: Session,
    sheet: Sheet,
    table: SheetFile,
    *,
    commit: bool,
    actor: Actor,
    connection: Connection | None,
    region_id: int | None,
    allow_unknown_columns: bool,
    progress: Progress | None,
) -> ImportReport:
    started = time.perf_counter()
    report = ImportReport(sheet.spec.name, dry_run=not commit)
    header = find_header(sheet, table)
    sheet_rows = table.sheets[header.sheet][1]
    rows = [
        (n, cells) for n, cells in sheet_rows if n > header.row and any(cell_text(c) for c in cells)
    ]
    if len(table.sheets) > 1:
        report.worksheet = table.sheets[header.sheet][0]
    report.rows = len(rows)
    report.problems.extend(header.problems)
    _report_unknown_columns(sheet, header, rows, allow_unknown_columns, report)
    if any(p.code in ("missing_column", "duplicate_column") for p in header.problems):
        report.seconds = time.perf_counter() - started
        return report

    writing = AllOrNothing(session, connection)
    with writing as rows_session, history.deferred(rows_session):
        importer = _RowImporter(
            sheet, header, rows_session, References(rows_session, region_id), actor
        )
        pending = 0
        for position, (number, cells) in enumerate(rows, start=1):
            problems = importer.run(number, cells)
            report.problems.extend(problems)
            report.valid += not problems
            pending += 1
            if position % HISTORY_BATCH == 0 or position == len(rows):
                _write_history(rows_session, keep=commit and report.ok)
            if progress and (pending == 100 or position == len(rows)):
                progress(pending)
                pending = 0
        report.warnings = importer.warnings
        if commit and report.ok:
            writing.keep()
            report.created = importer.created
    report.problems.sort(key=lambda p: p.row)
    report.seconds = time.perf_counter() - started
    return report


def _write_history(session: Session, *, keep: bool) -> None:
    """The history of the rows created since the last call, in one flush, or dropped when the
    file will not be kept (a dry run, a refused commit). Committed at once: the next row's
    SAVEPOINT, undone when that row breaks a rule, must not hold it."""
    history.write_deferred(session, keep=keep)
    session.commit()


class AllOrNothing:
    """The rows of one file, written all or nothing: the whole file in one SAVEPOINT on
    ``connection`` (default: the session's), each row in a SAVEPOINT of its own through the
    session the block gets. Undone when the block ends, unless it called ``keep`` — then kept
    and committed; undone on any error."""

    def __init__(self, session: Session, connection: Connection | None = None) -> None:
        self.session = session
        self.connection = connection or session.connection()
        self.kept = False

    def keep(self) -> None:
        self.kept = True

    def __enter__(self) -> Session:
        self.everything = self.connection.begin_nested()
        self.rows = Session(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        self.changes = figure_cache.leave_tokens_to_owner(self.rows)
        return self.rows

    def __exit__(self, kind: type[BaseException] | None, *_error: object) -> None:
        self.rows.close()
        if kind is None and self.kept:
            self.everything.commit()
            figure_cache.adopt(self.session, self.changes)  # the figures' tokens, once a file
            self.session.commit()
        elif self.everything.is_active:
            self.everything.rollback()


def _report_unknown_columns(
    sheet: Sheet, header: Header, rows: Rows, allow: bool, report: ImportReport
) -> None:
    """A column the list does not have is never dropped silently: it is a problem, or — when the
    caller chose to ignore unknown columns — listed in the report's ``ignored_columns``."""
    from openpyxl.utils import get_column_letter

    used = {c.index for c in header.columns}
    named = {i for i, _ in header.unknown} | set(header.ignored)
    unnamed = sorted(
        {
            i
            for _, cells in rows
            for i, v in enumerate(cells[:MAX_COLUMNS])
            if i not in used and i not in named and cell_text(v)
        }
    )
    columns = [
        *header.unknown,
        *((i, f"第 {get_column_letter(i + 1)} 列（无表头）") for i in unnamed),
    ]
    for index, text in sorted(columns):
        if allow:
            report.ignored_columns.append(text)
        else:
            report.problems.append(
                Problem(
                    header.row,
                    text,
                    "unknown_column",
                    f"无法识别的列“{text}”（第 {get_column_letter(index + 1)} 列）：{sheet.title}没有这一列。"
                    "请删除该列或改用标准表头；确需保留时，导入时选择忽略未知列。",
                )
            )


class _RowImporter:
    """One row at a time: read the cells, load the schema, check duplicates, create the row."""

    def __init__(
        self, sheet: Sheet, header: Header, session: Session, refs: References, actor: Actor
    ) -> None:
        self.sheet = sheet
        self.schema = sheet.spec.schema()
        self.spec = sheet.spec
        self.header = header
        self.session = session
        self.refs = refs
        self.actor = actor
        self.created = 0
        self.warnings: list[Problem] = []
        self.keys = (*sheet.keys, *((name,) for name in self.spec.unique))
        self.seen: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {
            key: {} for key in self.keys
        }
        self.existing = {key: self._existing(key) for key in sheet.keys}
        # Rows a created row refers to (its 实施主体 …), held so the next row's snapshot finds
        # them in the session instead of asking the database again.
        self.kept: dict[tuple[type, Any], Any] = {}
        # The rows the file names (its few departments), each looked up once, not once a row.
        self.references_found: crud.SeenReferences = set()
        self.many_to_one = [
            rel.key
            for rel in sa_inspect(self.spec.model).relationships
            if rel.direction.name == "MANYTOONE"
        ]

    def _existing(self, key: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        """The key values of the rows the actor may see (a row they may not is never named)."""
        columns = [getattr(self.spec.model, name) for name in key]
        visibility = crud.visibility_clause(self.actor, self.spec)
        query = select(self.spec.model.id, *columns)
        rows = self.session.execute(query if visibility is None else query.where(visibility))
        return {tuple(values): row_id for row_id, *values in rows if None not in values}

    def run(self, number: int, cells: tuple[Any, ...]) -> list[Problem]:
        problems: list[Problem] = []
        data, origin, failed = self._read(number, cells, problems)
        try:
            loaded = self.schema.load(data)
        except ValidationError as error:
            for name, message in _flatten(error.messages):
                if name.split(".")[0] not in failed:
                    problems.append(
                        Problem(number, self._column(name, origin), code_of(message), message)
                    )
            return problems
        duplicated = self._duplicates(number, loaded, origin, problems)
        if failed:
            return (
                problems  # a cell could not be read: the rules would judge a row it does not hold
            )
        if self.spec.has_workflow and not allowed(
            self.actor, "row.review", self.spec.department_of(loaded)
        ):
            loaded.pop("status", None)  # an editor's rows start as drafts, whatever the sheet says
        try:
            row = crud.create_row(
                self.session, self.spec, loaded, self.actor, seen=self.references_found
            )
        except DomainError as error:
            if not error.fields:
                problems.append(Problem(number, "", error.code, error.message))
            for name, errors in error.fields.items():
                for item in errors:
                    if item.code == "duplicate" and name in duplicated:
                        continue  # already reported as a duplicate of an earlier row of the file
                    problems.append(
                        Problem(number, self._column(name, origin), item.code, item.message)
                    )
            return problems
        self.created += 1
        for notice in self.spec.warnings(row) if self.spec.warnings else ():
            self.warnings.append(
                Problem(number, self._column(notice.field, origin), notice.code, notice.message)
            )
        self.refs.remember(row)
        for key in self.many_to_one:
            target = row.__dict__.get(key)
            if target is not None:
                self.kept[(type(target), target.id)] = target
        return problems

    def _read(
        self, number: int, cells: tuple[Any, ...], problems: list[Problem]
    ) -> tuple[dict[str, Any], dict[str, str], set[str]]:
        data: dict[str, Any] = {}
        origin: dict[str, str] = {}  # field → the header it was read from
        failed: set[str] = set()
        for mapped in self.header.columns:
            value = cells[mapped.index] if mapped.index < len(cells) else None
            if cell_text(value) is None:
                continue
            try:
                parsed = mapped.column.kind.parse(value, self.refs, mapped.hint)
            except CellError as error:
                problems.append(Problem(number, mapped.header, error.code, error.message))
                failed.update(mapped.column.fields)
                continue
            for name, item in parsed.items():
                if name in failed:
                    continue
                if name in data:
                    item = self._agree(
                        number, name, data[name], item, origin[name], mapped.header, problems
                    )
                    if item is None:
                        failed.add(name)
                        continue
                data[name] = item
                origin.setdefault(name, mapped.header)
        for name, item in list(data.items()):
            if isinstance(item, Candidates):
                try:
                    data[name] = resolve(item)
                except CellError as error:
                    problems.append(Problem(number, origin[name], error.code, error.message))
                    failed.add(name)
        for name in failed:
            data.pop(name, None)
        return data, origin, failed

    @staticmethod
    def _agree(
        number: int,
        name: str,
        first: Any,
        second: Any,
        first_header: str,
        header: str,
        problems: list[Problem],
    ) -> Any:
        """Two columns gave one field (实施主体 and 实施主体编码; 时限 "20个工作日" and 时限单位)."""
        if isinstance(first, Candidates) and isinstance(second, Candidates):
            both = first.ids & second.ids
            if both:
                return Candidates(both, first.text, first.label)
            message = f"“{first.text}”（{first_header}）与“{second.text}”（{header}）不是同一个{first.label}。"
        elif first == second:
            return first
        else:
            message = f"与“{first_header}”列矛盾，请只在一处填写。"
        problems.append(Problem(number, header, "conflicting_columns", message))
        return None

    def _duplicates(
        self,
        number: int,
        loaded: Mapping[str, Any],
        origin: dict[str, str],
        problems: list[Problem],
    ) -> set[str]:
        duplicated: set[str] = set()
        for key in self.keys:
            values = tuple(loaded.get(name) for name in key)
            if any(v is None or v == "" for v in values):
                continue
            column = self._column(key[-1], origin)
            shown = "、".join(
                str(v) for v, name in zip(values, key, strict=True) if not name.endswith("_id")
            )
            first = self.seen[key].setdefault(values, number)
            if first != number:
                duplicated.update(key)
                problems.append(
                    Problem(
                        number,
                        column,
                        "duplicate_in_file",
                        f"与第 {first} 行重复（{shown}），同一{self.spec.label}只能出现一次。",
                    )
                )
            elif key in self.existing and values in self.existing[key]:
                problems.append(
                    Problem(
                        number,
                        column,
                        "duplicate",
                        f"已有相同的{self.spec.label}（编号 {self.existing[key][values]}，{shown}），不能重复导入。",
                    )
                )
        return duplicated

    def _column(self, name: str, origin: dict[str, str]) -> str:
        base = name.split(".")[0]
        if base == "_schema":
            return ""
        return (
            origin.get(base)
            or self.header.header_of(base)
            or self.sheet.field_header(base)
            or _field_label(self.schema, base)
        )


def _field_label(schema: Schema, name: str) -> str:
    schema_field = schema.fields.get(name)
    return (schema_field.metadata.get("description") if schema_field else None) or name


def _flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Marshmallow's nested messages as (dotted field name, message)."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}{key}.")
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield prefix.rstrip(".") or "_schema", message
    elif isinstance(messages, list):
        for value in messages:
            yield from _flatten(value, prefix)
    else:
        yield prefix.rstrip(".") or "_schema", str(messages)
