"""Health: liveness (no I/O), readiness (database, search engine, outbox lag; cached per
process), and the index health the operators' notes name."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from flask_smorest import Blueprint

from ..observability import readiness
from ..schemas.health import HealthSchema, LiveSchema, ReadySchema

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="运行状态")


@blp.get("/live")
@blp.response(200, LiveSchema)
def live() -> dict[str, str]:
    """进程存活（不访问数据库与搜索引擎）"""
    return {"status": "live"}


@blp.get("/ready")
@blp.response(200, ReadySchema)
@blp.alt_response(503, schema=ReadySchema, description="数据库或搜索引擎不可用")
def ready() -> tuple[dict[str, Any], int]:
    """可否服务：数据库、搜索引擎、索引同步滞后（每进程缓存 HEALTH_CACHE_SECONDS 秒）"""
    state = readiness()
    body = {
        "status": state.status,
        "database": {"ok": state.database_problem is None, "detail": state.database_problem},
        "search": asdict(state.search),
        "lag": state.lag,
        "age_seconds": round(time.monotonic() - state.checked_at, 3),
    }
    return body, 200 if state.ready else 503


@blp.get("")
@blp.response(200, HealthSchema)
def health() -> dict[str, Any]:
    """搜索引擎状态与索引滞后（待同步的变更数、最早一条的等待秒数）"""
    state = readiness()
    return {**asdict(state.search), "lag": state.lag}
