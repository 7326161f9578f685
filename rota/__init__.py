"""The rota: visits and patterns, open visits and swaps, never double booked; working time,
arrivals and visit logs, pay, the personal budget and calendar feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from coop import events
from coop.api import register_api_blueprint
from coop.registries import HomeCard, TickJob, register_home_card, register_tick_job


def init_app(app: Flask) -> None:
    from rota import api, demo, views
    from rota.services import patterns

    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    register_tick_job(TickJob("rota_extend_horizons", patterns.extend_horizons, order=30))
    register_home_card(
        HomeCard(
            "my_visits",
            "My visits",
            "Your visits in every team, open visits you could take, and "
            "“I've arrived” and “I'm leaving”.",
            "rota.my_visits",
            lambda user: user.is_active,
            order=2,
            audience="works_in_teams",
        )
    )
    # Working time, money (pay, the budget), calendar feeds and the co-op's figures ---------------
    from rota.services import budget, working_time
    from rota.views import money as money_views

    working_time.register()
    budget.register()
    money_views.register()
    register_home_card(
        HomeCard(
            "my_pay",
            "My timesheets and invoices",
            "If you are paid for visits: your time and pay each month, and your hourly rate.",
            "rota.my_pay",
            lambda user: user.is_active,
            order=20,
            audience="paid_worker",
        )
    )
    register_home_card(
        HomeCard(
            "my_calendar",
            "My visits in my calendar",
            "A private address that puts your visits in your phone's or computer's calendar.",
            "rota.my_calendar",
            lambda user: user.is_active,
            order=21,
            audience="works_in_teams",
        )
    )
    # ----------------------------------------------------------------------------------------------
    # Arrivals, "I need help" and visit logs: their settings and the alerts' timed job ------------
    from coop.registries import register_setting
    from rota.services import day_to_day

    for spec in day_to_day.SETTINGS:
        register_setting(spec)
    register_tick_job(
        TickJob(
            "rota_arrival_alerts",
            lambda session, moment: day_to_day.send_alerts(
                session, moment, base_url=app.config["CARECOOP_BASE_URL"]
            ),
            order=40,
        )
    )
    # ----------------------------------------------------------------------------------------------
    # Availability and leave: the leave warning, and "My availability and leave" -------------------
    from rota.services import availability

    availability.register()
    register_home_card(
        HomeCard(
            "my_availability",
            "My availability and leave",
            "When you can usually be booked, and the days you are away.",
            "rota.my_availability",
            lambda user: user.is_active,
            order=22,
            audience="works_in_teams",
        )
    )
    # ----------------------------------------------------------------------------------------------
    # The team's menu links to its rota and, for those who may see it, its budget.
    from rota import policy
    from teams.views import TeamTab, register_history_words, register_team_tab

    register_team_tab(TeamTab("rota.week", "Rota", policy.can_view_rota))
    register_history_words(HISTORY_WORDS)
    from coop.registries import register_care_activity_provider
    from rota.services import eligibility

    register_care_activity_provider("rota", eligibility.care_activity)
    register_team_tab(TeamTab("rota.budget", "Budget", policy.can_view_budget))
    events.trial_agreed.connect(_on_trial_agreed, weak=False)
    events.trial_cancelled.connect(_on_trial_cancelled, weak=False)
    events.member_left.connect(_on_member_left, weak=False)
    events.team_closed.connect(_on_team_closed, weak=False)
    demo.register()


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


def _on_trial_agreed(
    trial: Any,
    *,
    session: Any,
    actor: Any,
    now: datetime,
    team_id: int,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    **_: Any,
) -> None:
    """Matching agreed a trial: the rota books the visit (a clash fails the agreement)."""
    from rota.services.visits import book_trial_visit

    book_trial_visit(
        session,
        team_id=team_id,
        worker_id=worker_id,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor,
        now=now,
    )


def _on_trial_cancelled(
    trial: Any,
    *,
    session: Any,
    actor: Any,
    now: datetime,
    team_id: int,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    **_: Any,
) -> None:
    """One side stopped before the trial visit: that visit is called off, and nothing else."""
    from rota.services.visits import cancel_trial_visit

    cancel_trial_visit(
        session,
        team_id=team_id,
        worker_id=worker_id,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor,
        now=now,
    )


def _on_member_left(
    membership: Any, *, session: Any, actor: Any, now: datetime, effective_at: datetime, **_: Any
) -> None:
    """Someone leaving a team is not booked there after their leaving date."""
    from rota.services.visits import cancel_future_visits

    if membership.user_id is not None:
        cancel_future_visits(
            session,
            membership.team_id,
            worker_id=membership.user_id,
            after=effective_at,
            actor=actor,
            now=now,
        )


def _on_team_closed(team: Any, *, session: Any, actor: Any, now: datetime, **_: Any) -> None:
    from rota.services.visits import cancel_future_visits

    cancel_future_visits(session, team.id, worker_id=None, after=now, actor=actor, now=now)
