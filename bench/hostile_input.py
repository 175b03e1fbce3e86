"""Hostile input against a live gunicorn server: every request of issue 13 items 6–11.

Run on demand (not part of the test suite):

    .venv/bin/python bench/hostile_input.py [--workers 4] [--concurrency 8] [--rounds 2]

It makes a throwaway SQLite database (the default engine: embedded search) in a temporary
directory, migrates it, and writes two departments A and B, published and draft rows of B,
and API tokens (admin, an editor and a reviewer of A). Then it starts gunicorn with
deploy/gunicorn.conf.py (--workers, 2 threads each, timeout 30 s) on a free loopback port, and
fires, from --concurrency client threads, --rounds times:

- item 6: an anonymous write to every write route of /api/openapi.json, each with a malformed
  body, a 2 MB body, a 100,000-deep body and no If-Match (expected 401);
- item 7: roles that never may (an editor writing reference lists and approving, a reviewer
  writing rows, an editor reading the audit trail; expected 403), the anonymous reading drafts'
  revisions and histories (401);
- item 8: A's editor linking a bundle to B's draft and clashing with its code (422, the row not
  named);
- item 9: POST /api/v1/stats/check with "1e999999999", "1e400" and other non-decimals (422);
- item 10: imports of a forged-dimension workbook (A1:XFD20000), one with an empty cell in
  column XFD on every row, one with a value in column 300, a zip bomb and a CSV of 50,011 rows
  (400), as A's editor;
- item 11: a 10 MB body of 900,000 unknown keys (413), 40,000 in 0.94 MB (400), 100,000-deep nesting
  (400), and 1,000 unknown keys (422 listing 50 of them), as the admin.

Each token is used once before the storm (its first use is a write; --cold-tokens skips this, and
then the storm also races SQLite writers, issue 13 item 12). Meanwhile a probe reads
/api/v1/health every half second. It prints the answers counted by
status and by item; every unexpected status with its request; the number of 500s; workers
killed or restarted (gunicorn's "WORKER TIMEOUT" and "Booting worker" lines beyond the first
--workers); and the health probe's slowest answer and failures. Exit status 1 when any answer
was a 500, any status unexpected, or any worker was killed. Target: 0 × 500, 0 killed workers.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import hostile_files
from tests.support.servers import free_port

DEEP = hostile_files.deep_json(100_000)
TEN_MB_OF_KEYS = hostile_files.many_keys_json(900_000)
ONE_MB_OF_KEYS = hostile_files.many_keys_json(40_000)  # 0.94 MB: within the size bound
TWO_MB = "x" * (2 * 1024 * 1024)


@dataclass(frozen=True)
class Attack:
    item: str
    method: str
    path: str
    expected: frozenset[int]
    token: str | None = None  # admin, editor, reviewer, or None for the anonymous
    json_body: Any = None
    raw: str | bytes | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        return f"{self.item} {self.token or 'anonymous'} {self.method} {self.path}"


# -- the server -----------------------------------------------------------------------------------


def prepare(folder: Path) -> dict[str, Any]:
    """Migrate the database and write what the attacks need; return ids and tokens."""
    os.environ.update(_environment(folder))
    from flask_migrate import upgrade

    from catalog import create_app
    from catalog.extensions import db
    from catalog.services import accounts
    from catalog.services.permissions import Actor
    from tests import factories

    app = create_app()
    with app.app_context():
        upgrade()
        session = db.session
        region = factories.region(session)
        a, b = factories.department(session, region.id), factories.department(session, region.id)
        draft = factories.service_item(session, b.id)
        published = factories.service_item(session, b.id, status="published")
        power = factories.power_item(session, b.id, code="QZ-B-DRAFT", name="乙的草稿")
        operator = Actor.system("bench")
        tokens = {
            role: accounts.create_token(
                session,
                operator,
                name=f"bench-{role}",
                role=role,
                department_id=None if role == "admin" else a.id,
            )[1]
            for role in ("admin", "editor", "reviewer")
        }
        ids = {
            "a": a.id,
            "b": b.id,
            "draft": draft.id,
            "published": published.id,
            "power": power.id,
        }
        db.engine.dispose()
    return {"tokens": tokens, **ids}


def _environment(folder: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'qingdan.sqlite3'}",
        "SEARCH_INDEX_PATH": str(folder / "search-index"),
        "SECRET_KEY": secrets.token_hex(32),
    }


def start_gunicorn(folder: Path, workers: int, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    log = folder / "gunicorn.log"
    env = {**os.environ, **_environment(folder), "WEB_CONCURRENCY": str(workers)}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "deploy/gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        "catalog:create_app()",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if (
                requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).ok
                and _booted(log) >= workers
            ):
                return server, log
        except requests.RequestException:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 120 s:\n{log.read_text()[-3000:]}")


def _booted(log: Path) -> int:
    return log.read_text(errors="replace").count("Booting worker with pid")


# -- the attacks ----------------------------------------------------------------------------------


def attacks(base: str, ids: dict[str, Any]) -> list[Attack]:
    return [
        *_anonymous_writes(base),
        *_roles_that_never_may(ids),
        *_hidden_rows(ids),
        *_published_figures(),
        *_hostile_workbooks(),
        *_hostile_json(),
    ]


def _anonymous_writes(base: str) -> list[Attack]:
    spec = requests.get(f"{base}/api/openapi.json", timeout=30).json()
    found = []
    for path, operations in spec["paths"].items():
        for method in operations:
            if method in {"post", "put", "patch", "delete"} and path != "/api/v1/stats/check":
                url = re.sub(r"\{\w+\}", "1", path)
                for raw in ("{not json", TWO_MB, DEEP):
                    found.append(Attack("6", method.upper(), url, frozenset({401}), raw=raw))
    return found


def _roles_that_never_may(ids: dict[str, Any]) -> list[Attack]:
    item = f"/api/v1/service-items/{ids['draft']}"
    forbidden = frozenset({403})
    return [
        Attack("7", "POST", "/api/v1/legal-bases", forbidden, "editor", raw=DEEP),
        Attack("7", "PATCH", "/api/v1/regions/1", forbidden, "editor", json_body={"name": "改名"}),
        Attack("7", "POST", f"{item}/approve", forbidden, "editor", json_body={}),
        Attack("7", "POST", "/api/v1/service-items", forbidden, "reviewer", raw="{not json"),
        Attack("7", "GET", "/api/v1/audit?since=not-a-date", forbidden, "editor"),
        Attack("7", "GET", f"{item}/revision", frozenset({401}), None),
        Attack("7", "GET", f"{item}/history", frozenset({401}), None),
    ]


def _hidden_rows(ids: dict[str, Any]) -> list[Attack]:
    bundle = {
        "name": f"开办餐饮店{secrets.token_hex(4)}",
        "lead_department_id": ids["a"],
        "member_ids": [ids["draft"]],
    }
    power = {
        "code": "QZ-B-DRAFT",
        "name": "甲的事项",
        "power_type_code": "01",
        "department_id": ids["a"],
    }
    return [
        Attack("8", "POST", "/api/v1/bundles", frozenset({422}), "editor", json_body=bundle),
        Attack("8", "POST", "/api/v1/power-items", frozenset({422}), "editor", json_body=power),
    ]


def _published_figures() -> list[Attack]:
    values = ["1e999999999", "1e400", "1e999999999%", "NaN", "Infinity", "1/3", "9" * 13, "0x10"]
    return [
        Attack(
            "9",
            "POST",
            "/api/v1/stats/check",
            frozenset({422}),
            None,
            json_body={"key": "instant_share", "published": value},
        )
        for value in values
        for _ in range(3)
    ]


def _hostile_workbooks() -> list[Attack]:
    rows = "\n".join(["事项名称", *(f"事项{i}" for i in range(50_011))]).encode()
    files = {
        "forged.xlsx": hostile_files.forged_dimension(20_000),
        "xfd.xlsx": hostile_files.empty_cell_at_xfd(20_000),
        "wide.xlsx": hostile_files.value_beyond_the_columns(300),
        "bomb.xlsx": hostile_files.zip_bomb(400),
        "rows.csv": rows,
    }
    expected = {
        "forged.xlsx": frozenset({200}),
        "xfd.xlsx": frozenset({400}),
        "wide.xlsx": frozenset({400}),
        "bomb.xlsx": frozenset({400}),
        "rows.csv": frozenset({400}),
    }
    return [
        Attack(
            "10",
            "POST",
            "/api/v1/service-items/import?dry_run=true",
            expected[name],
            "editor",
            files={"file": (name, data)},
        )
        for name, data in files.items()
    ]


def _hostile_json() -> list[Attack]:
    path = "/api/v1/bundles"
    return [
        Attack("11", "POST", path, frozenset({413}), "admin", raw=TEN_MB_OF_KEYS),
        Attack("11", "POST", path, frozenset({400}), "admin", raw=ONE_MB_OF_KEYS),
        Attack("11", "POST", path, frozenset({400}), "admin", raw=DEEP),
        Attack(
            "11", "POST", path, frozenset({422}), "admin", raw=hostile_files.many_keys_json(1_000)
        ),
    ]


def fire(base: str, tokens: dict[str, str], attack: Attack) -> tuple[Attack, int | str, int, float]:
    headers = dict(attack.headers)
    if attack.token:
        headers["Authorization"] = f"Bearer {tokens[attack.token]}"
    kwargs: dict[str, Any] = {"headers": headers, "timeout": 120}
    if attack.json_body is not None:
        kwargs["json"] = attack.json_body
    elif attack.raw is not None:
        kwargs["data"] = attack.raw.encode() if isinstance(attack.raw, str) else attack.raw
        headers["Content-Type"] = "application/json"
    elif attack.files is not None:
        kwargs["files"] = attack.files
    started = time.monotonic()
    try:
        response = requests.request(attack.method, base + attack.path, **kwargs)
    except requests.RequestException as error:
        return attack, type(error).__name__, 0, time.monotonic() - started
    return attack, response.status_code, len(response.content), time.monotonic() - started


def warm_up(base: str, tokens: dict[str, str]) -> None:
    """Use each token once, one after the other: a token's first use records when it was used (a
    write), and concurrent writers on SQLite are issue 13 item 12's subject, not this run's."""
    for plain in tokens.values():
        requests.get(
            f"{base}/api/v1/service-items", headers={"Authorization": f"Bearer {plain}"}, timeout=60
        )


class HealthProbe(threading.Thread):
    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.stop, self.slowest, self.failures, self.reads = (
            base,
            threading.Event(),
            0.0,
            0,
            0,
        )

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(f"{self.base}/api/v1/health", timeout=40).ok
            except requests.RequestException:
                ok = False
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.failures += not ok
            self.reads += 1
            self.stop.wait(0.5)


def report(
    results: list[tuple[Attack, int | str, int, float]], log: Path, workers: int, probe: HealthProbe
) -> int:
    by_status = Counter(status for _, status, _, _ in results)
    by_item = Counter((attack.item, status) for attack, status, _, _ in results)
    unexpected = [(a, s, size, t) for a, s, size, t in results if s not in a.expected]
    text = log.read_text(errors="replace")
    killed = text.count("WORKER TIMEOUT") + len(re.findall(r"was sent SIG(?:KILL|ABRT)", text))
    restarted = max(text.count("Booting worker with pid") - workers, 0)
    print(f"\n{len(results)} requests; by status: {dict(sorted(by_status.items(), key=str))}")
    for item in ("6", "7", "8", "9", "10", "11"):
        counts = {status: n for (i, status), n in sorted(by_item.items(), key=str) if i == item}
        print(f"  item {item:>2}: {counts}")
    slowest = max(results, key=lambda r: r[3])
    print(f"slowest answer: {slowest[3]:.2f} s ({slowest[0].label()} → {slowest[1]})")
    largest = max(results, key=lambda r: r[2])
    print(f"largest answer: {largest[2]:,} bytes ({largest[0].label()} → {largest[1]})")
    print(
        f"500s: {by_status.get(500, 0)}; unexpected statuses: {len(unexpected)}; "
        f"workers killed: {killed}; workers restarted: {restarted}"
    )
    print(
        f"health probe: {probe.reads} reads, {probe.failures} failed, slowest {probe.slowest:.2f} s"
    )
    for attack, status, _, _ in unexpected[:20]:
        print(f"  unexpected {status} (expected {sorted(attack.expected)}): {attack.label()}")
    errors = Counter(re.findall(r"^(?:\w+\.)*\w+(?:Error|Exception): .{0,160}", text, flags=re.M))
    for line, n in errors.most_common(10):
        print(f"  server log, {n} ×: {line}")
    return 1 if by_status.get(500) or unexpected or killed or restarted else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--cold-tokens",
        action="store_true",
        help="no warm-up: tokens' first uses race in the storm",
    )
    options = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        ids = prepare(folder)
        port = free_port()
        server, log = start_gunicorn(folder, options.workers, port)
        base = f"http://127.0.0.1:{port}"
        probe = HealthProbe(base)
        try:
            if not options.cold_tokens:
                warm_up(base, ids["tokens"])
            planned = attacks(base, ids) * options.rounds
            print(
                f"gunicorn: {options.workers} workers on {base}; {len(planned)} hostile requests, "
                f"{options.concurrency} at a time"
            )
            probe.start()
            started = time.monotonic()
            with ThreadPoolExecutor(options.concurrency) as pool:
                results = list(pool.map(lambda attack: fire(base, ids["tokens"], attack), planned))
            print(f"fired in {time.monotonic() - started:.1f} s")
            time.sleep(1)
        finally:
            probe.stop.set()
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        status = report(results, log, options.workers, probe)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    sys.exit(status)


if __name__ == "__main__":
    main()
