"""The day-to-day of a visit: "I've arrived", "I'm leaving", the discreet "I need help", the
visit log (written by the person booked, confirmed or queried by the leader or a hat holder),
and the timed job's alerts about late arrivals and overdue leaving (lone working).

Every change is a conditional update, so two clicks (or two ticks) do one thing. The audit log
gets ids and field names only: never what a log says or a query's comment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coop.clock import describe_span, local
from coop.errors import Conflict, Forbidden, Invalid
from coop.models import User
from coop.registries import SettingSpec
from coop.services import audit, inbox, settings
from rota import policy
from rota.models import Visit, VisitLog
from teams import policy as teams_policy
from teams.models import Team
from teams.policy import Standing
from teams.services import members
from teams.services.records import _log_outside_read
from teams.services.standing import require, scope

#: "I've arrived" works from this long before the start until the end.
ARRIVE_EARLY = timedelta(minutes=30)
#: "I need help" works from the arrival window until this long after the end (or after leaving).
HELP_AFTER = timedelta(hours=2)
#: Pressing "I need help" again within this time is the same call (a double tap), not a new one.
HELP_REPEAT = timedelta(minutes=2)
#: The timed job looks this far back, so that a long outage does not wake everyone for old visits.
ALERT_LOOKBACK = timedelta(hours=12)
LONGEST_TEXT = 4000

#: What a visit log can note with a tick, and how the pages say it.
LOG_FLAGS = {
    "medication_given": "Medicines given",
    "medication_refused": "Medicines offered but refused",
    "ate_and_drank": "Ate and drank",
    "fall_or_injury": "A fall or an injury",
    "needs_follow_up": "Something to follow up",
}

SETTINGS = (
    SettingSpec(
        name="late_arrival_minutes",
        label="Late arrival: tell the team's contacts after (minutes)",
        type="int",
        default=15,
        minimum=1,
        maximum=240,
        group="Safety",
        help="When nobody has said \u201cI've arrived\u201d this long after a visit's start, "
        "the team's contacts are told.",
    ),
    SettingSpec(
        name="escalate_minutes",
        label="Late arrival: then tell the facilitator on call after (minutes)",
        type="int",
        default=15,
        minimum=1,
        maximum=240,
        group="Safety",
        help="How much longer, after the contacts were due to be told, before the facilitator "
        "on call is told that still nobody has arrived.",
    ),
    SettingSpec(
        name="overdue_leaving_minutes",
        label="Lone working: tell the facilitator on call when leaving is overdue by (minutes)",
        type="int",
        default=30,
        minimum=1,
        maximum=480,
        group="Safety",
        help="When someone has arrived but not said \u201cI'm leaving\u201d this long after "
        "the visit's end, the facilitator on call is told.",
    ),
)


# Who may do what, and when ---------------------------------------------------------------------


def _own(s: Standing, visit: Visit, log: VisitLog | None) -> bool:
    me = s.user.id if s.user is not None else None
    return me is not None and (visit.worker_id == me or (log is not None and log.author_id == me))


def can_read_log(s: Standing, visit: Visit, log: VisitLog | None = None) -> bool:
    """The person booked (and whoever wrote the log, even after leaving the team), those who
    review logs, and those the leader lets see private records (facilitators given access and
    the registered manager included, their reads logged)."""
    return _own(s, visit, log) or policy.can_review_log(s) or teams_policy.can_view_records(s)


def arrival_window(visit: Visit) -> tuple[datetime, datetime]:
    return visit.starts_at - ARRIVE_EARLY, visit.ends_at


def can_arrive_now(s: Standing, visit: Visit, now: datetime) -> bool:
    opens, closes = arrival_window(visit)
    return (
        policy.can_work_visit(s, visit)
        and visit.status == "accepted"
        and visit.arrived_at is None
        and opens <= now < closes
    )


def can_leave_now(s: Standing, visit: Visit) -> bool:
    return (
        policy.can_work_visit(s, visit)
        and visit.status == "accepted"
        and visit.arrived_at is not None
        and visit.left_at is None
    )


def can_call_for_help_now(s: Standing, visit: Visit, now: datetime) -> bool:
    if not policy.can_work_visit(s, visit):
        return False
    still_there = visit.arrived_at is not None and visit.left_at is None
    until = max(visit.ends_at, visit.left_at or visit.ends_at) + HELP_AFTER
    return still_there or visit.starts_at - ARRIVE_EARLY <= now < until


def can_write_log_now(s: Standing, visit: Visit, log: VisitLog | None, now: datetime) -> bool:
    """The person booked, once they have arrived or the visit is over, while the log is not
    yet confirmed."""
    return (
        policy.can_work_visit(s, visit)
        and (visit.arrived_at is not None or now >= visit.ends_at)
        and (log is None or log.status != "confirmed")
    )


def can_review_this_log(s: Standing, log: VisitLog | None) -> bool:
    """The leader or a hat holder, but never on a log they wrote themselves."""
    return (
        log is not None
        and policy.can_review_log(s)
        and (s.user is None or log.author_id != s.user.id)
    )


# Arrivals --------------------------------------------------------------------------------------


def _acting_for(s: Standing) -> User | None:
    return s.team.leader if s.is_representative and not s.is_leader else None


def _audit(
    session: Session,
    s: Standing,
    action: str,
    obj: Visit | VisitLog,
    now: datetime,
    changes: dict[str, Any],
) -> None:
    """Audit a change by the person acting (for the leader, when their representative acts):
    ids and field names only, never what a log or a query says."""
    audit.record(
        session,
        s.user,
        action,
        "visit" if isinstance(obj, Visit) else "visit_log",
        obj.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes=changes,
    )


def _changed(session: Session, statement: Any, visit_or_log: Visit | VisitLog, detail: str) -> None:
    """Run a conditional update; if it changed nothing, someone (or another tab) got there
    first: a 409 that says what the person should do."""
    if session.execute(statement).rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(detail)
    session.refresh(visit_or_log)


def arrive(session: Session, s: Standing, visit: Visit, *, now: datetime) -> Visit:
    """ "I've arrived": the person booked for an accepted visit, from 30 minutes before its start
    until its end; it is recorded once. Raises Forbidden (someone else), Conflict (outside the
    window, or already recorded). Audits `visit.arrived`."""
    require(
        policy.can_work_visit(s, visit),
        detail="Only the person booked for this visit can say they have arrived.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if visit.arrived_at is not None:
        raise Conflict("You have already said you've arrived for this visit.")
    opens, closes = arrival_window(visit)
    if visit.status != "accepted" or not opens <= now < closes:
        raise Conflict(
            "You can say you've arrived from 30 minutes before the visit starts until it ends."
        )
    _changed(
        session,
        update(Visit)
        .where(
            Visit.id == visit.id,
            Visit.worker_id == s.user.id,
            Visit.status == "accepted",
            Visit.arrived_at.is_(None),
        )
        .values(arrived_at=now, updated_at=now),
        visit,
        "You have already said you've arrived for this visit.",
    )
    _audit(session, s, "visit.arrived", visit, now, {"fields": ["arrived_at"]})
    return visit


def leave(session: Session, s: Standing, visit: Visit, *, now: datetime) -> Visit:
    """ "I'm leaving": the person booked, after saying they arrived; the visit is then done.
    Raises Forbidden or Conflict (not arrived, or already left). Audits `visit.left`."""
    require(
        policy.can_work_visit(s, visit),
        detail="Only the person booked for this visit can say they are leaving.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if visit.arrived_at is None:
        raise Conflict("Please say you've arrived before you say you're leaving.")
    _changed(
        session,
        update(Visit)
        .where(
            Visit.id == visit.id,
            Visit.worker_id == s.user.id,
            Visit.status == "accepted",
            Visit.arrived_at.is_not(None),
            Visit.left_at.is_(None),
        )
        .values(left_at=now, status="done", updated_at=now, sequence=Visit.sequence + 1),
        visit,
        "You have already said you're leaving this visit.",
    )
    _audit(session, s, "visit.left", visit, now, {"fields": ["left_at", "status"]})
    return visit


def on_call_people(session: Session) -> list[User]:
    """The facilitator on call; when nobody is set, every active facilitator, so that a call
    for help never goes nowhere."""
    on_call_id = settings.get(session, "on_call_facilitator")
    person = session.get(User, on_call_id) if on_call_id else None
    if person is not None and person.is_active:
        return [person]
    return settings.people_with_role(session, "facilitator")


def _mail(
    session: Session, people: Iterable[User], subject: str, body: str, now: datetime
) -> list[int]:
    """Tell each person in their inbox, and by e-mail where they have an address; returns
    who was told."""
    return [
        n.user_id for n in inbox.notify(session, list(people), subject=subject, body=body, now=now)
    ]


def visit_address(base_url: str, visit: Visit) -> str:
    return f"{base_url.rstrip('/')}/rota/visits/{visit.id}/log"


def call_for_help(
    session: Session, s: Standing, visit: Visit, *, now: datetime, base_url: str = ""
) -> bool:
    """The discreet "I need help": the facilitator on call is told at once through the outbox
    (every facilitator when nobody is on call). A second press within two minutes is the same
    call. Returns whether anyone was told now. Raises Forbidden or Conflict (not around the
    visit's time). Audits `visit.help_called` with who was told, never any words."""
    require(
        policy.can_work_visit(s, visit),
        detail="Only the person booked for this visit can ask for help from it.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if not can_call_for_help_now(s, visit, now):
        raise Conflict(
            "This visit is not happening now. If you need help, please call the co-op or, "
            "in an emergency, 999."
        )
    if visit.help_called_at is not None and now - visit.help_called_at < HELP_REPEAT:
        return False
    visit.help_called_at = now
    session.flush()
    team = s.team
    when = f"{local(now):%H:%M}"
    told = _mail(
        session,
        on_call_people(session),
        f"Help needed now: {s.user.display_name}",
        f"{s.user.display_name} pressed \u201cI need help\u201d at {when} during their visit "
        f"for {team.leader.display_name}'s team ({describe_span(visit.starts_at, visit.ends_at)}).\n\n"
        "Please contact them now. The visit:\n\n" + visit_address(base_url, visit),
        now,
    )
    _audit(session, s, "visit.help_called", visit, now, {"told": told})
    return True


# The visit log ---------------------------------------------------------------------------------


def find_log(session: Session, visit: Visit) -> VisitLog | None:
    return session.scalar(select(VisitLog).where(VisitLog.visit_id == visit.id))


def read_log(
    session: Session, s: Standing, visit: Visit, now: datetime, *, log_outside_reads: bool = True
) -> VisitLog | None:
    """The visit's log, or None when there is none yet. Raises NotFound for someone who may not
    read it. A read from outside the team is logged for the leader (an AccessEvent), so a
    caller that cannot write (`log_outside_reads=False`) gets None for such readers instead."""
    log = find_log(session, visit)
    require(can_read_log(s, visit, log), hidden=True, detail="We could not find that visit log.")
    if log is not None and teams_policy.reads_from_outside(s) and not _own(s, visit, log):
        if not log_outside_reads:
            return None
        _log_outside_read(session, s, "visit_log", now)
    return log


def _clean_log(what_was_done: str, notes: str, flags: Iterable[str]) -> tuple[str, str, list[str]]:
    errors: dict[str, list[str]] = {}
    what_was_done, notes = (what_was_done or "").strip(), (notes or "").strip()
    chosen = sorted(set(flags or ()))
    if not what_was_done:
        errors["what_was_done"] = ["Please say what was done at the visit."]
    elif len(what_was_done) > LONGEST_TEXT:
        errors["what_was_done"] = [f"Please keep this to {LONGEST_TEXT} characters."]
    if len(notes) > LONGEST_TEXT:
        errors["notes"] = [f"Please keep this to {LONGEST_TEXT} characters."]
    unknown = [f for f in chosen if f not in LOG_FLAGS]
    if unknown:
        errors["flags"] = ["Please choose from the list: " + ", ".join(sorted(LOG_FLAGS)) + "."]
    if errors:
        raise Invalid("The visit log was not saved.", errors=errors)
    return what_was_done, notes, chosen


def write_log(
    session: Session,
    s: Standing,
    visit: Visit,
    *,
    what_was_done: str,
    notes: str = "",
    flags: Iterable[str] = (),
    now: datetime,
) -> VisitLog:
    """Write the visit log, or replace it while it is not confirmed (PUT): the person booked,
    once they have arrived or the visit is over. Rewriting a queried log answers the query: it
    is resolved and the log waits to be confirmed again. Raises Forbidden, Invalid or Conflict
    (confirmed, or not yet started). Audits `visit_log.written` or `visit_log.changed` with the
    field names, never the words."""
    require(
        policy.can_work_visit(s, visit),
        detail="Only the person booked for this visit can write its log.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    what_was_done, notes, chosen = _clean_log(what_was_done, notes, flags)
    log = find_log(session, visit)
    if log is not None and log.status == "confirmed":
        raise Conflict("This visit log has been confirmed, so it can no longer be changed.")
    if not can_write_log_now(s, visit, log, now):
        raise Conflict("You can write the log once you've arrived, or after the visit.")
    if log is None:
        log = VisitLog(
            visit_id=visit.id,
            author_id=s.user.id,
            what_was_done=what_was_done,
            notes=notes,
            flags=chosen,
            status="written",
            written_at=now,
        )
        session.add(log)
        session.flush()  # a second writer at the same moment meets the unique visit_id: a 409
        _audit(session, s, "visit_log.written", log, now, {"visit_id": visit.id})
        return log
    new = {"what_was_done": what_was_done, "notes": notes, "flags": chosen}
    fields = [name for name, value in new.items() if getattr(log, name) != value]
    values: dict[str, Any] = {**new, "written_at": now, "status": "written"}
    if log.status == "queried":
        values["query_resolved_at"] = now
        fields.append("query_resolved_at")
    _changed(
        session,
        update(VisitLog)
        .where(VisitLog.id == log.id, VisitLog.status.in_(("written", "queried")))
        .values(**values),
        log,
        "This visit log has just been confirmed, so it can no longer be changed.",
    )
    _audit(session, s, "visit_log.changed", log, now, {"visit_id": visit.id, "fields": fields})
    return log


def _log_to_review(session: Session, s: Standing, visit: Visit, action: str) -> VisitLog:
    log = find_log(session, visit)
    if log is None:
        require(policy.can_review_log(s), hidden=not can_read_log(s, visit))
        raise Conflict("There is no visit log to " + action + " yet.")
    require(
        can_review_this_log(s, log),
        hidden=not can_read_log(s, visit, log),
        detail="The person who leads the team or someone wearing one of its hats can "
        + action
        + " a visit log, but not one they wrote themselves.",
    )
    return log


def confirm_log(session: Session, s: Standing, visit: Visit, *, now: datetime) -> VisitLog:
    """The leader or a hat holder confirms the log (an open query is resolved by it). Raises
    Forbidden, NotFound or Conflict (no log, or already confirmed). Audits `visit_log.confirmed`."""
    log = _log_to_review(session, s, visit, "confirm")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    values: dict[str, Any] = {
        "status": "confirmed",
        "reviewed_by_id": s.user.id,
        "reviewed_at": now,
    }
    if log.status == "queried" and log.query_resolved_at is None:
        values["query_resolved_at"] = now
    _changed(
        session,
        update(VisitLog)
        .where(VisitLog.id == log.id, VisitLog.status.in_(("written", "queried")))
        .values(**values),
        log,
        "This visit log has already been confirmed.",
    )
    _audit(session, s, "visit_log.confirmed", log, now, {"visit_id": visit.id})
    return log


def query_log(
    session: Session, s: Standing, visit: Visit, *, comment: str, now: datetime
) -> VisitLog:
    """The leader or a hat holder raises a query with a comment; it stays visible until the
    person booked answers it (by rewriting the log) or a reviewer marks it resolved. The person
    booked is told by e-mail, without the comment. Raises Forbidden, NotFound, Invalid or
    Conflict (confirmed, or already queried). Audits `visit_log.queried` without the comment."""
    log = _log_to_review(session, s, visit, "query")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    comment = (comment or "").strip()
    if not comment:
        raise Invalid(
            "The query was not raised.",
            errors={"comment": ["Please say what you would like to ask about."]},
        )
    if len(comment) > LONGEST_TEXT:
        raise Invalid(
            "The query was not raised.",
            errors={"comment": [f"Please keep this to {LONGEST_TEXT} characters."]},
        )
    if log.status == "confirmed":
        raise Conflict("This visit log has been confirmed, so it cannot be queried.")
    _changed(
        session,
        update(VisitLog)
        .where(VisitLog.id == log.id, VisitLog.status == "written")
        .values(
            status="queried",
            query_comment=comment,
            query_resolved_at=None,
            reviewed_by_id=s.user.id,
            reviewed_at=now,
        ),
        log,
        "This visit log already has a query waiting for an answer.",
    )
    _audit(
        session,
        s,
        "visit_log.queried",
        log,
        now,
        {"visit_id": visit.id, "fields": ["query_comment"]},
    )
    _mail(
        session,
        [log.author],
        "A question about your visit log",
        f"{s.user.display_name} has a question about your visit log for "
        f"{describe_span(visit.starts_at, visit.ends_at)}. Please sign in to Carecoop to "
        "read it and answer.",
        now,
    )
    return log


def resolve_query(session: Session, s: Standing, visit: Visit, *, now: datetime) -> VisitLog:
    """A reviewer marks a query resolved (the person booked resolves it by rewriting the log);
    the log then waits to be confirmed. Raises Forbidden, NotFound or Conflict (no open query).
    Audits `visit_log.query_resolved`."""
    log = _log_to_review(session, s, visit, "resolve a query on")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    _changed(
        session,
        update(VisitLog)
        .where(VisitLog.id == log.id, VisitLog.status == "queried")
        .values(status="written", query_resolved_at=now),
        log,
        "There is no open query on this visit log.",
    )
    _audit(
        session,
        s,
        "visit_log.query_resolved",
        log,
        now,
        {"visit_id": visit.id, "fields": ["query_resolved_at"]},
    )
    return log


# The timed job: late arrivals and lone working --------------------------------------------------


def _claim(session: Session, visit: Visit, column: str, now: datetime, *conditions: Any) -> bool:
    """Mark the alert as sent, only if nobody (no other tick) has: the one who marks it sends."""
    done = session.execute(
        update(Visit)
        .where(
            Visit.id == visit.id,
            Visit.status == "accepted",
            getattr(Visit, column).is_(None),
            *conditions,
        )
        .values({column: now})
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def _minutes(session: Session, name: str) -> timedelta:
    return timedelta(minutes=int(settings.get(session, name)))


def _contacts_or_leader(session: Session, team: Team, visit: Visit) -> list[User]:
    """The team's contacts, told first (not the late person themselves, should they be one);
    the leader when there is nobody else to tell."""
    people = [
        m.user
        for m in members.contacts(session, team)
        if m.user is not None and m.user_id != visit.worker_id
    ]
    return people or [team.leader]


@dataclass(frozen=True)
class _Alert:
    """One kind of alert: its `*_alerted_at` column (which makes it go once), when it is due,
    what must still be true as it goes, whom it tells and what it says."""

    column: str
    action: str
    due: Callable[[Session, datetime], list[Any]]
    still: Any
    who: Callable[[Session, Team, Visit], list[User]]
    subject: Callable[[User], str]
    body: Callable[[User, Team, Visit], str]


def _span(visit: Visit) -> str:
    return describe_span(visit.starts_at, visit.ends_at)


ALERTS = (
    _Alert(
        column="late_alerted_at",
        action="visit.late_alerted",
        due=lambda session, now: [
            Visit.arrived_at.is_(None),
            Visit.starts_at <= now - _minutes(session, "late_arrival_minutes"),
            Visit.starts_at > now - ALERT_LOOKBACK,
        ],
        still=Visit.arrived_at.is_(None),
        who=_contacts_or_leader,
        subject=lambda worker: f"{worker.display_name} has not arrived yet",
        body=lambda worker, team, visit: (
            f"{worker.display_name} has not yet said they've arrived for the visit to "
            f"{team.leader.display_name} ({_span(visit)}). They may just have forgotten to "
            "press \u201cI've arrived\u201d. If you can, please check that all is well. If nobody "
            "arrives soon, the facilitator on call will be told."
        ),
    ),
    _Alert(
        column="late_escalated_at",
        action="visit.late_escalated",
        due=lambda session, now: [
            Visit.arrived_at.is_(None),
            Visit.late_alerted_at.is_not(None),  # the contacts first, always
            Visit.starts_at
            <= now
            - _minutes(session, "late_arrival_minutes")
            - _minutes(session, "escalate_minutes"),
            Visit.starts_at > now - ALERT_LOOKBACK,
        ],
        still=Visit.arrived_at.is_(None),
        who=lambda session, _team, _visit: on_call_people(session),
        subject=lambda worker: f"Nobody has arrived: {worker.display_name}",
        body=lambda worker, team, visit: (
            f"{worker.display_name} has still not said they've arrived for the visit to "
            f"{team.leader.display_name}'s team ({_span(visit)}). The team's contacts were "
            "told. Please check on the person and the worker."
        ),
    ),
    _Alert(
        column="overdue_alerted_at",
        action="visit.overdue_alerted",
        due=lambda session, now: [
            Visit.arrived_at.is_not(None),
            Visit.left_at.is_(None),
            Visit.ends_at <= now - _minutes(session, "overdue_leaving_minutes"),
            Visit.ends_at > now - ALERT_LOOKBACK,
        ],
        still=Visit.left_at.is_(None),
        who=lambda session, _team, _visit: on_call_people(session),
        subject=lambda worker: f"Not left yet: {worker.display_name}",
        body=lambda worker, team, visit: (
            f"{worker.display_name} arrived for the visit to {team.leader.display_name}'s "
            f"team ({_span(visit)}) and has not said \u201cI'm leaving\u201d. They work alone "
            "there: please check they are safe."
        ),
    ),
)


def _send(session: Session, alert: _Alert, now: datetime, base_url: str) -> int:
    column = getattr(Visit, alert.column)
    due = session.scalars(
        select(Visit)
        .where(Visit.status == "accepted", column.is_(None), *alert.due(session, now))
        .order_by(Visit.id)
    )
    sent = 0
    for visit in list(due):
        if not _claim(session, visit, alert.column, now, alert.still):
            continue  # another tick got there first
        team = session.get_one(Team, visit.team_id)
        worker = visit.worker
        if worker is None:
            continue  # an accepted visit has its worker; an open one has nobody to alert about
        told = _mail(
            session,
            alert.who(session, team, visit),
            alert.subject(worker),
            alert.body(worker, team, visit) + "\n\n" + visit_address(base_url, visit),
            now,
        )
        audit.record(
            session,
            None,
            alert.action,
            "visit",
            visit.id,
            now=now,
            scope=scope(team),
            changes={"told": told},
        )
        sent += 1
    return sent


def send_alerts(session: Session, now: datetime, *, base_url: str = "") -> int:
    """The timed job's part, each alert once however often it runs, for accepted visits only
    (nobody booked, or cancelled, never alerts). Returns how many went:

    - no arrival `late_arrival_minutes` after the start: the team's contacts (the leader when
      none are named) are told (`visit.late_alerted`);
    - still none `escalate_minutes` later: the facilitator on call (`visit.late_escalated`);
    - lone working: arrived and not left `overdue_leaving_minutes` after the end: the
      facilitator on call (`visit.overdue_alerted`).

    Visits further back than ALERT_LOOKBACK are left alone."""
    return sum(_send(session, alert, now, base_url) for alert in ALERTS)
