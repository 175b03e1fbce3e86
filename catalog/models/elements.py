"""The elements (要素) of each list a source can leave unfilled, and how to tell from a row's
snapshot whether each is filled.

A row's unfilled elements are kept as a bitmask, on the row (``unfilled_elements``, set by
every write) and on each of its versions in ``figure_facts`` (computed from the version's
snapshot), so completeness is counted live and as of any date by one indexed scan. The bits
are stable: a new element takes a new bit, and a changed test needs a migration that
recomputes the masks. Which elements a list *requires* is data
(catalog/data/required-elements.toml); this module only says what "filled" means.

Snapshots written before migration 0010 have no ``legal_no_limit``/``promised_no_limit`` key:
they are read as the lists then stated them (an empty time limit meant 无期限, an empty
materials list 无需提交材料), so figures as of an earlier date show what was published then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

Snapshot = Mapping[str, Any]


@dataclass(frozen=True)
class Element:
    key: str  # stable name, used in the data file, the API and the export
    label: str  # what users call it
    bit: int
    filled: Callable[[Snapshot], bool]
    fields: tuple[str, ...]  # the schema fields that fill it (the export's columns)


def _given(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return bool(value)
    return value is not None


def _has(*keys: str) -> Callable[[Snapshot], bool]:
    """Filled when any of ``keys`` holds a value (a non-blank text, a non-empty list)."""
    return lambda row: any(_given(row.get(key)) for key in keys)


def _time_limit(prefix: str) -> Callable[[Snapshot], bool]:
    def filled(row: Snapshot) -> bool:
        value, unit = row.get(f"{prefix}_time_limit"), row.get(f"{prefix}_time_unit")
        if f"{prefix}_no_limit" not in row:  # before migration 0010: empty meant 无期限
            return value is None or unit is not None
        return bool(row[f"{prefix}_no_limit"]) or (value is not None and unit is not None)

    return filled


def _onsite_reason(row: Snapshot) -> bool:
    """A reason is needed unless the item is known to need no visit (visits = 0)."""
    return row.get("onsite_visits") == 0 or _given(row.get("onsite_reason"))


def _charges(row: Snapshot) -> bool:
    """收费依据 and 收费项目: nothing to give for a known free item; both for a charged one."""
    charged = row.get("is_charged")
    return charged is False or (
        charged is True and _given(row.get("charge_basis")) and _given(row.get("fees"))
    )


def _when(
    condition: Callable[[Snapshot], bool], then: Callable[[Snapshot], bool]
) -> Callable[[Snapshot], bool]:
    """An element required only of some rows (委托期限 of an entrusted power)."""
    return lambda row: not condition(row) or then(row)


def _entrusted(row: Snapshot) -> bool:
    return row.get("mode") == "entrust"


def _random_check(row: Snapshot) -> bool:
    return bool(row.get("random_check"))


def _elements(
    *rows: tuple[str, str, Callable[[Snapshot], bool], tuple[str, ...]],
) -> dict[str, Element]:
    return {
        key: Element(key, label, bit, filled, fields)
        for bit, (key, label, filled, fields) in enumerate(rows)
    }


def _field(key: str, label: str) -> tuple[str, str, Callable[[Snapshot], bool], tuple[str, ...]]:
    return (key, label, _has(key), (key,))


# Append only: an element's position is its bit.
ELEMENTS: dict[str, dict[str, Element]] = {
    "service_item": _elements(
        _field("case_type", "办件类型"),
        (
            "legal_time_limit",
            "法定办结时限",
            _time_limit("legal"),
            ("legal_time_limit", "legal_time_unit"),
        ),
        (
            "promised_time_limit",
            "承诺办结时限",
            _time_limit("promised"),
            ("promised_time_limit", "promised_time_unit"),
        ),
        _field("onsite_visits", "到办事现场次数"),
        ("onsite_reason", "必须现场办理原因", _onsite_reason, ("onsite_reason",)),
        _field("is_charged", "是否收费"),
        ("charges", "收费依据及收费项目", _charges, ("charge_basis", "fees")),
        ("materials", "申请材料", lambda row: row.get("materials") is not None, ("materials",)),
        _field("service_objects", "服务对象"),
        _field("channels", "办理形式"),
        _field("place", "办理地点"),
        _field("office_hours", "办理时间"),
        _field("consult_phone", "咨询电话"),
        _field("supervision_phone", "监督投诉电话"),
        _field("online_url", "网上办理地址"),
        _field("mobile_url", "移动端办理地址"),
        ("legal_basis", "设定依据", _has("legal_basis_ids"), ("legal_basis_ids",)),
        _field("acceptance_conditions", "受理条件"),
        _field("process", "办理流程"),
        _field("catalog_code", "基本编码"),
        _field("implementation_code", "实施编码"),
    ),
    "power_item": _elements(
        ("basis", "实施依据", _has("basis_text", "legal_basis_ids"), ("basis_text",)),
        _field("handling_unit", "承办机构"),
        _field("level_and_scope", "实施层级及权限"),
        _field("responsibilities", "责任事项"),
        _field("responsibility_basis", "责任事项依据"),
        _field("accountability_scope", "追责对象范围"),
        _field("accountability_cases", "追责情形"),
        _field("supervision", "监督方式"),
    ),
    "devolved_item": _elements(
        ("receivers", "承接镇街", _has("receiver_ids"), ("receiver_ids",)),
        _field("effective_on", "生效日期"),
        ("power_item", "对应权责事项", _has("power_item_id"), ("power_item_id",)),
        (
            "entrusting_department",
            "委托部门",
            _when(_entrusted, _has("entrusting_department_id")),
            ("entrusting_department_id",),
        ),
        (
            "entrusted_until",
            "委托期限",
            _when(_entrusted, _has("entrusted_until")),
            ("entrusted_until",),
        ),
        _field("scope_limit", "范围限制"),
    ),
    "supervision_item": _elements(
        _field("objects", "监管对象"),
        ("basis", "设定依据", _has("basis_text", "legal_basis_ids"), ("basis_text",)),
        _field("levels", "监管层级"),
        _field("measures", "监管措施"),
        ("power_item", "对应权责清单事项", _has("power_item_id"), ("power_item_id",)),
    ),
    "inspection_impl_list": _elements(
        _field("code", "检查实施清单编码"),
        _field("check_objects", "检查对象"),
        _field("check_content", "检查内容"),
        _field("check_method", "检查方式"),
        _field("check_basis", "检查依据"),
        ("ratio", "抽查比例", _when(_random_check, _has("ratio")), ("ratio",)),
        ("frequency", "抽查频次", _when(_random_check, _has("frequency")), ("frequency",)),
        _field("result_handling", "检查结果处理"),
    ),
}


class RowView(Mapping[str, Any]):
    """A row read as its snapshot reads, for the keys the elements look at, without dumping it:
    every write computes the mask, and a schema dump costs as much as the rest of the write."""

    def __init__(self, row: Any) -> None:
        self.row = row

    def __getitem__(self, key: str) -> Any:
        if key == "materials" and not getattr(self.row, "materials_known", True):
            return None
        try:
            return getattr(self.row, key)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and hasattr(self.row, key)


def unfilled_mask(entity_type: str, snapshot: Snapshot) -> int:
    """The bits of the elements ``snapshot`` leaves unfilled."""
    return sum(1 << e.bit for e in ELEMENTS[entity_type].values() if not e.filled(snapshot))


def unfilled_keys(entity_type: str, mask: int | None) -> list[str]:
    """The element keys a mask names, in element order."""
    return [e.key for e in ELEMENTS[entity_type].values() if mask is not None and mask >> e.bit & 1]


class HasElements:
    """A list row whose completeness is counted: its unfilled elements, kept by every write."""

    unfilled_elements: Mapped[int | None] = mapped_column(Integer)
