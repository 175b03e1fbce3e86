"""Operations: a request id on every request, one JSON log line per request, Prometheus metrics.

The request id is the client's ``X-Request-Id`` when it is a plausible id (nginx's
``$request_id``, a load balancer's), else a new one; it is returned in the response header,
written in every log line of the request and sent to Elasticsearch as ``X-Opaque-Id``.

Metrics come from prometheus_client. Under gunicorn every worker counts in files of
PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py sets it up), and /metrics, whichever worker
answers it, sums them. The outbox lag and the index size are read at scrape time from this
process's cached readiness check (catalog/services/readiness.py), so a scrape costs no more
than a health request.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.logging import default_handler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from search.tracing import current_request_id

from .extensions import db, search_engine
from .services.readiness import Readiness, ReadinessCache, check

REQUEST_ID_HEADER = "X-Request-Id"
_PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "qingdan_http_request_duration_seconds",
    "Time to answer a request, by route (endpoint name) and method",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter(
    "qingdan_http_responses_total",
    "Responses by route, method and status (5xx: errors)",
    ["endpoint", "method", "status"],
)
request_log = logging.getLogger("catalog.request")


def init_observability(app: Flask) -> None:
    """Request ids, the request log and metrics; registered first so the timing covers every hook."""
    if app.config["LOG_FORMAT"] == "json":
        _log_as_json(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request_id)
    app.add_url_rule("/metrics", "metrics", metrics)


def readiness() -> Readiness:
    """This process's readiness, checked at most every HEALTH_CACHE_SECONDS."""
    cache = current_app.extensions.get("qingdan_readiness")
    if cache is None:
        cache = current_app.extensions["qingdan_readiness"] = ReadinessCache(
            current_app.config["HEALTH_CACHE_SECONDS"]
        )
    limit = current_app.config["HEALTH_MAX_OUTBOX_SECONDS"]
    return cache.get(lambda: check(db.session, search_engine(), limit))


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _start_request() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _PLAUSIBLE_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.request_id_token = current_request_id.set(g.request_id)


def _finish_request(response: Response) -> Response:
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    endpoint = (
        request.url_rule.endpoint if request.url_rule else "unmatched"
    )  # raw paths would grow without end
    method = request.method if request.method in _METHODS else "other"
    _latency(endpoint, method).observe(seconds)
    _responses(endpoint, method, response.status_code).inc()
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    request_log.info(
        "request",
        extra={
            "fields": {
                "method": request.method,
                "path": request.path,
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "remote_addr": request.remote_addr,
            }
        },
    )
    return response


# A metric's child per label set, looked up once: ``.labels()`` validates and hashes the labels
# on every call. The sets are bounded (routes × methods × statuses), so the caches are too.
@functools.cache
def _latency(endpoint: str, method: str) -> Any:
    return REQUEST_SECONDS.labels(endpoint, method)


@functools.cache
def _responses(endpoint: str, method: str, status: int) -> Any:
    return RESPONSES.labels(endpoint, method, str(status))


def _forget_request_id(_: BaseException | None = None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        current_request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _log_as_json(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    app.logger.removeHandler(default_handler)
    for name, level in (
        ("catalog", logging.INFO),
        ("search", logging.INFO),
        ("elasticsearch", logging.WARNING),
    ):
        logger = logging.getLogger(name)
        if not any(
            isinstance(h.formatter, JsonFormatter) for h in logger.handlers
        ):  # create_app runs again in tests
            logger.addHandler(handler)
        logger.setLevel(level)


def metrics() -> Response:
    """Prometheus text format: every worker's counters and histograms, and the health gauges."""
    if not _may_read_metrics():
        return Response(
            "403 Forbidden: /metrics answers loopback, or METRICS_TOKEN\n",
            403,
            mimetype="text/plain",
        )
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        counted = generate_latest(REGISTRY)
    health = CollectorRegistry()
    health.register(_HealthCollector())
    return Response(counted + generate_latest(health), mimetype=CONTENT_TYPE_LATEST)


def _may_read_metrics() -> bool:
    """With METRICS_TOKEN, its bearer only; without, a loopback peer that came through no proxy
    (a proxied request is never local, whatever PROXY_COUNT says)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(offered.encode(), token.encode())
    if "X-Forwarded-For" in request.headers or not request.remote_addr:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr).is_loopback
    except ValueError:
        return False


class _HealthCollector:
    """Gauges from this process's cached readiness check."""

    def collect(self) -> Iterator[Metric]:
        state = readiness()
        yield _gauge(
            "qingdan_ready", "1 when the database and the search engine answer", int(state.ready)
        )
        yield _gauge(
            "qingdan_database_up",
            "1 when the database answered",
            int(state.database_problem is None),
        )
        yield _gauge(
            "qingdan_search_engine_up", "1 when the search engine answered", int(state.search.ok)
        )
        if state.search.count is not None:
            yield _gauge(
                "qingdan_index_documents", "Documents in the live search index", state.search.count
            )
        if state.lag is not None:
            yield _gauge(
                "qingdan_outbox_pending", "Changes waiting to be indexed", state.lag["pending"]
            )
            yield _gauge(
                "qingdan_outbox_oldest_seconds",
                "Age of the oldest change waiting",
                state.lag["oldest_seconds"],
            )
            yield _gauge(
                "qingdan_outbox_failing",
                "Waiting changes that failed at least once",
                state.lag["failing"],
            )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
