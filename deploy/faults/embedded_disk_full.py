"""Fault: the embedded index's disk fills up (ENOSPC), on the one-machine default (SQLite + the
embedded engine), then space comes back.

    .venv/bin/python deploy/faults/embedded_disk_full.py [--seconds 20] [--size-mb 48]      (as root)

The index lives on a tmpfs of its own, mounted for the run (size-limited, so a write to it fails
with a real ENOSPC; mounting needs root); the database is elsewhere. A fresh instance (migrated,
云城区 2020 seeded) is served by gunicorn with deploy/gunicorn.conf.py. Once editors and citizens
are busy, a filler file takes every free byte of the tmpfs; later it is deleted. Passes when
searches kept answering, writes were accepted while the disk was full (the outbox holds them),
there was no 5xx besides 503, the outbox drained by itself once space was back, no acknowledged
write is lost and `search verify` finds no drift.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deploy.faults.common import log, verdict  # noqa: E402
from deploy.faults.traffic import Traffic, lost_writes  # noqa: E402
from tests.support.servers import gunicorn  # noqa: E402


def flask(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "catalog", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, check=False)


def fill(disk: Path) -> Path:
    """A file that takes every free byte of ``disk``."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:  # unbuffered: ENOSPC comes from write(), not close()
        block = b"\0" * (1 << 20)
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError:
            pass
        try:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
        except OSError:
            pass
    return filler


def pending(url: str) -> int:
    return requests.get(url + "/api/v1/health", timeout=30).json()["lag"]["pending"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--size-mb", type=int, default=48)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qingdan-disk-full-"))
    disk = folder / "index-disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size_mb}m", "tmpfs", str(disk)], check=True)
    try:
        environ = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'qingdan.sqlite3'}",
                   "SEARCH_INDEX_PATH": str(disk / "search-index"), "SECRET_KEY": secrets.token_hex(32),
                   "PYTHONPATH": str(ROOT)}
        environ.pop("ELASTICSEARCH_URL", None)
        for step in (("db", "upgrade"), ("seed", "yuncheng")):
            done = flask(environ, *step)
            if done.returncode:
                sys.exit(f"flask {' '.join(step)} failed:\n{done.stderr}")
        token = flask(environ, "tokens", "create", "disk-full", "--role", "admin").stdout.strip().splitlines()[-1]
        log(f"seeded; index {subprocess.run(['du', '-sh', str(disk)], capture_output=True, text=True, check=True).stdout.split()[0]} "
            f"on a {args.size_mb} MB tmpfs")
        with gunicorn(environ, folder / "gunicorn.log", workers=2) as server:
            department = requests.get(server.url + "/api/v1/organizations", params={"kind": "department", "per_page": 1},
                                      timeout=30).json()["items"][0]["id"]
            with Traffic(server.url, token, department, editors=2, citizens=2) as load:
                time.sleep(args.seconds / 2)
                filler = fill(disk)
                log(f"disk full: {filler.stat().st_size >> 20} MB filler, "
                    f"{os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize} bytes free")
                published_before = len(load.tally.published)
                searches_before = load.tally.count(lambda op, code: op == "search" and code == 200)
                time.sleep(args.seconds)
                held = pending(server.url)
                published_during = len(load.tally.published) - published_before
                searches_during = load.tally.count(lambda op, code: op == "search" and code == 200) - searches_before
                log(f"while full: {published_during} published, {searches_during} searches answered, {held} pending")
                filler.unlink()
                log("space back; the workers drain after the next writes")
                deadline = time.monotonic() + 400  # failed rows wait out their backoff first
                while time.monotonic() < deadline and pending(server.url):
                    time.sleep(2)
            drained = pending(server.url) == 0
            lost = lost_writes(server.url, token, load.tally.published)
        verified = flask(environ, "search", "verify")
        log(f"answers: {load.tally.summary()}; verify: {' '.join(verified.stdout.split())}")
        tracebacks = (folder / "gunicorn.log").read_text(errors="replace").count("Traceback")
        log(f"tracebacks in the server log: {tracebacks}")
        for failure in load.tally.failures[:5]:
            log(f"  {failure}")
    finally:
        subprocess.run(["umount", str(disk)], check=False)
        shutil.rmtree(folder, ignore_errors=True)
    return verdict("embedded_disk_full", [
        (f"searches answered while the disk was full ({searches_during})", searches_during > 0),
        (f"writes accepted while the disk was full ({published_during} published)", published_during > 0),
        (f"the outbox held them ({held} pending)", held > 0),
        ("no 5xx other than 503, no request without answer", not load.tally.failures),
        ("the outbox drained by itself once space was back", drained),
        (f"no acknowledged write lost ({len(load.tally.published)} published, {len(lost)} lost)", not lost),
        (f"search verify: no drift ({' '.join(verified.stdout.split())})", verified.returncode == 0),
    ])


if __name__ == "__main__":
    sys.exit(main())
