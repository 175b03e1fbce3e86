"""Settings from the environment, with embedded defaults.

With nothing set, Qingdan runs on one machine with no services: a SQLite file and the
embedded search index, both under the instance folder.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

# Keys that were ever published (this one was the built-in default): never accepted.
PUBLISHED_KEYS = frozenset({"qingdan-development-key-change-me"})
MIN_KEY_BITS = 256
HOW_TO_SET_A_KEY = (
    "生成一个：python3 -c 'import secrets; print(secrets.token_hex(32))'，写入生产环境的"
    " /etc/qingdan.env（SECRET_KEY=…），每个进程（web、indexer、flask 命令）读同一个值。"
    "本机试用请设 QINGDAN_ENV=development（make run 已设置）：密钥会自动生成并保存在 instance/secret_key（仅本人可读）。"
)


class SettingError(RuntimeError):
    """A setting that Qingdan refuses to start with; the message says what to set."""


class InsecureSecretKey(SettingError):
    """No SECRET_KEY, or one that others could know or guess, outside development and tests."""


def settings_from_environment(instance_path: str) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    instance = Path(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'qingdan.sqlite3'}"
    # SQLAlchemy wants the psycopg 3 driver named explicitly.
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    return {
        # Checked by secret_key() once the app's own config is applied (tests set TESTING).
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "QINGDAN_ENV": os.environ.get("QINGDAN_ENV", "production"),
        # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto are
        # believed; with 0 nobody's are, since any client can send those headers.
        "PROXY_COUNT": _whole_number("PROXY_COUNT", 0),
        # A signed-in session ends on the server after this long, whatever the browser keeps.
        "SESSION_LIFETIME": timedelta(hours=_whole_number("SESSION_LIFETIME_HOURS", 12, least=1)),
        # How new passwords are hashed (Werkzeug's method string). scrypt, as
        # accounts.DEFAULT_HASH_METHOD; the suite sets a cheap one (tests/conftest.py).
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "").strip() or "scrypt",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # SQLite: how long a write waits for another's lock before the request answers 503.
        "SQLITE_BUSY_TIMEOUT": float(os.environ.get("SQLITE_BUSY_TIMEOUT", "5")),
        **elasticsearch_settings(),
        "ELASTICSEARCH_INDEX_PREFIX": os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "qingdan-items"),
        "SEARCH_INDEX_PATH": os.environ.get("SEARCH_INDEX_PATH", str(instance / "search-index")),
        # The embedded engine drains the outbox in the web process after each write; with
        # Elasticsearch, `flask --app catalog search worker` does it.
        "SEARCH_DRAIN_IN_PROCESS": os.environ.get("SEARCH_DRAIN_IN_PROCESS", "auto"),
        # Answers to identical searches a process keeps (0: none), each valid only for the index
        # commit, synonyms and vocabulary it was computed with (catalog/services/citizen_search.py).
        "SEARCH_ANSWER_CACHE": _whole_number("SEARCH_ANSWER_CACHE", 512),
        # Days a query that found nothing stays in the search log (`flask search purge-log`).
        "SEARCH_LOG_RETENTION_DAYS": int(os.environ.get("SEARCH_LOG_RETENTION_DAYS", "90")),
        "API_TITLE": "清单 Qingdan API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        # Served from the swagger-ui-bundle wheel, so the docs page works offline.
        "OPENAPI_SWAGGER_UI_URL": "/api/swagger-ui/",
        "JSON_AS_ASCII": False,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "PAGE_SIZE_MAX": 100,
        # Sign-in throttles (catalog/web/sign_in_limits.py). With several gunicorn workers, point
        # the store at a shared one (redis://…) so the counts hold across them; memory:// counts
        # per process.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # The shared store down: count per process rather than fail every sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_RATE_LIMIT": _rate("LOGIN_RATE_LIMIT", "10 per minute"),  # attempts per address
        # wrong passwords per account from one address (or one known browser)
        "LOGIN_FAILURE_LIMIT": _rate("LOGIN_FAILURE_LIMIT", "5 per 15 minutes"),
        # wrong passwords per account from all browsers it never signed in from, together
        "LOGIN_ACCOUNT_FAILURE_LIMIT": _rate("LOGIN_ACCOUNT_FAILURE_LIMIT", "50 per hour"),
        # Operations (catalog/observability.py): readiness is computed at most this often per process.
        "HEALTH_CACHE_SECONDS": float(os.environ.get("HEALTH_CACHE_SECONDS", "1.5")),
        # Outbox older than this makes readiness say "degraded" (still 200: see the README).
        "HEALTH_MAX_OUTBOX_SECONDS": _whole_number("HEALTH_MAX_OUTBOX_SECONDS", 300),
        # /metrics: with a token, only `Authorization: Bearer <token>`; without, loopback only.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "false").lower() == "true",
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "API 令牌（qd_…）",
                    }
                }
            },
            "security": [{}, {"bearerAuth": []}],
        },
    }


def elasticsearch_settings() -> dict[str, Any]:
    """The ELASTICSEARCH_* settings, checked now: a wrong one stops the process at start with
    what to change, rather than failing every search later."""
    settings: dict[str, Any] = {
        "ELASTICSEARCH_URL": os.environ.get("ELASTICSEARCH_URL") or None,
        "ELASTICSEARCH_CA_CERTS": os.environ.get("ELASTICSEARCH_CA_CERTS") or None,
        "ELASTICSEARCH_USERNAME": os.environ.get("ELASTICSEARCH_USERNAME") or None,
        "ELASTICSEARCH_PASSWORD": os.environ.get("ELASTICSEARCH_PASSWORD") or None,
        "ELASTICSEARCH_API_KEY": os.environ.get("ELASTICSEARCH_API_KEY") or None,
        "ELASTICSEARCH_TIMEOUT": _seconds("ELASTICSEARCH_TIMEOUT", 10.0),
        "ELASTICSEARCH_MAX_RETRIES": _whole_number("ELASTICSEARCH_MAX_RETRIES", 2),
        "ELASTICSEARCH_RETRY_ON_TIMEOUT": _flag("ELASTICSEARCH_RETRY_ON_TIMEOUT", True),
        "ELASTICSEARCH_SNIFF": _flag("ELASTICSEARCH_SNIFF", False),
    }
    if settings["ELASTICSEARCH_URL"]:
        problem = elasticsearch_problem(settings)
        if problem:
            raise SettingError(problem)
    return settings


def elasticsearch_problem(settings: Mapping[str, Any]) -> str | None:
    """Why these Elasticsearch settings cannot work, or None."""
    urls = [u.strip() for u in settings["ELASTICSEARCH_URL"].split(",") if u.strip()]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"ELASTICSEARCH_URL 中的“{url}”不是 http:// 或 https:// 地址（多个节点用逗号分隔）。"
    ca_file = settings["ELASTICSEARCH_CA_CERTS"]
    if ca_file:
        if not Path(ca_file).is_file():
            return f"ELASTICSEARCH_CA_CERTS 指向的 CA 证书文件 {ca_file} 不存在。"
        try:
            pem = Path(ca_file).read_bytes()
        except OSError as error:
            return f"ELASTICSEARCH_CA_CERTS 指向的文件 {ca_file} 无法读取：{error}。"
        if b"-----BEGIN CERTIFICATE-----" not in pem:
            return f"ELASTICSEARCH_CA_CERTS 指向的文件 {ca_file} 不是 PEM 格式的 CA 证书。"
        if not any(url.startswith("https://") for url in urls):
            return "设置了 ELASTICSEARCH_CA_CERTS，但 ELASTICSEARCH_URL 没有 https:// 地址：证书不会被使用。"
    username, password = settings["ELASTICSEARCH_USERNAME"], settings["ELASTICSEARCH_PASSWORD"]
    if bool(username) != bool(password):
        return "ELASTICSEARCH_USERNAME 与 ELASTICSEARCH_PASSWORD 须同时设置。"
    if username and settings["ELASTICSEARCH_API_KEY"]:
        return "ELASTICSEARCH_API_KEY 与 ELASTICSEARCH_USERNAME/_PASSWORD 只能设置一种。"
    if username or settings["ELASTICSEARCH_API_KEY"]:
        in_clear = [
            u for u in urls if u.startswith("http://") and urlsplit(u).hostname not in _LOOPBACK
        ]
        if in_clear:
            return f"凭据不能以明文发送到 {in_clear[0]}：请使用 https:// 地址（并设置 ELASTICSEARCH_CA_CERTS）。"
    return None


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def secret_key(config: Mapping[str, Any], instance_path: str) -> str | bytes:
    """The key that signs sessions, CSRF tokens and device cookies.

    Outside development and tests a missing or weak key stops the process: with a key others
    know, anyone can sign a cookie. In development (QINGDAN_ENV=development, which `make run`
    sets) a key is generated once into the instance folder; tests get a fresh one per process.
    """
    key = config.get("SECRET_KEY")
    if config.get("QINGDAN_ENV") == "development":
        return key or development_secret_key(Path(instance_path))
    if config.get("TESTING"):
        return key or secrets.token_hex(32)
    problem = secret_key_problem(key)
    if problem:
        raise InsecureSecretKey(f"{problem}{HOW_TO_SET_A_KEY}")
    return key  # type: ignore[return-value]


def secret_key_problem(key: str | bytes | None) -> str | None:
    """Why a key is not good enough, or None when it holds at least 256 random-looking bits.

    Randomness cannot be proven from the value; this refuses what is surely weak: published
    keys, short ones (hex counts 4 bits a character, other text 6, raw bytes 8), and keys of
    a few repeated characters.
    """
    if not key:
        return "没有设置 SECRET_KEY（它签名登录会话与表单令牌）。"
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    if text in PUBLISHED_KEYS:
        return "SECRET_KEY 是公开过的示例值，任何人都能用它伪造登录。"
    hexadecimal = all(c in "0123456789abcdefABCDEF" for c in text)
    bits_per_character = 8 if isinstance(key, bytes) else 4 if hexadecimal else 6
    if len(text) * bits_per_character < MIN_KEY_BITS or len(set(text)) < 10:
        return "SECRET_KEY 太弱：须为至少 32 字节的随机值（如 64 个十六进制字符）。"
    return None


def development_secret_key(instance: Path) -> str:
    """The local demo's key: generated on first use into ``secret_key`` (mode 0600), then reused,
    so every process of the demo (flask commands, gunicorn workers) signs with the same key."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    descriptor, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key.")  # created 0600
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    try:
        os.link(temporary, path)  # atomic: when workers start together, the first link wins
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    return path.read_text().strip()


def _whole_number(name: str, default: int, least: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < least:
        raise SettingError(f"{name} 须为不小于 {least} 的整数，现为“{value}”。")
    return int(value)


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise SettingError(f"{name} 须为大于 0 的秒数，现为“{value}”。")
    return seconds


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingError(f"{name} 须为 true 或 false，现为“{value}”。")
    return value in ("true", "1", "yes")


def _rate(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        parse_many(value)
    except ValueError:
        raise SettingError(
            f"{name} 须写成“次数 per 时间”，如“10 per minute”，现为“{value}”。"
        ) from None
    return value
