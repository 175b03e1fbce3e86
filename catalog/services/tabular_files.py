"""Reading and writing tabular files: .xlsx workbooks and CSV text, whatever list they hold.

Reading decodes an upload (an .xlsx, or a CSV in UTF-8, GB18030/GBK or UTF-16) into the cells of
each worksheet, within bounds of rows, columns, cells and unpacked size, so that a file within
bounds is within memory too; a file that cannot be read is a DomainError with a Chinese message.

Writing turns tables of headers and rows into one file: .xlsx by XlsxWriter in constant-memory
mode (one row at a time, never a whole sheet in memory) or UTF-8 CSV with a BOM, each written
into a spooled temporary file that moves to disk once it is large, so an export of any size
holds little memory and the response streams the file. Text stays text: a cell Excel would run as a
formula is stored as a string (.xlsx) or quoted (CSV), and reading removes that quote again.
The lists' sheets (row_import.py, list_export.py), the audit trail, the figures and the other
exports all read and write through here.
"""

from __future__ import annotations

import builtins
import codecs
import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeAlias

import xlsxwriter

from .errors import DomainError

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
SPOOL_BYTES = 4 * 1024 * 1024  # a written file larger than this waits on disk, not in memory
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old binary Office formats
_FORMULA_START = ("=", "+", "-", "@")  # a cell Excel would run as a formula


# -- problems -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel shows it: the header is row 1 (or the row it stands on)
    column: str  # the header as written in the file
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class FileReport:
    """What reading a file into a list did, or would do (a dry run): every problem at its place."""

    list: str
    dry_run: bool
    rows: int = 0  # data rows in the file (blank rows not counted)
    # builtins': in the class body, ``list`` names the field above
    problems: builtins.list[Problem] = field(default_factory=builtins.list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.list,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "problems": [p.as_dict() for p in self.problems],
            "seconds": round(self.seconds, 3),
        }


def file_error(code: str, message: str, status: int = 400) -> DomainError:
    return DomainError(code, message, status)


# -- reading --------------------------------------------------------------------------------------


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


# What an import takes: the file's bytes, a path, an open binary file, or cells already read
Upload: TypeAlias = bytes | str | Path | IO[bytes] | SheetFile


def read_file(source: Upload, filename: str | None = None) -> SheetFile:
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
        raise file_error(
            "unreadable_file",
            "文件扩展名为 .xlsx，但内容不是有效的 Excel 工作簿（可能已损坏或未传完整）。",
        )
    if suffix not in ("", ".csv", ".txt", ".tsv"):
        raise file_error(
            "unsupported_format",
            f"不支持 {suffix} 文件：只能导入 Excel 工作簿（.xlsx）或 CSV 文件。",
        )
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
        raise file_error(
            "unreadable_file", "无法读取该 Excel 文件：文件已损坏，或不是 .xlsx 工作簿。"
        ) from None
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
        raise file_error(
            "unreadable_file", "无法读取该 Excel 文件的工作表内容：文件可能已损坏。"
        ) from None
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
            raise file_error(
                "too_many_cells", f"文件超过 {MAX_CELLS:,} 个单元格：请拆分后分批导入。"
            )
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
        raise file_error(
            "unreadable_file", "文件含有二进制内容，不是 CSV 文本，也不是 .xlsx 工作簿。"
        )
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
        for number, row in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
        ):
            rows.append((number, tuple(_unprotect(v) for v in budget.take(number, row))))
    except csv.Error as error:
        raise file_error(
            "unreadable_file", f"CSV 格式有误（第 {len(rows) + 1} 行）：{error}"
        ) from None
    return rows


def _unprotect(value: str) -> str:
    """Undo the quote export puts before a cell that Excel would otherwise run as a formula."""
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_START else value


# -- writing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    file: IO[bytes]  # at its start; whoever sends or saves it closes it
    filename: str
    mimetype: str

    def save(self, path: Path) -> int:
        """Write the file to ``path`` and close it; its size in bytes."""
        with self.file, path.open("wb") as out:
            shutil.copyfileobj(self.file, out)
            return out.tell()


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: Iterable[Sequence[Any]]  # read once, as the file is written


def exported(stem: str, fmt: str, tables: list[Table]) -> Exported:
    """The tables as one file: each a worksheet of an .xlsx, or the first one as CSV."""
    if fmt not in FORMATS:
        raise DomainError("unsupported_format", f"不支持导出为 {fmt}：可选 xlsx、csv。", 422)
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the response closes it
    try:
        if fmt == "xlsx":
            _write_xlsx(tables, file)
        else:
            _write_csv(tables[0], file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return Exported(file, f"{stem}.{fmt}", MIMETYPES[fmt])


def write_xlsx(tables: list[Table]) -> bytes:
    """The tables as the bytes of one workbook (for files small enough to hold)."""
    buffer = io.BytesIO()
    _write_xlsx(tables, buffer)
    return buffer.getvalue()


def _write_xlsx(tables: list[Table], file: IO[bytes]) -> None:
    # XlsxWriter, not openpyxl (which reads the uploads): in constant-memory mode it writes each
    # row as it comes, and it wrote a department's 17,647 rows in 47 s where openpyxl's write-only
    # mode took 215 s (133 s with lxml), on the loaded 2-core machine (bench/list_export.py).
    # Text stays text: "=…" is not a formula, "000104002000" keeps its zeros, a URL is no link.
    workbook = xlsxwriter.Workbook(
        file,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    formats = {
        datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for table in tables:
        sheet = workbook.add_worksheet(table.title[:31])
        sheet.freeze_panes(1, 0)
        for index, header in enumerate(table.headers):
            sheet.set_column(index, index, max(10, min(40, 2 * len(header) + 4)))
        sheet.write_row(0, 0, table.headers, bold)
        for number, row in enumerate(table.rows, start=1):
            for index, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(number, index, value)
                elif isinstance(value, date):
                    sheet.write_datetime(
                        number,
                        index,
                        value,
                        formats[datetime if isinstance(value, datetime) else date],
                    )
                elif value is not None:
                    sheet.write(number, index, value)
    workbook.close()


def _write_csv(table: Table, file: IO[bytes]) -> None:
    """UTF-8 with a BOM, so Excel opens the Chinese correctly; CRLF line ends, as Excel writes."""
    file.write(codecs.BOM_UTF8)
    writer = csv.writer(codecs.getwriter("utf-8")(file), lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return (
            "'" + value
        )  # Excel would run it as a formula (CSV injection); import removes the quote
    return value
