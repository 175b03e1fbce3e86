"""The deployment as operators run it, on the browser tests' live server (gunicorn with
deploy/gunicorn.conf.py and two workers, the 云城区 demo on SQLite and the embedded index):
deploy/smoke passes and fails, /metrics sums every worker and counts a killed worker, and each
request is one JSON log line with its request id. Nothing here writes to the catalog.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from tests.browser.server import REPOSITORY, LiveServer
from tests.support.servers import free_port

SMOKE = [sys.executable, str(REPOSITORY / "deploy" / "smoke")]


def smoke(*arguments: str) -> subprocess.CompletedProcess[str]:
    # a generous timeout per request: what is checked is the answer, on a CI machine that is busy
    return subprocess.run(
        [*SMOKE, "--timeout", "60", *arguments],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include ``labels``."""
    total, found = 0.0, False
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            total, found = total + float(match.group(2)), True
    assert found, f"no {name} {labels} in /metrics"
    return total


def test_smoke_passes_against_a_running_deployment(live_server: LiveServer) -> None:
    done = smoke(live_server.url, "--query", "护照")
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("live", "ready", "search", "figures", "pages"):
        assert re.search(rf"^ok\s+{check}\b", done.stdout, re.MULTILINE), done.stdout
    # a live figure, computed: its exact value moves as other browser tests publish into the demo
    assert re.search(r"即办件占比 \d+/\d+ = \d+\.\d\d%", done.stdout), done.stdout


def test_smoke_fails_on_a_dead_site() -> None:
    dead = smoke(f"http://127.0.0.1:{free_port()}")
    assert dead.returncode == 1 and dead.stdout.count("FAIL") == 5, dead.stdout


def test_metrics_sum_every_worker_and_count_restarts(live_server: LiveServer) -> None:
    for _ in range(12):
        assert requests.get(live_server.url + "/api/v1/health/live", timeout=10).status_code == 200
    assert requests.get(live_server.url + "/api/v1/search?q=护照", timeout=10).status_code == 200
    text = requests.get(live_server.url + "/metrics", timeout=10).text
    # the workers share the requests: a count of one worker alone would fall short of 12
    assert metric(text, "qingdan_http_responses_total", endpoint="health.live", status="200") >= 12
    assert (
        metric(
            text,
            "qingdan_http_request_duration_seconds_count",
            endpoint="search.search",
            method="GET",
        )
        >= 1
    )
    assert metric(text, "qingdan_index_documents") > 400  # the 云城区 demo
    assert metric(text, "qingdan_outbox_pending") == 0
    assert metric(text, "qingdan_ready") == 1
    before = _restarts(text)

    workers = _worker_pids(live_server)
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        set(_worker_pids(live_server)) & {workers[0]} or len(_worker_pids(live_server)) < 2
    ):
        time.sleep(0.1)
    assert _restarts(requests.get(live_server.url + "/metrics", timeout=10).text) == before + 1


def _restarts(text: str) -> float:
    return (
        metric(text, "qingdan_worker_restarts_total")
        if "qingdan_worker_restarts_total " in text
        else 0.0
    )


def _worker_pids(live_server: LiveServer) -> list[int]:
    assert live_server.process is not None
    children = (
        Path(f"/proc/{live_server.process.pid}/task/{live_server.process.pid}/children")
        .read_text()
        .split()
    )
    return [int(pid) for pid in children]


def test_metrics_refuse_a_proxied_request(live_server: LiveServer) -> None:
    refused = requests.get(
        live_server.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10
    )
    assert refused.status_code == 403


def test_request_ids_are_returned_and_logged_as_json(live_server: LiveServer) -> None:
    request_id = f"ops-{uuid.uuid4().hex}"
    answer = requests.get(
        live_server.url + "/api/v1/search?q=护照", headers={"X-Request-Id": request_id}, timeout=10
    )
    assert answer.headers["X-Request-Id"] == request_id
    made_up = requests.get(
        live_server.url + "/api/v1/health/live",
        headers={"X-Request-Id": "not an id; <script>"},
        timeout=10,
    )
    assert re.fullmatch(r"[0-9a-f]{32}", made_up.headers["X-Request-Id"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        entries = [
            json.loads(line)
            for line in (live_server.workdir / "gunicorn.log").read_text().splitlines()
            if line.startswith("{")
        ]
        mine = [entry for entry in entries if entry.get("request_id") == request_id]
        if mine:
            break
        time.sleep(0.1)
    assert mine and mine[0]["endpoint"] == "search.search" and mine[0]["status"] == 200
    assert mine[0]["level"] == "INFO" and mine[0]["duration_ms"] > 0
