"""The consent state machine, one per opening and worker (DOMAIN.md):

    suggested -> interested -> mutual -> trial -> matched -> member

"suggested": an introducer proposed the worker to their leader, and the worker is not told
until the leader says yes; "interested": one side said "I'd like to meet"; "mutual": the other
said yes (names are shown to both from here); "trial": both agreed a trial visit (the rota books
it); "matched": both said "carry on" after it, and the worker joins the team ("member") in the
same step. From any live state either side may say no or stop, without a reason: the row ends as
"declined" (before mutual) or "stopped" (after). The other side is told kindly and never shown a
reason; whoever ended it may leave a private note for the co-op. The side that ended it may
start again later, as a new round.

Every status change is a conditional update on the state it expects, so two clicks do one thing
and the loser gets a 409. Every word either side says is kept as a MatchDecision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coop import events
from coop.clock import describe_span
from coop.errors import Conflict, Invalid, NotFound
from coop.models import User
from coop.services import audit
from teams.matching import policy
from teams.matching.conversations import (
    check_lawful,
    find_interest,
    find_trial,
    keep_note,
    may_speak,
    move,
    other,
    record_decision,
    tell,
)
from teams.matching.models import Interest, Opening, Trial, WorkerProfile
from teams.matching.scoring import missing_checks, required_checks
from teams.matching.vetting import companionship_needs_dbs, is_vetted, valid_by_worker
from teams.matching.vetting import today as local_today
from teams.matching.vocabulary import LIVE_STATES
from teams.models import Membership
from teams.services import members
from teams.services.standing import require, scope, standing

MAX_TRIAL = timedelta(hours=12)
#: What a team is told when it cannot contact a worker, whatever the reason: whether someone
#: is paused, lacks a check or is not looking is the worker's and the co-op's business.
CANNOT_CONTACT = "This person can't be contacted about this opening just now."


# Saying "I'd like to meet" ----------------------------------------------------------------------


def _missing_for(session: Session, worker_id: int, opening: Opening, now: datetime) -> bool:
    """Whether the worker lacks a check the opening's tasks need (or has no profile)."""
    profile = session.get(WorkerProfile, worker_id)
    if profile is None:
        return True
    needed = required_checks(
        opening.tasks, profile.employment, companionship_needs_dbs=companionship_needs_dbs(session)
    )
    valid = valid_by_worker(session, [worker_id], local_today(now))[worker_id]
    return bool(missing_checks(needed, valid))


def _in_team(session: Session, worker_id: int, team_id: int) -> bool:
    return bool(
        session.scalar(
            select(Membership.id).where(
                Membership.team_id == team_id,
                Membership.user_id == worker_id,
                Membership.status.in_(("active", "invited")),
            )
        )
    )


def _worker_may_ask(session: Session, worker: User, opening: Opening, now: datetime) -> None:
    require(policy.can_browse_openings(worker, vetted=is_vetted(session, worker, now)), hidden=True)
    profile = session.get(WorkerProfile, worker.id)
    if profile is None:
        raise Invalid("Please fill in your worker profile first.")
    if profile.paused_at is not None:
        raise Conflict("This cannot go ahead just now. A facilitator will be in touch.")
    if _missing_for(session, worker.id, opening, now):
        raise Conflict(
            "This opening needs checks that are not yet on record. A facilitator can help."
        )
    if _in_team(session, worker.id, opening.team_id):
        raise Conflict("You are already in this team.")


def _team_may_ask(session: Session, worker_id: int, opening: Opening, now: datetime) -> User:
    worker = session.get(User, worker_id)
    profile = session.get(WorkerProfile, worker_id)
    if worker is not None and _in_team(session, worker_id, opening.team_id):
        raise Conflict(f"{worker.display_name} is already in your team.")
    if (
        worker is None
        or profile is None
        or not worker.active
        or not profile.open_to_new_teams
        or profile.paused_at is not None
        or _missing_for(session, worker_id, opening, now)
    ):
        raise Conflict(CANNOT_CONTACT)
    return worker


