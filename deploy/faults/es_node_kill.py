"""Fault: one Elasticsearch node dies (SIGKILL) while editors write and citizens search.

    deploy/faults/es_node_kill.py [--seconds 20]      (the stack running: deploy/stack up)

The node killed is the one holding the live index's primary shard, the worst one to lose. Passes
when searches kept answering (no 5xx, no lost connection) after the kill, writes kept landing
(items published after the kill), the node rejoined and the cluster is green again, the outbox
drained by itself, no acknowledged write is lost and `search verify` finds no drift.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.faults.common import conclude, log, phase, stack, stack_target


def primary_node() -> stack.Node:
    alias = stack.INDEX_PREFIX
    shards = stack.http_json(f"{stack.live_node_url()}/_cat/shards/{alias}?format=json")
    name = next(s["node"] for s in shards if s["prirep"] == "p")
    return next(node for node in stack.NODES if node.name == name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=20, help="traffic before, and again after, the kill"
    )
    args = parser.parse_args()
    target, victim = stack_target(), primary_node()
    with target.traffic() as load:
        time.sleep(args.seconds)
        log(
            f"SIGKILL Elasticsearch {victim.name} (pid {stack.read_pid(victim.pid_file)}), holder of the primary shard"
        )
        with phase(load) as down:
            os.kill(stack.read_pid(victim.pid_file), signal.SIGKILL)
            time.sleep(args.seconds)
        health = stack.cluster_health(next(n for n in stack.NODES if n is not victim).url)
        log(
            f"cluster without {victim.name}: {health.get('status')}, {health.get('number_of_nodes')} nodes; "
            f"{down.searches} searches, {down.published} items published meanwhile"
        )
        stack.start_node(victim)
        green = stack.cluster_health(wait_for="green", timeout="120s")
        log(
            f"{victim.name} restarted: cluster {green.get('status')}, {green.get('number_of_nodes')} nodes"
        )
        time.sleep(5)
    return conclude(
        "es_node_kill",
        target,
        load,
        [
            (
                f"searches answered while {victim.name} was down ({down.searches}, failures {len(down.failures)})",
                down.searches > 0 and not down.failures,
            ),
            (
                f"writes kept landing while it was down ({down.published} published)",
                down.published > 0,
            ),
            (
                f"the node rejoined: {green.get('number_of_nodes')} nodes, {green.get('status')}",
                green.get("number_of_nodes") == 3 and green.get("status") == "green",
            ),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
