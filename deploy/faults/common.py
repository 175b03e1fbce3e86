"""What every fault script shares: the deployment it runs against (:class:`Target`), editors and
citizens busy in the background (deploy/faults/traffic.py), what they got during one phase of the
fault (:func:`phase`), and the end of every run: the outbox drained by itself, no acknowledged
write lost, no 5xx besides 503, `search verify` without drift, then the verdict line
(``VERDICT: PASS`` / ``VERDICT: FAIL``, exit status 0 / 1).

A script adds only its fault and the checks specific to it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy import stack  # noqa: E402
from deploy.faults.traffic import Traffic, lost_writes  # noqa: E402

CERTIFICATE = str(stack.RUN / "tls" / "qingdan.crt")
Check = tuple[str, bool]
FlaskCommand = Callable[..., subprocess.CompletedProcess[str]]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass(frozen=True)
class Target:
    """A running Qingdan: its URL, an admin token, a department to write into, the TLS
    certificate to trust, and how to run a `flask` command against its database."""

    base: str
    token: str
    department: int
    verify: str | bool
    flask: FlaskCommand

    @classmethod
    def at(cls, base: str, token: str, flask: FlaskCommand, verify: str | bool = True) -> Target:
        departments = requests.get(
            base + "/api/v1/organizations",
            params={"kind": "department", "per_page": 1},
            headers={"Authorization": f"Bearer {token}"},
            verify=verify,
            timeout=30,
        )
        return cls(base, token, departments.json()["items"][0]["id"], verify, flask)

    @contextmanager
    def traffic(
        self, editors: int = 2, citizens: int = 2, warm_up: float = 180
    ) -> Iterator[Traffic]:
        """Editors and citizens busy until the block ends, given once each citizen had four searches
        answered (likely from every worker) and an item was published: a worker's first search
        builds the pinyin and segmentation tables, seconds on a busy machine, and a fault that
        struck before would find citizens waiting on a cold worker, not meeting the fault."""
        with Traffic(
            self.base,
            self.token,
            self.department,
            verify=self.verify,
            editors=editors,
            citizens=citizens,
        ) as load:
            deadline = time.monotonic() + warm_up
            while time.monotonic() < deadline and (
                _answered_searches(load) < 4 * citizens or not load.tally.published
            ):
                time.sleep(0.5)
            log(f"traffic under way: {load.tally.summary()}")
            yield load

    def outbox_lag(self) -> dict:
        return requests.get(self.base + "/api/v1/health", verify=self.verify, timeout=30).json()[
            "lag"
        ]

    def wait_drained(self, timeout: float) -> bool:
        """Until the outbox is empty: the indexers' own retries, no manual step."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.outbox_lag()["pending"] == 0:
                    return True
            except (requests.RequestException, KeyError, ValueError):
                pass
            time.sleep(2)
        return False

    def drift(self) -> tuple[bool, str]:
        """`flask search verify` (no repair): True when the index matches the database."""
        done = self.flask("search", "verify")
        return done.returncode == 0, " ".join(done.stdout.split())


def stack_target() -> Target:
    """The stack of deploy/stack, through nginx (TLS)."""
    if not stack.pid_alive(stack.read_pid(stack.RUN / "nginx" / "nginx.pid")):
        sys.exit("the stack is not running: deploy/stack up")
    return Target.at(
        stack.public_url(),
        stack.editor_token(),
        lambda *args: stack.flask(*args, check=False, quiet=True),
        CERTIFICATE,
    )


@dataclass
class Phase:
    """What the traffic got between the start and the end of one phase of a fault."""

    searches: int = 0  # searches answered 200
    published: int = 0  # items published (every step acknowledged)
    failures: tuple[str, ...] = ()  # 5xx other than 503, or no answer


@contextmanager
def phase(load: Traffic) -> Iterator[Phase]:
    """Counts what ``load`` got while the block ran (filled in when it ends)."""
    tally = load.tally
    searches, published, failures = (
        _answered_searches(load),
        len(tally.published),
        len(tally.failures),
    )
    measured = Phase()
    yield measured
    measured.searches = _answered_searches(load) - searches
    measured.published = len(tally.published) - published
    measured.failures = tuple(tally.failures[failures:])


def _answered_searches(load: Traffic) -> int:
    return load.tally.count(lambda operation, code: operation == "search" and code == 200)


def conclude(
    name: str, target: Target, load: Traffic, checks: list[Check], drain_timeout: float = 180
) -> int:
    """The end every fault shares, after ``checks`` of its own; prints the verdict."""
    drained = target.wait_drained(drain_timeout)
    matches, verified = target.drift()
    lost = lost_writes(target.base, target.token, load.tally.published, target.verify)
    log(f"answers: {load.tally.summary()}; verify: {verified}")
    for failure in load.tally.failures[:5]:
        log(f"  {failure}")
    return verdict(
        name,
        [
            *checks,
            (
                f"no 5xx other than 503, no request without answer ({len(load.tally.failures)} failures)",
                not load.tally.failures,
            ),
            (
                f"every 503 carried Retry-After ({load.tally.missing_retry_after} without)",
                load.tally.missing_retry_after == 0,
            ),
            ("the outbox drained by itself", drained),
            (
                f"no acknowledged write lost ({len(load.tally.published)} published, {len(lost)} lost)",
                not lost,
            ),
            (f"search verify: no drift ({verified})", matches),
        ],
    )


def verdict(name: str, checks: list[Check]) -> int:
    for label, ok in checks:
        print(f"  [{'ok' if ok else 'FAILED'}] {label}")
    passed = all(ok for _, ok in checks)
    print(f"VERDICT: {'PASS' if passed else 'FAIL'} {name}", flush=True)
    return 0 if passed else 1
