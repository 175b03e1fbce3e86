"""Flask commands: seed, search, stats (each issue adds its own)."""
from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    pass
