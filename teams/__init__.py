"""Care teams led by the supported person: members, hats and representatives by consent, the
support plan, private notes, and "who has seen my information"."""

from __future__ import annotations

from flask import Flask

from coop.api import register_api_blueprint
from coop.registries import (
    HomeCard,
    TickJob,
    register_audience,
    register_home_card,
    register_tick_job,
)


def init_app(app: Flask) -> None:
    from teams import api, demo, policy, views
    from teams.services import hats, members

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    register_tick_job(TickJob("teams_finish_leaving", members.finish_leaving, order=20))
    register_tick_job(TickJob("teams_hat_reviews", hats.remind_reviews, order=21))
    register_home_card(HomeCard(
        "my_teams", "My teams", "See your care teams, who is in them, and what you can do there.",
        "teams.my_teams", lambda user: user.is_active, order=1,
    ))
    register_home_card(HomeCard(
        "new_team", "Set up a team", "Start a care team with the person it supports as its leader.",
        "teams.new_team", policy.can_create_team, order=20,
    ))
    register_home_card(HomeCard(
        "access_holds", "Reads of private records", "Hold back an entry from a person's "
        "“Who has seen my information” page when showing it could put them at risk.",
        "teams.access_holds", policy.can_hold_access_events, order=21,
    ))
    register_audience("works_in_teams", members.works_in_teams)
    register_audience("may_look_for_work", members.may_look_for_work)
    register_audience("paid_worker", members.is_paid_worker)
    from teams.matching import setup as matching

    matching.init_app(app)
    demo.register()
