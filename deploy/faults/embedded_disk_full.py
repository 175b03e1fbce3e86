"""Fault: the embedded index's disk fills up (ENOSPC), on the one-machine default (SQLite + the
embedded engine), then space comes back.

    deploy/faults/embedded_disk_full.py [--seconds 20] [--size-mb 48]      (as root)

The index lives on a tmpfs of its own, mounted for the run (tests/support/disks.py: size-limited,
so a write to it fails with a real ENOSPC; mounting needs root); the database is elsewhere. A
fresh instance (migrated, 云城区 2020 seeded) is served by gunicorn with deploy/gunicorn.conf.py.
Once editors and citizens are busy, a filler file takes every free byte of the tmpfs; later it is
deleted. Passes when searches kept answering, writes were accepted while the disk was full and
their outbox rows were kept (tried and refused), there was no 5xx besides 503 and no traceback in
the server log, the outbox drained by itself once space was back, no acknowledged write is lost
and `search verify` finds no drift.
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deploy.faults.common import Target, conclude, log, phase  # noqa: E402
from tests.support.disks import fill, small_disk  # noqa: E402
from tests.support.servers import gunicorn, run_flask  # noqa: E402


def instance(folder: Path, index: Path) -> dict[str, str]:
    """The environment of a fresh instance, migrated and seeded."""
    environ = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'qingdan.sqlite3'}",
        "SEARCH_INDEX_PATH": str(index),
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONPATH": str(ROOT),
    }
    environ.pop("ELASTICSEARCH_URL", None)
    for step in (("db", "upgrade"), ("seed", "yuncheng")):
        done = run_flask(environ, *step)
        if done.returncode:
            sys.exit(f"flask {' '.join(step)} failed:\n{done.stderr}")
    return environ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--size-mb", type=int, default=48)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qingdan-disk-full-"))
    try:
        with small_disk(folder / "index-disk", args.size_mb) as disk:
            environ = instance(folder, disk / "search-index")
            token = (
                run_flask(environ, "tokens", "create", "disk-full", "--role", "admin")
                .stdout.strip()
                .splitlines()[-1]
            )
            log(
                f"seeded; index {subprocess.run(['du', '-sh', str(disk)], capture_output=True, text=True, check=False).stdout.split()[0]} "
                f"on a {args.size_mb} MB tmpfs"
            )
            with gunicorn(environ, folder / "gunicorn.log", workers=2) as server:
                target = Target.at(server.url, token, functools.partial(run_flask, environ))
                with target.traffic(editors=2, citizens=2) as load:
                    time.sleep(args.seconds / 2)
                    filler = fill(disk)
                    log(
                        f"disk full: {filler.stat().st_size >> 20} MB filler, {os.statvfs(disk).f_bavail} blocks free"
                    )
                    with phase(load) as full:
                        time.sleep(args.seconds)
                    held = target.outbox_lag()
                    log(
                        f"while full: {full.published} published, {full.searches} searches answered, outbox {held}"
                    )
                    filler.unlink()
                    log("space back; the workers drain after the next writes")
                    # with the embedded engine only writes drain: keep writing while the rows
                    # refused meanwhile wait out their backoff (2 s, 4 s, … 5 min at most)
                    caught_up = target.wait_drained(400)
                    log(
                        f"outbox {'empty' if caught_up else 'still not empty'}: {target.outbox_lag()}"
                    )
                tracebacks = (
                    (folder / "gunicorn.log").read_text(errors="replace").count("Traceback")
                )
                code = conclude(
                    "embedded_disk_full",
                    target,
                    load,
                    [
                        (
                            f"searches answered while the disk was full ({full.searches}; {len(full.failures)} failed requests meanwhile)",
                            full.searches > 0 and not full.failures,
                        ),
                        (
                            f"writes accepted while the disk was full ({full.published} published)",
                            full.published > 0,
                        ),
                        (
                            f"the outbox held them (pending {held['pending']}, failing {held['failing']})",
                            held["failing"] > 0,
                        ),
                        (f"no traceback in the server log ({tracebacks})", tracebacks == 0),
                    ],
                    drain_timeout=60,
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
