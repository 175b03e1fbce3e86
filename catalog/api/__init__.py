"""REST API v1 (flask-smorest) and its OpenAPI document at /api/openapi.json."""
from __future__ import annotations

from flask import Flask, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from ..services.registry import ALL_LISTS
from .resources import resource_blueprint
from .search import blp as search_blueprint
from .spreadsheets import blp as spreadsheets_blueprint
from .stats import blp as stats_blueprint


def register_api(app: Flask, api: Api) -> None:
    api.init_app(app)
    for spec in ALL_LISTS:
        api.register_blueprint(resource_blueprint(spec))
    api.register_blueprint(stats_blueprint)
    api.register_blueprint(search_blueprint)
    api.register_blueprint(spreadsheets_blueprint)

    @app.get("/api/swagger-ui/<path:filename>")
    def swagger_ui_asset(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(swagger_ui_path, filename)
