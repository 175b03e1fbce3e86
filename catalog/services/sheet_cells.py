"""How a spreadsheet cell becomes schema fields, and a row's fields a cell again.

Each column of a list's sheet (spreadsheet_columns.py) has a ``Kind`` that reads a cell:

- ``Choice``/``Choices``: a code table value, given as the code ("01", or 1 when Excel dropped
  the zero) or as its label ("行政许可"), plus the variants seen in practice;
- ``TimeLimit``: "20", "20个工作日", "30个自然日", "3个月", "即办" (0) or "无期限" (no limit);
- ``OrganizationRef``: a 机构 by name, 简称 or 统一社会信用代码. Importing never creates a
  机构: one that is not found is a problem of its row;
- ``Text``, ``Integer``, ``Flag`` (是/否), ``Day``, ``Words`` (、-separated).

On export a Kind reads a row as its snapshot shows it: a dumped snapshot (the review's diff) or
the row itself through models.elements.RowView (the list export, which dumps nothing).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

from ..schemas.fields import MESSAGES

if TYPE_CHECKING:
    from .sheet_references import References

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

    def __init__(
        self, field: str, table: Mapping[str, str], aliases: Mapping[str, str] | None = None
    ) -> None:
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
        return (
            "、".join(self.table.get(code, code) for code in row.get(self.fields[0]) or []) or None
        )


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
            return {
                self.fields[0]: (value.date() if isinstance(value, datetime) else value).isoformat()
            }
        text = cell_text(value) or ""
        match = self._PATTERN.fullmatch(squeeze(text.split()[0]) if text.split() else "")
        try:
            if not match:
                raise ValueError
            y, mo, d = (
                int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:])
            )
            return {self.fields[0]: date(y, mo, d).isoformat()}
        except ValueError:
            raise CellError(
                "invalid_date", f"“{text}”应为日期，如 2021-04-01 或 2021年4月1日。"
            ) from None

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        value = row.get(self.fields[0])  # a date on the row, its ISO text in a snapshot
        return date.fromisoformat(value) if isinstance(value, str) and value else value or None


class Words(Kind):
    """A list of short texts (日常用语, 主题), separated by 、 , ； or line breaks."""

    def __init__(self, field: str) -> None:
        self.fields = (field,)

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        parts = [p.strip() for p in LIST_SEPARATORS.split(cell_text(value) or "")]
        return {self.fields[0]: list(dict.fromkeys(p for p in parts if p))}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        return "、".join(row.get(self.fields[0]) or []) or None


def _names(items: Iterable[Mapping[str, Any]]) -> str:
    """The names of materials or fees."""
    return "、".join(item["name"] for item in items)


class FeeNames(Words):
    """收费项目 by name (the standard and basis of each fee are not in the one-row-per-item sheet)."""

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        names = super().parse(value, refs, hint)[self.fields[0]]
        return {self.fields[0]: [{"name": name} for name in names]}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        return _names(row.get(self.fields[0]) or []) or None


# 时限单位 as departments write them; a bare 日/天 takes the unit column (default 工作日:
# 行政许可法 §82 counts its 期限 in 工作日).
_UNIT_WORDS = {
    "工作日": "W",
    "个工作日": "W",
    "自然日": "N",
    "个自然日": "N",
    "月": "M",
    "个月": "M",
    "年": "Y",
}
_TIME_LIMIT = re.compile(r"(\d+)(?:\.0+)?\(?(个?工作日|个?自然日|日|天|个?月|年)?\)?")
_INSTANT = {squeeze(w) for w in ("即办", "即时办结", "当场办结", "当场", "当即办结", "即来即办")}
_NO_LIMIT = {squeeze(w) for w in ("无", "无期限", "不限", "无时限", "-", "—", "/", "无限期")}
TIME_UNIT_ALIASES = {
    "1": "W",
    "w": "W",
    "n": "N",
}  # "1"/"W" 工作日 and "N" 自然日 in vendors' tables
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

    NONE: ClassVar[set[str]] = {
        squeeze(w) for w in ("无", "无需提交材料", "无需材料", "不需要材料")
    }

    def parse(self, value: Any, refs: References, hint: str | None) -> dict[str, Any]:
        if squeeze(cell_text(value) or "") in self.NONE:
            return {self.fields[0]: []}
        names = super().parse(value, refs, hint)[self.fields[0]]
        return {self.fields[0]: [{"name": name} for name in names]}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        materials = row.get(self.fields[0])
        if materials is None:
            return None
        return _names(materials) or NO_MATERIALS_TEXT


class OrganizationRef(Kind):
    """A 机构 by name, 简称 or 统一社会信用代码 (``by_code``: only the code)."""

    def __init__(
        self, field: str, kinds: tuple[str, ...] | None = None, by_code: bool = False
    ) -> None:
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
            found = (
                index.get(squeeze(part))
                or index.get(squeeze(bare))
                or index.get(squeeze(f"《{bare}》"))
            )
            if not found:
                raise CellError(
                    "unknown_reference",
                    f"找不到{self.label}“{part}”：导入不会新建，请先添加，或改正名称。",
                )
            ids.append(resolve(Candidates(frozenset(found), part, self.label)))
        return {self.fields[0]: list(dict.fromkeys(ids))}

    def export(self, row: Mapping[str, Any], refs: References) -> Any:
        ids = row.get(self.fields[0]) or []
        return (
            "；".join(refs.first_value(self.model, self.attributes, i) or str(i) for i in ids)
            or None
        )


class PowerTypeRef(Kind):
    """职权类型 by code ("01", 1) or name ("行政许可"), from the extensible 职权类型 table."""

    ALIASES: ClassVar[dict[str, str]] = {
        "其他类别": "10",
        "其他行政权力": "10",
        "其他": "10",
        "其他权力": "10",
        "公共服务": "20",
    }

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
