"""How long a sign-in answer takes for an unknown username, a wrong password and the right one.

Run on demand (not part of the test suite):

    .venv/bin/python bench/sign_in_timing.py [--attempts 40]

An unknown username must not answer measurably faster than a wrong password for a real one:
otherwise the answer time tells which accounts exist, whatever the answer says. Both paths hash
once with scrypt (the unknown one against a dummy hash) and neither writes to the database.

Measured: POST /login through Flask's test client, in process, on a throwaway SQLite database,
--attempts times each, interleaved (unknown, wrong, right, …) so that load on the machine
touches all three alike. Each attempt comes from its own address and the throttles are
reset, so no attempt is refused before its password is checked.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade

from catalog import create_app
from catalog.extensions import db, limiter
from catalog.services import accounts
from catalog.services.permissions import Actor

PASSWORD = "correct-horse-battery"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qingdan-bench-sign-in-"))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}",
            "SEARCH_INDEX_PATH": str(work / "index"),
        }
    )
    with app.app_context():
        upgrade()
        accounts.create_user(
            db.session,
            Actor.system("bench"),
            username="zhang",
            display_name="张",
            password=PASSWORD,
            role="admin",
        )
    kinds = {
        "unknown username": ("zhanq", "wrong-password!"),
        "wrong password": ("zhang", "wrong-password!"),
        "right password": ("zhang", PASSWORD),
    }
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    for n in range(args.attempts):
        for kind, (username, password) in kinds.items():
            limiter.reset()
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.{n // 250}.{n % 250}.{len(timings[kind])}"
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            started = time.perf_counter()
            response = client.post(
                "/login", data={"username": username, "password": password, "csrf_token": token}
            )
            timings[kind].append((time.perf_counter() - started) * 1000)
            assert response.status_code == (302 if kind == "right password" else 401), (
                response.status_code
            )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'answer':<18}{'p50 ms':>9}{'p90 ms':>9}{'min ms':>9}")
    for kind, values in timings.items():
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
        print(f"{kind:<18}{statistics.median(values):>9.1f}{p90:>9.1f}{ordered[0]:>9.1f}")


if __name__ == "__main__":
    main()
