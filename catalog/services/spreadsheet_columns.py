"""The spreadsheet columns of each list: the headers departments already use, and how a cell
becomes a schema field (and a field a cell again, on export).

A list's ``Sheet`` names its columns in export order. Each ``Column`` has the header written on
export, the other headers seen in departments' sheets and on the provinces' portals, and a
``Kind`` that reads a cell:

- ``Choice``/``Choices``: a code table value, given as the code ("01", or 1 when Excel dropped
  the zero) or as its label ("行政许可"), plus the variants seen in practice;
- ``TimeLimit``: "20", "20个工作日", "30个自然日", "3个月", "即办" (0) or "无期限" (no limit);
- ``OrganizationRef``: a 机构 by name, 简称 or 统一社会信用代码. Importing never creates a
  机构: one that is not found is a problem of its row;
- ``Text``, ``Integer``, ``Flag`` (是/否), ``Day``, ``Words`` (、-separated).

Headers are compared without spaces, line breaks, "*" or "(必填)" marks, and with full-width
forms folded (NFKC), so "法定办结\\n时限（工作日）" is read as 法定办结时限 in 工作日.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import models as m
from ..models.codes import (
    BODY_NATURES,
    CASE_TYPES,
    CHANNELS,
    DEVOLUTION_MODES,
    DEVOLUTION_STATUSES,
    EXERCISE_LEVELS,
    ITEM_TYPES,
    POWER_SOURCES,
    SERVICE_OBJECTS,
    SERVICE_SCOPES,
    STATUSES,
    SUPERVISION_TYPES,
    TIME_UNITS,
)
from ..schemas.fields import MESSAGES
from . import registry
from .codes import USCC_PATTERN

LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
CODE_SEPARATORS = re.compile(r"[、,，;；/\s]+")


class CellError(Exception):
    """A cell that cannot be read: a stable code and a Chinese message for its row."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def squeeze(text: str) -> str:
    """The form in which headers, labels and names are compared: NFKC, no whitespace, lowercase."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


_MARKS = re.compile(r"^[*★※]+|[*★※]+$|\((?:必填|选填|可选|必填项|选填项)\)")


def header_key(text: str) -> str:
    return _MARKS.sub("", squeeze(text))


def cell_text(value: Any) -> str | None:
    """A cell as text: numbers without a trailing .0, dates as YYYY-MM-DD, blanks as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _choices_text(table: Mapping[str, str]) -> str:
    return "、".join(f"{code}（{label}）" for code, label in table.items())


@dataclass(frozen=True)
class Candidates:
    """The rows a reference cell may mean; two columns for one field must agree on one row."""

    ids: frozenset[int]
    text: str
    label: str


# -- kinds of cell ------------------------------------------------------------------------------


class Kind:
    """How one column's cell becomes schema fields, and a row's fields a cell again."""

    fields: tuple[str, ...] = ()

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        raise NotImplementedError


class Text(Kind):
    def __init__(self, field: str, digits: int | None = None) -> None:
        self.fields = (field,)
        self.digits = digits  # a code typed as a number loses its leading zeros: pad it back

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        text = cell_text(value)
        if self.digits and isinstance(value, int | float) and text and text.isdigit():
            text = text.zfill(self.digits)
        return {self.fields[0]: text}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        return row.get(self.fields[0])


class Integer(Kind):
    _PATTERN = re.compile(r"(-?\d+)(?:\.0+)?次?")

    def __init__(self, field: str) -> None:
        self.fields = (field,)

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        match = self._PATTERN.fullmatch(squeeze(cell_text(value) or ""))
        if not match:
            raise CellError("invalid_integer", f"“{cell_text(value)}”{MESSAGES['invalid_integer']}")
        return {self.fields[0]: int(match.group(1))}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        return row.get(self.fields[0])


