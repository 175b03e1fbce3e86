"""A small disk of its own (a size-limited tmpfs) that can be filled to the last byte, for the
tests and the fault script that fill the embedded index's disk: a write to it then fails with
a real ENOSPC from the kernel, as on a full production disk. Mounting needs root, as the
suite and CI run here."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class NoDisk(RuntimeError):
    pass


@contextmanager
def small_disk(mount_point: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of ``megabytes`` mounted at ``mount_point`` for the block, unmounted after it."""
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode:
        raise NoDisk(f"cannot mount a tmpfs (root is needed): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """A file that takes every free byte of ``disk``; delete it to give the space back."""
    filler = disk / "filler"
    with open(
        filler, "wb", buffering=0
    ) as out:  # unbuffered: ENOSPC comes from write(), not close()
        for block in (1 << 20, 4096, 1):
            try:
                while True:
                    out.write(b"\0" * block)
            except OSError:
                pass
    if os.statvfs(disk).f_bavail:
        raise NoDisk(f"{disk} still has free space after filling it")
    return filler
