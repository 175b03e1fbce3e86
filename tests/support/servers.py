"""The app served by gunicorn with the deployment's settings (deploy/gunicorn.conf.py), for
tests and benchmarks that need separate worker processes: loopback only, a free port, stopped
(with every worker) when the block ends."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def run_flask(
    environ: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """A ``flask`` command of the app in a process of its own (``environ`` names its database
    and index), as an operator runs it; its output captured, its exit status left to the caller."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "catalog", *args],
        cwd=ROOT,
        env=environ,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


class ServerStartError(RuntimeError):
    pass


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(
    environ: dict[str, str],
    log: Path,
    workers: int = 2,
    timeout: float = 120,
    app: str = "catalog:create_app()",
) -> Iterator[RunningServer]:
    """gunicorn with deploy/gunicorn.conf.py and ``workers`` workers, on 127.0.0.1, serving ``app``
    (which answers ``/api/v1/health`` once ready)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        app,
    ]
    env = {**environ, "WEB_CONCURRENCY": str(workers), "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = RunningServer(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server, timeout)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_ready(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(
                f"gunicorn exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            if requests.get(server.url + "/api/v1/health", timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise ServerStartError(f"gunicorn did not answer within {timeout:.0f} s:\n{server.log_tail()}")
