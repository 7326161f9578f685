"""The rota: visits and patterns, open visits and swaps, never double booked; working time,
arrivals and visit logs, pay, the personal budget and calendar feeds."""

from __future__ import annotations

from flask import Flask

from coop.registries import HomeCard, TickJob
from rota import handlers as handlers  # connects the rota's signal handlers, once


def init_app(app: Flask) -> None:
    """The rota's pages and API, settings, timed jobs, home cards, dashboard panel, team tabs,
    history words, care activity and demo."""
    from coop import extension
    from coop.api import register_api_blueprint
    from rota import blueprint, demo, policy
    from rota.services import budget, day_to_day, eligibility, patterns, working_time
    from rota.views import money
    from teams.views import TeamTab, register_history_words, register_team_tab

    registry = extension.of(app).registry
    app.register_blueprint(blueprint.PAGES)
    register_api_blueprint(app, blueprint.API)
    registry.extend(
        settings=(*working_time.SETTINGS, *budget.SETTINGS, *day_to_day.SETTINGS),
        tick_jobs=(
            TickJob("rota_extend_horizons", lambda _, s, now: patterns.extend_horizons(s, now), 30),
            TickJob(
                "rota_arrival_alerts",
                lambda app, s, now: day_to_day.send_alerts(s, now, base_url=app.mail.base_url),
                40,
            ),
        ),
        home_cards=HOME_CARDS,
        dashboard_panels=(money.FIGURES_PANEL,),
    )
    register_team_tab(app, TeamTab("rota.week", "Rota", policy.can_view_rota))
    register_team_tab(app, TeamTab("rota.budget", "Budget", policy.can_view_budget))
    register_history_words(app, HISTORY_WORDS)
    registry.add_care_activity_provider("rota", eligibility.care_activity)
    registry.add_demo_part("rota", demo.seed, order=20)


HOME_CARDS = (
    HomeCard(
        "my_visits",
        "My visits",
        "Your visits in every team, open visits you could take, and "
        "“I've arrived” and “I'm leaving”.",
        "rota.my_visits",
        lambda user: user.is_active,
        order=2,
        audience="works_in_teams",
    ),
    HomeCard(
        "my_pay",
        "My timesheets and invoices",
        "If you are paid for visits: your time and pay each month, and your hourly rate.",
        "rota.my_pay",
        lambda user: user.is_active,
        order=20,
        audience="paid_worker",
    ),
    HomeCard(
        "my_calendar",
        "My visits in my calendar",
        "A private address that puts your visits in your phone's or computer's calendar.",
        "rota.my_calendar",
        lambda user: user.is_active,
        order=21,
        audience="works_in_teams",
    ),
    HomeCard(
        "my_availability",
        "My availability and leave",
        "When you can usually be booked, and the days you are away.",
        "rota.my_availability",
        lambda user: user.is_active,
        order=22,
        audience="works_in_teams",
    ),
)

# The rota's actions, as the team's history page says them (after the person's name).
HISTORY_WORDS = {
    "visit.planned": "planned a visit",
    "visit.trial_booked": "booked a trial visit",
    "visit.accepted": "said yes to a visit",
    "visit.declined": "said no to a visit",
    "visit.joined": "took an open visit",
    "visit.changed": "changed a visit",
    "visit.cancelled": "cancelled a visit",
    "visit.arrived": "arrived for a visit",
    "visit.left": "left after a visit",
    "visit.help_called": "asked for help during a visit",
    "visit.late_alerted": "told the team's contacts that nobody had arrived for a visit",
    "visit.late_escalated": "told the facilitator on call that nobody had arrived for a visit",
    "visit.overdue_alerted": "told the facilitator on call that a visit had not ended",
    "visit.extra_time_approved": "approved extra time for a visit",
    "visit_log.written": "wrote a visit log",
    "visit_log.changed": "changed a visit log",
    "visit_log.confirmed": "confirmed a visit log",
    "visit_log.queried": "raised a query about a visit log",
    "visit_log.query_resolved": "marked a query about a visit log as answered",
    "pattern.created": "set up repeating visits",
    "pattern.ended": "ended repeating visits",
    "swap.asked": "asked someone to take a visit",
    "swap.accepted": "agreed to take a visit",
    "swap.declined": "said no to taking a visit",
    "swap.approved": "approved a swap",
    "swap.refused": "did not approve a swap",
    "swap.withdrawn": "withdrew a swap",
    "budget.set": "set the personal budget",
    "pay_rate.set": "set an hourly rate",
    "pay_period.approved": "approved a timesheet or invoice",
    "visits.paused": "paused visits for a hospital stay",
    "pause.ended_early": "ended a pause in visits early",
}
