"""What a spreadsheet cell may name — 机构, 职权类型 and rows of other lists — each read from
the database once per import or export, and matched as departments write them (names folded
by ``squeeze``, 统一社会信用代码 in either case)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import models as m
from .codes import USCC_PATTERN
from .mapped import Identified
from .sheet_cells import Candidates, CellError, resolve, squeeze


class Organizations:
    """Every 机构 by squeezed name, 简称 and USCC; names only within the region, when given."""

    def __init__(self, session: Session, region_id: int | None) -> None:
        self.region_id = region_id
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.by_short_name: dict[str, set[int]] = defaultdict(set)
        self.by_uscc: dict[str, int] = {}
        self.rows: dict[int, tuple[str, str | None, str, int]] = {}
        query = select(
            m.Organization.id,
            m.Organization.name,
            m.Organization.short_name,
            m.Organization.uscc,
            m.Organization.kind,
            m.Organization.region_id,
        )
        for org_id, name, short_name, uscc, kind, region in session.execute(query):
            self.rows[org_id] = (name, uscc, kind, region)
            if uscc:
                self.by_uscc[uscc.upper()] = org_id
            if region_id is None or region == region_id:
                self.by_name[squeeze(name)].add(org_id)
                if short_name:
                    self.by_short_name[squeeze(short_name)].add(org_id)

    def describe(self, org_id: int) -> tuple[str, str | None]:
        name, uscc, _kind, _region = self.rows.get(org_id, (str(org_id), None, "", 0))
        return name, uscc

    def candidates(
        self, text: str, kinds: tuple[str, ...] | None, by_code: bool = False
    ) -> Candidates:
        code = squeeze(text).upper()
        if USCC_PATTERN.match(code):
            found = {self.by_uscc[code]} if code in self.by_uscc else set()
        elif by_code:
            raise CellError("uscc_format", f"“{text}”不是统一社会信用代码（18位）。")
        else:
            found = (
                self.by_name.get(squeeze(text)) or self.by_short_name.get(squeeze(text)) or set()
            )
        if kinds:
            found = {i for i in found if self.rows[i][2] in kinds}
        if not found:
            what = "统一社会信用代码为" if USCC_PATTERN.match(code) else "名称或简称为"
            kind_text = "镇或街道" if kinds else "机构"
            raise CellError(
                "unknown_reference",
                f"找不到{what}“{text}”的{kind_text}。导入不会新建机构，请先在机构清单中添加，或改正名称。",
            )
        return Candidates(frozenset(found), text, "机构")

    def resolve(self, text: str, kinds: tuple[str, ...] | None) -> int:
        return resolve(self.candidates(text, kinds))


class References:
    """The lookups one import or export needs, each read from the database once."""

    def __init__(self, session: Session, region_id: int | None = None) -> None:
        self.session = session
        self.region_id = region_id
        self._organizations: Organizations | None = None
        self._power_types: dict[str, str] | None = None
        self._indexes: dict[tuple[type[Identified], tuple[str, ...]], dict[str, set[int]]] = {}
        self._values: dict[tuple[type[Identified], tuple[str, ...]], dict[int, str]] = {}

    def organizations(self) -> Organizations:
        if self._organizations is None:
            self._organizations = Organizations(self.session, self.region_id)
        return self._organizations

    def power_types(self) -> dict[str, str]:
        if self._power_types is None:
            rows = self.session.execute(
                select(m.PowerType.code, m.PowerType.name).order_by(m.PowerType.code)
            )
            self._power_types = dict(rows.all())
        return self._power_types

    def index(self, model: type[Identified], attributes: tuple[str, ...]) -> dict[str, set[int]]:
        key = (model, attributes)
        if key not in self._indexes:
            index: dict[str, set[int]] = defaultdict(set)
            values: dict[int, str] = {}
            columns = [getattr(model, a) for a in attributes]
            for row_id, *row_values in self.session.execute(select(model.id, *columns)):
                self._add(index, values, row_id, row_values)
            self._indexes[key], self._values[key] = index, values
        return self._indexes[key]

    def first_value(
        self, model: type[Identified], attributes: tuple[str, ...], row_id: int
    ) -> str | None:
        self.index(model, attributes)
        return self._values[(model, attributes)].get(row_id)

    def remember(self, row: Any) -> None:
        """A row this import created can be named by the rows after it (a 子项 its 主项)."""
        for (model, attributes), index in self._indexes.items():
            if isinstance(row, model):
                self._add(
                    index,
                    self._values[(model, attributes)],
                    row.id,
                    [getattr(row, a) for a in attributes],
                )

    @staticmethod
    def _add(
        index: dict[str, set[int]], values: dict[int, str], row_id: int, row_values: list[Any]
    ) -> None:
        for value in row_values:
            if value:
                index[squeeze(str(value))].add(row_id)
                values.setdefault(row_id, str(value))
