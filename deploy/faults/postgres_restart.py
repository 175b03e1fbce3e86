"""Fault: PostgreSQL restarts (fast shutdown: every connection is cut) while editors write.

    .venv/bin/python deploy/faults/postgres_restart.py [--seconds 15]      (the stack running: deploy/stack up)

Passes when no client got a 5xx other than 503, every 503 carried Retry-After, the app nodes
kept their pids (the pools recovered by themselves, no restart), writes landed again after the
restart, no acknowledged write is lost and `search verify` finds no drift.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.faults.common import drift, log, lost_writes, stack, traffic, verdict, wait_drained


def app_pids() -> list[int | None]:
    return [stack.read_pid(path) for path in sorted((stack.RUN / "pids").glob("app*.pid"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    pids = app_pids()
    with traffic(editors=3, citizens=2) as load:
        time.sleep(args.seconds)
        log("pg_ctlcluster restart -m fast")
        started = time.monotonic()
        subprocess.run(["pg_ctlcluster", stack.PG_VERSION, stack.PG_CLUSTER, "restart", "-m", "fast"], check=True)
        log(f"PostgreSQL back after {time.monotonic() - started:.1f} s")
        published_at_restart = len(load.tally.published)
        time.sleep(args.seconds)
        published_after = len(load.tally.published) - published_at_restart
    drained = wait_drained(180)
    matches, verified = drift()
    lost = lost_writes(load.base, load.token, load.tally.published, load.verify)
    unavailable = load.tally.count(lambda op, code: code == 503)
    log(f"answers: {load.tally.summary()}; verify: {verified}")
    for failure in load.tally.failures[:5]:
        log(f"  {failure}")
    return verdict("postgres_restart", [
        (f"no 5xx other than 503, no request without answer ({len(load.tally.failures)} failures; {unavailable} × 503)",
         not load.tally.failures),
        (f"every 503 carried Retry-After ({load.tally.missing_retry_after} without)", load.tally.missing_retry_after == 0),
        ("the app nodes were not restarted (same gunicorn pids)", app_pids() == pids and all(stack.pid_alive(p) for p in pids)),
        (f"writes landed again after the restart ({published_after} published)", published_after > 0),
        ("the outbox drained by itself", drained),
        (f"no acknowledged write lost ({len(load.tally.published)} published, {len(lost)} lost)", not lost),
        (f"search verify: no drift ({verified})", matches),
    ])


if __name__ == "__main__":
    sys.exit(main())
