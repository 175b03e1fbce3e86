"""Fault: one Elasticsearch node dies (SIGKILL) while editors write and citizens search.

    .venv/bin/python deploy/faults/es_node_kill.py [--seconds 20]      (the stack running: deploy/stack up)

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

from deploy.faults.common import drift, log, lost_writes, stack, traffic, verdict, wait_drained


def primary_node() -> stack.Node:
    alias = stack.INDEX_PREFIX
    shards = stack.http_json(f"{stack.live_node_url()}/_cat/shards/{alias}?format=json")
    name = next(s["node"] for s in shards if s["prirep"] == "p")
    return next(node for node in stack.NODES if node.name == name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="traffic before, and again after, the kill")
    args = parser.parse_args()
    victim = primary_node()
    with traffic() as load:
        time.sleep(args.seconds)
        before = load.tally.count(lambda op, code: op == "search")
        published_at_kill = len(load.tally.published)
        failures_at_kill = len(load.tally.failures)
        log(f"SIGKILL Elasticsearch {victim.name} (pid {stack.read_pid(victim.pid_file)}), holder of the primary shard")
        os.kill(stack.read_pid(victim.pid_file), signal.SIGKILL)
        time.sleep(args.seconds)
        searches_after = load.tally.count(lambda op, code: op == "search") - before
        failures_while_down = load.tally.failures[failures_at_kill:]
        published_while_down = len(load.tally.published) - published_at_kill
        health = stack.cluster_health(next(n for n in stack.NODES if n is not victim).url)
        log(f"cluster without {victim.name}: {health.get('status')}, {health.get('number_of_nodes')} nodes; "
            f"{searches_after} searches, {published_while_down} items published meanwhile")
        stack.start_node(victim)
        green = stack.cluster_health(wait_for="green", timeout="120s")
        log(f"{victim.name} restarted: cluster {green.get('status')}, {green.get('number_of_nodes')} nodes")
        time.sleep(5)
    drained = wait_drained(180)
    matches, verified = drift()
    lost = lost_writes(load.base, load.token, load.tally.published, load.verify)
    log(f"answers: {load.tally.summary()}; verify: {verified}")
    for failure in failures_while_down[:5]:
        log(f"  {failure}")
    return verdict("es_node_kill", [
        (f"searches answered while {victim.name} was down ({searches_after}, failures {len(failures_while_down)})",
         searches_after > 0 and not failures_while_down),
        (f"writes kept landing while it was down ({published_while_down} published)", published_while_down > 0),
        (f"the node rejoined: {green.get('number_of_nodes')} nodes, {green.get('status')}",
         green.get("number_of_nodes") == 3 and green.get("status") == "green"),
        ("no 5xx other than 503, no request without answer, over the whole run", not load.tally.failures),
        ("the outbox drained by itself", drained),
        (f"no acknowledged write lost ({len(load.tally.published)} published, {len(lost)} lost)", not lost),
        (f"search verify: no drift ({verified})", matches),
    ])


if __name__ == "__main__":
    sys.exit(main())
