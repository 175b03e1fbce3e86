"""Exporting a list: the rows of ``GET /api/v1/<list>`` under the same filters, all pages, as the
list's sheet (.xlsx or CSV) with the departments' Chinese headers, which import reads back as
it is (spreadsheet_columns.py gives the columns both ways).

The rows stream: the list's columns read in batches of EXPORT_BATCH (``yield_per``, a
server-side cursor on PostgreSQL) without the ORM, the lists a cell shows (申请材料, 设定依据 …)
read once per batch, and each cell taken from the row's values as its snapshot shows them
(models.elements.RowView), not from a schema dump of the whole row. The file is written
into a spooled temporary file (tabular_files.py) that the response streams, so a department's
whole list costs about the same memory as ten rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from types import SimpleNamespace
from typing import Any

from marshmallow import Schema
from sqlalchemy import Connection, select
from sqlalchemy import inspect as sa_inspect
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
        attrs = {
            **spec.query_fields(),
            "format": Code(FORMATS, load_default="xlsx", metadata={"description": "文件格式"}),
        }
        _EXPORT_QUERIES[spec.name] = type(f"{spec.class_name}ExportQuery", (BaseSchema,), attrs)
    return _EXPORT_QUERIES[spec.name]


def list_table(session: Session, spec: ListSpec, args: Mapping[str, Any], actor: Actor) -> Table:
    """The rows the actor may see that match ``args``, as the list's sheet; read as it is written."""
    sheet = sheet_of(spec)
    table = spec.model.__table__
    query = (
        select(table)
        .where(*crud.matching(spec, args, actor))
        .order_by(*spec.order_by(args.get("sort")))
        .execution_options(yield_per=EXPORT_BATCH)
    )
    collections = {
        name: _collection(spec, name)
        for c in sheet.columns
        for name in c.fields
        if name not in table.c
    }

    def rows() -> Iterator[list[Any]]:
        refs = References(session)
        connection = session.connection()
        for batch in connection.execute(query).partitions():
            ids = [row.id for row in batch]
            lists = {name: load(connection, ids) for name, load in collections.items()}
            for row in batch:
                values = {
                    **row._mapping,
                    **{name: found.get(row.id, []) for name, found in lists.items()},
                }
                view = RowView(SimpleNamespace(**values))
                yield [column.kind.export(view, refs) for column in sheet.columns]

    return Table(sheet.title, [column.header for column in sheet.columns], rows())


Collection = Callable[[Connection, list[int]], dict[int, list[Any]]]


def _collection(spec: ListSpec, name: str) -> Collection:
    """How a field that is no column of the row is read for a batch of rows, by row id: a list
    of rows (``materials``: their columns, as the snapshot's dicts have them) or, for a field
    naming rows of another list (``legal_basis_ids``), their ids, as the row's property gives."""
    relationships = sa_inspect(spec.model).relationships
    if name in relationships:
        relation = relationships[name]
        parent = relation.synchronize_pairs[0][1]
        query = select(parent.label("_parent"), relation.target).order_by(
            parent, *relation.order_by or ()
        )
    else:
        target = spec.references[name][0]
        relation = next(
            r for r in relationships if r.secondary is not None and r.mapper.class_ is target
        )
        parent, child = relation.synchronize_pairs[0][1], relation.secondary_synchronize_pairs[0][1]
        query = select(parent.label("_parent"), child).order_by(parent, child)

    def load(connection: Connection, ids: list[int]) -> dict[int, list[Any]]:
        found: dict[int, list[Any]] = defaultdict(list)
        for row in connection.execute(query.where(parent.in_(ids))):
            found[row[0]].append(row._mapping if name in relationships else row[1])
        return found

    return load


@use_case("row.read")
def export_list(
    session: Session, spec: ListSpec, args: Mapping[str, Any], actor: Actor
) -> Exported:
    """The filtered list as a file with the Chinese headers, which import reads back as it is.

    The rows are those the actor may see: the public gets published rows only."""
    fmt = args.get("format") or "xlsx"
    table = list_table(session, spec, args, actor)
    return exported(f"{table.title}-{date.today():%Y%m%d}", fmt, [table])