def express_interest(
    session: Session, actor: User, *, opening_id: int, worker_id: int | None = None, now: datetime
) -> Interest:
    """Say "I'd like to meet". Without `worker_id` the actor speaks for themselves as a worker;
    with it, for the opening's team: its leader or representative start the conversation, an
    introducer only suggests the worker to the leader ("suggested"; the worker is not told).
    Starts again, as a new round, when the same side had ended it. Raises NotFound (an opening
    they may not see), Forbidden, Conflict (already under way, ended by the other side, or the
    worker cannot be contacted) or Invalid. Audits `interest.expressed` (or
    `interest.suggested`); tells the other side (or the leader)."""
    opening = session.get(Opening, opening_id)
    if opening is None:
        raise NotFound("We could not find that opening.")
    if worker_id is None:
        side, worker, state = "worker", actor, "interested"
        _worker_may_ask(session, actor, opening, now)
    else:
        side = "team"
        s = standing(session, actor, opening.team, now)
        require(policy.can_view_team_openings(s), hidden=True)
        require(policy.can_speak_for_team(s))
        worker = _team_may_ask(session, worker_id, opening, now)
        state = "interested" if policy.can_decide_for_team(s) else "suggested"
    if opening.status != "open":
        raise Conflict("This opening has closed.")
    interest = session.scalar(
        select(Interest).where(Interest.opening_id == opening.id, Interest.worker_id == worker.id)
    )
    if interest is None:
        interest = Interest(
            opening_id=opening.id,
            worker_id=worker.id,
            state=state,
            started_by=side,
            created_at=now,
            updated_at=now,
            round=1,
        )
        session.add(interest)
        session.flush()
    elif interest.state == "suggested" and state == "interested":
        # The leader takes up an introducer's suggestion, or the worker asks first.
        move(session, interest, ("suggested",), now, state="interested", started_by=side)
    elif interest.state in LIVE_STATES or interest.state in ("suggested", "member"):
        raise Conflict("You are already in touch about this opening.")
    elif state == "suggested":
        # Starting again after a no is the leader's to do: a suggestion is only ever new.
        raise Conflict("The team said no here before. The person who leads it can start again.")
    elif interest.ended_by != side:
        raise Conflict("The other side has decided not to go ahead with this one.")
    else:
        move(
            session,
            interest,
            ("declined", "stopped"),
            now,
            state=state,
            started_by=side,
            mutual_at=None,
            trial_at=None,
            ended_at=None,
            ended_by=None,
            round=Interest.round + 1,
        )
    if interest.state == "suggested":
        audit.record(
            session,
            actor,
            "interest.suggested",
            "interest",
            interest.id,
            now=now,
            scope=scope(opening.team_id),
            changes={"worker_id": worker.id},
        )
        tell(
            session,
            interest,
            "team",
            "A suggestion for your opening",
            f"{actor.display_name} suggests meeting {worker.display_name} about your opening "
            f"“{opening.title}”. They have not been told: it is for you to say yes or no.",
            now,
        )
        return interest
    record_decision(session, interest, side, "interested", actor, now)
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
        tell(
            session,
            interest,
            "team",
            f"{worker.display_name} would like to meet you",
            f"{worker.display_name} would like to meet you about your opening “{opening.title}”. "
            "You can read their profile and say whether you would like to meet them too.",
            now,
        )
    else:
        tell(
            session,
            interest,
            "worker",
            "A team would like to meet you",
            f"A team in {opening.neighbourhood.name} would like to meet you about "
            f"“{opening.title}”. You can read what they are looking for and say whether you "
            "would like to meet.",
            now,
        )
    return interest


# Answering ---------------------------------------------------------------------------------------


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
    """The answer to "I'd like to meet": yes makes it mutual (names are shown to both from then
    on), or, from the leader on an introducer's suggestion, starts the conversation; no ends it
    kindly, with no reason shown. Raises NotFound, Forbidden, Conflict (not theirs to answer, or
    already answered) or Invalid. Audits `interest.answered`."""
    interest, side, s = find_interest(session, actor, interest_id, now)
    may_speak(side, s)
    if not yes:
        return stop(
            session, actor, interest_id, lawful_requirement=lawful_requirement, note=note, now=now
        )
    if interest.state == "suggested":
        return express_interest(
            session, actor, opening_id=interest.opening_id, worker_id=interest.worker_id, now=now
        )
    if interest.state == "interested" and side == interest.started_by:
        raise Conflict("You have said you would like to meet; the answer is theirs to give.")
    move(session, interest, ("interested",), now, state="mutual", mutual_at=now)
    record_decision(session, interest, side, "yes", actor, now)
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
    opening, worker = interest.opening, interest.worker
    leader = opening.team.leader.display_name
    tell(
        session,
        interest,
        "worker",
        f"{leader} would like to meet you too",
        f"You and {leader} both said yes about “{opening.title}”. The next step is to agree "
        "a time for a trial visit.",
        now,
        skip=actor,
    )
    tell(
        session,
        interest,
        "team",
        f"{worker.display_name} would like to meet you too",
        f"You and {worker.display_name} both said yes about “{opening.title}”. The next step "
        "is to agree a time for a trial visit.",
        now,
        skip=actor,
    )
    return interest


