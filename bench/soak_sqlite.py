"""Soak: concurrent writers and readers against gunicorn on the default SQLite + embedded engine.

    .venv/bin/python bench/soak_sqlite.py                     # 10 minutes, 8 clients, 4 workers
    .venv/bin/python bench/soak_sqlite.py --minutes 1 --clients 4

It makes a fresh instance in a temporary folder (or ``--folder``): migrates, seeds 云城区 2020
(``flask seed yuncheng``, which leaves the index in sync), creates an admin token and a user,
and serves the app with deploy/gunicorn.conf.py on 127.0.0.1 (``--workers``, 2 threads each).
Half the clients write through the API (drafts created, edited, submitted and approved;
published rows suspended, resumed, cancelled and revised; rows picked from a shared pool, so
clients race on the same ETags), half read (API and page search, suggestions, lists, item
pages) and sign in now and then; one writer checks a 300-row import (dry run) every 90 s.

Printed: requests by status and by operation, latency percentiles, the outbox once the clients
stop, then ``flask search verify`` (no repair) and its exit status. Exit status 1 when any
request answered 500 or verify found drift. Every request is bounded by a timeout; nothing
listens beyond loopback.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_mixed import percentile
from deploy.faults.traffic import TERMS
from tests.support.servers import RunningServer, gunicorn, run_flask

PASSWORD = "soak-correct-horse-battery"
TIMEOUT = 60  # seconds per request: a stuck request counts as a failure, never hangs the run


def prepare(folder: Path) -> tuple[dict[str, str], str]:
    environ = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'qingdan.sqlite3'}",
        "SEARCH_INDEX_PATH": str(folder / "search-index"),
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(folder),
    }
    environ.pop("ELASTICSEARCH_URL", None)
    for step in (("db", "upgrade"), ("seed", "yuncheng")):
        started = time.monotonic()
        done = run_flask(environ, *step)
        if done.returncode:
            sys.exit(f"flask {' '.join(step)} failed:\n{done.stdout}\n{done.stderr}")
        last = (done.stdout.strip().splitlines() or ["done"])[-1]
        print(f"flask {' '.join(step)}: {time.monotonic() - started:.0f} s; {last}")
    token = (
        run_flask(environ, "tokens", "create", "soak", "--role", "admin")
        .stdout.strip()
        .splitlines()[-1]
    )
    run_flask(
        environ,
        "users",
        "create",
        "soak",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return environ, token


class Tally:
    """Status codes and latencies, by operation; shared by the clients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: Counter[int] = Counter()
        self.by_operation: dict[str, Counter[int]] = defaultdict(Counter)
        self.seconds: list[float] = []
        self.failures: list[str] = []

    def record(
        self, operation: str, answer: requests.Response | None, seconds: float, error: str = ""
    ) -> None:
        code = answer.status_code if answer is not None else 0  # 0: no answer within the timeout
        with self.lock:
            self.codes[code] += 1
            self.by_operation[operation][code] += 1
            self.seconds.append(seconds)
            if code == 0 or code >= 500:
                self.failures.append(
                    f"{operation} {code} {error or (answer.text[:300] if answer is not None else '')}"
                )


