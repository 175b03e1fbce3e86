"""`flask --app catalog users …` and `… tokens …`: accounts, run by an operator on the server.

The first admin is created here; after that admins may create accounts too. Passwords are read
from a hidden prompt (or from standard input with --password-stdin, for provisioning scripts),
never from the command line, where they would stay in the shell history.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db
from .services import accounts
from .services.errors import DomainError
from .services.permissions import ROLES, Actor

OPERATOR = Actor.system("cli", "cli")


def _run(action):  # type: ignore[no-untyped-def]
    try:
        return action()
    except DomainError as error:
        details = "；".join(
            f"{name}：{e.message}" for name, errors in error.fields.items() for e in errors
        )
        raise click.ClickException(f"{error.message}{' ' + details if details else ''}") from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")


@click.group("users")
def users_group() -> None:
    """Create users, set passwords, deactivate accounts, end their sessions."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
@click.option("--name", "display_name", help="Display name (default: the username).")
@click.option("--department-id", type=int, help="The editor's department.")
@click.option(
    "--reviews",
    "reviewed",
    type=int,
    multiple=True,
    help="A department the reviewer approves for (repeat).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user(
    username: str,
    role: str,
    display_name: str | None,
    department_id: int | None,
    reviewed: tuple[int, ...],
    password_stdin: bool,
) -> None:
    """Create USERNAME with a role (the first admin: --role admin)."""
    password = _password(password_stdin)
    user = _run(
        lambda: accounts.create_user(
            db.session,
            OPERATOR,
            username=username,
            display_name=display_name or username,
            password=password,
            role=role,
            department_id=department_id,
            reviewed_department_ids=list(reviewed),
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
    )
    click.echo(f"已创建用户 {user.username}（{ROLES[user.role]}，编号 {user.id}）。")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password(username: str, password_stdin: bool) -> None:
    """Set a new password; every session of the account ends."""
    password = _password(password_stdin)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    _run(lambda: accounts.set_password(db.session, OPERATOR, username, password, method))
    click.echo(f"已为 {username} 设置新密码。")


@users_group.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate(username: str) -> None:
    """Stop an account from signing in and end its sessions (its history stays)."""
    _run(lambda: accounts.deactivate_user(db.session, OPERATOR, username))
    click.echo(f"已停用 {username}。")


@users_group.command("sign-out")
@click.argument("username")
@with_appcontext
def sign_out(username: str) -> None:
    """End every session of USERNAME at once (a lost laptop, a suspected break-in)."""
    count = _run(lambda: accounts.end_sessions(db.session, OPERATOR, username))
    click.echo(f"已结束 {username} 的 {count} 个登录会话。")


@users_group.command("reviews")
@click.argument("username")
@click.argument("department_ids", type=int, nargs=-1)
@with_appcontext
def reviews(username: str, department_ids: tuple[int, ...]) -> None:
    """Set the departments USERNAME reviews (none: no longer reviews any)."""
    _run(
        lambda: accounts.set_reviewed_departments(
            db.session, OPERATOR, username, list(department_ids)
        )
    )
    click.echo(f"{username} 审核的部门：{'、'.join(map(str, department_ids)) or '无'}。")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for other systems."""


@tokens_group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
@click.option("--department-id", type=int, help="The department the token writes for (or reviews).")
@click.option("--days", type=int, default=90, show_default=True, help="Days until it expires.")
@with_appcontext
def create_token(name: str, role: str, department_id: int | None, days: int) -> None:
    """Create a token; it is printed once and never stored."""
    token, plain = _run(
        lambda: accounts.create_token(
            db.session, OPERATOR, name=name, role=role, department_id=department_id, days=days
        )
    )
    click.echo(
        f"令牌编号 {token.id}，有效期至 {token.expires_at:%Y-%m-%d}。请妥善保存（只显示这一次）："
    )
    click.echo(plain)


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token(token_id: int) -> None:
    """Revoke a token at once."""
    _run(lambda: accounts.revoke_token(db.session, OPERATOR, token_id))
    click.echo(f"令牌 {token_id} 已撤销。")


@tokens_group.command("list")
@with_appcontext
def list_tokens() -> None:
    """Every token with its scope and state (never the token itself)."""
    for token in accounts.list_tokens(db.session, OPERATOR):
        state = "已撤销" if token.revoked_at else f"至 {token.expires_at:%Y-%m-%d}"
        used = f"最近使用 {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "未使用"
        click.echo(
            f"{token.id}\t{token.name}\t{token.role}\t部门 {token.department_id or '-'}\t{state}\t{used}"
        )
