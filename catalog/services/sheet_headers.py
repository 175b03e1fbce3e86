"""Which row of an uploaded file is a list's header, and which of the list's columns each
header cell names.

Departments write their own headers (spreadsheet_columns.py lists the synonyms seen), with
units ("承诺办结时限（工作日）"), marks ("*事项名称") and a title row or two above. The header is
the first of the first rows that names at least two of the list's columns; a column named twice
and a required column missing are problems of the header row, reported before any data row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from .errors import DomainError
from .sheet_cells import cell_text, header_key
from .spreadsheet_columns import Column, Sheet
from .tabular_files import HEADER_SEARCH_ROWS, Problem, SheetFile


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
                    row,
                    text,
                    "duplicate_column",
                    f"第 {get_column_letter(index + 1)} 列“{text}”与第 {get_column_letter(first.index + 1)} 列"
                    f"“{first.header}”是同一列（{column.header}），请只保留一列。",
                )
            )
            header.ignored.append(index)
            continue
        taken[id(column)] = MappedColumn(index, column, text, hint)
        header.columns.append(taken[id(column)])
    for field_name, schema_field in sheet.spec.schema().fields.items():
        if (
            schema_field.required
            and not schema_field.dump_only
            and header.header_of(field_name) is None
        ):
            options = [c for c in sheet.columns if field_name in c.fields]
            names = "、".join(
                dict.fromkeys(n for c in options for n in (c.header, *c.synonyms[:2]))
            )
            header.problems.append(
                Problem(
                    row,
                    options[0].header if options else field_name,
                    "missing_column",
                    f"缺少必填列“{options[0].header if options else field_name}”（表头可写作：{names}）。",
                )
            )
    return header
