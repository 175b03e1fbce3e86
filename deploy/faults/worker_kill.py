"""Fault: the search worker is killed (SIGKILL) in the middle of a batch, then started again.

    deploy/faults/worker_kill.py [--seconds 15]      (the stack running: deploy/stack up)

The worker is stopped first so that changes pile up in the outbox; it is started, and killed as
soon as it has claimed a batch and before it settles it (outbox rows leased), then started again.
Its leased rows come back after the lease (search/outbox.py, 60 s) and the new worker takes
them. Passes when the outbox drains by itself, no acknowledged write is lost, there was no 5xx
besides 503, and `search verify` finds no drift.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.faults.common import conclude, log, stack, stack_target

PID_FILE = stack.RUN / "pids" / "worker.pid"


def leased() -> int:
    """Outbox rows claimed by an indexer and not settled: their next attempt is a lease away."""
    done = stack.as_postgres(
        "psql",
        "-tA",
        "-p",
        str(stack.PG_PORT),
        "-d",
        "qingdan",
        "-c",
        "SELECT count(*) FROM search_outbox WHERE next_attempt_at > now() + interval '30 seconds'",
    )
    return int(done.stdout.strip() or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    target = stack_target()
    stack.stop_pid(PID_FILE, "search worker")
    with target.traffic(editors=3, citizens=1) as load:
        time.sleep(args.seconds)
        piled = target.outbox_lag()["pending"]
        log(f"{piled} changes waiting in the outbox; starting the worker")
        stack.worker_up()
        killed_mid_batch = False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if leased():  # it has claimed a batch and not settled it yet
                os.kill(stack.read_pid(PID_FILE), signal.SIGKILL)
                left = leased()
                killed_mid_batch = left > 0
                log(
                    f"SIGKILL search worker holding a batch: {left} outbox rows leased by the dead worker"
                )
                break
            time.sleep(0.02)
        time.sleep(args.seconds)
        stack.worker_up()
    return conclude(
        "worker_kill",
        target,
        load,
        [
            (f"changes piled up while the worker was stopped ({piled})", piled > 0),
            ("the worker was killed holding a claimed, unsettled batch", killed_mid_batch),
        ],
        drain_timeout=240,
    )


if __name__ == "__main__":
    sys.exit(main())
