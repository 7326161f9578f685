"""Care teams led by the supported person: members, hats and representatives by consent, the
support plan, private notes, and "who has seen my information"; and, built on them, matching
workers and teams by mutual consent (`teams.matching`, which the rest of teams never imports)."""

from __future__ import annotations

from flask import Flask

from coop.registries import HomeCard, TickJob

#: The modules that hold the teams' tables (for Alembic and `create_all`: `coop.app.load_models`).
MODELS = ("teams.models", "teams.matching.models")


def init_app(app: Flask) -> None:
    """The teams' pages and API, timed jobs, home cards and demo; then matching's."""
    from coop import extension
    from coop.api import register_api_blueprint
    from teams import api, demo, policy, views
    from teams.matching import setup as matching
    from teams.services import hats, members

    registry = extension.of(app).registry
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    registry.extend(
        tick_jobs=(
            TickJob("teams_finish_leaving", lambda _, s, now: members.finish_leaving(s, now), 20),
            TickJob("teams_hat_reviews", lambda _, s, now: hats.remind_reviews(s, now), 21),
        ),
        home_cards=(
            HomeCard(
                "my_teams",
                "My teams",
                "See your care teams, who is in them, and what you can do there.",
                "teams.my_teams",
                lambda user: user.is_active,
                order=1,
            ),
            HomeCard(
                "new_team",
                "Set up a team",
                "Start a care team with the person it supports as its leader.",
                "teams.new_team",
                policy.can_create_team,
                order=20,
            ),
            HomeCard(
                "access_holds",
                "Reads of private records",
                "Hold back an entry from a person's “Who has seen my information” page when "
                "showing it could put them at risk.",
                "teams.access_holds",
                policy.can_hold_access_events,
                order=21,
            ),
        ),
    )
    registry.add_demo_part("teams", demo.seed, order=10)
    matching.init_app(app)
