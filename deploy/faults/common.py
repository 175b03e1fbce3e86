"""What every fault script on the stack shares: the stack's address and token, the outbox lag,
`search verify`, and the verdict line (``VERDICT: PASS`` / ``VERDICT: FAIL``, exit status 0 / 1)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy import stack  # noqa: E402
from deploy.faults.traffic import Traffic, lost_writes  # noqa: E402,F401 - re-exported for the scripts

CERTIFICATE = str(stack.RUN / "tls" / "qingdan.crt")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def target() -> tuple[str, str, int]:
    """The stack's public URL (nginx, TLS), an admin token, and a department to write into."""
    if not stack.pid_alive(stack.read_pid(stack.RUN / "nginx" / "nginx.pid")):
        sys.exit("the stack is not running: deploy/stack up")
    token = stack.editor_token()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    departments = http.get(stack.public_url() + "/api/v1/organizations", params={"kind": "department", "per_page": 1},
                           verify=CERTIFICATE, timeout=30).json()["items"]
    return stack.public_url(), token, departments[0]["id"]


def traffic(editors: int = 2, citizens: int = 2) -> Traffic:
    base, token, department = target()
    return Traffic(base, token, department, verify=CERTIFICATE, editors=editors, citizens=citizens)


def outbox_lag() -> dict:
    return requests.get(stack.public_url() + "/api/v1/health", verify=CERTIFICATE, timeout=30).json()["lag"]


def wait_drained(timeout: float) -> bool:
    """Until the outbox is empty: the worker's own retries, no manual step."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if outbox_lag()["pending"] == 0:
                return True
        except (requests.RequestException, KeyError, ValueError):
            pass
        time.sleep(2)
    return False


def drift() -> tuple[bool, str]:
    """`flask search verify` on the stack (no repair): True when the index matches the database."""
    done = stack.flask("search", "verify", check=False, quiet=True)
    return done.returncode == 0, " ".join(done.stdout.split())


def verdict(name: str, checks: list[tuple[str, bool]]) -> int:
    for label, ok in checks:
        print(f"  [{'ok' if ok else 'FAILED'}] {label}")
    passed = all(ok for _, ok in checks)
    print(f"VERDICT: {'PASS' if passed else 'FAIL'} {name}", flush=True)
    return 0 if passed else 1
