"""A real Qingdan server for the browser tests: gunicorn with the deploy settings, on a fresh
SQLite database and embedded index, migrated and seeded the way `make run` does it.

The server is a separate process, as in production: pages are fetched over HTTP by Chromium,
so what is tested is what a citizen's browser receives (headers, assets, scripts).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """One gunicorn server and the environment its commands run with."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.workdir / 'qingdan.sqlite3'}",
            "SEARCH_INDEX_PATH": str(self.workdir / "search-index"),
            "SECRET_KEY": self._secret_key,
            "WEB_CONCURRENCY": "2",
            "ELASTICSEARCH_URL": "",
        }

    def __post_init__(self) -> None:
        self._secret_key = secrets.token_hex(32)

    def flask(self, *arguments: str, stdin: str | None = None) -> str:
        """Run `flask --app catalog …` against this server's database; its output."""
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "catalog", *arguments],
            cwd=REPOSITORY,
            env=self.environment,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self, seeds: Sequence[str] = ("yuncheng",)) -> None:
        """Migrate and seed, as `make run` does. Its `search drain --now` after is left out: a
        seed command leaves the index in sync before it returns (tests/search/
        test_commands_sync_index.py), and each command is a process start."""
        self.flask("db", "upgrade")
        for seed in seeds:
            self.flask("seed", seed)

    def start(self) -> None:
        with open(self.workdir / "gunicorn.log", "wb") as log:  # the server keeps its own copy
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--config",
                    "deploy/gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "catalog:create_app()",
                ],
                cwd=REPOSITORY,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited:\n{(self.workdir / 'gunicorn.log').read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