class Choice(Kind):
    """One value of a code table, as its code or its label (or a variant seen in practice)."""

    def __init__(self, field: str, table: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> None:
        self.fields = (field,)
        self.table = table
        self.index: dict[str, str] = {}
        for code, label in table.items():
            self.index[squeeze(code)] = code
            self.index[squeeze(label)] = code
        for alias, code in (aliases or {}).items():
            self.index.setdefault(squeeze(alias), code)
        widths = {len(code) for code in table}
        self.width = widths.pop() if len(widths) == 1 and all(c.isdigit() for c in table) else None

    def lookup(self, text: str) -> str | None:
        key = squeeze(text)
        if self.width and key.isdigit() and len(key) < self.width:
            key = key.zfill(self.width)
        return self.index.get(key)

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        text = cell_text(value) or ""
        code = self.lookup(text)
        if code is None:
            raise CellError("not_in_choices", f"“{text}”{self._choices_message()}")
        return {self.fields[0]: code}

    def _choices_message(self) -> str:
        return MESSAGES["not_in_choices"].replace("{choices}", _choices_text(self.table))

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        code = row.get(self.fields[0])
        return self.table.get(code, code) if code is not None else None


class Choices(Choice):
    """Several values of a code table, separated by 、 , ； / or spaces; a group word stands for
    several codes (服务对象 "法人")."""

    def __init__(
        self,
        field: str,
        table: Mapping[str, str],
        aliases: Mapping[str, str] | None = None,
        groups: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(field, table, aliases)
        self.groups = {squeeze(word): codes for word, codes in (groups or {}).items()}

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        codes: list[str] = []
        for part in CODE_SEPARATORS.split(cell_text(value) or ""):
            if not part:
                continue
            code = self.lookup(part)
            found = self.groups.get(squeeze(part)) or ((code,) if code else None)
            if not found:
                raise CellError("not_in_choices", f"“{part}”{self._choices_message()}")
            codes.extend(found)
        return {self.fields[0]: list(dict.fromkeys(codes))}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        return "、".join(self.table.get(code, code) for code in row.get(self.fields[0]) or []) or None


class Flag(Kind):
    TRUE = ("是", "y", "yes", "true", "1", "√", "✓", "有")
    FALSE = ("否", "n", "no", "false", "0", "×", "✗", "无")

    def __init__(self, field: str, true: Iterable[str] = (), false: Iterable[str] = ()) -> None:
        self.fields = (field,)
        self.words = {squeeze(w): True for w in (*self.TRUE, *true)}
        self.words.update({squeeze(w): False for w in (*self.FALSE, *false)})

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        text = cell_text(value) or ""
        flag = self.words.get(squeeze(text))
        if flag is None:
            raise CellError("invalid_boolean", f"“{text}”应填“是”或“否”。")
        return {self.fields[0]: flag}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        flag = row.get(self.fields[0])
        return None if flag is None else ("是" if flag else "否")


class Day(Kind):
    _PATTERN = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")

    def __init__(self, field: str) -> None:
        self.fields = (field,)

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        if isinstance(value, datetime | date):
            return {self.fields[0]: (value.date() if isinstance(value, datetime) else value).isoformat()}
        text = cell_text(value) or ""
        match = self._PATTERN.fullmatch(squeeze(text.split()[0]) if text.split() else "")
        try:
            if not match:
                raise ValueError
            y, mo, d = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
            return {self.fields[0]: date(y, mo, d).isoformat()}
        except ValueError:
            raise CellError("invalid_date", f"“{text}”应为日期，如 2021-04-01 或 2021年4月1日。") from None

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        value = row.get(self.fields[0])
        return date.fromisoformat(value) if value else None


class Words(Kind):
    """A list of short texts (日常用语, 主题), separated by 、 , ； or line breaks."""

    def __init__(self, field: str) -> None:
        self.fields = (field,)

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        parts = [p.strip() for p in LIST_SEPARATORS.split(cell_text(value) or "")]
        return {self.fields[0]: list(dict.fromkeys(p for p in parts if p))}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        return "、".join(row.get(self.fields[0]) or []) or None


class FeeNames(Words):
    """收费项目 by name (the standard and basis of each fee are not in the one-row-per-item sheet)."""

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        names = super().parse(value, refs, hint)[self.fields[0]]
        return {self.fields[0]: [{"name": name} for name in names]}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        return "、".join(fee["name"] for fee in row.get(self.fields[0]) or []) or None


# 时限单位 as departments write them; a bare 日/天 takes the unit column (default 工作日:
# 行政许可法 §82 counts its 期限 in 工作日).
_UNIT_WORDS = {"工作日": "W", "个工作日": "W", "自然日": "N", "个自然日": "N", "月": "M", "个月": "M", "年": "Y"}
_TIME_LIMIT = re.compile(r"(\d+)(?:\.0+)?\(?(个?工作日|个?自然日|日|天|个?月|年)?\)?")
_INSTANT = {squeeze(w) for w in ("即办", "即时办结", "当场办结", "当场", "当即办结", "即来即办")}
_NO_LIMIT = {squeeze(w) for w in ("无", "无期限", "不限", "无时限", "-", "—", "/", "无限期")}
TIME_UNIT_ALIASES = {"1": "W", "w": "W", "n": "N"}  # "1"/"W" 工作日 and "N" 自然日 in vendors' tables
NO_LIMIT_TEXT = "无期限"
NO_MATERIALS_TEXT = "无需提交材料"


class TimeLimit(Kind):
    """法定/承诺办结时限: a number with an optional unit ("20个工作日"); the header may carry the
    unit ("承诺办结时限（工作日）"). "无期限" is a fact (``*_no_limit``); an empty cell is 未填报."""

    def __init__(self, value_field: str, unit_field: str) -> None:
        self.fields = (value_field, unit_field, value_field.replace("_time_limit", "_no_limit"))

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        value_field, unit_field, no_limit_field = self.fields
        text = cell_text(value) or ""
        key = squeeze(text)
        unit = _UNIT_WORDS.get(hint or "")
        if key in _NO_LIMIT:
            return {value_field: None, no_limit_field: True}
        if key in _INSTANT:
            amount = 0
        else:
            match = _TIME_LIMIT.fullmatch(key)
            if not match:
                raise CellError(
                    "invalid_time_limit",
                    f"“{text}”不是有效的办结时限：应填天数，可带单位，如 20、20个工作日、30个自然日；即办填 0；无期限填“无期限”。",
                )
            amount = int(match.group(1))
            unit = _UNIT_WORDS.get(match.group(2) or "", unit)
        parsed: dict[str, Any] = {value_field: amount, no_limit_field: False}
        if unit:
            parsed[unit_field] = unit
        return parsed

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        value_field, _unit_field, no_limit_field = self.fields
        return NO_LIMIT_TEXT if row.get(no_limit_field) else row.get(value_field)


class MaterialNames(Words):
    """申请材料 by name, 、-separated; "无" (无需提交材料) is a fact, an empty cell 未填报. The other
    columns of a material (类型, 份数, 电子证照) are kept in the API and the console."""

    NONE = {squeeze(w) for w in ("无", "无需提交材料", "无需材料", "不需要材料")}

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        if squeeze(cell_text(value) or "") in self.NONE:
            return {self.fields[0]: []}
        names = super().parse(value, refs, hint)[self.fields[0]]
        return {self.fields[0]: [{"name": name} for name in names]}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        materials = row.get(self.fields[0])
        if materials is None:
            return None
        return "、".join(m["name"] for m in materials) or NO_MATERIALS_TEXT


class OrganizationRef(Kind):
    """A 机构 by name, 简称 or 统一社会信用代码 (``by_code``: only the code)."""

    def __init__(self, field: str, kinds: tuple[str, ...] | None = None, by_code: bool = False) -> None:
        self.fields = (field,)
        self.kinds = kinds
        self.by_code = by_code

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        text = cell_text(value) or ""
        return {self.fields[0]: refs.organizations().candidates(text, self.kinds, self.by_code)}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        org_id = row.get(self.fields[0])
        if org_id is None:
            return None
        name, uscc = refs.organizations().describe(org_id)
        return uscc if self.by_code else name


class OrganizationRefs(OrganizationRef):
    """Several 机构 (承接镇街), separated by 、 , ； or spaces; each must be found exactly once."""

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        ids: list[int] = []
        for part in CODE_SEPARATORS.split(cell_text(value) or ""):
            if part:
                ids.append(refs.organizations().resolve(part, self.kinds))
        return {self.fields[0]: list(dict.fromkeys(ids))}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        names = [refs.organizations().describe(i)[0] for i in row.get(self.fields[0]) or []]
        return "、".join(names) or None


class RowRef(Kind):
    """A row of another list by one of its codes or names (权责事项 by 职权编码, 下放批次 by 文号
    or 文件名称, 监管事项主项 by 编码)."""

    def __init__(self, field: str, model: type, attributes: tuple[str, ...], label: str) -> None:
        self.fields = (field,)
        self.model = model
        self.attributes = attributes
        self.label = label

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        text = cell_text(value) or ""
        ids = refs.index(self.model, self.attributes).get(squeeze(text), set())
        if not ids:
            raise CellError("unknown_reference", f"找不到{self.label}“{text}”。")
        return {self.fields[0]: Candidates(frozenset(ids), text, self.label)}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        row_id = row.get(self.fields[0])
        return None if row_id is None else refs.first_value(self.model, self.attributes, row_id)


class RowRefs(RowRef):
    """Several rows of another list (设定依据: 法律法规 by name or 文号), separated by 、 ； or line
    breaks, with or without 《》; each must name exactly one row (an import creates none)."""

    SEPARATORS = re.compile(r"[、;；\n]+")

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        index = refs.index(self.model, self.attributes)
        ids: list[int] = []
        for part in (p.strip() for p in self.SEPARATORS.split(cell_text(value) or "")):
            if not part:
                continue
            bare = part.strip("《》")
            found = index.get(squeeze(part)) or index.get(squeeze(bare)) or index.get(squeeze(f"《{bare}》"))
            if not found:
                raise CellError("unknown_reference", f"找不到{self.label}“{part}”：导入不会新建，请先添加，或改正名称。")
            ids.append(resolve(Candidates(frozenset(found), part, self.label)))
        return {self.fields[0]: list(dict.fromkeys(ids))}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        ids = row.get(self.fields[0]) or []
        return "；".join(refs.first_value(self.model, self.attributes, i) or str(i) for i in ids) or None


class PowerTypeRef(Kind):
    """职权类型 by code ("01", 1) or name ("行政许可"), from the extensible 职权类型 table."""

    ALIASES: ClassVar[dict[str, str]] = {"其他类别": "10", "其他行政权力": "10", "其他": "10", "其他权力": "10", "公共服务": "20"}

    def __init__(self, field: str) -> None:
        self.fields = (field,)

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        text = cell_text(value) or ""
        table = refs.power_types()
        key = squeeze(text)
        if key.isdigit() and len(key) < 2:
            key = key.zfill(2)
        by_name = {squeeze(name): code for code, name in table.items()}
        code = key if key in table else by_name.get(key) or self.ALIASES.get(key)
        if code is None:
            raise CellError(
                "unknown_power_type",
                f"职权类型“{text}”不在职权类型代码表中，可选值为：{_choices_text(table)}。",
            )
        return {self.fields[0]: code}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        code = row.get(self.fields[0])
        return refs.power_types().get(code, code) if code else None


# -- references: what a cell may name, read once per import or export ---------------------------


class Organizations:
    """Every 机构 by squeezed name, 简称 and USCC; names only within the region, when given."""

    def __init__(self, session: Session, region_id: int | None) -> None:
        self.region_id = region_id
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.by_short_name: dict[str, set[int]] = defaultdict(set)
        self.by_uscc: dict[str, int] = {}
        self.rows: dict[int, tuple[str, str | None, str, int]] = {}
        query = select(
            m.Organization.id, m.Organization.name, m.Organization.short_name,
            m.Organization.uscc, m.Organization.kind, m.Organization.region_id,
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

    def candidates(self, text: str, kinds: tuple[str, ...] | None, by_code: bool = False) -> Candidates:
        code = squeeze(text).upper()
        if USCC_PATTERN.match(code):
            found = {self.by_uscc[code]} if code in self.by_uscc else set()
        elif by_code:
            raise CellError("uscc_format", f"“{text}”不是统一社会信用代码（18位）。")
        else:
            found = self.by_name.get(squeeze(text)) or self.by_short_name.get(squeeze(text)) or set()
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


def resolve(candidates: Candidates) -> int:
    """The one row a reference names, or the problem why there is not exactly one."""
    if len(candidates.ids) == 1:
        return next(iter(candidates.ids))
    ids = "、".join(str(i) for i in sorted(candidates.ids))
    raise CellError(
        "ambiguous_reference",
        f"有 {len(candidates.ids)} 个{candidates.label}都名为“{candidates.text}”（编号 {ids}）："
        "请改填统一社会信用代码或编码，或导入时指定行政区划。",
    )


class References:
    """The lookups one import or export needs, each read from the database once."""

    def __init__(self, session: Session, region_id: int | None = None) -> None:
        self.session = session
        self.region_id = region_id
        self._organizations: Organizations | None = None
        self._power_types: dict[str, str] | None = None
        self._indexes: dict[tuple[type, tuple[str, ...]], dict[str, set[int]]] = {}
        self._values: dict[tuple[type, tuple[str, ...]], dict[int, str]] = {}

    def organizations(self) -> Organizations:
        if self._organizations is None:
            self._organizations = Organizations(self.session, self.region_id)
        return self._organizations

    def power_types(self) -> dict[str, str]:
        if self._power_types is None:
            rows = self.session.execute(select(m.PowerType.code, m.PowerType.name).order_by(m.PowerType.code))
            self._power_types = {code: name for code, name in rows}
        return self._power_types

    def index(self, model: type, attributes: tuple[str, ...]) -> dict[str, set[int]]:
        key = (model, attributes)
        if key not in self._indexes:
            index: dict[str, set[int]] = defaultdict(set)
            values: dict[int, str] = {}
            columns = [getattr(model, a) for a in attributes]
            for row_id, *row_values in self.session.execute(select(model.id, *columns)):
                self._add(index, values, row_id, row_values)
            self._indexes[key], self._values[key] = index, values
        return self._indexes[key]

    def first_value(self, model: type, attributes: tuple[str, ...], row_id: int) -> str | None:
        self.index(model, attributes)
        return self._values[(model, attributes)].get(row_id)

    def remember(self, row: Any) -> None:
        """A row this import created can be named by the rows after it (a 子项 its 主项)."""
        for (model, attributes), index in self._indexes.items():
            if isinstance(row, model):
                self._add(index, self._values[(model, attributes)], row.id, [getattr(row, a) for a in attributes])

    @staticmethod
    def _add(index: dict[str, set[int]], values: dict[int, str], row_id: int, row_values: list[Any]) -> None:
        for value in row_values:
            if value:
                index[squeeze(str(value))].add(row_id)
                values.setdefault(row_id, str(value))


# -- the header tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # written on export
    kind: Kind
    synonyms: tuple[str, ...] = ()  # other headers that mean the same column

    @property
    def fields(self) -> tuple[str, ...]:
        return self.kind.fields


@dataclass(frozen=True, eq=False)
class Sheet:
    spec: registry.ListSpec
    title: str  # the worksheet and file name on export
    columns: tuple[Column, ...]
    # Natural keys: no two rows of a file, and no file row and existing row, may share one.
    # (The spec's unique fields are checked by crud.create_row against the database already.)
    keys: tuple[tuple[str, ...], ...] = ()
    ignored: tuple[str, ...] = ("序号", "编号")  # headers read as nothing, silently

    def field_header(self, field: str) -> str | None:
        return next((c.header for c in self.columns if field in c.fields), None)


# Aliases shared by the lists (codes.py holds the national labels; these are the other spellings).
ITEM_TYPE_ALIASES = {
    "其他行政权力": "10", "其他类别": "10", "其他": "10", "公共服务": "20",
    "内部审批": "11", "行政权力": "00",
}
LEVEL_ALIASES = {
    "国家": "1", "省": "2", "省级": "2", "市": "3", "市级": "3", "县": "4", "区": "4", "区级": "4",
    "县(区)级": "4", "县区级": "4", "镇": "5", "乡": "5", "镇级": "5", "乡级": "5", "乡镇级": "5",
    "街道级": "5", "镇街": "5", "村": "6", "社区": "6", "村级": "6", "社区级": "6",
}
STATUS_ALIASES = {
    # 事项状态 of the national exchange (1 在用 / 2 暂停 / 3 取消) and the vendors' workflow words.
    "在用": "published", "发布": "published", "已发布": "published", "1": "published",
    "暂停": "suspended", "2": "suspended", "取消": "cancelled", "已取消": "cancelled", "3": "cancelled",
    "待提交审核": "draft", "待审核": "submitted",
}
TOWNSHIPS = ("township", "street")

STATUS = Column("状态", Choice("status", STATUSES, STATUS_ALIASES), ("事项状态", "清单状态", "工作流状态"))

SERVICE_ITEMS = Sheet(
    registry.SERVICE_ITEMS,
    "政务服务事项实施清单",
    (
        Column("事项名称", Text("name"), ("实施清单事项名称", "事项名", "服务事项名称", "业务办理项名称")),
        Column("事项类型", Choice("item_type", ITEM_TYPES, ITEM_TYPE_ALIASES), ("事项类别", "事项类型代码", "权力类型")),
        # 实施主体 by name, 简称 or USCC; with a 实施主体编码 column as well, the two must agree.
        Column("实施主体", OrganizationRef("department_id"), ("实施部门", "实施机关", "实施主体名称", "实施机构", "部门", "部门名称")),
        Column(
            "实施主体编码",
            OrganizationRef("department_id", by_code=True),
            ("实施主体统一社会信用代码", "实施主体代码", "统一社会信用代码", "部门统一社会信用代码"),
        ),
        Column("基本编码", Text("catalog_code", digits=12), ("事项基本编码", "目录编码")),
        Column("实施编码", Text("implementation_code"), ("事项实施编码", "实施清单编码")),
        Column("地方编码", Text("local_code"), ("事项编码", "地方事项编码", "事项代码", "地方实施编码")),
        Column("业务办理项编码", Text("handle_item_code"), ("办理项编码",)),
        Column("行使层级", Choice("exercise_level", EXERCISE_LEVELS, LEVEL_ALIASES), ("层级",)),
        Column("实施镇街", OrganizationRef("township_id", TOWNSHIPS), ("乡镇街道", "承接镇街", "镇街")),
        Column("实施主体性质", Choice("body_nature", BODY_NATURES), ("主体性质",)),
        Column("权力来源", Choice("power_source", POWER_SOURCES), ()),
        Column("委托部门", Text("entrusting_department"), ()),
        Column("承办机构", Text("handling_unit"), ("承办科室", "承办处室", "内设机构")),
        Column("联办机构", Text("joint_departments"), ("共同实施部门", "联办部门")),
        Column("权责事项编码", RowRef("power_item_id", m.PowerItem, ("code",), "权责事项"), ("职权编码", "对应权责事项编码")),
        Column("法定办结时限", TimeLimit("legal_time_limit", "legal_time_unit"), ("法定时限", "法定期限", "法定办结期限")),
        Column("法定办结时限单位", Choice("legal_time_unit", TIME_UNITS, TIME_UNIT_ALIASES), ("法定时限单位", "法定期限单位")),
        Column("承诺办结时限", TimeLimit("promised_time_limit", "promised_time_unit"), ("承诺时限", "承诺期限", "承诺办结期限")),
        Column("承诺办结时限单位", Choice("promised_time_unit", TIME_UNITS, TIME_UNIT_ALIASES), ("承诺时限单位", "承诺期限单位")),
        Column("办件类型", Choice("case_type", CASE_TYPES, {"即办": "1", "承诺": "2"}), ("办件类别",)),
        Column(
            "到办事现场次数",
            Integer("onsite_visits"),
            ("到现场次数", "到办事现场次数(次)", "跑动次数", "到现场大厅次数", "现场次数", "最多跑动次数"),
        ),
        Column(
            "必须现场办理原因",
            Text("onsite_reason"),
            ("现场办理原因", "必须现场办理原因说明", "办理现场办理原因说明", "到现场原因"),
        ),
        Column("是否收费", Flag("is_charged", true=("收费",), false=("不收费", "免费")), ("收费",)),
        Column("收费依据", Text("charge_basis"), ()),
        Column("收费项目", FeeNames("fees"), ("收费项目名称",)),
        Column("申请材料", MaterialNames("materials"), ("申报材料", "申请材料名称", "材料名称")),
        Column(
            "设定依据",
            RowRefs("legal_basis_ids", m.LegalBasis, ("name", "document_number"), "法律法规（名称或文号）"),
            ("法律依据", "设定和实施依据"),
        ),
        Column("受理条件", Text("acceptance_conditions"), ("申请条件", "办理条件")),
        Column("办理流程", Text("process"), ("流程",)),
        # 个人 / 法人 as citizens filter (codes.SERVICE_OBJECT_AUDIENCE): 法人 = the three 法人 of A.4.
        Column(
            "服务对象",
            Choices("service_objects", SERVICE_OBJECTS, {"企业": "2"}, {"个人": ("1",), "法人": ("2", "3", "4")}),
            ("面向对象", "办理对象"),
        ),
        Column("服务主题", Words("themes"), ("主题分类", "事项主题分类")),
        Column(
            "办理形式",
            Choices("channels", CHANNELS, {"窗口": "1", "网上办理": "2", "网办": "2", "移动端": "3", "快递": "4"}),
            ("办理方式",),
        ),
        Column("通办范围", Choice("service_scope", SERVICE_SCOPES), ()),
        Column("网上办理地址", Text("online_url"), ("网办地址", "在线办理地址")),
        Column("移动端办理地址", Text("mobile_url"), ()),
        Column("办理地点", Text("place"), ("办理地址",)),
        Column("办理时间", Text("office_hours"), ("受理时间", "办公时间")),
        Column("咨询电话", Text("consult_phone"), ("咨询方式",)),
        Column("监督投诉电话", Text("supervision_phone"), ("监督电话", "投诉电话", "监督投诉方式")),
        Column("生效日期", Day("effective_on"), ("计划生效日期",)),
        Column("日常用语", Words("aliases"), ("别名",)),
        STATUS,
    ),
    keys=(("department_id", "local_code"),),
)

POWER_ITEMS = Sheet(
    registry.POWER_ITEMS,
    "权责清单",
    (
        Column("职权编码", Text("code"), ("事项编码", "权力编码", "权责事项编码", "编码")),
        # the headers of a real 权责清单 importer.
        Column("事项名称", Text("name"), ("职权名称", "权力名称", "主项名称", "权责事项名称")),
        Column("子项名称", Text("sub_item_name"), ("子项",)),
        Column("职权类型", PowerTypeRef("power_type_code"), ("权力类型", "事项类型", "职权类别", "权力类别")),
        Column("实施主体", OrganizationRef("department_id"), ("行使主体", "责任主体", "实施部门", "实施机关", "部门")),
        Column("实施主体编码", OrganizationRef("department_id", by_code=True), ("统一社会信用代码", "实施主体统一社会信用代码")),
        Column("承办机构", Text("handling_unit"), ("承办科室", "承办处室", "内设机构")),
        Column("实施层级及权限", Text("level_and_scope"), ("实施层级", "行使层级")),
        Column("实施依据", Text("basis_text"), ("设定依据", "设定和实施依据", "法律依据", "依据")),
        Column("责任事项", Text("responsibilities"), ("责任事项(内容)", "责任事项内容")),
        Column("责任事项依据", Text("responsibility_basis"), ("问责依据",)),
        Column("追责对象范围", Text("accountability_scope"), ("追责对象",)),
        Column("追责情形", Text("accountability_cases"), ()),
        Column("监督方式", Text("supervision"), ("监督电话", "监督方式及电话")),
        Column("备注", Text("remark"), ()),
        STATUS,
    ),
)

DEVOLVED_ITEMS = Sheet(
    registry.DEVOLVED_ITEMS,
    "下放镇街事项目录",
    (
        Column("事项名称", Text("name"), ("职权名称", "权力事项名称", "下放事项名称", "职权事项")),
        Column(
            "下放批次",
            RowRef("batch_id", m.DevolutionBatch, ("document_number", "title"), "下放批次（文号或文件名称）"),
            ("文号", "批次", "下放文件", "文件名称", "依据文件"),
        ),
        Column("原实施部门", OrganizationRef("from_department_id"), ("实施部门", "下放部门", "原实施单位", "实施单位", "部门")),
        Column("调整方式", Choice("mode", DEVOLUTION_MODES, {"赋予": "empower", "委托实施": "entrust"}), ("下放方式", "方式")),
        Column("委托部门", OrganizationRef("entrusting_department_id"), ("委托单位", "委托机关")),
        Column("承接镇街", OrganizationRefs("receiver_ids", TOWNSHIPS), ("承接主体", "承接单位", "承接镇(街道)")),
        Column("权责事项编码", RowRef("power_item_id", m.PowerItem, ("code",), "权责事项"), ("职权编码",)),
        Column(
            "下放状态",
            Choice("devolution_status", DEVOLUTION_STATUSES, {"生效": "effective", "收回": "revoked"}),
            ("调整状态",),
        ),
        Column("生效日期", Day("effective_on"), ("实施时间", "起始时间", "生效时间")),
        Column("委托期限", Day("entrusted_until"), ("委托截止日期",)),
        Column("范围限制", Text("scope_limit"), ("备注", "范围")),
        Column("保留事项", Text("retained_cases"), ("县级保留事项",)),
        Column("随附职权", Text("attached_powers"), ("相关行政检查、行政强制措施",)),
        STATUS,
    ),
    keys=(("batch_id", "from_department_id", "name"),),
)

SUPERVISION_ITEMS = Sheet(
    registry.SUPERVISION_ITEMS,
    "监管事项目录清单",
    (
        Column("监管事项编码", Text("code", digits=14), ("监管事项目录编码", "事项编码", "编码")),
        Column("主项名称", Text("main_name"), ("监管事项名称", "事项名称", "监管事项主项名称")),
        Column("子项名称", Text("sub_name"), ("监管事项子项名称", "子项")),
        Column(
            "主项编码",
            RowRef("parent_id", m.SupervisionItem, ("code",), "监管事项主项"),
            ("所属主项编码", "上级事项编码"),
        ),
        Column("监管类型", Choice("supervision_type", SUPERVISION_TYPES, {"其他行政权力": "10", "检查": "06"}), ("事项类型", "监管事项类型")),
        Column("监管部门", OrganizationRef("department_id"), ("实施机构", "实施主体", "实施部门", "部门")),
        Column("监管部门编码", OrganizationRef("department_id", by_code=True), ("实施机构编码", "统一社会信用代码")),
        Column("监管对象", Text("objects"), ("检查对象",)),
        Column("设定依据", Text("basis_text"), ("监管依据", "依据")),
        Column("监管层级", Choices("levels", EXERCISE_LEVELS, LEVEL_ALIASES), ("行使层级",)),
        Column("是否双随机抽查事项", Flag("random_check"), ("双随机抽查事项", "是否双随机")),
        Column("是否重点检查事项", Flag("key_check"), ("重点检查事项",)),
        Column("是否适合联合抽查", Flag("joint_check_suitable"), ("适合部门联合抽查", "是否联合抽查")),
        Column("是否已认领", Flag("claimed", true=("已认领",), false=("未认领",)), ("认领状态", "是否认领")),
        Column("监管措施", Text("measures"), ()),
        Column("权责事项编码", RowRef("power_item_id", m.PowerItem, ("code",), "权责事项"), ("对应权责清单事项编码", "职权编码")),
        STATUS,
    ),
)

SHEETS: dict[str, Sheet] = {
    sheet.spec.name: sheet for sheet in (SERVICE_ITEMS, POWER_ITEMS, DEVOLVED_ITEMS, SUPERVISION_ITEMS)
}
