"""Flask commands: seed, search, stats."""
from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from .cli_search import search_group
    from .cli_seed import seed_group
    from .cli_spreadsheets import register_spreadsheet_commands
    from .cli_stats import stats_command

    app.cli.add_command(search_group)
    app.cli.add_command(seed_group)
    app.cli.add_command(stats_command)
    register_spreadsheet_commands(app.cli)
