"""Code formats and their checks: 统一社会信用代码 (GB 32100-2015), 实施编码, 基本编码, 监管事项编码."""

from __future__ import annotations

import re

from stdnum.cn import uscc

from .errors import FieldError

# GB 32100-2015 lets the first two characters (登记管理部门码, 机构类别码) be letters (Y: 其他
# registration authorities); python-stdnum's uscc.validate takes only digits there, so the
# format is checked here and the check character is python-stdnum's.
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
CATALOG_CODE_PATTERN = re.compile(r"^[0-9A-Z]{10}([0-9A-Z]{2})?$")
SUPERVISION_CODE_PATTERN = re.compile(r"^\d{14}$")


def uscc_problem(value: str) -> FieldError | None:
    """Why ``value`` is not a valid 统一社会信用代码, or None when it is."""
    if not USCC_PATTERN.match(value):
        return FieldError(
            "uscc_format",
            "统一社会信用代码应为18位，由数字和大写字母组成（不含 I、O、S、V、Z），第3至8位为行政区划代码。",
        )
    expected = uscc.calc_check_digit(value[:17])
    if value[17] != expected:
        return FieldError(
            "uscc_check_digit",
            f"统一社会信用代码校验位错误：第18位应为 {expected}，而不是 {value[17]}。",
        )
    return None


CATALOG_CODE_LENGTH = 12
LEGACY_CATALOG_CODE_LENGTH = (
    10  # GB/T 39046 "an..10": 事项类型 2 + 主项 5 + 子项 3, no source prefix
)
USCC_AND_LEVEL = 19  # 实施编码: 统一社会信用代码 18 + 行使层级 1, then the 基本编码


def catalog_code_problem(value: str, item_type: str | None) -> FieldError | None:
    """基本编码: 12 characters, or the older 10 (accepted, with catalog_code_warning), whose
    type segment is the 事项类型."""
    if not CATALOG_CODE_PATTERN.match(value):
        return FieldError("catalog_code_format", "基本编码应为12位（或旧版10位）数字或大写字母。")
    type_segment = value[2:4] if len(value) == CATALOG_CODE_LENGTH else value[0:2]
    if item_type is not None and type_segment != item_type:
        return FieldError(
            "catalog_code_type_mismatch",
            f"基本编码中的事项类型段为 {type_segment}，与事项类型 {item_type} 不一致。",
        )
    return None


def catalog_code_warning(value: str | None) -> FieldError | None:
    """A valid 10-character 基本编码 is accepted, and said to be the older form."""
    if value and len(value) == LEGACY_CATALOG_CODE_LENGTH and CATALOG_CODE_PATTERN.match(value):
        return FieldError(
            "catalog_code_legacy",
            "基本编码为旧版10位（事项类型2位＋主项5位＋子项3位），已接受；全国一体化平台使用12位"
            "（前加2位来源代码，如国家目录为“00”），请核对后补全。",
        )
    return None


def implementation_code_problems(
    code: str, body_uscc: str | None, exercise_level: str, catalog_code: str | None
) -> list[FieldError]:
    """实施编码 = 实施主体 USCC (18) + 行使层级 (1) + 基本编码 (12). On a 10-character 基本编码
    (accepted, as catalog_code_problem accepts it) the code ends with those 10 characters,
    with or without the 2-character prefix the 12-character form adds (29 or 31 characters)."""
    if len(code) not in (
        USCC_AND_LEVEL + CATALOG_CODE_LENGTH,
        USCC_AND_LEVEL + LEGACY_CATALOG_CODE_LENGTH,
    ):
        return [
            FieldError(
                "implementation_code_length",
                "实施编码应为31位：统一社会信用代码18位 + 行使层级1位 + 基本编码12位（基本编码为旧版10位时可为29位）。",
            )
        ]
    problems = []
    if body_uscc is None:
        problems.append(
            FieldError(
                "implementation_code_body", "实施主体未登记统一社会信用代码，无法核对实施编码。"
            )
        )
    elif code[:18] != body_uscc:
        problems.append(
            FieldError(
                "implementation_code_body",
                f"实施编码前18位应为实施主体的统一社会信用代码 {body_uscc}。",
            )
        )
    if code[18] != exercise_level:
        problems.append(
            FieldError(
                "implementation_code_level", f"实施编码第19位应为行使层级代码 {exercise_level}。"
            )
        )
    tail = code[USCC_AND_LEVEL:]
    if catalog_code is None:
        problems.append(
            FieldError("implementation_code_catalog", "填写实施编码时须同时填写基本编码。")
        )
    elif len(catalog_code) == LEGACY_CATALOG_CODE_LENGTH:
        if catalog_code not in (tail, tail[2:]):
            problems.append(
                FieldError(
                    "implementation_code_catalog",
                    f"实施编码第20位起应为基本编码 {catalog_code}（或其12位形式，即前加2位来源代码）。",
                )
            )
    elif tail != catalog_code:
        problems.append(
            FieldError(
                "implementation_code_catalog", f"实施编码后12位应为基本编码 {catalog_code}。"
            )
        )
    return problems


def supervision_code_problem(value: str) -> FieldError | None:
    if not SUPERVISION_CODE_PATTERN.match(value):
        return FieldError("supervision_code_format", "监管事项目录编码应为14位数字。")
    return None
