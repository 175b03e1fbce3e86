"""How often sign-in may be tried, and from where: guessing slowed, the owner never locked out.

A lock after N wrong passwords lets any stranger lock any account, the admin's included. So
nothing here locks an account; attempts are refused (429, before the password is checked) per
context instead, after OWASP's "device cookies" (a browser that once signed in to an account
carries a signed cookie naming it):

- every address: LOGIN_RATE_LIMIT attempts, right or wrong;
- a browser unknown to the account: LOGIN_FAILURE_LIMIT wrong passwords per account and address,
  and LOGIN_ACCOUNT_FAILURE_LIMIT per account over all unknown browsers together (guessing from
  many addresses);
- a browser known to the account: LOGIN_FAILURE_LIMIT wrong passwords of its own, and no share
  in the account-wide count, so guessing from elsewhere never shuts out the owner's browser.

The counts are keyed by the username as typed, whether or not the account exists, so a throttled
answer tells nothing about which accounts exist. They live in Flask-Limiter's store
(RATELIMIT_STORAGE_URI): shared by every worker with redis://…, per process with memory://.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request, url_for
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from ..extensions import limiter

DEVICE_COOKIE = "qingdan_device"
DEVICE_MAX_AGE = 180 * 24 * 3600  # seconds; a browser unused for half a year is a stranger again
F = TypeVar("F", bound=Callable[..., object])


def submitted_username() -> str:
    """The username of a sign-in form, as the route and the throttles both read it."""
    return request.form.get("username", "").strip()[:64]


def remember_device(response: Response, username: str) -> None:
    """Mark this browser as known to the account it just signed in to."""
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps({"u": username, "d": secrets.token_hex(8)}),
        max_age=DEVICE_MAX_AGE,
        path=url_for("console.login"),
        httponly=True,
        samesite="Strict",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def init_sign_in_limits(app: Flask, blueprint: str) -> None:
    """Flask-Limiter for the sign-in form only: its hooks run for ``blueprint``'s requests.

    Flask-Limiter hooks every request of an app (before: resolve the view's limits; after:
    deduct the failures; teardown: reset its context), a tenth of a bare request's time
    (bench/request_overhead.py), though only the sign-in form has limits. Its views' limits are
    checked by their decorators; the after hook, which counts a 401 as a failure, is still
    needed, for the sign-in's blueprint alone.
    """
    limiter.init_app(app)

    def installed_by_limiter(hook: Callable[..., object]) -> bool:
        bound_to = getattr(hook, "__self__", None) or next(iter(getattr(hook, "args", ())), None)
        return bound_to is limiter

    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        app_wide = hooks.get(None, [])
        hooks.setdefault(blueprint, []).extend(h for h in app_wide if installed_by_limiter(h))
        app_wide[:] = [h for h in app_wide if not installed_by_limiter(h)]


def sign_in_limits(view: F) -> F:
    """The sign-in form's throttles (POST only), counting wrong passwords (401) as failures."""

    def setting(name: str) -> Callable[[], str]:
        return lambda: current_app.config[name]

    def failed(response: Response) -> bool:
        return response.status_code == 401

    def failures(limit: str, key: Callable[[], str], exempt: Callable[[], bool]) -> Any:
        """A throttle that counts only wrong passwords, per ``key``."""
        return limiter.limit(
            setting(limit), key_func=key, methods=["POST"], exempt_when=exempt, deduct_when=failed
        )

    throttles = [
        limiter.limit(setting("LOGIN_RATE_LIMIT"), methods=["POST"]),
        failures(
            "LOGIN_FAILURE_LIMIT",
            lambda: f"address:{_account()}:{get_remote_address()}",
            _known_device,
        ),
        failures("LOGIN_ACCOUNT_FAILURE_LIMIT", lambda: f"account:{_account()}", _known_device),
        failures(
            "LOGIN_FAILURE_LIMIT",
            lambda: f"device:{_account()}:{_device()}",
            lambda: not _known_device(),
        ),
    ]
    for throttle in throttles:
        view = throttle(view)
    return view


def _account() -> str:
    """The typed username as a fixed-length key: no user text in the store's keys."""
    return hashlib.sha256(submitted_username().encode()).hexdigest()[:32]


def _device() -> str | None:
    """This browser's device id, when its cookie names the account being signed in to."""
    try:
        known = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_MAX_AGE)
    except BadData:
        return None
    return known["d"] if known.get("u") == submitted_username() else None


def _known_device() -> bool:
    return _device() is not None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="qingdan.known-device")
