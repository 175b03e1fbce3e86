"""Excel (.xlsx) and CSV import and export of the lists, and export of the auditors' figures.

Import reads a file whose header row uses the departments' own column names
(spreadsheet_columns.py), turns each row into the list's schema fields and creates it with
``crud.create_row`` — the use case of ``POST /api/v1/<list>`` — so the row passes the same
schema, references, uniqueness and cross-field rules and gets the same history and search
outbox rows. Every problem of every row is reported as (row number as Excel shows it, column
header as written in the file, stable code, Chinese message).

All or nothing: the whole import runs inside one SAVEPOINT on the caller's connection, and each
``create_row`` inside a SAVEPOINT of its own (a second Session joined with
``create_savepoint``, as in seed/loading.py), so a row that breaks a rule is undone alone and
the next row still runs. ``dry_run`` then undoes everything; ``commit_import`` keeps it and
commits only when no row had a problem.

A ``dry_run`` creates the rows it checks, so later rows see earlier ones exactly as a commit
would (a duplicate 实施编码 within the file, a 子项 naming its 主项).
"""
from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import IO, Any

from marshmallow import Schema, ValidationError
from marshmallow import fields as ma_fields
from sqlalchemy import Connection, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from ..database import scratch_connection, write_intent
from ..models.codes import ITEM_TYPES
from ..schemas.fields import Code, code_of
from . import crud, statistics
from .errors import DomainError
from .permissions import Actor, allowed, use_case
from .registry import ListSpec
from .spreadsheet_columns import (
    SHEETS,
    Candidates,
    CellError,
    Column,
    References,
    Sheet,
    cell_text,
    header_key,
    resolve,
)

MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_CELLS = 3_000_000  # 50,000 rows of 60 columns; the widest list (事项实施清单) has 40
MAX_UNPACKED_BYTES = 300 * 1024 * 1024  # an .xlsx is a zip: refuse one that unpacks to more
HEADER_SEARCH_ROWS = 10  # a title row or two may stand above the header
FORMATS = {"xlsx": "Excel 工作簿", "csv": "CSV 文本"}
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old binary Office formats
_FORMULA_START = ("=", "+", "-", "@")  # a cell Excel would run as a formula

Progress = Callable[[int], None]


# -- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel shows it: the header is row 1 (or the row it stands on)
    column: str  # the header as written in the file
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class ImportReport:
    list: str
    dry_run: bool
    rows: int = 0  # data rows in the file (blank rows not counted)
    valid: int = 0  # rows that passed every check
    created: int = 0  # rows committed (0 for a dry run or a refused commit)
    problems: list[Problem] = field(default_factory=list)
    # what the rows' readers should know, never blocking (a 10-character 基本编码 …)
    warnings: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    worksheet: str | None = None  # the worksheet read, when the workbook has several
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.list,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "valid": self.valid,
            "created": self.created,
            "problems": [p.as_dict() for p in self.problems],
            "warnings": [w.as_dict() for w in self.warnings],
            "ignored_columns": self.ignored_columns,
            "worksheet": self.worksheet,
            "seconds": round(self.seconds, 3),
        }


def file_error(code: str, message: str, status: int = 400) -> DomainError:
    return DomainError(code, message, status)


# -- reading files ------------------------------------------------------------------------------


Rows = list[tuple[int, tuple[Any, ...]]]  # (row number as a spreadsheet shows it, cells)


@dataclass
class SheetFile:
    """The cells of an uploaded file: each worksheet's rows (a CSV has one worksheet)."""

    name: str
    format: str
    sheets: list[tuple[str, Rows]]

    @property
    def rows(self) -> Rows:
        return [row for _, rows in self.sheets for row in rows]


