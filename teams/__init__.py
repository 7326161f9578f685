"""Care teams led by the supported person: members, hats and representatives by consent, the
support plan, private notes, and "who has seen my information"; and, built on them, matching
workers and teams by mutual consent (`teams.matching`, which the rest of teams never imports)."""

from __future__ import annotations

from flask import Flask

from coop.registries import TickJob

#: The modules that hold the teams' tables (for Alembic and `create_all`: `coop.app.load_models`).
MODELS = ("teams.models", "teams.matching.models")


def init_app(app: Flask) -> None:
    """The teams' pages and API, timed jobs, home cards and demo; then matching's."""
    from coop import extension
    from coop.api import register_api_blueprint
    from teams import blueprint, demo, views
    from teams.matching import setup as matching
    from teams.services import hats, members

    registry = extension.of(app).registry
    app.register_blueprint(blueprint.PAGES)
    register_api_blueprint(app, blueprint.API)
    registry.extend(
        tick_jobs=(
            TickJob("teams_finish_leaving", lambda _, s, now: members.finish_leaving(s, now), 20),
            TickJob("teams_hat_reviews", lambda _, s, now: hats.remind_reviews(s, now), 21),
        ),
        home_cards=views.HOME_CARDS,
    )
    registry.add_demo_part("teams", demo.seed, order=10)
    matching.init_app(app)
