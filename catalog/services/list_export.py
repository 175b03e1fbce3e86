"""Exporting a list: the rows of ``GET /api/v1/<list>`` under the same filters, all pages, as the
list's sheet (.xlsx or CSV) with the departments' Chinese headers, which import reads back as
it is (spreadsheet_columns.py gives the columns both ways).

The rows stream: read in batches of EXPORT_BATCH (``yield_per``, the collections a cell shows
loaded per batch) by a session of their own on the caller's connection, each row let go once
its cells are written, and each cell taken from the row's own attributes as its snapshot shows
them (models.elements.RowView), not from a schema dump of the whole row. The file is written
into a spooled temporary file (tabular_files.py) that the response streams, so a department's
whole list costs about the same memory as ten rows.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from marshmallow import Schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.elements import RowView
from ..schemas.base import BaseSchema
from ..schemas.fields import Code
from . import crud
from .permissions import Actor, use_case
from .registry import ListSpec
from .sheet_references import References
from .spreadsheet_columns import sheet_of
from .tabular_files import FORMATS, Exported, Table, exported

EXPORT_BATCH = 1000

_EXPORT_QUERIES: dict[str, type[Schema]] = {}


def export_query_schema(spec: ListSpec) -> type[Schema]:
    """The query of ``GET /api/v1/<list>/export``: the list's filters and sort (as on
    ``GET /api/v1/<list>``, without pages) and the file format."""
    if spec.name not in _EXPORT_QUERIES:
        attrs = {**spec.query_fields(), "format": Code(FORMATS, load_default="xlsx", metadata={"description": "文件格式"})}
        _EXPORT_QUERIES[spec.name] = type(f"{spec.class_name}ExportQuery", (BaseSchema,), attrs)
    return _EXPORT_QUERIES[spec.name]


def list_table(session: Session, spec: ListSpec, args: Mapping[str, Any], actor: Actor) -> Table:
    """The rows the actor may see that match ``args``, as the list's sheet; read as it is written."""
    sheet = sheet_of(spec)
    query = (
        select(spec.model)
        .where(*crud.matching(spec, args, actor))
        .order_by(*spec.order_by(args.get("sort")))
        .execution_options(yield_per=EXPORT_BATCH)
    )

    def rows() -> Iterator[list[Any]]:
        with Session(bind=session.connection()) as reader:
            refs = References(reader)
            for row in reader.scalars(query):
                view = RowView(row)
                yield [column.kind.export(view, refs) for column in sheet.columns]
                reader.expunge(row)  # written: neither it nor its materials and fees stay in memory

    return Table(sheet.title, [column.header for column in sheet.columns], rows())


@use_case("row.read")
def export_list(session: Session, spec: ListSpec, args: Mapping[str, Any], actor: Actor) -> Exported:
    """The filtered list as a file with the Chinese headers, which import reads back as it is.

    The rows are those the actor may see: the public gets published rows only."""
    fmt = args.get("format") or "xlsx"
    table = list_table(session, spec, args, actor)
    return exported(f"{table.title}-{date.today():%Y%m%d}", fmt, [table])
