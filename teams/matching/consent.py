"""The consent state machine, one per opening and worker (DOMAIN.md):

    suggested -> interested -> mutual -> trial -> matched -> member

"interested": one side said "I'd like to meet"; "mutual": the other said yes; "trial": both
agreed a trial visit (the rota books it); "matched": both said "carry on" after it, and the worker
joins the team ("member") in the same step. From any live state either side may say no or stop,
without a reason: the row ends as "declined" (before mutual) or "stopped" (after). The other side
is told kindly and never shown a reason; whoever ended it may leave a private note for the co-op.

Every status change is a conditional update on the state it expects, so two clicks do one thing
and the loser gets a 409. Every word either side says is kept as a MatchDecision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from coop import events
from coop.clock import describe_span
from coop.errors import Conflict, Invalid, NotFound
from coop.models import User
from coop.services import audit, inbox
from teams.matching import policy
from teams.matching.models import (
    Interest,
    MatchDecision,
    MatchNote,
    Opening,
    Trial,
    WorkerProfile,
)
from teams.matching.scoring import missing_checks, required_checks
from teams.matching.vetting import companionship_needs_dbs, valid_by_worker
from teams.matching.vetting import today as local_today
from teams.matching.vocabulary import LAWFUL_REQUIREMENTS, LIVE_STATES
from teams.models import Hat, Membership, Team
from teams.policy import Standing
from teams.services.standing import require, scope, standing

MAX_TRIAL = timedelta(hours=12)
NOTE_LIMIT = 2000


# Finding things as someone sees them -----------------------------------------------------------


def side_of(
    session: Session, user: User | None, interest: Interest, now: datetime
) -> tuple[str | None, Standing]:
    """Which side `user` speaks for in this interest ("worker", "team" or None), and their
    standing in the opening's team."""
    team = interest.opening.team
    s = standing(session, user, team, now)
    if user is not None and user.id == interest.worker_id:
        return "worker", s
    if policy.can_view_team_openings(s) and not ("facilitator" in s.roles and not s.is_member):
        return "team", s
    return None, s


def find_interest(
    session: Session, user: User | None, interest_id: int, now: datetime
) -> tuple[Interest, str, Standing]:
    """The interest with the side the person speaks for. Raises NotFound for anyone else
    (facilitators read interests through the co-op's pages, not as a side)."""
    # Read afresh: the state decides what may be said next, so it must not be a stale copy.
    interest = session.get(Interest, interest_id, populate_existing=True)
    if interest is None:
        raise NotFound("We could not find that.")
    side, s = side_of(session, user, interest, now)
    if side is None:
        raise NotFound("We could not find that.")
    return interest, side, s


def find_trial(
    session: Session, user: User | None, trial_id: int, now: datetime
) -> tuple[Trial, str, Standing]:
    trial = session.get(Trial, trial_id, populate_existing=True)
    if trial is None:
        raise NotFound("We could not find that trial.")
    _, side, s = find_interest(session, user, trial.interest_id, now)
    return trial, side, s


def _other(side: str) -> str:
    return "team" if side == "worker" else "worker"


def _team_speakers(session: Session, team: Team) -> list[User]:
    """Who hears for the team: the leader and any representative."""
    reps = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Hat, Hat.membership_id == Membership.id)
        .where(
            Membership.team_id == team.id,
            Membership.status == "active",
            Hat.hat == "representative",
            Hat.status == "active",
        )
    )
    return [team.leader, *reps]


def _tell(
    session: Session, interest: Interest, side: str, subject: str, body: str, now: datetime
) -> None:
    opening = interest.opening
    if side == "worker":
        inbox.notify(
            session, interest.worker, subject=subject, body=body, now=now, link="/matching/me"
        )
    else:
        inbox.notify(
            session,
            _team_speakers(session, opening.team),
            subject=subject,
            body=body,
            now=now,
            link=f"/teams/{opening.team_id}/openings/{opening.id}",
        )


def _decide(
    session: Session,
    interest: Interest,
    side: str,
    decision: str,
    actor: User,
    now: datetime,
    lawful_requirement: str | None = None,
) -> None:
    session.add(
        MatchDecision(
            interest_id=interest.id,
            side=side,
            decision=decision,
            by_id=actor.id,
            lawful_requirement=lawful_requirement,
            at=now,
        )
    )


