"""Who may do what: the actor behind every use case, and one rule per permission.

Every use case is declared with ``@use_case(permission)``, and the declaration is what is
enforced (CKAN's action/auth split and its auth audit): the decorator refuses an actor who holds
the permission nowhere before the use case runs, and a permission held per department (editing,
reviewing, reading drafts) makes the use case check the department of the rows it touches, or
fail loudly. The API checks the same permission before it reads a request's body
(catalog/api/gate.py). Meta-tests (tests/test_permissions.py) deny each permission in turn and
watch every route that uses it refuse.

Roles: the public (anonymous), a department's editor, a reviewer for assigned departments, an
auditor who reads everything, an admin, and ``system`` for the seed and command-line tools run
by operators on the server.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

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
EVERYONE = frozenset({"public", "editor", "reviewer", "auditor", "admin", "system"})
Departments = Callable[[Actor], frozenset[int] | None]


def _everywhere(_actor: Actor) -> frozenset[int] | None:
    return None


def _edited(actor: Actor) -> frozenset[int] | None:
    """A department's editor writes its own rows; admins and system tools every row."""
    if actor.role in {"admin", "system"}:
        return None
    return frozenset({actor.department_id}) if actor.department_id is not None else frozenset()


def _reviewed(actor: Actor) -> frozenset[int] | None:
    """A reviewer reviews the departments assigned to them; admins and system tools every one."""
    return None if actor.role in {"admin", "system"} else actor.reviewed_departments


@dataclass(frozen=True)
class Rule:
    """Who may ever hold a permission (roles), and in which departments (None: all of them)."""

    roles: frozenset[str]
    departments: Departments = _everywhere

    @property
    def scoped(self) -> bool:
        """A permission held per department: its use cases must check the department they touch."""
        return self.departments is not _everywhere

    def where(self, actor: Actor) -> frozenset[int] | None:
        return self.departments(actor) if actor.role in self.roles else frozenset()

    def permits(self, actor: Actor, department_id: int | None) -> bool:
        where = self.where(actor)
        return where is None or department_id in where

    def permits_somewhere(self, actor: Actor) -> bool:
        where = self.where(actor)
        return where is None or bool(where)


STAFF = EVERYONE - {"public"}
EDITORS = frozenset({"editor", "admin", "system"})
ADMINS = frozenset({"admin", "system"})


def _own_account(actor: Actor) -> frozenset[int] | None:
    """A person's own sign-ins: held by everyone signed in as a user, not by an API token or a
    system tool, which stand for no person. Checked like a department: the use case touches
    the actor's own account only."""
    return None if actor.user_id is not None else frozenset()


RULES: dict[str, Rule] = {
    "public": Rule(EVERYONE),  # signing in and presenting a token: anyone may try
    # Lists and single rows: anyone reads; what each actor sees is confined in SQL to published
    # rows and the departments they hold row.read_unpublished for (crud.visibility_clause).
    "row.read": Rule(EVERYONE),
    "row.edit": Rule(EDITORS, _edited),  # drafts: create, change, delete, submit
    "row.review": Rule(frozenset({"reviewer", "admin", "system"}), _reviewed),  # approve … cancel
    # drafts, pending revisions, a row's history
    "row.read_unpublished": Rule(STAFF, Actor.readable_departments),
    "reference.edit": Rule(ADMINS),  # regions, organizations, laws, 职权类型 …
    "accounts.manage": Rule(ADMINS),
    "accounts.own_sessions": Rule(
        frozenset(ROLES), _own_account
    ),  # a signed-in person ends their own sessions
    "audit.read": Rule(frozenset({"auditor", "admin", "system"})),
    # 双随机、一公开: the initiating department plans, commits and draws a task; editors of any
    # department of the task record and publish its results; an inspector's department declares
    # their conflicts (回避); staff of the task's departments read a draw before it is disclosed
    # (once disclosed, anyone reads it: random_checks.get_draw).
    "draws.plan": Rule(EDITORS, _edited),
    "draws.results": Rule(EDITORS, _edited),
    "draws.conflicts": Rule(EDITORS, _edited),
    "draws.read": Rule(STAFF, Actor.readable_departments),
    # Revising or abolishing a legal basis is a reference-list change (the 司法局's, as admin);
    # the impact and pending reviews are read by staff, each seeing their readable departments.
    "legal.change": Rule(ADMINS),
    "legal.read_impact": Rule(STAFF),
    "search.insights": Rule(STAFF),  # what citizens searched for and could not find
    "search.synonyms": Rule(ADMINS),  # query-time synonyms added in the console
}

