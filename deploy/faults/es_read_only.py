"""Fault: the cluster refuses writes (``index.blocks.read_only_allow_delete``, what Elasticsearch
sets itself when a disk passes the flood-stage watermark), then allows them again.

    .venv/bin/python deploy/faults/es_read_only.py [--seconds 15]      (the stack running: deploy/stack up)

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

from deploy.faults.common import (
    drift,
    log,
    lost_writes,
    outbox_lag,
    stack,
    traffic,
    verdict,
    wait_drained,
)


def block(on: bool) -> None:
    stack.http_json(f"{stack.live_node_url()}/{stack.INDEX_PREFIX}/_settings", "PUT",
                    {"index.blocks.read_only_allow_delete": True if on else None})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    with traffic(editors=2, citizens=2) as load:
        time.sleep(args.seconds / 2)
        log("index.blocks.read_only_allow_delete = true")
        block(True)
        try:
            searches_before = load.tally.count(lambda op, code: op == "search" and code == 200)
            published_before = len(load.tally.published)
            failures_before = len(load.tally.failures)
            time.sleep(args.seconds)
            held = outbox_lag()
            searches_during = load.tally.count(lambda op, code: op == "search" and code == 200) - searches_before
            published_during = len(load.tally.published) - published_before
            failures_during = len(load.tally.failures) - failures_before
            log(f"during the block: {published_during} published, {searches_during} searches answered, outbox {held}")
        finally:
            block(False)
            log("block lifted")
        time.sleep(args.seconds / 2)
    drained = wait_drained(400)  # failed rows wait out their backoff (2 s, 4 s, … 5 min at most)
    matches, verified = drift()
    lost = lost_writes(load.base, load.token, load.tally.published, load.verify)
    log(f"answers: {load.tally.summary()}; verify: {verified}")
    return verdict("es_read_only", [
        (f"searches answered during the block ({searches_during}, {failures_during} failures)",
         searches_during > 0 and failures_during == 0),
        (f"writes accepted during the block ({published_during} published)", published_during > 0),
        (f"the outbox held the changes during the block (pending {held['pending']}, failing {held['failing']})",
         held["pending"] > 0),
        ("the outbox drained by itself once the block was lifted", drained),
        ("no 5xx other than 503, no request without answer", not load.tally.failures),
        (f"no acknowledged write lost ({len(load.tally.published)} published, {len(lost)} lost)", not lost),
        (f"search verify: no drift ({verified})", matches),
    ])


if __name__ == "__main__":
    sys.exit(main())
