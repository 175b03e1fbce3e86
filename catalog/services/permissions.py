"""Who may do what: the actor behind every use case, and one rule per permission.

Every use case that writes or reads non-public data is declared with ``@use_case(permission)``
and calls ``authorize`` with the department it touches (CKAN's action/auth split). A meta-test
(tests/test_permissions.py) fails when a use case has no declared permission or a permission no
rule.

Roles: the public (anonymous), a department's editor, a reviewer for assigned departments, an
auditor who reads everything, an admin, and ``system`` for the seed and command-line tools run
by operators on the server.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import DomainError

ROLES: dict[str, str] = {
    "editor": "部门编辑",
    "reviewer": "审核人",
    "auditor": "审计（督察）",
    "admin": "管理员",
}


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role and department, and through which sign-in."""

    name: str = "anonymous"
    role: str = "public"
    department_id: int | None = None
    reviewed_departments: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None
    credential: str | None = None  # "session:<id>" or "token:<id>"
    source: str = "api"

    @classmethod
    def system(cls, name: str = "system", source: str = "cli") -> Actor:
        return cls(name=name, role="system", source=source)

    @property
    def signed_in(self) -> bool:
        return self.role != "public"

    @property
    def sees_everything(self) -> bool:
        return self.role in {"auditor", "admin", "system"}

    def readable_departments(self) -> frozenset[int] | None:
        """Departments whose unpublished rows this actor may read (None: every department)."""
        if self.sees_everything:
            return None
        own = {self.department_id} if self.department_id is not None else set()
        if self.role == "reviewer":
            own |= self.reviewed_departments
        return frozenset(own)


ANONYMOUS = Actor()


def _edits(actor: Actor, department_id: int | None) -> bool:
    """A department's editor on its own rows; admins and system tools on any."""
    if actor.role in {"admin", "system"}:
        return True
    return actor.role == "editor" and department_id is not None and department_id == actor.department_id


def _reviews(actor: Actor, department_id: int | None) -> bool:
    """A reviewer for the departments assigned to them; admins and system tools on any."""
    if actor.role in {"admin", "system"}:
        return True
    return actor.role == "reviewer" and department_id in actor.reviewed_departments


def _reads_unpublished(actor: Actor, department_id: int | None) -> bool:
    readable = actor.readable_departments()
    return readable is None or department_id in readable


def _administers(actor: Actor, _department_id: int | None) -> bool:
    return actor.role in {"admin", "system"}


def _audits(actor: Actor, _department_id: int | None) -> bool:
    return actor.role in {"auditor", "admin", "system"}


def _staff(actor: Actor, _department_id: int | None) -> bool:
    return actor.role in ROLES or actor.role == "system"


def _anyone(_actor: Actor, _department_id: int | None) -> bool:
    return True


def _is_a_user(actor: Actor, _department_id: int | None) -> bool:
    return actor.user_id is not None


def _staff(actor: Actor, _department_id: int | None) -> bool:
    """Any signed-in user; what they then see is filtered by their readable departments."""
    return actor.signed_in


RULES: dict[str, Callable[[Actor, int | None], bool]] = {
    "public": _anyone,  # signing in and presenting a token: anyone may try
    "row.edit": _edits,  # create, change, delete a draft; submit it for review
    "row.review": _reviews,  # approve, reject, suspend, resume, cancel
    "row.read_unpublished": _reads_unpublished,  # drafts, pending revisions, a row's history
    "reference.edit": _administers,  # regions, organizations, laws, 职权类型, batches, targets
    "accounts.manage": _administers,
    "accounts.own_sessions": _is_a_user,  # a signed-in person ends their own sessions
    "audit.read": _audits,
    # 双随机、一公开: the initiating department plans, commits and draws a task; editors of any
    # department of the task record and publish its results; an inspector's department declares
    # their conflicts (回避); staff of the task's departments read a draw before it is disclosed.
    "draws.plan": _edits,
    "draws.results": _edits,
    "draws.conflicts": _edits,
    "draws.read": _reads_unpublished,
    # Revising or abolishing a legal basis is a reference-list change (the 司法局's, as admin);
    # the impact and pending reviews are read by staff, each seeing their readable departments.
    "legal.change": _administers,
    "legal.read_impact": _staff,
    "search.insights": _staff,  # what citizens searched for and could not find
    "search.synonyms": _administers,  # query-time synonyms added in the console
}

USE_CASES: dict[str, str] = {}  # qualified function name → permission
F = TypeVar("F", bound=Callable[..., Any])


def use_case(permission: str) -> Callable[[F], F]:
    """Declare the permission a use case checks (the meta-test reads the declaration)."""
    if permission not in RULES:
        raise LookupError(f"no rule for permission {permission!r}")

    def declare(function: F) -> F:
        USE_CASES[f"{function.__module__}.{function.__qualname__}"] = permission
        function.permission = permission  # type: ignore[attr-defined]
        return function

    return declare


def allowed(actor: Actor, permission: str, department_id: int | None = None) -> bool:
    return RULES[permission](actor, department_id)


def authorize(actor: Actor, permission: str, department_id: int | None = None) -> None:
    """Raise 401 for the anonymous and 403 for the signed-in who lack the permission."""
    if allowed(actor, permission, department_id):
        return
    require_sign_in(actor)
    raise DomainError("forbidden", "您没有权限进行此操作（仅限本部门事项或分配给您的审核部门）。", 403)


def require_sign_in(actor: Actor) -> None:
    """A write by the anonymous is refused before anything is looked up."""
    if not actor.signed_in:
        raise DomainError("not_authenticated", "请先登录，或在请求头 Authorization 中提供有效的 API 令牌。", 401)