def read_file(source: bytes | str | Path | IO[bytes] | SheetFile, filename: str | None = None) -> SheetFile:
    """Read an .xlsx or a CSV (UTF-8 with or without BOM, GB18030/GBK, UTF-16 with BOM).

    Raises a DomainError with a Chinese message for a file that is empty, not a spreadsheet,
    damaged, in an unknown encoding, or too large.
    """
    if isinstance(source, SheetFile):
        return source
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        data = path.read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    name = filename or ""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise file_error("empty_file", "文件是空的：请上传包含表头和数据的 .xlsx 或 CSV 文件。")
    if data[:4] == b"PK\x03\x04":
        return SheetFile(name, "xlsx", _xlsx_sheets(data))
    if data[:8] == _OLE_MAGIC:
        raise file_error(
            "unsupported_format",
            "这是旧版 Excel（.xls）文件，不能直接导入：请在 Excel 中“另存为” .xlsx 或 CSV（UTF-8）后再上传。",
        )
    if suffix in (".xlsx", ".xlsm"):
        raise file_error("unreadable_file", "文件扩展名为 .xlsx，但内容不是有效的 Excel 工作簿（可能已损坏或未传完整）。")
    if suffix not in ("", ".csv", ".txt", ".tsv"):
        raise file_error("unsupported_format", f"不支持 {suffix} 文件：只能导入 Excel 工作簿（.xlsx）或 CSV 文件。")
    return SheetFile(name, "csv", [(name, _csv_rows(_decode(data)))])


def _xlsx_sheets(data: bytes) -> list[tuple[str, Rows]]:
    """Every worksheet's rows: the list may stand after a 填表说明 sheet."""
    import openpyxl

    try:
        _check_unpacked_size(data)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged or foreign zip
        raise file_error("unreadable_file", "无法读取该 Excel 文件：文件已损坏，或不是 .xlsx 工作簿。") from None
    try:
        if not workbook.worksheets:
            raise file_error("empty_file", "工作簿中没有工作表。")
        sheets: list[tuple[str, Rows]] = []
        budget = _Budget()
        for worksheet in workbook.worksheets:
            # A sheet's <dimension> is the file's claim, not its content: read-only openpyxl pads
            # every row to the claimed width (A1:XFD… is 16,384 cells a row). Without it, a row
            # is as wide as its own last cell.
            worksheet.reset_dimensions()
            rows: Rows = []
            for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
                rows.append((number, budget.take(number, row)))
            sheets.append((worksheet.title, rows))
        return sheets
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - as above, for a sheet damaged inside a valid zip
        raise file_error("unreadable_file", "无法读取该 Excel 文件的工作表内容：文件可能已损坏。") from None
    finally:
        workbook.close()


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than MAX_UNPACKED_BYTES (a zip bomb).

    The sizes are those the archive declares; Python's zipfile never unpacks a part beyond its
    declared size, so a part that lies about it reads as damaged, not as more data."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise file_error(
                "file_too_large",
                f"工作簿解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB，无法导入：请拆分后分批导入。",
            )


