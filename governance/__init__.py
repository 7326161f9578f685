"""The co-operative's democracy: the register, meetings, resolutions, ballots and the tally."""

from flask import Flask


def init_app(app: Flask) -> None:
    from governance.cli import governance_cli

    app.cli.add_command(governance_cli)
