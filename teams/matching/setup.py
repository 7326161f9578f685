"""How matching joins the app: its settings, its timed job, its cards and panels, its pages and
its API (called from `teams.init_app`)."""

from __future__ import annotations

from flask import Flask

from coop.registries import SettingSpec, TickJob, register_setting, register_tick_job

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
    from coop.api import register_api_blueprint
    from teams.matching import api, vetting, views
    from teams.matching import demo as matching_demo

    for spec in SETTINGS:
        register_setting(spec)
    register_tick_job(TickJob("matching_check_expiry", vetting.watch_expiry, order=22))
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    views.register_cards_and_panels()
    matching_demo.register()