# The trial ----------------------------------------------------------------------------------------


def _name_of(interest: Interest, side: str) -> str:
    """How a side is named once both said yes: the worker, or the person who leads the team."""
    if side == "worker":
        return interest.worker.display_name
    return interest.opening.team.leader.display_name


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
    not yet agreed (a conditional update, so it never changes an agreed time). Raises NotFound,
    Forbidden, Conflict or Invalid. Audits `trial.proposed`."""
    interest, side, s = find_interest(session, actor, interest_id, now)
    may_speak(side, s)
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
            interest_id=interest.id,
            round=interest.round,
            status="proposed",
            proposed_by=side,
            starts_at=starts_at,
            ends_at=ends_at,
            proposed_at=now,
        )
        try:
            with session.begin_nested():
                session.add(trial)
        except IntegrityError:
            raise Conflict("A time was suggested just now. Please look again.") from None
        session.expire(interest, ["trials"])
    else:
        done = session.execute(
            update(Trial)
            .where(Trial.id == trial.id, Trial.status == "proposed")
            .values(proposed_by=side, starts_at=starts_at, ends_at=ends_at, proposed_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("The trial has already been agreed.")
        session.refresh(trial)
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
    tell(
        session,
        interest,
        other(side),
        "A time for the trial visit",
        f"{_name_of(interest, side)} suggests a trial visit about “{interest.opening.title}” "
        f"on {describe_span(starts_at, ends_at)}. Please say whether that time works for you.",
        now,
    )
    return trial


def agree_trial(session: Session, actor: User, trial_id: int, *, now: datetime) -> Trial:
    """Agree the trial time the other side suggested, as it was when the person saw it: the
    machine moves to "trial" and the `trial_agreed` event lets the rota book the visit (a clash
    with the worker's other visits fails the agreement, as a 409 with times only). Raises
    NotFound, Forbidden or Conflict. Audits `trial.agreed`."""
    trial, side, s = find_trial(session, actor, trial_id, now)
    may_speak(side, s)
    interest = trial.interest
    if trial.round != interest.round or trial.status != "proposed" or interest.state != "mutual":
        raise Conflict("This trial is no longer waiting for an answer.")
    if trial.proposed_by == side:
        raise Conflict("You suggested this time; the other side will answer.")
    if trial.starts_at <= now:
        raise Conflict("That time has passed. Please suggest another.")
    seen = (trial.proposed_at, trial.starts_at, trial.ends_at)
    done = session.execute(
        update(Trial)
        .where(
            Trial.id == trial.id,
            Trial.status == "proposed",
            Trial.proposed_at == seen[0],
            Trial.starts_at == seen[1],
            Trial.ends_at == seen[2],
        )
        .values(status="agreed", agreed_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("The time was changed just now. Please look at the new time.")
    session.refresh(trial)
    move(session, interest, ("mutual",), now, state="trial", trial_at=now)
    record_decision(session, interest, side, "trial_agreed", actor, now)
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
    span = describe_span(trial.starts_at, trial.ends_at)
    for told, about in (("worker", "team"), ("team", "worker")):
        tell(
            session,
            interest,
            told,
            "Your trial visit is agreed",
            f"The trial visit with {_name_of(interest, about)} about “{opening.title}” is agreed "
            f"for {span}. Afterwards you will each be asked whether you would like to carry on.",
            now,
        )
    return trial


# After the trial ----------------------------------------------------------------------------------


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
    may_speak(side, s)
    interest = trial.interest
    if not carry_on:
        return stop(
            session, actor, interest.id, lawful_requirement=lawful_requirement, note=note, now=now
        )
    if trial.round != interest.round or interest.state != "trial" or trial.status != "agreed":
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
    record_decision(session, interest, side, "carry_on", actor, now)
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
        tell(
            session,
            interest,
            other(side),
            f"{_name_of(interest, side)} would like to carry on",
            f"After the trial visit about “{interest.opening.title}”, {_name_of(interest, side)} "
            "would like to carry on. Please say whether you would too.",
            now,
        )
    return interest


def _join(session: Session, actor: User, interest: Interest, trial: Trial, now: datetime) -> None:
    """Both said carry on: matched, and the worker joins the team as a bookable worker (once,
    however many of the team's openings they matched). Audits `member.joined`."""
    opening = interest.opening
    profile = session.get(WorkerProfile, interest.worker_id)
    move(session, interest, ("trial",), now, state="matched", matched_at=now)
    trial.status, trial.ended_at = "ended", now
    membership = members.join_matched_worker(
        session,
        opening.team_id,
        interest.worker_id,
        employment=profile.employment if profile else None,
        invited_by_id=opening.team.leader_id,
        actor=actor,
        now=now,
    )
    move(session, interest, ("matched",), now, state="member", membership_id=membership.id)
    leader = opening.team.leader.display_name
    tell(
        session,
        interest,
        "worker",
        "Welcome to the team",
        f"You and {leader} both said carry on: you have joined {leader}'s team. Welcome!",
        now,
        skip=actor,
    )
    tell(
        session,
        interest,
        "team",
        "Welcome to the team",
        f"You and {interest.worker.display_name} both said carry on: "
        f"{interest.worker.display_name} has joined the team.",
        now,
        skip=actor,
    )


# Saying no, or stop -------------------------------------------------------------------------------


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
    told kindly and never shown a reason, a note or a lawful requirement (which only the team
    records); a trial time not yet agreed is withdrawn and an agreed trial visit not yet begun
    is called off (the `trial_cancelled` event). A leader saying no to an introducer's
    suggestion ends it without the worker ever hearing of it. Raises NotFound, Forbidden,
    Conflict (already ended) or Invalid. Audits `interest.ended` (with no reason in it)."""
    interest, side, s = find_interest(session, actor, interest_id, now)
    may_speak(side, s)
    check_lawful(side, lawful_requirement)
    before = interest.state
    if before == "suggested":
        return _drop_suggestion(session, actor, interest, now)
    if before not in LIVE_STATES:
        raise Conflict("This has already ended.")
    ended = "declined" if before in ("suggested", "interested") else "stopped"
    keep_note(session, interest, actor, note, now)
    move(session, interest, (before,), now, state=ended, ended_at=now, ended_by=side)
    opening = interest.opening
    audit.record(
        session,
        actor,
        "interest.ended",
        "interest",
        interest.id,
        now=now,
        scope=scope(opening.team_id),
        changes={"side": side, "state": ended},
    )
    record_decision(
        session,
        interest,
        side,
        "no" if ended == "declined" else "stop",
        actor,
        now,
        lawful_requirement,
    )
    called_off = _end_trial(session, actor, interest, side, now)
    session.flush()
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
    if called_off:
        words += f" The trial visit on {called_off} will not happen."
    tell(session, interest, other(side), "An update about a possible match", words, now)
    return interest


def _drop_suggestion(session: Session, actor: User, interest: Interest, now: datetime) -> Interest:
    """The leader says no to an introducer's suggestion: it is removed, as if never made, so
    that the worker, who was never told, is neither shown it nor kept from the opening. It is
    not a decision on the worker, so the figures and the monitor do not count it. Audits
    `interest.suggestion_declined`."""
    done = session.execute(
        delete(Interest)
        .where(Interest.id == interest.id, Interest.state == "suggested")
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This has already changed. Please look again at where things stand.")
    audit.record(
        session,
        actor,
        "interest.suggestion_declined",
        "interest",
        interest.id,
        now=now,
        scope=scope(interest.opening.team_id),
        changes={"worker_id": interest.worker_id},
    )
    session.expunge(interest)
    interest.state, interest.ended_at, interest.ended_by = "declined", now, "team"
    return interest


def _end_trial(session: Session, actor: User, interest: Interest, side: str, now: datetime) -> str:
    """End this round's trial, if any; returns when the trial visit was, if it is called off."""
    trial = interest.trial
    if trial is None or trial.status == "ended":
        return ""
    agreed = trial.status == "agreed"
    trial.status, trial.ended_at = "ended", now
    if not agreed:
        return ""  # only suggested: nothing was booked
    trial.team_decision = "stop" if side == "team" else trial.team_decision
    trial.worker_decision = "stop" if side == "worker" else trial.worker_decision
    session.flush()
    if trial.starts_at <= now:
        return ""  # under way or over: it happened
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
    return describe_span(trial.starts_at, trial.ends_at)
