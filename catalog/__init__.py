"""Qingdan (清单): a district government's official lists, with Chinese full-text search."""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import secret_key, settings_from_environment
from .extensions import db, migrate, rest_api

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: settings from the environment, overridden by ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    app.secret_key = secret_key(app.config, app.instance_path)  # refuses to start without a good one
    if proxies := app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY)
    with app.app_context():
        _tune_sqlite(db.engine)

    from .api import register_api
    from .authentication import init_authentication
    from .cli import register_commands
    from .errors import register_error_handlers
    from .web import register_web

    init_authentication(app)
    register_api(app, rest_api)
    register_web(app)
    register_error_handlers(app)
    register_commands(app)
    _drain_after_writes(app)
    # What is loaded by now (the segmentation dictionaries, schemas, the app) lives as long as the
    # process: freezing it spares requests the full collections over ~440,000 objects that
    # paused a figures request for 140 ms (bench/figures.py).
    gc.freeze()
    return app


def _drain_after_writes(app: Flask) -> None:
    """With the embedded engine, index each write right after its response is sent.

    The write itself never waits for the index (its outbox row is committed with it); if the
    drain fails, the row stays and the next drain or `search drain` takes it.
    """
    from flask import Response, request

    from .extensions import search_engine
    from .services.search_sync import drain_outbox

    def enabled() -> bool:
        setting = app.config["SEARCH_DRAIN_IN_PROCESS"]
        return setting is True or (setting == "auto" and not app.config.get("ELASTICSEARCH_URL"))

    def drain() -> None:
        with app.app_context():
            drain_outbox(db.session, search_engine())

    @app.after_request
    def schedule_drain(response: Response) -> Response:
        writing = request.method in {"POST", "PUT", "PATCH", "DELETE"}
        if writing and response.status_code < 400 and enabled():
            response.call_on_close(drain)
        return response


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
