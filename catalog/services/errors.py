"""Errors raised by use cases: a stable code, a Chinese message and, for bad input, the fields.

The API turns them into one JSON shape (catalog/api/errors.py); the web pages show the
messages as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str


@dataclass
class DomainError(Exception):
    code: str
    message: str
    status: int = 422
    fields: dict[str, list[FieldError]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def validation_failed(fields: dict[str, list[FieldError]]) -> DomainError:
    return DomainError(
        "validation_failed", "提交的数据未通过校验，请按各字段的提示修改。", 422, fields
    )


def not_found(label: str, ident: object) -> DomainError:
    return DomainError("not_found", f"{label}（编号 {ident}）不存在。", 404)


def precondition_required() -> DomainError:
    return DomainError(
        "precondition_required", "修改或删除时须带上 If-Match 请求头（取自读取时的 ETag）。", 428
    )


def stale_version() -> DomainError:
    return DomainError("stale_version", "该记录已被他人修改，请重新读取最新版本后再提交。", 412)


def conflict(message: str) -> DomainError:
    return DomainError("conflict", message, 409)
