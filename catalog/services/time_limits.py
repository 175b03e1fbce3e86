"""Time limits (办结时限) in 工作日, the unit in which 法定 and 承诺 are compared and summed.

Conversions follow practice (docs/figures.md): 1 月 = 22 工作日, 1 年 = 250 工作日,
and a 自然日 is 5/7 of a 工作日. Exact fractions keep the auditors' figures exact.
"""

from __future__ import annotations

from fractions import Fraction

WORKING_DAYS = "W"  # 行政许可法 第八十二条: 期限以工作日计算
WORKING_DAYS_PER_UNIT: dict[str, Fraction] = {
    WORKING_DAYS: Fraction(1),
    "N": Fraction(5, 7),
    "M": Fraction(22),
    "Y": Fraction(250),
}


def in_working_days(value: int | None, unit: str | None) -> Fraction | None:
    """The time limit in 工作日; None when it is not in days: 无期限, or 未填报 (no value, or a
    value without a unit). 0 is 0 in any unit, so it needs none."""
    if value == 0:
        return Fraction(0)
    if value is None or unit is None:
        return None
    return value * WORKING_DAYS_PER_UNIT[unit]
