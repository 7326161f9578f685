"""Who may do what on the rota: pure predicates over a team `Standing` (teams.policy), shared by
pages, the API and templates. The leader, their representative and the rota holder plan visits;
the person booked answers; bookable members join open visits."""

from __future__ import annotations

from coop.models import User
from rota.models import Visit
from teams.policy import Standing


def _open(s: Standing) -> bool:
    return s.team.status == "active"


def can_view_rota(s: Standing) -> bool:
    """Times and who is coming: the team's members, and co-op staff who support teams."""
    return s.is_member or bool(s.roles & {"facilitator", "registered_manager"})


def can_read_visit_notes(s: Standing, visit: Visit) -> bool:
    """What a visit is for (its notes): the team's members and the person booked; co-op staff
    outside the team see times and who is coming only."""
    return s.is_member or (s.user is not None and visit.worker_id == s.user.id)


def can_plan_rota(s: Standing) -> bool:
    return _open(s) and (s.leads or "rota_holder" in s.hats)


def is_bookable(s: Standing) -> bool:
    return s.membership is not None and s.membership.bookable


def can_answer_visit(s: Standing, visit: Visit) -> bool:
    """Accept or decline a visit offered to you."""
    return s.user is not None and visit.worker_id == s.user.id and visit.status == "offered"


def can_join_visit(s: Standing, visit: Visit) -> bool:
    return _open(s) and is_bookable(s) and visit.status == "open"


def can_change_visit(s: Standing, visit: Visit) -> bool:
    return can_plan_rota(s) and visit.status in ("offered", "accepted", "open")


def can_work_visit(s: Standing, visit: Visit) -> bool:
    """Arrive, leave, ask for help and write the log: the person booked for it."""
    return (
        s.user is not None and visit.worker_id == s.user.id and visit.status in ("accepted", "done")
    )


def can_ask_swap(s: Standing, visit: Visit) -> bool:
    """A trial visit is for meeting that one person, so nobody else can take it (and the worker,
    not yet in the team, is not shown who is)."""
    return (
        s.user is not None
        and visit.worker_id == s.user.id
        and visit.kind != "trial"
        and visit.status in ("offered", "accepted")
    )


def can_approve_swap(s: Standing) -> bool:
    return can_plan_rota(s)


def can_review_log(s: Standing) -> bool:
    """Confirm a visit log or raise a query: the leader or a hat holder."""
    return _open(s) and (s.leads or bool(s.hats))


def can_manage_budget(s: Standing) -> bool:
    return _open(s) and s.leads


def can_view_budget(s: Standing) -> bool:
    return s.leads or "rota_holder" in s.hats


def can_pause_visits(s: Standing) -> bool:
    return can_plan_rota(s)


# Pay ------------------------------------------------------------------------------------------


def can_view_team_pay(s: Standing) -> bool:
    """The team's timesheets and invoices: the leader and their representative."""
    return s.leads


def can_view_pay(s: Standing, worker_id: int) -> bool:
    """One worker's timesheet or invoice: the leader, their representative, and the worker."""
    return s.leads or (s.user is not None and s.user.id == worker_id)


def can_approve_pay(s: Standing, worker_id: int) -> bool:
    """The leader or their representative approves pay; nobody approves their own, a
    representative who is also the worker included."""
    return _open(s) and s.leads and s.user is not None and s.user.id != worker_id


def can_approve_extra_time(s: Standing, visit: Visit) -> bool:
    """Paying more than the planned minutes plus 15 is the leader's (or representative's) yes,
    never the worker's own."""
    return can_approve_pay(s, visit.worker_id or 0) and visit.worker_id is not None


def can_set_pay_rate(actor: User | None, worker_id: int, employment: str | None) -> bool:
    """An independent worker sets their own rate; an employed worker's pay rate is the co-op's,
    set by a facilitator (never their own)."""
    if actor is None or not actor.is_active:
        return False
    if employment == "independent":
        return actor.id == worker_id
    if employment == "employed":
        return actor.has_role("facilitator") and actor.id != worker_id
    return False