def _move(
    session: Session, interest: Interest, expected: tuple[str, ...], now: datetime, **values: object
) -> None:
    """The conditional update: only from a state we expect, so that two clicks do one thing."""
    done = session.execute(
        update(Interest)
        .where(Interest.id == interest.id, Interest.state.in_(expected))
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This has already changed. Please look again at where things stand.")
    session.refresh(interest)


def _check_lawful(lawful_requirement: str | None) -> None:
    if lawful_requirement is not None and lawful_requirement not in LAWFUL_REQUIREMENTS:
        raise Invalid(
            "Please choose from the list.",
            errors={"lawful_requirement": ["Please choose from the list."]},
        )


def _keep_note(
    session: Session, interest: Interest, actor: User, note: str | None, now: datetime
) -> None:
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise Invalid(
            "Please shorten the note.",
            errors={"note": [f"Please keep the note under {NOTE_LIMIT} characters."]},
        )
    if note:
        session.add(
            MatchNote(interest_id=interest.id, author_id=actor.id, body=note, created_at=now)
        )


# Saying "I'd like to meet" ----------------------------------------------------------------------


def _worker_may_meet(session: Session, worker: User, opening: Opening, now: datetime) -> None:
    """A worker meets a team only with every check the opening's tasks need, and not paused."""
    profile = session.get(WorkerProfile, worker.id)
    if profile is None:
        raise Invalid("Please fill in your worker profile first.")
    if profile.paused_at is not None:
        raise Conflict("This cannot go ahead just now. A facilitator will be in touch.")
    needed = required_checks(
        opening.tasks, profile.employment, companionship_needs_dbs=companionship_needs_dbs(session)
    )
    valid = valid_by_worker(session, [worker.id], local_today(now))[worker.id]
    if missing_checks(needed, valid):
        raise Conflict(
            "This opening needs checks that are not yet on record. A facilitator can help."
        )


def express_interest(
    session: Session, actor: User, *, opening_id: int, worker_id: int | None = None, now: datetime
) -> Interest:
    """Say "I'd like to meet". Without `worker_id` the actor speaks for themselves as a worker;
    with it, for the opening's team (its leader, representative or an introducer). Starts the
    machine at "interested", or starts it again when the same side had ended it. Raises
    NotFound (an opening they may not see), Forbidden, Conflict (already under way, ended by
    the other side, or checks missing) or Invalid. Audits `interest.expressed`; tells the other
    side."""
    opening = session.get(Opening, opening_id)
    if opening is None:
        raise NotFound("We could not find that opening.")
    if worker_id is None:
        side, worker = "worker", actor
        from teams.matching.vetting import is_vetted

        require(
            policy.can_browse_openings(actor, vetted=is_vetted(session, actor, now)), hidden=True
        )
        if session.scalar(
            select(Membership.id).where(
                Membership.team_id == opening.team_id,
                Membership.user_id == actor.id,
                Membership.status == "active",
            )
        ):
            raise Conflict("You are already in this team.")
    else:
        side = "team"
        s = standing(session, actor, opening.team, now)
        require(policy.can_view_team_openings(s), hidden=True)
        require(policy.can_speak_for_team(s))
        found = session.get(User, worker_id)
        profile = session.get(WorkerProfile, worker_id)
        if found is None or profile is None or not found.active:
            raise NotFound("We could not find that worker.")
        if not profile.open_to_new_teams:
            raise Conflict("This worker is not looking for new teams just now.")
        worker = found
    if opening.status != "open":
        raise Conflict("This opening has closed.")
    _worker_may_meet(session, worker, opening, now)
    interest = session.scalar(
        select(Interest).where(Interest.opening_id == opening.id, Interest.worker_id == worker.id)
    )
    if interest is None:
        interest = Interest(
            opening_id=opening.id,
            worker_id=worker.id,
            state="interested",
            started_by=side,
            created_at=now,
            updated_at=now,
            round=1,
        )
        session.add(interest)
        session.flush()
    elif interest.state in LIVE_STATES or interest.state == "member":
        raise Conflict("You are already in touch about this opening.")
    elif interest.ended_by != side:
        raise Conflict("The other side has decided not to go ahead with this one.")
    else:
        _move(
            session,
            interest,
            ("declined", "stopped"),
            now,
            state="interested",
            started_by=side,
            mutual_at=None,
            trial_at=None,
            ended_at=None,
            ended_by=None,
            round=Interest.round + 1,
        )
    _decide(session, interest, side, "interested", actor, now)
    session.flush()
    audit.record(
        session,
        actor,
        "interest.expressed",
        "interest",
        interest.id,
        now=now,
        scope=scope(opening.team_id),
        changes={"side": side, "worker_id": worker.id},
    )
    if side == "worker":
        _tell(
            session,
            interest,
            "team",
            "Someone would like to meet you",
            f"{worker.display_name} would like to meet you about your opening “{opening.title}”. "
            "You can read their profile and say whether you would like to meet them too.",
            now,
        )
    else:
        _tell(
            session,
            interest,
            "worker",
            "A team would like to meet you",
            f"A team in {opening.neighbourhood.name} would like to meet you about “{opening.title}”. "
            "You can read what they are looking for and say whether you would like to meet.",
            now,
        )
    return interest


# Answering, the trial, carrying on and stopping -------------------------------------------------


def _may_speak(side: str, s: Standing) -> None:
    if side == "team":
        require(
            policy.can_decide_for_team(s),
            detail="Only the person who leads the team, or their representative, can decide this.",
        )


def answer_interest(
    session: Session,
    actor: User,
    interest_id: int,
    *,
    yes: bool,
    lawful_requirement: str | None = None,
    note: str | None = None,
    now: datetime,
) -> Interest:
    """The other side's answer to "I'd like to meet": yes makes it mutual (names are shown to
    both from then on); no ends it kindly, with no reason shown. Raises NotFound, Forbidden,
    Conflict (not theirs to answer, or already answered) or Invalid. Audits `interest.answered`."""
    interest, side, s = find_interest(session, actor, interest_id, now)
    _may_speak(side, s)
    if interest.state == "interested" and side == interest.started_by:
        raise Conflict("You have said you would like to meet; the answer is theirs to give.")
    if not yes:
        return stop(
            session, actor, interest_id, lawful_requirement=lawful_requirement, note=note, now=now
        )
    _move(session, interest, ("interested",), now, state="mutual", mutual_at=now)
    _decide(session, interest, side, "yes", actor, now)
    session.flush()
    audit.record(
        session,
        actor,
        "interest.answered",
        "interest",
        interest.id,
        now=now,
        scope=scope(interest.opening.team_id),
        changes={"side": side, "state": "mutual"},
    )
    opening = interest.opening
    body = (
        f"You both said yes about “{opening.title}”: {interest.worker.display_name} and "
        f"{opening.team.leader.display_name}'s team. The next step is to agree a trial visit."
    )
    _tell(session, interest, "worker", "You both said yes", body, now)
    _tell(session, interest, "team", "You both said yes", body, now)
    return interest


def propose_trial(
    session: Session,
    actor: User,
    interest_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> Trial:
    """Suggest a time for the trial visit, once both said yes; suggesting again replaces a time
    not yet agreed. Raises NotFound, Forbidden, Conflict or Invalid. Audits `trial.proposed`."""
    interest, side, s = find_interest(session, actor, interest_id, now)
    _may_speak(side, s)
    if interest.state != "mutual":
        raise Conflict("A trial can be suggested once you have both said yes.")
    errors: dict[str, list[str]] = {}
    if starts_at <= now:
        errors["starts_at"] = ["Please choose a time that has not yet passed."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["The trial must end after it starts."]
    elif ends_at - starts_at > MAX_TRIAL:
        errors["ends_at"] = ["A trial visit is at most 12 hours."]
    if errors:
        raise Invalid("Please check the time of the trial.", errors=errors)
    trial = interest.trial
    if trial is None:
        trial = Trial(
            interest=interest,
            round=interest.round,
            status="proposed",
            proposed_by=side,
            starts_at=starts_at,
            ends_at=ends_at,
            proposed_at=now,
        )
        session.add(trial)
    elif trial.status != "proposed":
        raise Conflict("The trial has already been agreed.")
    else:
        trial.proposed_by, trial.starts_at, trial.ends_at, trial.proposed_at = (
            side,
            starts_at,
            ends_at,
            now,
        )
    session.flush()
    audit.record(
        session,
        actor,
        "trial.proposed",
        "trial",
        trial.id,
        now=now,
        scope=scope(interest.opening.team_id),
        changes={"side": side},
    )
    _tell(
        session,
        interest,
        _other(side),
        "A time for the trial visit",
        f"A trial visit about “{interest.opening.title}” is suggested for "
        f"{describe_span(starts_at, ends_at)}. Please say whether that time works for you.",
        now,
    )
    return trial


def agree_trial(session: Session, actor: User, trial_id: int, *, now: datetime) -> Trial:
    """Agree the trial time the other side suggested: the machine moves to "trial" and the
    `trial_agreed` event lets the rota book the visit (a clash with the worker's other visits
    fails the agreement, as a 409 with times only). Raises NotFound, Forbidden or Conflict.
    Audits `trial.agreed`."""
    trial, side, s = find_trial(session, actor, trial_id, now)
    _may_speak(side, s)
    interest = trial.interest
    if trial.status != "proposed" or interest.state != "mutual":
        raise Conflict("This trial is no longer waiting for an answer.")
    if trial.proposed_by == side:
        raise Conflict("You suggested this time; the other side will answer.")
    if trial.starts_at <= now:
        raise Conflict("That time has passed. Please suggest another.")
    _move(session, interest, ("mutual",), now, state="trial", trial_at=now)
    trial.status, trial.agreed_at = "agreed", now
    _decide(session, interest, side, "trial_agreed", actor, now)
    session.flush()
    opening = interest.opening
    events.trial_agreed.send(
        trial,
        session=session,
        actor=actor,
        now=now,
        team_id=opening.team_id,
        worker_id=interest.worker_id,
        starts_at=trial.starts_at,
        ends_at=trial.ends_at,
    )
    audit.record(
        session, actor, "trial.agreed", "trial", trial.id, now=now, scope=scope(opening.team_id)
    )
    body = (
        f"The trial visit about “{opening.title}” is agreed for "
        f"{describe_span(trial.starts_at, trial.ends_at)}. Afterwards you will each be asked "
        "whether you would like to carry on."
    )
    _tell(session, interest, "worker", "Your trial visit is agreed", body, now)
    _tell(session, interest, "team", "Your trial visit is agreed", body, now)
    return trial


def decide_after_trial(
    session: Session,
    actor: User,
    trial_id: int,
    *,
    carry_on: bool,
    lawful_requirement: str | None = None,
    note: str | None = None,
    now: datetime,
) -> Interest:
    """One side's word after the trial. "Carry on" from both matches them, and the worker joins
    the team in the same step; "stop" ends it (it may be said at any time, also before the
    trial). Raises NotFound, Forbidden, Conflict (before the trial has ended, or said already).
    Audits `trial.decided`, and `member.joined` when the worker joins."""
    trial, side, s = find_trial(session, actor, trial_id, now)
    _may_speak(side, s)
    interest = trial.interest
    if not carry_on:
        return stop(
            session, actor, interest.id, lawful_requirement=lawful_requirement, note=note, now=now
        )
    if interest.state != "trial" or trial.status != "agreed":
        raise Conflict("This trial is no longer waiting for an answer.")
    if now < trial.ends_at:
        raise Conflict("You can say whether to carry on once the trial visit is over.")
    column = Trial.team_decision if side == "team" else Trial.worker_decision
    done = session.execute(
        update(Trial)
        .where(Trial.id == trial.id, Trial.status == "agreed", column.is_(None))
        .values({column: "carry_on"})
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("You have already said you would like to carry on.")
    session.refresh(trial)
    _decide(session, interest, side, "carry_on", actor, now)
    session.flush()
    audit.record(
        session,
        actor,
        "trial.decided",
        "trial",
        trial.id,
        now=now,
        scope=scope(interest.opening.team_id),
        changes={"side": side, "decision": "carry_on"},
    )
    if trial.team_decision == trial.worker_decision == "carry_on":
        _join(session, actor, interest, trial, now)
    else:
        _tell(
            session,
            interest,
            _other(side),
            "They would like to carry on",
            f"After the trial visit about “{interest.opening.title}”, the other side would like "
            "to carry on. Please say whether you would too.",
            now,
        )
    return interest


def _join(session: Session, actor: User, interest: Interest, trial: Trial, now: datetime) -> None:
    """Both said carry on: matched, and the worker joins the team as a bookable worker."""
    opening = interest.opening
    profile = session.get(WorkerProfile, interest.worker_id)
    _move(session, interest, ("trial",), now, state="matched", matched_at=now)
    trial.status, trial.ended_at = "ended", now
    membership = session.scalar(
        select(Membership).where(
            Membership.team_id == opening.team_id,
            Membership.user_id == interest.worker_id,
            Membership.status == "active",
            or_(Membership.leaves_at.is_(None), Membership.leaves_at > now),
        )
    )
    if membership is None:
        membership = Membership(
            team_id=opening.team_id,
            user_id=interest.worker_id,
            kind="worker",
            employment=profile.employment if profile else None,
            status="active",
            bookable=True,
            invited_by_id=opening.team.leader_id,
            created_at=now,
            joined_at=now,
        )
        session.add(membership)
        session.flush()
        audit.record(
            session,
            actor,
            "member.joined",
            "membership",
            membership.id,
            now=now,
            scope=scope(opening.team_id),
            changes={"kind": "worker", "by": "matching"},
        )
    _move(session, interest, ("matched",), now, state="member", membership_id=membership.id)
    body = (
        f"You both said carry on: {interest.worker.display_name} has joined "
        f"{opening.team.leader.display_name}'s team. Welcome!"
    )
    _tell(session, interest, "worker", "Welcome to the team", body, now)
    _tell(session, interest, "team", "Welcome to the team", body, now)


def stop(
    session: Session,
    actor: User,
    interest_id: int,
    *,
    lawful_requirement: str | None = None,
    note: str | None = None,
    now: datetime,
) -> Interest:
    """Either side says no, or stop, at any live state, without a reason. The other side is
    told kindly and never shown a reason, a note or a lawful requirement; a trial visit not yet
    over is called off (the `trial_cancelled` event). Raises NotFound, Forbidden, Conflict
    (already ended) or Invalid. Audits `interest.ended` (with no reason in it)."""
    interest, side, s = find_interest(session, actor, interest_id, now)
    _may_speak(side, s)
    _check_lawful(lawful_requirement)
    before = interest.state
    if before not in LIVE_STATES:
        raise Conflict("This has already ended.")
    ended = "declined" if before == "interested" else "stopped"
    _keep_note(session, interest, actor, note, now)
    _move(session, interest, (before,), now, state=ended, ended_at=now, ended_by=side)
    _decide(
        session,
        interest,
        side,
        "no" if ended == "declined" else "stop",
        actor,
        now,
        lawful_requirement,
    )
    trial = interest.trial
    if trial is not None and trial.status == "agreed":
        trial.status, trial.ended_at = "ended", now
        trial.team_decision = "stop" if side == "team" else trial.team_decision
        trial.worker_decision = "stop" if side == "worker" else trial.worker_decision
        session.flush()
        if trial.ends_at > now:
            events.trial_cancelled.send(
                trial,
                session=session,
                actor=actor,
                now=now,
                team_id=interest.opening.team_id,
                worker_id=interest.worker_id,
                starts_at=trial.starts_at,
                ends_at=trial.ends_at,
            )
    session.flush()
    audit.record(
        session,
        actor,
        "interest.ended",
        "interest",
        interest.id,
        now=now,
        scope=scope(interest.opening.team_id),
        changes={"side": side, "state": ended},
    )
    opening = interest.opening
    if side == "team":
        words = (
            f"Thank you for your interest in “{opening.title}”. The team has decided not to go "
            "ahead this time. People choose for all sorts of reasons, and this says nothing "
            "about you. There are other openings you may like."
        )
    else:
        words = (
            f"{interest.worker.display_name} has decided not to go ahead with “{opening.title}”. "
            "People choose for all sorts of reasons. Carecoop will keep suggesting other people."
        )
    _tell(session, interest, _other(side), "An update about a possible match", words, now)
    return interest


# Lists --------------------------------------------------------------------------------------------


def interests_of_worker(session: Session, worker: User) -> list[Interest]:
    return list(
        session.scalars(
            select(Interest)
            .where(Interest.worker_id == worker.id)
            .order_by(Interest.updated_at.desc(), Interest.id.desc())
        )
    )


def opening_interests(
    session: Session, viewer: User, opening_id: int, now: datetime
) -> list[Interest]:
    """Who is in touch about a team's opening, for those who may see the team's openings.
    Raises NotFound for anyone else."""
    from teams.matching.openings import find_opening, find_team_opening

    opening = find_opening(session, opening_id)
    find_team_opening(session, standing(session, viewer, opening.team, now), opening.id)
    return interests_of_opening(session, opening)


def interests_of_opening(session: Session, opening: Opening) -> list[Interest]:
    return list(
        session.scalars(
            select(Interest)
            .where(Interest.opening_id == opening.id)
            .order_by(Interest.updated_at.desc(), Interest.id.desc())
        )
    )


def notes_for_co_op(session: Session, actor: User, *, limit: int = 200) -> list[MatchNote]:
    """The private notes left when someone said no or stopped, for facilitators only."""
    require(policy.can_read_match_notes(actor), hidden=True)
    return list(
        session.scalars(select(MatchNote).order_by(MatchNote.created_at.desc()).limit(limit))
    )
