"""The auditors' figures as a file: statistics.figures and statistics.by_department as tables of
one row per figure (numerator, denominator, exact value, both roundings, formula, scope), an
.xlsx of two sheets or one CSV."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..models.codes import ITEM_TYPES
from . import statistics
from .permissions import use_case
from .tabular_files import Exported, Table, exported

FIGURE_HEADERS = [
    "范围",
    "指标",
    "分子",
    "分母",
    "精确值",
    "显示值",
    "四舍五入（HALF_UP）",
    "截断（DOWN）",
    "舍入规则",
    "范围内记录数",
    "未填报、未计入",
    "公式",
    "口径",
    "截至",
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
def export_figures(
    session: Session, fmt: str = "xlsx", rule: str = "HALF_UP", **scope: Any
) -> Exported:
    tables = figures_tables(session, rule=rule, **scope)
    if fmt == "csv":  # one table: the 全部 rows, then each department's
        tables = [Table("统计数字", FIGURE_HEADERS, [*tables[0].rows, *tables[1].rows])]
    return exported(f"统计数字-{date.today():%Y%m%d}", fmt, tables)
