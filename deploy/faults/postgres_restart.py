"""Fault: PostgreSQL restarts (fast shutdown: every connection is cut) while editors write.

    deploy/faults/postgres_restart.py [--seconds 15]      (the stack running: deploy/stack up)

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

from deploy.faults.common import conclude, log, phase, stack, stack_target


def app_pids() -> list[int | None]:
    return [stack.read_pid(path) for path in sorted((stack.RUN / "pids").glob("app*.pid"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    target, pids = stack_target(), app_pids()
    with target.traffic(editors=3, citizens=2) as load:
        time.sleep(args.seconds)
        log("pg_ctlcluster restart -m fast")
        started = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", stack.PG_VERSION, stack.PG_CLUSTER, "restart", "-m", "fast"],
            check=True,
        )
        log(f"PostgreSQL back after {time.monotonic() - started:.1f} s")
        with phase(load) as after:
            time.sleep(args.seconds)
    log(f"answered 503 (retry after) meanwhile: {load.tally.count(lambda op, code: code == 503)}")
    return conclude(
        "postgres_restart",
        target,
        load,
        [
            (
                "the app nodes were not restarted (same gunicorn pids)",
                app_pids() == pids and all(stack.pid_alive(p) for p in pids),
            ),
            (
                f"writes landed again after the restart ({after.published} published)",
                after.published > 0,
            ),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
