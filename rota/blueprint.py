"""The rota's URL rules at a glance: the pages (`rota.views`) and the JSON API (`rota.api`,
under /api/v1). Each view keeps its decorators (sign-in, writing, the API's arguments and
responses); its address is here."""

from __future__ import annotations

from rota import api, views
from rota.api import availability as api_availability
from rota.api import day_to_day as api_day_to_day
from rota.api import money as api_money
from rota.api import visits as api_visits
from rota.views import availability, day_to_day, money, visits

# Pages: the week, visits, patterns, open visits and swaps ----------------------------------------
views.bp.add_url_rule("/rota/teams/<id:team_id>/week", view_func=visits.week)
views.bp.add_url_rule("/rota/teams/<id:team_id>/month", view_func=visits.month)
views.bp.add_url_rule("/rota/visits/<id:visit_id>", view_func=visits.visit)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/answer", view_func=visits.answer_visit, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/join", view_func=visits.join_visit, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/offer", view_func=visits.offer_visit, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/change", view_func=visits.change_visit, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/cancel", view_func=visits.cancel_visit, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/swaps", view_func=visits.ask_swap, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/swaps/<id:swap_id>/answer", view_func=visits.answer_swap, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/swaps/<id:swap_id>/approve", view_func=visits.approve_swap, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/swaps/<id:swap_id>/withdraw", view_func=visits.withdraw_swap, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/visits/new", view_func=visits.plan_visit, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/patterns/new", view_func=visits.new_pattern, methods=["GET", "POST"]
)
views.bp.add_url_rule("/rota/my-visits", view_func=visits.my_visits)

# Pages: arrivals, help and visit logs ------------------------------------------------------------
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/arrive", view_func=day_to_day.arrive_at_visit, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/leave", view_func=day_to_day.leave_visit, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/help", view_func=day_to_day.ask_for_help, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/log", view_func=day_to_day.visit_log, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/log/confirm",
    view_func=day_to_day.confirm_visit_log,
    methods=["POST"],
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/log/query", view_func=day_to_day.query_visit_log, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/visits/<id:visit_id>/log/resolve",
    view_func=day_to_day.resolve_visit_log_query,
    methods=["POST"],
)

# Pages: availability and leave -------------------------------------------------------------------
views.bp.add_url_rule("/rota/my-availability", view_func=availability.my_availability)
views.bp.add_url_rule(
    "/rota/my-availability/week", view_func=availability.set_my_availability, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/my-availability/leave", view_func=availability.add_my_leave, methods=["POST"]
)
views.bp.add_url_rule(
    "/rota/my-availability/leave/<id:leave_id>/remove",
    view_func=availability.remove_my_leave,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/availability", view_func=availability.team_availability
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/pause", view_func=availability.pause_visits, methods=["GET", "POST"]
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/pauses/<id:pause_id>/end",
    view_func=availability.end_pause,
    methods=["GET", "POST"],
)

# Pages: pay, timesheets, the budget, calendar feeds ----------------------------------------------
views.bp.add_url_rule("/rota/teams/<id:team_id>/budget", view_func=money.budget)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/budget", view_func=money.set_budget, methods=["POST"]
)
views.bp.add_url_rule("/rota/teams/<id:team_id>/pay", view_func=money.team_pay)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/pay/<id:worker_id>/<month>", view_func=money.pay_period
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/pay/<id:worker_id>/<month>.csv", view_func=money.pay_period_csv
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/pay/<id:worker_id>/<month>/approve",
    view_func=money.approve_pay,
    methods=["GET", "POST"],
)
views.bp.add_url_rule(
    "/rota/teams/<id:team_id>/pay/<id:worker_id>/rate",
    view_func=money.pay_rate,
    methods=["GET", "POST"],
)
views.bp.add_url_rule("/rota/my-pay", view_func=money.my_pay)
views.bp.add_url_rule(
    "/rota/working-time", view_func=money.my_working_time, methods=["GET", "POST"]
)
views.bp.add_url_rule("/rota/calendar", view_func=money.my_calendar)
views.bp.add_url_rule("/rota/calendar/details", view_func=money.calendar_details, methods=["POST"])
views.bp.add_url_rule("/rota/calendar/renew", view_func=money.renew_calendar, methods=["POST"])
views.bp.add_url_rule("/rota/calendar/<token>.ics", view_func=money.calendar_feed)

# JSON API: visits --------------------------------------------------------------------------------
api.blp.add_url_rule("/teams/<id:team_id>/visits", view_func=api_visits.TeamVisits)
api.blp.add_url_rule("/visits/<id:visit_id>", view_func=api_visits.VisitResource)
api.blp.add_url_rule("/visits/<id:visit_id>/accept", view_func=api_visits.VisitAccept)
api.blp.add_url_rule("/visits/<id:visit_id>/decline", view_func=api_visits.VisitDecline)
api.blp.add_url_rule("/visits/<id:visit_id>/join", view_func=api_visits.VisitJoin)
api.blp.add_url_rule("/visits/<id:visit_id>/cover", view_func=api_visits.VisitCover)
api.blp.add_url_rule("/me/visits", view_func=api_visits.MyVisits)
api.blp.add_url_rule("/teams/<id:team_id>/patterns", view_func=api_visits.TeamPatterns)
api.blp.add_url_rule("/visits/<id:visit_id>/swaps", view_func=api_visits.VisitSwaps)
api.blp.add_url_rule("/swaps/<id:swap_id>/accept", view_func=api_visits.SwapAccept)
api.blp.add_url_rule("/swaps/<id:swap_id>/decline", view_func=api_visits.SwapDecline)
api.blp.add_url_rule("/swaps/<id:swap_id>/approve", view_func=api_visits.SwapApprove)

# JSON API: arrivals, help and visit logs ---------------------------------------------------------
api.blp.add_url_rule("/visits/<id:visit_id>/check-in", view_func=api_day_to_day.VisitCheckIn)
api.blp.add_url_rule("/visits/<id:visit_id>/check-out", view_func=api_day_to_day.VisitCheckOut)
api.blp.add_url_rule("/visits/<id:visit_id>/help", view_func=api_day_to_day.VisitHelp)
api.blp.add_url_rule("/visits/<id:visit_id>/log", view_func=api_day_to_day.VisitLogResource)
api.blp.add_url_rule("/visits/<id:visit_id>/log/confirm", view_func=api_day_to_day.VisitLogConfirm)
api.blp.add_url_rule("/visits/<id:visit_id>/log/query", view_func=api_day_to_day.VisitLogQuery)
api.blp.add_url_rule("/visits/<id:visit_id>/log/resolve", view_func=api_day_to_day.VisitLogResolve)

# JSON API: availability and leave ----------------------------------------------------------------
api.blp.add_url_rule("/me/availability", view_func=api_availability.MyAvailability)
api.blp.add_url_rule("/me/leave", view_func=api_availability.MyLeave)
api.blp.add_url_rule("/me/leave/<id:leave_id>", view_func=api_availability.MyLeaveItem)
api.blp.add_url_rule("/teams/<id:team_id>/pauses", view_func=api_availability.TeamPauses)

# JSON API: pay and the budget --------------------------------------------------------------------
api.blp.add_url_rule("/teams/<id:team_id>/budget", view_func=api_money.TeamBudget)
api.blp.add_url_rule("/me/timesheets", view_func=api_money.MyTimesheets)
api.blp.add_url_rule("/me/calendar", view_func=api_money.MyCalendar)


#: What `rota.init_app` registers.
PAGES = views.bp
API = api.blp