class Client:
    def __init__(
        self, server: RunningServer, token: str, tally: Tally, pool: Pool, seed: int
    ) -> None:
        self.url, self.tally, self.pool = server.url, tally, pool
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.browser = requests.Session()
        self.chance = random.Random(seed)

    def call(
        self,
        operation: str,
        method: str,
        path: str,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> requests.Response | None:
        started = time.monotonic()
        try:
            answer = (session or self.api).request(
                method, self.url + path, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as error:
            self.tally.record(operation, None, time.monotonic() - started, str(error))
            return None
        self.tally.record(operation, answer, time.monotonic() - started)
        return answer


class Pool:
    """Rows the writers share (so they race on them), by state."""

    def __init__(self, departments: list[int], published: list[int]) -> None:
        self.lock = threading.Lock()
        self.departments = departments
        self.drafts: list[int] = []
        self.published = published

    def pick(self, kind: str, chance: random.Random) -> int | None:
        with self.lock:
            rows = getattr(self, kind)
            return chance.choice(rows) if rows else None

    def add(self, kind: str, row_id: int) -> None:
        with self.lock:
            getattr(self, kind).append(row_id)


def etag_of(client: Client, path: str) -> str | None:
    answer = client.call("read row", "GET", path)
    return answer.headers.get("ETag") if answer is not None and answer.status_code == 200 else None


def write_once(client: Client) -> None:
    chance, pool = client.chance, client.pool
    roll = chance.random()
    if roll < 0.25 or not pool.drafts:
        data = {
            "name": f"压力测试事项{chance.randrange(10**6)}",
            "item_type": "01",
            "department_id": chance.choice(pool.departments),
            "case_type": "2",
            "legal_time_limit": 20,
            "promised_time_limit": 5,
            "onsite_visits": 0,
            "service_objects": ["1"],
        }
        created = client.call("create draft", "POST", "/api/v1/service-items", json=data)
        if created is not None and created.status_code == 201:
            pool.add("drafts", created.json()["id"])
        return
    if roll < 0.5:
        row = pool.pick("drafts", chance)
        path = f"/api/v1/service-items/{row}"
        if (etag := etag_of(client, path)) is not None:
            client.call(
                "edit draft",
                "PATCH",
                path,
                json={"promised_time_limit": chance.randint(1, 10)},
                headers={"If-Match": etag},
            )
        return
    if roll < 0.65:
        publish(client, f"/api/v1/service-items/{pool.pick('drafts', chance)}")
        return
    row = pool.pick("published", chance)
    path = f"/api/v1/service-items/{row}"
    if roll < 0.9:
        etag = etag_of(client, path)
        name = chance.choice(
            ["suspend", "resume", "resume", "cancel"] if roll > 0.88 else ["suspend", "resume"]
        )
        if etag is not None:
            client.call(
                name,
                "POST",
                f"{path}/{name}",
                json={"reason": "压力测试"},
                headers={"If-Match": etag},
            )
        return
    if (etag := etag_of(client, path)) is not None:  # a revision of a published row, approved
        client.call(
            "revise",
            "PATCH",
            path,
            json={"acceptance_conditions": f"压力测试修订{chance.randrange(10**6)}"},
            headers={"If-Match": etag},
        )
        for name in ("submit", "approve"):
            client.call(name, "POST", f"{path}/{name}", json={}, headers={"If-Match": etag})


def publish(client: Client, path: str) -> None:
    etag = etag_of(client, path)
    for name in ("submit", "approve"):
        if etag is None:
            return
        answer = client.call(name, "POST", f"{path}/{name}", json={}, headers={"If-Match": etag})
        etag = (
            answer.headers.get("ETag") if answer is not None and answer.status_code == 200 else None
        )
    if etag is not None:
        client.pool.add("published", int(path.rsplit("/", 1)[1]))


def read_once(client: Client) -> None:
    chance = client.chance
    term = chance.choice(TERMS)
    roll = chance.random()
    if roll < 0.35:
        client.call("api search", "GET", "/api/v1/search", params={"q": term})
    elif roll < 0.55:
        client.call("search page", "GET", "/search", session=client.browser, params={"q": term})
    elif roll < 0.7:
        client.call("suggest", "GET", "/api/v1/suggest", params={"q": term[:1]})
    elif roll < 0.85:
        client.call("list", "GET", "/api/v1/service-items", params={"page": chance.randint(1, 20)})
    else:
        row = client.pool.pick("published", chance)
        client.call("item page", "GET", f"/items/service/{row}", session=client.browser)


def sign_in(client: Client) -> None:
    browser = requests.Session()
    page = client.call("sign-in page", "GET", "/login", session=browser)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text) if page is not None else None
    if found:
        form = {"username": "soak", "password": PASSWORD, "csrf_token": found.group(1)}
        client.call("sign in", "POST", "/login", session=browser, data=form, allow_redirects=False)


def dry_run(client: Client, department: str) -> None:
    header = "事项名称,事项类型,实施主体,办件类型,法定办结时限,法定办结时限单位,承诺办结时限,到办事现场次数,是否收费,服务对象"
    lines = [header] + [
        f"试导入{n:04d},01,{department},承诺件,20,工作日,5,0,否,个人" for n in range(300)
    ]
    upload = ("\n".join(lines) + "\n").encode("utf-8-sig")
    client.call(
        "import dry run",
        "POST",
        "/api/v1/service-items/import",
        files={"file": ("事项.csv", upload, "text/csv")},
    )


def run_client(client: Client, writer: bool, deadline: float, department: str, first: bool) -> None:
    next_special = time.monotonic() + (90 if writer else 15)
    while time.monotonic() < deadline:
        if first and time.monotonic() >= next_special:
            dry_run(client, department) if writer else sign_in(client)
            next_special = time.monotonic() + (90 if writer else 15)
        write_once(client) if writer else read_once(client)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--folder", type=Path, help="instance folder (default: a temporary one, removed)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qingdan-soak-") as temporary:
        folder = args.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        environ, token = prepare(folder)
        tally = Tally()
        with gunicorn(environ, folder / "gunicorn.log", workers=args.workers) as server:
            admin = requests.Session()
            admin.headers["Authorization"] = f"Bearer {token}"
            departments = admin.get(
                server.url + "/api/v1/organizations", params={"kind": "department", "per_page": 100}
            ).json()["items"]
            published = admin.get(
                server.url + "/api/v1/service-items",
                params={"status": "published", "per_page": 100},
            ).json()["items"]
            pool = Pool([d["id"] for d in departments], [p["id"] for p in published])
            deadline = time.monotonic() + args.minutes * 60
            print(
                f"{args.clients} clients for {args.minutes:g} min against {server.url} ({args.workers} workers × 2 threads)"
            )
            threads = [
                threading.Thread(
                    target=run_client,
                    args=(
                        Client(server, token, tally, pool, seed),
                        seed % 2 == 0,
                        deadline,
                        departments[0]["name"],
                        seed < 2,
                    ),
                )
                for seed in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            settle_deadline = time.monotonic() + 120
            while (lag := admin.get(server.url + "/api/v1/health", timeout=TIMEOUT).json()["lag"])[
                "pending"
            ] and time.monotonic() < settle_deadline:
                time.sleep(0.5)
            tracebacks = server.log.read_text(errors="replace").count("Traceback")
        report(tally, lag, tracebacks)
        verify = run_flask(environ, "search", "verify")
        print(f"\nflask --app catalog search verify (no --repair): exit status {verify.returncode}")
        print(verify.stdout.strip())
        print(
            f"load average at the end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
        )
        return 1 if tally.codes[500] or verify.returncode else 0


def report(tally: Tally, lag: dict[str, Any], tracebacks: int) -> None:
    total = sum(tally.codes.values())
    print(
        f"\n{total} requests; by status: "
        + ", ".join(f"{code or 'no answer'} × {n}" for code, n in sorted(tally.codes.items()))
    )
    for operation, codes in sorted(tally.by_operation.items()):
        print(
            f"  {operation:<16} "
            + ", ".join(f"{code or 'no answer'} × {n}" for code, n in sorted(codes.items()))
        )
    print(
        f"latency p50 {percentile(tally.seconds, 0.5):.0f} ms, p95 {percentile(tally.seconds, 0.95):.0f} ms, "
        f"p99 {percentile(tally.seconds, 0.99):.0f} ms, max {max(tally.seconds, default=0) * 1000:.0f} ms"
    )
    print(f"outbox after the clients stopped: {lag}; tracebacks in the gunicorn log: {tracebacks}")
    for failure in tally.failures[:20]:
        print(f"  ! {failure}")


if __name__ == "__main__":
    sys.exit(main())