class _Budget:
    """What one file may hold: MAX_ROWS data rows, none reaching beyond column MAX_COLUMNS (even
    with blank cells: a row of 16,384 cells costs as much to read whatever they hold), and
    MAX_CELLS cells in all, so that a file within bounds is within memory too."""

    def __init__(self) -> None:
        self.rows = 0
        self.cells = 0

    def take(self, number: int, row: Sequence[Any]) -> tuple[Any, ...]:
        """The row without its trailing empty cells, or the file refused."""
        self.rows += 1
        if self.rows > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise file_error("too_many_rows", f"文件超过 {MAX_ROWS:,} 行：请拆分后分批导入。")
        width = len(row)
        while width and row[width - 1] in (None, "") and width <= MAX_COLUMNS:
            width -= 1
        if width > MAX_COLUMNS:
            raise file_error(
                "too_many_columns",
                f"第 {number} 行超过 {MAX_COLUMNS} 列（也可能是右侧带格式的空白单元格），不是一张清单表："
                "请删除多余的列后重新保存再导入。",
            )
        self.cells += width
        if self.cells > MAX_CELLS:
            raise file_error("too_many_cells", f"文件超过 {MAX_CELLS:,} 个单元格：请拆分后分批导入。")
        return tuple(row[:width])


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; Chinese Excel saves CSV in GBK, so GB18030 next."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode 文本"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" in text:
                break
            return text
    if b"\x00" in data[:4096] and data[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise file_error("unreadable_file", "文件含有二进制内容，不是 CSV 文本，也不是 .xlsx 工作簿。")
    raise file_error(
        "unknown_encoding",
        "无法识别 CSV 文件的文字编码：请保存为 UTF-8（可带 BOM）或 GBK/GB18030 编码的 CSV，或直接上传 .xlsx。",
    )


def _csv_rows(text: str) -> Rows:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    rows: Rows = []
    budget = _Budget()
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            rows.append((number, tuple(_unprotect(v) for v in budget.take(number, row))))
    except csv.Error as error:
        raise file_error("unreadable_file", f"CSV 格式有误（第 {len(rows) + 1} 行）：{error}") from None
    return rows


def _unprotect(value: str) -> str:
    """Undo the quote export puts before a cell that Excel would otherwise run as a formula."""
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_START else value


# -- the header row -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedColumn:
    index: int
    column: Column
    header: str  # as written in the file
    hint: str | None  # a unit in the header, "承诺办结时限（工作日）"


@dataclass
class Header:
    sheet: int  # which worksheet of the file
    row: int
    columns: list[MappedColumn]
    unknown: list[tuple[int, str]]
    problems: list[Problem]
    ignored: list[int] = field(default_factory=list)  # 序号 and the like

    def header_of(self, field_name: str) -> str | None:
        return next((c.header for c in self.columns if field_name in c.column.fields), None)


@cache
def _header_index(sheet: Sheet) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in sheet.columns:
        for text in (column.header, *column.synonyms):
            index.setdefault(header_key(text), column)
    return index


def _match_header(sheet: Sheet, text: str) -> tuple[Column | None, str | None]:
    index = _header_index(sheet)
    key = header_key(text)
    if key in index:
        return index[key], None
    if key.endswith(")") and "(" in key:  # "承诺办结时限(工作日)", "到办事现场次数(次)"
        base, _, rest = key.rpartition("(")
        if base in index:
            return index[base], rest[:-1]
    return None, None


def find_header(sheet: Sheet, table: SheetFile) -> Header:
    """The header row: in the first worksheet that has one, the first of the first rows that
    names at least two of the list's columns (or one, for a one-column file)."""
    for index, (_title, rows) in enumerate(table.sheets):
        for number, cells in rows[:HEADER_SEARCH_ROWS]:
            texts = [cell_text(c) for c in cells]
            matched = sum(1 for t in texts if t and _match_header(sheet, t)[0] is not None)
            filled = sum(1 for t in texts if t)
            if matched >= 2 or (matched == 1 and filled == 1):
                return _map_header(sheet, index, number, texts)
    examples = "、".join(c.header for c in sheet.columns[:4])
    raise DomainError(
        "header_not_found",
        f"在文件前 {HEADER_SEARCH_ROWS} 行中找不到{sheet.title}的表头（如 {examples}）："
        f"请确认表头在第一行，且导入的是{sheet.title}。",
        422,
    )


def _map_header(sheet: Sheet, sheet_index: int, row: int, texts: list[str | None]) -> Header:
    from openpyxl.utils import get_column_letter

    header = Header(sheet_index, row, [], [], [])
    ignored = {header_key(t) for t in sheet.ignored}
    taken: dict[int, MappedColumn] = {}
    for index, text in enumerate(texts):
        if not text:
            continue
        column, hint = _match_header(sheet, text)
        if column is None:
            if header_key(text) in ignored:
                header.ignored.append(index)
            else:
                header.unknown.append((index, text))
            continue
        if id(column) in taken:
            first = taken[id(column)]
            header.problems.append(
                Problem(
                    row, text, "duplicate_column",
                    f"第 {get_column_letter(index + 1)} 列“{text}”与第 {get_column_letter(first.index + 1)} 列"
                    f"“{first.header}”是同一列（{column.header}），请只保留一列。",
                )
            )
            header.ignored.append(index)
            continue
        taken[id(column)] = MappedColumn(index, column, text, hint)
        header.columns.append(taken[id(column)])
    for field_name, schema_field in sheet.spec.schema().fields.items():
        if schema_field.required and not schema_field.dump_only and header.header_of(field_name) is None:
            options = [c for c in sheet.columns if field_name in c.fields]
            names = "、".join(dict.fromkeys(n for c in options for n in (c.header, *c.synonyms[:2])))
            header.problems.append(
                Problem(
                    row, options[0].header if options else field_name, "missing_column",
                    f"缺少必填列“{options[0].header if options else field_name}”（表头可写作：{names}）。",
                )
            )
    return header


# -- import -------------------------------------------------------------------------------------


def sheet_of(spec: ListSpec | str) -> Sheet:
    name = spec if isinstance(spec, str) else spec.name
    if name not in SHEETS:
        raise DomainError(
            "no_spreadsheet", f"清单 {name} 不支持表格导入导出。可用：{'、'.join(SHEETS)}。", 404
        )
    return SHEETS[name]


@use_case(crud.write_permission)
def dry_run(
    session: Session,
    spec: ListSpec,
    file: bytes | str | Path | IO[bytes] | SheetFile,
    *,
    actor: Actor,
    filename: str | None = None,
    region_id: int | None = None,
    allow_unknown_columns: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row as an import would create it, report every problem, keep nothing.

    The rows are created on a scratch connection (on SQLite a private copy of the database), so
    checking a long file never holds the write lock that other writers wait for.
    """
    crud.authorize_write(actor, spec, actor.department_id)
    session.commit()  # no transaction (and on SQLite no lock) held while the file is read
    table = read_file(file, filename)
    with scratch_connection(session) as scratch:
        return _import(
            session, sheet_of(spec), table, commit=False, actor=actor, connection=scratch,
            region_id=region_id, allow_unknown_columns=allow_unknown_columns, progress=progress,
        )


@use_case(crud.write_permission)
def commit_import(
    session: Session,
    spec: ListSpec,
    file: bytes | str | Path | IO[bytes] | SheetFile,
    *,
    actor: Actor,
    filename: str | None = None,
    region_id: int | None = None,
    allow_unknown_columns: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create every row and commit, or — when any row has a problem — create none.

    The report lists every problem either way; ``created`` is 0 when the commit was refused.
    Each row is created with the actor's permission: an editor imports only their department's
    rows, and as drafts (a 状态 column is honoured only for those who may publish).
    """
    crud.authorize_write(actor, spec, actor.department_id)
    session.commit()  # no transaction (and on SQLite no lock) held while the file is read
    table = read_file(file, filename)
    with write_intent():  # SQLite: the import's transaction takes the write lock as it begins
        return _import(
            session, sheet_of(spec), table, commit=True, actor=actor,
            region_id=region_id, allow_unknown_columns=allow_unknown_columns, progress=progress,
        )


def _import(
    session: Session,
    sheet: Sheet,
    table: SheetFile,
    *,
    commit: bool,
    actor: Actor,
    connection: Connection | None = None,
    region_id: int | None,
    allow_unknown_columns: bool,
    progress: Progress | None,
) -> ImportReport:
    started = time.perf_counter()
    report = ImportReport(sheet.spec.name, dry_run=not commit)
    header = find_header(sheet, table)
    sheet_rows = table.sheets[header.sheet][1]
    rows = [(n, cells) for n, cells in sheet_rows if n > header.row and any(cell_text(c) for c in cells)]
    if len(table.sheets) > 1:
        report.worksheet = table.sheets[header.sheet][0]
    report.rows = len(rows)
    report.problems.extend(header.problems)
    _report_unknown_columns(sheet, header, rows, allow_unknown_columns, report)
    if any(p.code in ("missing_column", "duplicate_column") for p in header.problems):
        report.seconds = time.perf_counter() - started
        return report

    connection = connection or session.connection()
    everything = connection.begin_nested()  # the whole import, undone or kept as one
    rows_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        importer = _RowImporter(sheet, header, rows_session, References(rows_session, region_id), actor)
        pending = 0
        for position, (number, cells) in enumerate(rows, start=1):
            problems = importer.run(number, cells)
            report.problems.extend(problems)
            report.valid += not problems
            pending += 1
            if progress and (pending == 100 or position == len(rows)):
                progress(pending)
                pending = 0
        rows_session.close()
        report.warnings = importer.warnings
        if commit and report.ok:
            everything.commit()
            session.commit()
            report.created = importer.created
        else:
            everything.rollback()
    except BaseException:
        rows_session.close()
        if everything.is_active:
            everything.rollback()
        raise
    report.problems.sort(key=lambda p: p.row)
    report.seconds = time.perf_counter() - started
    return report


def _report_unknown_columns(sheet: Sheet, header: Header, rows: Rows, allow: bool, report: ImportReport) -> None:
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
    columns = [*header.unknown, *((i, f"第 {get_column_letter(i + 1)} 列（无表头）") for i in unnamed)]
    for index, text in sorted(columns):
        if allow:
            report.ignored_columns.append(text)
        else:
            report.problems.append(
                Problem(
                    header.row, text, "unknown_column",
                    f"无法识别的列“{text}”（第 {get_column_letter(index + 1)} 列）：{sheet.title}没有这一列。"
                    "请删除该列或改用标准表头；确需保留时，导入时选择忽略未知列。",
                )
            )


class _RowImporter:
    """One row at a time: read the cells, load the schema, check duplicates, create the row."""

    def __init__(self, sheet: Sheet, header: Header, session: Session, refs: References, actor: Actor) -> None:
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
        self.seen: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {key: {} for key in self.keys}
        self.existing = {key: self._existing(key) for key in sheet.keys}
        # Rows a created row refers to (its 实施主体 …), held so the next row's snapshot finds
        # them in the session instead of asking the database again.
        self.kept: dict[tuple[type, Any], Any] = {}
        self.many_to_one = [
            rel.key for rel in sa_inspect(self.spec.model).relationships if rel.direction.name == "MANYTOONE"
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
                    problems.append(Problem(number, self._column(name, origin), code_of(message), message))
            return problems
        duplicated = self._duplicates(number, loaded, origin, problems)
        if failed:
            return problems  # a cell could not be read: the rules would judge a row it does not hold
        if self.spec.has_workflow and not allowed(self.actor, "row.review", self.spec.department_of(loaded)):
            loaded.pop("status", None)  # an editor's rows start as drafts, whatever the sheet says
        try:
            row = crud.create_row(self.session, self.spec, loaded, self.actor)
        except DomainError as error:
            if not error.fields:
                problems.append(Problem(number, "", error.code, error.message))
            for name, errors in error.fields.items():
                for item in errors:
                    if item.code == "duplicate" and name in duplicated:
                        continue  # already reported as a duplicate of an earlier row of the file
                    problems.append(Problem(number, self._column(name, origin), item.code, item.message))
            return problems
        self.created += 1
        for notice in self.spec.warnings(row) if self.spec.warnings else ():
            self.warnings.append(Problem(number, self._column(notice.field, origin), notice.code, notice.message))
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
                    item = self._agree(number, name, data[name], item, origin[name], mapped.header, problems)
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
        number: int, name: str, first: Any, second: Any, first_header: str, header: str, problems: list[Problem]
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
        self, number: int, loaded: Mapping[str, Any], origin: dict[str, str], problems: list[Problem]
    ) -> set[str]:
        duplicated: set[str] = set()
        for key in self.keys:
            values = tuple(loaded.get(name) for name in key)
            if any(v is None or v == "" for v in values):
                continue
            column = self._column(key[-1], origin)
            shown = "、".join(str(v) for v, name in zip(values, key, strict=True) if not name.endswith("_id"))
            first = self.seen[key].setdefault(values, number)
            if first != number:
                duplicated.update(key)
                problems.append(
                    Problem(number, column, "duplicate_in_file", f"与第 {first} 行重复（{shown}），同一{self.spec.label}只能出现一次。")
                )
            elif key in self.existing and values in self.existing[key]:
                problems.append(
                    Problem(
                        number, column, "duplicate",
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


# -- export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    data: bytes
    filename: str
    mimetype: str


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: Iterable[Sequence[Any]]


_EXPORT_QUERIES: dict[str, type[Schema]] = {}


def export_query_schema(spec: ListSpec) -> type[Schema]:
    """The query of ``GET /api/v1/<list>/export``: the list's filters and sort (as on
    ``GET /api/v1/<list>``, without pages) and the file format."""
    if spec.name not in _EXPORT_QUERIES:
        _EXPORT_QUERIES[spec.name] = _make_export_query_schema(spec)
    return _EXPORT_QUERIES[spec.name]


def _make_export_query_schema(spec: ListSpec) -> type[Schema]:
    from ..schemas.base import BaseSchema

    attrs: dict[str, Any] = {}
    for list_filter in spec.filters:
        schema_field = list_filter.field()
        schema_field.metadata = {**schema_field.metadata, "description": list_filter.description}
        schema_field.load_default = None
        if isinstance(schema_field, ma_fields.Integer):
            schema_field.strict = False  # query strings carry numbers as text
        attrs[list_filter.name] = schema_field
    attrs["sort"] = Code({choice: choice for choice in spec.sort_choices()}, load_default=None)
    attrs["format"] = Code(FORMATS, load_default="xlsx", metadata={"description": "文件格式"})
    name = "".join(part.title() for part in spec.entity_type.split("_"))
    return type(f"{name}ExportQuery", (BaseSchema,), attrs)


def export_rows(session: Session, spec: ListSpec, args: Mapping[str, Any], actor: Actor) -> Iterator[Any]:
    """The rows of ``GET /api/v1/<list>`` with the same filters, all pages, read in batches."""
    clauses = [f.clause(args[f.name]) for f in spec.filters if args.get(f.name) is not None]
    visibility = crud.visibility_clause(actor, spec)
    if visibility is not None:
        clauses.append(visibility)
    query = select(spec.model).where(*clauses).order_by(*spec.order_by(args.get("sort")))
    yield from session.scalars(query.execution_options(yield_per=500))


def list_table(session: Session, spec: ListSpec, args: Mapping[str, Any], actor: Actor) -> Table:
    sheet = sheet_of(spec)
    schema = spec.schema()
    refs = References(session)

    def rows() -> Iterator[list[Any]]:
        for row in export_rows(session, spec, args, actor):
            dumped = schema.dump(row)
            yield [column.kind.export(dumped, refs) for column in sheet.columns]

    return Table(sheet.title, [column.header for column in sheet.columns], rows())


@use_case("row.read")
def export_list(session: Session, spec: ListSpec, args: Mapping[str, Any], actor: Actor) -> Exported:
    """The filtered list as a file with the Chinese headers, which import reads back as it is.

    The rows are those the actor may see: the public gets published rows only."""
    fmt = args.get("format") or "xlsx"
    table = list_table(session, spec, args, actor)
    return exported(f"{table.title}-{date.today():%Y%m%d}", fmt, [table])


FIGURE_HEADERS = [
    "范围", "指标", "分子", "分母", "精确值", "显示值", "四舍五入（HALF_UP）", "截断（DOWN）", "舍入规则",
    "范围内记录数", "未填报、未计入", "公式", "口径", "截至",
]


def figures_tables(session: Session, rule: str = "HALF_UP", **scope: Any) -> list[Table]:
    """statistics.figures and statistics.by_department as two tables of one row per figure."""
    overall = statistics.figures(session, rule=rule, **scope)
    departments = statistics.by_department(session, rule=rule, **scope)
    return [
        Table("统计数字", FIGURE_HEADERS, [_figure_row("全部", f) for f in overall]),
        Table(
            "各部门",
            FIGURE_HEADERS,
            [_figure_row(d["department"], f) for d in departments for f in d["figures"]],
        ),
    ]


def _figure_row(scope_name: str, figure: Mapping[str, Any]) -> list[Any]:
    scope = figure.get("scope") or {}
    types = "、".join(f"{t} {ITEM_TYPES.get(t, '')}".strip() for t in scope.get("item_types") or [])
    described = f"事项类型：{types or '全部'}；状态：已发布；行政区划编号：{scope.get('region_id') or '全部'}"
    return [
        scope_name,
        figure["label"],
        figure["numerator"],
        figure["denominator"],
        figure["value"],
        figure["display"],
        figure["displays"].get("HALF_UP"),
        figure["displays"].get("DOWN"),
        figure["rule"],
        figure["in_scope"],
        figure["unknown"],
        figure["formula"],
        described,
        figure["as_of"] or "",
    ]


@use_case("public")  # figures count published rows only
def export_figures(session: Session, fmt: str = "xlsx", rule: str = "HALF_UP", **scope: Any) -> Exported:
    tables = figures_tables(session, rule=rule, **scope)
    if fmt == "csv":  # one table: the 全部 rows, then each department's
        tables = [Table("统计数字", FIGURE_HEADERS, [*tables[0].rows, *tables[1].rows])]
    return exported(f"统计数字-{date.today():%Y%m%d}", fmt, tables)


def exported(stem: str, fmt: str, tables: list[Table]) -> Exported:
    if fmt not in FORMATS:
        raise DomainError("unsupported_format", f"不支持导出为 {fmt}：可选 xlsx、csv。", 422)
    data = write_xlsx(tables) if fmt == "xlsx" else write_csv(tables[0])
    return Exported(data, f"{stem}.{fmt}", MIMETYPES[fmt])


def write_xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, 2 * len(header) + 4))
        bold = Font(bold=True)
        cells = []
        for header in table.headers:
            cell = WriteOnlyCell(sheet, header)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, str):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # text stays text: "=…" is not a formula, "000104002000" keeps its zeros
        return cell
    return value


def write_csv(table: Table) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese correctly; CRLF line ends, as Excel writes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value  # Excel would run it as a formula (CSV injection); import removes the quote
    return value


__all__ = [
    "Exported",
    "ImportReport",
    "Problem",
    "SheetFile",
    "commit_import",
    "dry_run",
    "export_figures",
    "export_list",
    "export_query_schema",
    "read_file",
    "sheet_of",
]
