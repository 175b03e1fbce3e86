"""Qingdan (清单): a district government's official lists, with Chinese full-text search."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import SettingError, secret_key, settings_from_environment
from .database import close_sessions_quietly, tune_sqlite
from .extensions import db, migrate, rest_api
from .observability import init_observability

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: settings from the environment, overridden by ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    app.secret_key = secret_key(
        app.config, app.instance_path
    )  # refuses to start without a good one
    _check_password_hashing(app.config["PASSWORD_HASH_METHOD"])
    if proxies := app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    init_observability(app)  # first: its timing and request id cover every other hook
    db.init_app(app)
    close_sessions_quietly(app, lambda: db.session)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY)
    with app.app_context():
        tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])

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


def _check_password_hashing(method: str) -> None:
    """Hash the unknown-user dummy now: a method Werkzeug does not know stops the process at
    start, not at the first sign-in, and that sign-in costs what every later one does."""
    from .services.accounts import dummy_hash

    try:
        dummy_hash(method)
    except ValueError:
        raise SettingError(
            f"PASSWORD_HASH_METHOD“{method}”不是可用的口令散列方法：留空即用 scrypt，"
            "或写成 scrypt:n:r:p、pbkdf2:sha256:迭代次数。"
        ) from None


def _drain_after_writes(app: Flask) -> None:
    """With the embedded engine, index each write right after its response is sent.

    The write itself never waits for the index (its outbox row is committed with it). The drain
    holds SQLite's write lock only to claim and to settle outbox rows, never while it reads or
    writes the index. If it fails (engine or database busy), the rows stay and the next drain,
    or `search drain`, takes them.
    """
    from flask import Response, request
    from sqlalchemy.exc import SQLAlchemyError

    from .database import WRITE_METHODS, rollback_quietly, unavailable
    from .extensions import search_engine
    from .services.search_outbox import drain_outbox

    def enabled() -> bool:
        setting = app.config["SEARCH_DRAIN_IN_PROCESS"]
        return setting is True or (setting == "auto" and not app.config.get("ELASTICSEARCH_URL"))

    def drain() -> None:
        with app.app_context():
            try:
                drain_outbox(db.session, search_engine())
            except SQLAlchemyError as error:
                rollback_quietly(db.session)
                if unavailable(error) is None:
                    raise
                app.logger.warning("搜索索引同步推迟（待同步队列保留变更）：%s", error)

    @app.after_request
    def schedule_drain(response: Response) -> Response:
        if request.method in WRITE_METHODS and response.status_code < 400 and enabled():
            response.call_on_close(drain)
        return response
