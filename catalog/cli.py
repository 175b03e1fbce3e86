"""Flask commands: seed, search, stats, spreadsheets, users and tokens, draws and legal bases."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from .cli_oversight import draws_group, legal_group
    from .cli_search import search_group
    from .cli_seed import seed_group
    from .cli_spreadsheets import register_spreadsheet_commands
    from .cli_stats import rebuild_figure_facts_command, stats_command
    from .cli_users import tokens_group, users_group

    app.cli.add_command(search_group)
    app.cli.add_command(seed_group)
    app.cli.add_command(stats_command)
    app.cli.add_command(rebuild_figure_facts_command)
    register_spreadsheet_commands(app.cli)
    app.cli.add_command(users_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(draws_group)
    app.cli.add_command(legal_group)
