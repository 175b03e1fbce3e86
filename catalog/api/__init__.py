"""REST API v1 (flask-smorest) and its OpenAPI document at /api/openapi.json."""

from __future__ import annotations

from flask import Flask, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from ..extensions import csrf
from ..services.registry import ALL_LISTS
from .audit import blp as audit_blueprint
from .gate import init_gate
from .health import blp as health_blueprint
from .legal_changes import blp as legal_changes_blueprint
from .random_checks import blp as random_checks_blueprint
from .resources import resource_blueprint
from .search import blp as search_blueprint
from .spreadsheets import blp as spreadsheets_blueprint
from .stats import blp as stats_blueprint


def register_api(app: Flask, api: Api) -> None:
    api.init_app(app)
    init_gate(app)
    blueprints = [resource_blueprint(spec) for spec in ALL_LISTS]
    blueprints += [stats_blueprint, search_blueprint, spreadsheets_blueprint, audit_blueprint]
    blueprints += [random_checks_blueprint, legal_changes_blueprint, health_blueprint]
    for blueprint in blueprints:
        # The API reads bearer tokens, never the session cookie, so CSRF cannot reach it.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    @app.get("/api/swagger-ui/<path:filename>")
    def swagger_ui_asset(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(swagger_ui_path, filename)
