"""Operations in process: readiness caching and liveness, /metrics with a token, and the sign-in
limiter's reach. What needs a real deployment (deploy/smoke, metrics summed over gunicorn
workers, worker restarts, the JSON request log) is in tests/browser/test_deployment.py, on the
browser tests' live server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.globals import request_ctx
from flask.testing import FlaskClient

from catalog import create_app


def test_readiness_is_cached_and_liveness_does_no_io(tmp_path: Path) -> None:
    """An app whose database was never migrated: not ready (503, saying why), yet live."""
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "SEARCH_INDEX_PATH": str(tmp_path / "index"),
            "ELASTICSEARCH_URL": None,
            "HEALTH_CACHE_SECONDS": 60,
        }
    )
    client = broken.test_client()
    first = client.get("/api/v1/health/ready")
    assert first.status_code == 503 and first.json["status"] == "unready"
    assert "no such table" in first.json["database"]["detail"]
    again = client.get("/api/v1/health/ready")
    assert (
        again.status_code == 503 and again.json["age_seconds"] > first.json["age_seconds"]
    )  # the same check
    assert client.get("/api/v1/health/live").json == {"status": "live"}


def test_metrics_with_a_token(
    app: Flask, anonymous_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-token-123")
    assert anonymous_client.get("/metrics").status_code == 403
    assert (
        anonymous_client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code
        == 403
    )
    answer = anonymous_client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"})
    assert answer.status_code == 200 and "qingdan_http_request_duration_seconds" in answer.get_data(
        as_text=True
    )


def test_the_sign_in_limiter_runs_for_the_sign_in_only(
    app: Flask, anonymous_client: FlaskClient
) -> None:
    """Flask-Limiter's hooks keep their state in the request context: present only where they ran."""
    with anonymous_client:
        assert anonymous_client.get("/api/v1/search?q=护照").status_code == 200
        assert not hasattr(request_ctx._get_current_object(), "_limiter_request_context")
    with anonymous_client:
        anonymous_client.post("/login", data={"username": "nobody", "password": "x"})
        assert hasattr(request_ctx._get_current_object(), "_limiter_request_context")
