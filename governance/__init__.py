"""The co-operative's democracy: the register, meetings, resolutions, ballots and the tally."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The co-op's pages, API and commands, settings, timed jobs, home cards and demo."""
    from coop import extension
    from coop.api import register_api_blueprint
    from coop.registries import HomeCard, TickJob
    from governance import api, views
    from governance.cli import governance_cli
    from governance.demo import seed_governance
    from governance.services import elections, meetings, proposals

    registry = extension.of(app).registry
    app.cli.add_command(governance_cli)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    registry.add_demo_part("governance", seed_governance, order=80)
    registry.extend(
        settings=(*meetings.SETTINGS, *elections.SETTINGS),
        tick_jobs=(
            TickJob("close_votes", lambda _, s, now: proposals.close_due(s, now), 20),
            TickJob("close_elections", lambda _, s, now: elections.close_due(s, now), 21),
        ),
        home_cards=(
            HomeCard(
                "coop_invitation",
                "You can join the co-op",
                "The support you have had means you can now become a member: an owner of the "
                "co-op, with a vote.",
                "governance.membership",
                views.is_invited_to_join,
                order=5,
            ),
            HomeCard(
                "coop_membership",
                "Your co-op membership",
                "Join the co-op, or see your membership.",
                "governance.membership",
                views.shows_membership_card,
                order=30,
            ),
            HomeCard(
                "coop_votes",
                "Votes and resolutions",
                "Have your say on the co-op's decisions, and see the results.",
                "governance.proposals_page",
                views.shows_votes_card,
                order=31,
            ),
            HomeCard(
                "coop_meetings",
                "Meetings and elections",
                "The co-op's meetings, their agendas and minutes, and elections of directors.",
                "governance.meetings_page",
                views.shows_meetings_card,
                order=31,
            ),
            HomeCard(
                "coop_register",
                "The register of members",
                "Applications, the register and its export, and the register of officers.",
                "governance.register_page",
                views.shows_register_card,
                order=32,
            ),
        ),
    )
