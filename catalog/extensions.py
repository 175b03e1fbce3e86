"""Flask extension objects, created once and bound in create_app."""

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_wtf import CSRFProtect

from search.engines.base import SearchEngine

if TYPE_CHECKING:
    from .services.citizen_search import AnswerCache

from .models import db
from .schemas.errors import ErrorSchema


class QingdanApi(Api):
    """The API with its own error shape documented for every error response."""

    ERROR_SCHEMA = ErrorSchema


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
