"""Settings from the environment, with embedded defaults.

With nothing set, Qingdan runs on one machine with no services: a SQLite file and the
embedded search index, both under the instance folder.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def settings_from_environment(instance_path: str) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    instance = Path(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'qingdan.sqlite3'}"
    # SQLAlchemy wants the psycopg 3 driver named explicitly.
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "qingdan-development-key-change-me"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "ELASTICSEARCH_URL": os.environ.get("ELASTICSEARCH_URL"),
        "ELASTICSEARCH_INDEX_PREFIX": os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "qingdan-items"),
        "SEARCH_INDEX_PATH": os.environ.get("SEARCH_INDEX_PATH", str(instance / "search-index")),
        # The embedded engine drains the outbox in the web process after each write; with
        # Elasticsearch, `flask --app catalog search worker` does it.
        "SEARCH_DRAIN_IN_PROCESS": os.environ.get("SEARCH_DRAIN_IN_PROCESS", "auto"),
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
        # Login attempts per address; with several gunicorn workers, point this at a shared
        # store (redis://…) so the limit holds across them. The per-account lockout is in the
        # database and holds everywhere regardless.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "false").lower() == "true",
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "API 令牌（qd_…）"}
                }
            },
            "security": [{}, {"bearerAuth": []}],
        },
    }
