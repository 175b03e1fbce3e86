"""How long a sign-in answer takes for an unknown username, a wrong password and the right one.

Run on demand (not part of the test suite):

    .venv/bin/python bench/sign_in_timing.py [--attempts 40]

An unknown username must not answer measurably faster than a wrong password for a real one:
otherwise the answer time tells which accounts exist, whatever the answer says. Both paths hash
once with scrypt (the unknown one against a dummy hash) and neither writes to the database.

Measured: POST /login through Flask's test client, in process, on a throwaway SQLite database,
--attempts times each, interleaved (unknown, wrong, right, …) so that load on the machine
touches all three alike; wall and CPU time of each (bench/page_timing.py). Each attempt comes from its own address and the throttles are
reset, so no attempt is refused before its password is checked.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade

from bench.page_timing import percentile, timed
from catalog.extensions import db, limiter
from tests import factories
from tests.factories import PASSWORD
from tests.support.databases import app_on


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qingdan-bench-sign-in-"))
    app = app_on(f"sqlite:///{work / 'bench.sqlite3'}", work / "index")
    with app.app_context():
        upgrade()
        factories.user(db.session, "zhang", "admin")
    kinds = {
        "unknown username": ("zhanq", "wrong-password!"),
        "wrong password": ("zhang", "wrong-password!"),
        "right password": ("zhang", PASSWORD),
    }
    walls: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpus: dict[str, list[float]] = {kind: [] for kind in kinds}
    for n in range(args.attempts):
        for kind, (username, password) in kinds.items():
            limiter.reset()
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.{n // 250}.{n % 250}.{len(walls[kind])}"
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            data = {"username": username, "password": password, "csrf_token": token}
            attempt = timed(
                kind,
                [partial(client.post, "/login", data=data)],
                expected=302 if kind == "right password" else 401,
            )
            walls[kind] += attempt.wall
            cpus[kind] += attempt.cpu
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'answer':<18}{'wall p50':>9}{'p90':>9}{'min':>9}{'CPU p50':>9}{'p90':>9}  (ms)")
    for kind in kinds:
        wall, cpu = walls[kind], cpus[kind]
        print(
            f"{kind:<18}{percentile(wall, 50):>9.1f}{percentile(wall, 90):>9.1f}{min(wall):>9.1f}"
            f"{percentile(cpu, 50):>9.1f}{percentile(cpu, 90):>9.1f}"
        )
    print(
        "wall is what a caller sees, and grows with the machine's load; CPU (this process, every "
        "thread) shows whether the work itself differs. A wall gap with no CPU gap is load, or "
        "waiting (disk, locks) in one path: rerun at a low load average before reading it."
    )


if __name__ == "__main__":
    main()
