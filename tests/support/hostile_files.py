"""Hostile uploads, made once for the tests and the benchmarks (bench/import_memory.py,
bench/hostile_input.py): workbooks that lie about their size or unpack to far more than they
weigh, and JSON bodies that cost more to read than they weigh."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("清单")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with its first worksheet's XML changed."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            out.writestr(info, change(content) if info.filename == SHEET else content)
    return target.getvalue()


def forged_dimension(rows: int, header: tuple[str, str] = ("事项名称", "实施主体")) -> bytes:
    """Short rows under a sheet dimension claiming every column Excel has (A1:XFD…)."""
    plain = workbook([list(header), *([f"事项{i}", "区民政局"] for i in range(rows))])
    claim = b'<dimension ref="A1:XFD%d"/>' % (rows + 1)

    def forge(xml: bytes) -> bytes:
        # openpyxl's write-only sheets have no <dimension>: it goes before <sheetViews>
        forged, found = re.subn(rb"<dimension [^>]*/>", claim, xml)
        return forged if found else xml.replace(b"<sheetViews>", claim + b"<sheetViews>", 1)

    return rewrite_sheet(plain, forge)


def empty_cell_at_xfd(rows: int) -> bytes:
    """As ``forged_dimension``, and each row ends in an empty cell of column XFD."""

    def add(xml: bytes) -> bytes:
        return re.sub(
            rb'<row r="(\d+)"([^>]*)>(.*?)</row>',
            rb'<row r="\1"\2>\3<c r="XFD\1"/></row>',
            xml,
            flags=re.S,
        )

    return rewrite_sheet(forged_dimension(rows), add)


def value_beyond_the_columns(column: int = 300) -> bytes:
    """A sheet whose second row has a value far right of any list's columns."""
    wide: list[Any] = ["事项1", "区民政局"] + [None] * (column - 3) + ["多出的值"]
    return workbook([["事项名称", "实施主体"], wide])


def zip_bomb(megabytes: int = 400) -> bytes:
    """A small workbook with one more part that unpacks to ``megabytes`` of blank space."""
    source, target = zipfile.ZipFile(io.BytesIO(forged_dimension(3))), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info.filename))
        with out.open("xl/padding.xml", "w") as padding:
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                padding.write(block)
    return target.getvalue()


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def many_keys_json(keys: int) -> str:
    return json.dumps({f"unknown_{i}": i for i in range(keys)})
