"""Flask extension objects, created once and bound in create_app."""

from threading import RLock
from typing import TYPE_CHECKING, Any

from apispec import APISpec
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api, Blueprint
from flask_wtf import CSRFProtect

from search.engines.base import SearchEngine

if TYPE_CHECKING:
    from .services.citizen_search import AnswerCache

from .models import db
from .schemas.errors import ErrorSchema


class QingdanApi(Api):
    """The API with its own error shape documented for every error response.

    A blueprint's operations enter the OpenAPI spec when the spec is first read (/api/openapi.json,
    `flask openapi`), not when the blueprint is registered: documenting them is most of what
    create_app costs (deep copies of every operation's docs, ~60 %), and every process start
    (each gunicorn worker, each `flask` command) and every test app paid it for a document
    few of them serve."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self) -> None:
        self._documenting = RLock()  # two first requests at once: one documents, one waits
        self._undocumented: list[tuple[Blueprint, str, Any]] = []
        super().__init__()

    @property
    def spec(self) -> APISpec | None:
        with self._documenting:
            while self._undocumented:
                blueprint, name, parameters = self._undocumented.pop(0)
                blueprint.register_views_in_doc(
                    self, self._app, self._spec, name=name, parameters=parameters
                )
                self._spec.tag({"name": name, "description": blueprint.description})
        return self._spec

    @spec.setter
    def spec(self, spec: APISpec | None) -> None:
        """A new app's spec (init_app): the blueprints registered from now on are its own."""
        self._spec = spec
        self._undocumented = []

    def register_blueprint(self, blp: Blueprint, *, parameters: Any = None, **options: Any) -> None:
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))


migrate = Migrate(compare_type=True, render_as_batch=True)
rest_api = QingdanApi()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits apply where declared (the login form); storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["csrf", "db", "limiter", "login_manager", "migrate", "rest_api"]


def search_engine() -> SearchEngine:
    """The app's search engine: Elasticsearch when ELASTICSEARCH_URL is set, else embedded."""
    from flask import current_app

    from .services.search_engine import engine_from_config

    engine = current_app.extensions.get("qingdan_search_engine")
    if engine is None:
        engine = engine_from_config(current_app.config)
        current_app.extensions["qingdan_search_engine"] = engine
    return engine


def search_answers() -> "AnswerCache | None":
    """This process's cache of search answers (None when SEARCH_ANSWER_CACHE is 0)."""
    from flask import current_app

    from .services.citizen_search import AnswerCache

    if "qingdan_search_answers" not in current_app.extensions:
        size = current_app.config["SEARCH_ANSWER_CACHE"]
        current_app.extensions["qingdan_search_answers"] = AnswerCache(size) if size else None
    cache: AnswerCache | None = current_app.extensions["qingdan_search_answers"]
    return cache
