"""How matching joins the app: its settings, its timed job, its cards and panels, its pages and
its API (called from `teams.init_app`)."""

from __future__ import annotations

from flask import Flask

from coop.registries import SettingSpec, TickJob

SETTINGS = (
    SettingSpec(
        "matching_companionship_needs_dbs",
        "Companionship needs a DBS check",
        "bool",
        True,
        "Whether openings for company and conversation only need an enhanced DBS check as well "
        "as identity and references.",
        group="Matching",
    ),
    SettingSpec(
        "matching_check_warning_days",
        "Warn before a check expires (days)",
        "int",
        30,
        "How many days before a check expires the worker is reminded to renew it.",
        group="Matching",
        minimum=1,
        maximum=180,
    ),
    SettingSpec(
        "matching_quiet_days",
        "Quiet time after a no (days)",
        "int",
        90,
        "After someone says no, they are not suggested the same person or team again for this "
        "long, unless they ask.",
        group="Matching",
        minimum=0,
        maximum=730,
    ),
)


def init_app(app: Flask) -> None:
    from coop import extension
    from coop.api import register_api_blueprint
    from teams.matching import audiences, blueprint, demo, vetting, views
    from teams.views import register_team_tab

    registry = extension.of(app).registry
    app.register_blueprint(blueprint.PAGES)
    register_api_blueprint(app, blueprint.API)
    registry.extend(
        settings=SETTINGS,
        tick_jobs=(
            TickJob("matching_check_expiry", lambda _, s, now: vetting.watch_expiry(s, now), 22),
        ),
        home_cards=(*views.worker.HOME_CARDS, *views.staff.HOME_CARDS),
        dashboard_panels=views.staff.DASHBOARD_PANELS,
    )
    registry.add_audience("works_in_teams", audiences.works_in_teams)
    registry.add_audience("may_look_for_work", audiences.may_look_for_work)
    registry.add_audience("paid_worker", audiences.is_paid_worker)
    register_team_tab(app, views.team.TEAM_TAB)
    # After the teams (10) and rota (20) parts, whose people, teams and visits it uses.
    registry.add_demo_part("matching", demo.seed, order=30)
