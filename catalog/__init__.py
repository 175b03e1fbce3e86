"""Qingdan (清单): a district government's official lists, with Chinese full-text search."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import settings_from_environment
from .extensions import db, migrate, rest_api

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: settings from the environment, overridden by ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY)
    with app.app_context():
        _tune_sqlite(db.engine)

    from .api import register_api
    from .cli import register_commands

    register_api(app, rest_api)
    register_commands(app)
    return app


def _tune_sqlite(engine: Engine) -> None:
    """Make SQLite behave: foreign keys on, and transactions SQLAlchemy fully controls.

    pysqlite's own implicit BEGIN breaks SAVEPOINTs; SQLAlchemy's documented recipe takes
    over transaction control so nested transactions and rollbacks are exact.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