# A permission, or a function of one argument of the use case that names it: of its ``spec``
# (lists of a department are written with row.edit, reference lists with reference.edit), or
# of the workflow step it takes.
Permission = str | Callable[[Any], str]
USE_CASES: dict[
    str, tuple[Permission, str]
] = {}  # qualified function name → (permission, its argument)
F = TypeVar("F", bound=Callable[..., Any])

# The use cases running in this thread or task, innermost last, each with whether it has checked
# a department yet (CKAN's auth audit: an action that never called check_access is an error).
_RUNNING: ContextVar[tuple[list[bool], ...]] = ContextVar("qingdan_use_cases", default=())


def use_case(permission: Permission, by: str = "spec") -> Callable[[F], F]:
    """Declare the permission of a use case, and enforce it on every call (a function of the
    argument named ``by`` names it on each call).

    Before the function runs, its ``actor`` must hold the permission somewhere (401 for the
    anonymous, 403 for the rest); a use case without an ``actor`` parameter acts for the
    public. A permission held per department also needs the department the use case touches:
    it must ``authorize`` it, or confine itself to ``departments_where``; one that returns
    without doing either is a programming error, raised as such.
    """
    if isinstance(permission, str) and permission not in RULES:
        raise LookupError(f"no rule for permission {permission!r}")

    def declare(function: F) -> F:
        name = f"{function.__module__}.{function.__qualname__}"
        parameters = list(inspect.signature(function).parameters)
        if "actor" not in parameters and permission != "public":
            raise TypeError(f"{name} declares {permission!r} but takes no actor")
        actor_at = parameters.index("actor") if "actor" in parameters else None
        by_at = None if isinstance(permission, str) else parameters.index(by)

        @functools.wraps(function)
        def enforced(*args: Any, **kwargs: Any) -> Any:
            actor = ANONYMOUS if actor_at is None else _argument(args, kwargs, actor_at, "actor")
            needed = (
                permission
                if isinstance(permission, str)
                else permission(_argument(args, kwargs, by_at, by))
            )
            authorize_anywhere(actor, needed)
            frame = [False]
            running = _RUNNING.set((*_RUNNING.get(), frame))
            try:
                result = function(*args, **kwargs)
            finally:
                _RUNNING.reset(running)
            if RULES[needed].scoped and not frame[0]:
                raise RuntimeError(f"use case {name} did not check the department of {needed!r}")
            return result

        USE_CASES[name] = (permission, by)
        enforced.permission = permission  # type: ignore[attr-defined]
        return enforced  # type: ignore[return-value]

    return declare


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], position: Any, name: str) -> Any:
    return args[position] if len(args) > position else kwargs[name]


def _department_checked() -> None:
    running = _RUNNING.get()
    if running:
        running[-1][0] = True


def allowed(actor: Actor, permission: str, department_id: int | None = None) -> bool:
    return RULES[permission].permits(actor, department_id)


def departments_where(actor: Actor, permission: str) -> frozenset[int] | None:
    """The departments in which the actor holds the permission (None: all of them); a use case
    that confines its work to them has checked the department."""
    _department_checked()
    return RULES[permission].where(actor)


def authorize(actor: Actor, permission: str, department_id: int | None = None) -> None:
    """Raise 401 for the anonymous and 403 for the signed-in who lack the permission for the
    department (``None``: a row of no department, which only the unrestricted may touch)."""
    _department_checked()
    if not allowed(actor, permission, department_id):
        _refuse(actor)


def authorize_anywhere(actor: Actor, permission: str) -> None:
    """Refuse, before anything is read or looked up, an actor who holds the permission nowhere."""
    if not RULES[permission].permits_somewhere(actor):
        _refuse(actor)


def _refuse(actor: Actor) -> NoReturn:
    require_sign_in(actor)
    raise DomainError(
        "forbidden", "您没有权限进行此操作（仅限本部门事项或分配给您的审核部门）。", 403
    )


def require_sign_in(actor: Actor) -> None:
    if not actor.signed_in:
        raise DomainError(
            "not_authenticated", "请先登录，或在请求头 Authorization 中提供有效的 API 令牌。", 401
        )
