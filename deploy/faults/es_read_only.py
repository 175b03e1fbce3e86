"""Fault: the cluster refuses writes (``index.blocks.read_only_allow_delete``, what Elasticsearch
sets itself when a disk passes the flood-stage watermark), then allows them again.

    deploy/faults/es_read_only.py [--seconds 15]      (the stack running: deploy/stack up)

Passes when searches kept answering while writes were refused, editors' writes were accepted
(the database is the source of truth; the outbox holds the changes), the outbox held changes
during the block and drained by itself once it was lifted, no acknowledged write is lost and
`search verify` finds no drift.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.faults.common import conclude, log, phase, stack, stack_target


def block(on: bool) -> None:
    stack.http_json(
        f"{stack.live_node_url()}/{stack.INDEX_PREFIX}/_settings",
        "PUT",
        {"index.blocks.read_only_allow_delete": True if on else None},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    target = stack_target()
    with target.traffic(editors=2, citizens=2) as load:
        time.sleep(args.seconds / 2)
        log("index.blocks.read_only_allow_delete = true")
        block(True)
        try:
            with phase(load) as blocked:
                time.sleep(args.seconds)
            held = target.outbox_lag()
            log(
                f"during the block: {blocked.published} published, {blocked.searches} searches answered, outbox {held}"
            )
        finally:
            block(False)
            log("block lifted")
        time.sleep(args.seconds / 2)
    # failed rows wait out their backoff (2 s, 4 s, … 5 min at most) before the outbox drains
    return conclude(
        "es_read_only",
        target,
        load,
        [
            (
                f"searches answered during the block ({blocked.searches}, {len(blocked.failures)} failures)",
                blocked.searches > 0 and not blocked.failures,
            ),
            (
                f"writes accepted during the block ({blocked.published} published)",
                blocked.published > 0,
            ),
            (
                f"the outbox held the changes during the block (pending {held['pending']}, failing {held['failing']})",
                held["pending"] > 0,
            ),
        ],
        drain_timeout=400,
    )


if __name__ == "__main__":
    sys.exit(main())
