"""Who may do what on the rota: pure predicates over a team `Standing` (teams.policy), shared by
pages, the API and templates. The leader, their representative and the rota holder plan visits;
the person booked answers; bookable members join open visits."""

from __future__ import annotations

from teams.policy import Standing

from rota.models import Visit


def _open(s: Standing) -> bool:
    return s.team.status == "active"


def can_view_rota(s: Standing) -> bool:
    """Times and who is coming: the team's members, and co-op staff who support teams."""
    return s.is_member or bool(s.roles & {"facilitator", "registered_manager"})


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
    return (
        s.user is not None
        and visit.worker_id == s.user.id
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
