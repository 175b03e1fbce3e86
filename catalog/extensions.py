"""Flask extension objects, created once and bound in create_app."""
from flask_migrate import Migrate
from flask_smorest import Api

from search.engines.base import SearchEngine

from .models import db

migrate = Migrate(compare_type=True, render_as_batch=True)
rest_api = Api()

__all__ = ["db", "migrate", "rest_api"]


def search_engine() -> SearchEngine:
    """The app's search engine: Elasticsearch when ELASTICSEARCH_URL is set, else embedded."""
    from flask import current_app

    from .services.search_engine import engine_from_config

    engine = current_app.extensions.get("qingdan_search_engine")
    if engine is None:
        engine = engine_from_config(current_app.config)
        current_app.extensions["qingdan_search_engine"] = engine
    return engine
