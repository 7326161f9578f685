"""The co-operative's democracy: the register, meetings, resolutions, ballots and the tally."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The co-op's pages, API and commands, settings, timed jobs, home cards and demo."""
    from coop import extension
    from coop.api import register_api_blueprint
    from coop.registries import TickJob
    from governance import blueprint, views
    from governance.cli import governance_cli
    from governance.demo import seed_governance
    from governance.services import elections, meetings, proposals

    registry = extension.of(app).registry
    app.cli.add_command(governance_cli)
    app.register_blueprint(blueprint.PAGES)
    register_api_blueprint(app, blueprint.API)
    registry.add_demo_part("governance", seed_governance, order=80)
    registry.extend(
        settings=(*meetings.SETTINGS, *elections.SETTINGS),
        tick_jobs=(
            TickJob("close_votes", lambda _, s, now: proposals.close_due(s, now), 20),
            TickJob("close_elections", lambda _, s, now: elections.close_due(s, now), 21),
        ),
        home_cards=views.HOME_CARDS,
    )
