"""How long a 双随机 draw takes on a large directory: the pure algorithm (qingdan-draw-v1).

Run on demand (not part of the test suite):

    .venv/bin/python bench/draws.py [--targets 20000] [--ratio 5] [--departments 3] [--inspectors 80] [--runs 5]

A synthetic snapshot (targets keyed by made-up USCCs, inspectors of each department with a few
ineligible ones and some 回避 declarations) is drawn --runs times with different seeds; the
script prints the median and worst time of one draw, and of serializing and hashing the
snapshot and the result (what the service stores). The database side (reading the directory,
writing the draw) is not measured here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog.services import draw_algorithm as algorithm


def snapshot(targets: int, departments: int, inspectors: int) -> tuple[dict, list[dict]]:
    keys = [{"key": f"92445302MA{n:08d}", "name": f"对象{n}"} for n in range(targets)]
    people, fields = [], []
    for d in range(departments):
        fields.append({"key": f"D{d}", "name": f"部门{d}", "fields": [f"领域{d}"]})
        for n in range(inspectors):
            people.append(
                {
                    "key": f"4453020{d}{n:04d}",
                    "name": f"人员{d}-{n}",
                    "department": f"D{d}",
                    "enforcement_field": f"领域{d}" if n % 17 else "其他",
                    "on_duty": n % 23 != 0,
                    "certified_on": "2018-01-01",
                    "certificate_valid_until": None,
                }
            )
    conflicts = [
        {"inspector": p["key"], "target": keys[i * 97 % targets]["key"]}
        for i, p in enumerate(people[::5])
    ]
    return {"targets": keys, "inspectors": people, "conflicts": conflicts}, fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=20_000)
    parser.add_argument("--ratio", default="5")
    parser.add_argument("--departments", type=int, default=3)
    parser.add_argument("--inspectors", type=int, default=80)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data, departments = snapshot(args.targets, args.departments, args.inspectors)
    parameters = {
        "code": "BENCH",
        "draw_date": "2020-11-02",
        "ratio_percent": args.ratio,
        "count": None,
        "ratio_min": None,
        "ratio_max": None,
        "inspectors_per_department": 2,
        "departments": departments,
    }
    draws, stores = [], []
    for run in range(args.runs):
        started = time.perf_counter()
        result = algorithm.run(parameters, data, algorithm.sha256_hex(f"bench {run}"), "")
        drawn = time.perf_counter()
        algorithm.sha256_hex(algorithm.canonical_json(data))
        algorithm.sha256_hex(algorithm.canonical_json(result))
        draws.append(drawn - started)
        stores.append(time.perf_counter() - drawn)
    print(
        f"load average {os.getloadavg()[0]:.2f}; {args.targets} targets, {len(result['targets'])} drawn, "
        f"{args.departments} departments × {args.inspectors} inspectors, {args.runs} runs"
    )
    print(
        f"draw:                      median {statistics.median(draws) * 1000:.0f} ms, worst {max(draws) * 1000:.0f} ms"
    )
    print(
        f"serialize + hash to store: median {statistics.median(stores) * 1000:.0f} ms, worst {max(stores) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
