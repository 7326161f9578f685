"""Money and time in the JSON API: a team's budget, my timesheets and invoices, my calendar
feed's address. Amounts are integer pence, durations integer minutes. The views only
translate: every rule lives in `rota.policy` and `rota.services.money` / `calendar`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_login import login_required

from coop.api import problem_responses
from coop.db import current_session
from coop.errors import NotFound
from coop.web import now, signed_in_user, writes
from rota.api import blp
from rota.models import BUDGET_PERIODS, BUDGET_SOURCES
from rota.services import budget as personal_budget
from rota.services import calendar, money
from rota.views.money import feed_url
from teams.services.standing import find_team


class BudgetSchema(ma.Schema):
    team_id = ma.fields.Integer(required=True)
    period = ma.fields.String(metadata={"enum": list(BUDGET_PERIODS)})
    source = ma.fields.String(metadata={"enum": list(BUDGET_SOURCES)})
    amount_pence = ma.fields.Integer(
        metadata={"description": "Each period, before the contribution"}
    )
    contribution_pence = ma.fields.Integer(metadata={"description": "The person's own share"})
    available_pence = ma.fields.Integer()
    period_starts_on = ma.fields.Date()
    period_ends_on = ma.fields.Date(metadata={"description": "The period's last day"})
    spent_pence = ma.fields.Integer(metadata={"description": "Visits delivered (or charged)"})
    committed_pence = ma.fields.Integer(metadata={"description": "Planned visits not yet charged"})
    projected_balance_pence = ma.fields.Integer(
        metadata={"description": "What would be left at the period's end"}
    )


class PayLineSchema(ma.Schema):
    visit_id = ma.fields.Integer()
    starts_at = ma.fields.String()
    ends_at = ma.fields.String()
    kind = ma.fields.String()
    planned_minutes = ma.fields.Integer()
    minutes = ma.fields.Integer(metadata={"description": "Minutes paid"})
    reason = ma.fields.String(metadata={"enum": ["times", "confirmed", "short_notice"]})
    rate_pence = ma.fields.Integer()
    amount_pence = ma.fields.Integer()


class PayPeriodSchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "Null until approved"})
    kind = ma.fields.String(metadata={"enum": ["timesheet", "invoice"]})
    team_id = ma.fields.Integer()
    worker_id = ma.fields.Integer()
    month = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["draft", "approved"]})
    minutes = ma.fields.Integer()
    amount_pence = ma.fields.Integer()
    approved_at = ma.fields.AwareDateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(PayLineSchema))


class MonthQuerySchema(ma.Schema):
    month = ma.fields.String(metadata={"description": "YYYY-MM; this month when left out"})


class CalendarSchema(ma.Schema):
    url = ma.fields.String(required=True, metadata={"description": "The private feed address"})
    show_details = ma.fields.Boolean()


_me = signed_in_user


class TeamBudget(MethodView):
    decorators = [login_required]

    @blp.response(200, BudgetSchema)
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """The team's personal budget for the period holding today: the leader, their
        representative and the rota holder. A 404 when none is set or for anyone else."""
        s = find_team(current_session(), _me(), team_id, now())
        figures = personal_budget.team_budget(current_session(), s, now())
        if figures is None:
            raise NotFound("This team has no budget set.")
        b = figures.budget
        return {
            "team_id": team_id,
            "period": b.period,
            "source": b.source,
            "amount_pence": b.amount_pence,
            "contribution_pence": b.contribution_pence,
            "available_pence": figures.available,
            "period_starts_on": figures.first_day,
            "period_ends_on": figures.last_day,
            "spent_pence": figures.spent,
            "committed_pence": figures.committed,
            "projected_balance_pence": figures.projected,
        }


class MyTimesheets(MethodView):
    decorators = [login_required]

    @blp.arguments(MonthQuerySchema, location="query")
    @blp.response(200, PayPeriodSchema(many=True))
    @problem_responses(422)
    def get(self, args: dict[str, Any]) -> Any:
        """My timesheets (employed) and invoices (independent) for the month, one per team."""
        month = args.get("month") or request.args.get("month") or money.month_of(now())
        return money.my_periods(current_session(), _me(), month)


class MyCalendar(MethodView):
    # The feed is made on first asking: begin as a write transaction.
    decorators = [login_required, writes]

    @blp.response(200, CalendarSchema)
    @problem_responses()
    def get(self) -> Any:
        """My private calendar feed's address (iCalendar), made on first asking."""
        feed = calendar.feed_of(current_session(), _me(), now=now())
        return {"url": feed_url(feed.token), "show_details": feed.show_details}
