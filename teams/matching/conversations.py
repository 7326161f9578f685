"""A conversation between a team and a worker about an opening (an `Interest`), as each side
sees it: finding it and which side someone speaks for, telling a side, keeping what was said,
and the lists of conversations. `consent` makes the moves; this module is what they stand on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from coop.errors import Conflict, Invalid, NotFound
from coop.models import User
from coop.services import inbox
from teams.matching import policy
from teams.matching.models import Interest, MatchDecision, MatchNote, Opening, Trial
from teams.matching.vocabulary import LAWFUL_REQUIREMENTS
from teams.models import Hat, Membership, Team
from teams.policy import Standing
from teams.services.standing import require, standing

NOTE_LIMIT = 2000

# What a list of conversations shows: the opening and whose team, the worker and the trial.
_LOADED = (
    selectinload(Interest.opening).selectinload(Opening.team).selectinload(Team.leader),
    selectinload(Interest.opening).selectinload(Opening.neighbourhood),
    selectinload(Interest.worker),
    selectinload(Interest.trials),
)


# Finding a conversation as someone sees it -------------------------------------------------------


def side_of(
    session: Session, user: User | None, interest: Interest, now: datetime
) -> tuple[str | None, Standing]:
    """Which side `user` speaks for in this conversation ("worker", "team" or None), and their
    standing in the opening's team. A worker does not see a conversation an introducer has
    only suggested to their leader; facilitators speak for neither side."""
    s = standing(session, user, interest.opening.team, now)
    if user is not None and user.id == interest.worker_id:
        return (None if interest.state == "suggested" else "worker"), s
    if policy.can_view_team_openings(s) and not ("facilitator" in s.roles and not s.is_member):
        return "team", s
    return None, s


def find_interest(
    session: Session, user: User | None, interest_id: int, now: datetime
) -> tuple[Interest, str, Standing]:
    """The conversation with the side the person speaks for. Raises NotFound for anyone else."""
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
    """A trial with the side the person speaks for. Raises NotFound for anyone else."""
    trial = session.get(Trial, trial_id, populate_existing=True)
    if trial is None:
        raise NotFound("We could not find that trial.")
    _, side, s = find_interest(session, user, trial.interest_id, now)
    return trial, side, s


def whose_turn(interest: Interest, now: datetime) -> str | None:
    """Which side the conversation is waiting for ("team", "worker"), or None when it is
    waiting for nobody (ended, or a trial still to come)."""
    trial = interest.trial
    if interest.state == "suggested":
        return "team"
    if interest.state == "interested":
        return other(interest.started_by)
    if interest.state == "mutual":
        if trial is None or trial.status != "proposed":
            return "team"  # the leader is asked first to suggest a time; either side may
        return other(trial.proposed_by)
    if interest.state == "trial" and trial is not None and trial.ends_at <= now:
        if trial.team_decision is None:
            return "team"
        if trial.worker_decision is None:
            return "worker"
    return None


def other(side: str) -> str:
    return "team" if side == "worker" else "worker"


def may_speak(side: str, s: Standing) -> None:
    """The team's word (yes, no, a trial, carry on, stop) is its leader's, or their
    representative's. Raises Forbidden for anyone else on the team's side."""
    if side == "team":
        require(
            policy.can_decide_for_team(s),
            detail="Only the person who leads the team, or their representative, can decide this.",
        )


# Telling a side -----------------------------------------------------------------------------------


def team_speakers(session: Session, team: Team) -> list[User]:
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


def tell(
    session: Session,
    interest: Interest,
    side: str,
    subject: str,
    body: str,
    now: datetime,
    *,
    skip: User | None = None,
) -> None:
    """Tell one side, in their inbox and by e-mail, with a link to where they can answer;
    `skip` is the person who just acted, who needs no message about their own click."""
    opening = interest.opening
    if side == "worker":
        people, link = [interest.worker], "/matching/me"
    else:
        people = team_speakers(session, opening.team)
        link = f"/teams/{opening.team_id}/openings/{opening.id}"
    people = [p for p in people if skip is None or p.id != skip.id]
    inbox.notify(session, people, subject=subject, body=body, now=now, link=link)


# Keeping what was said ----------------------------------------------------------------------------


def record_decision(
    session: Session,
    interest: Interest,
    side: str,
    decision: str,
    actor: User,
    now: datetime,
    lawful_requirement: str | None = None,
) -> None:
    """Keep one side's word for the figures and the equality monitor."""
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


def move(
    session: Session, interest: Interest, expected: tuple[str, ...], now: datetime, **values: object
) -> None:
    """The conditional update: only from a state we expect, so that two clicks do one thing.
    Raises Conflict when the state has moved on."""
    done = session.execute(
        update(Interest)
        .where(Interest.id == interest.id, Interest.state.in_(expected))
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This has already changed. Please look again at where things stand.")
    session.refresh(interest)


def check_lawful(side: str, lawful_requirement: str | None) -> None:
    """A lawful stated requirement is the team's to record, from the list. Raises Invalid."""
    if lawful_requirement is None:
        return
    if side != "team" or lawful_requirement not in LAWFUL_REQUIREMENTS:
        raise Invalid(
            "Please choose from the list.",
            errors={"lawful_requirement": ["Please choose from the list."]},
        )


def keep_note(
    session: Session, interest: Interest, actor: User, note: str | None, now: datetime
) -> None:
    """A private note for the co-op from whoever said no. Raises Invalid when too long."""
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


# Lists --------------------------------------------------------------------------------------------


def interests_of_worker(session: Session, worker: User) -> list[Interest]:
    """The worker's own conversations, latest first (not those only suggested to a leader)."""
    return list(
        session.scalars(
            select(Interest)
            .where(Interest.worker_id == worker.id, Interest.state != "suggested")
            .options(*_LOADED)
            .order_by(Interest.updated_at.desc(), Interest.id.desc())
        )
    )


def interests_of_opening(session: Session, opening: Opening) -> list[Interest]:
    """Every conversation about an opening, latest first; the caller has checked the viewer
    may see the team's openings."""
    return list(
        session.scalars(
            select(Interest)
            .where(Interest.opening_id == opening.id)
            .options(*_LOADED)
            .order_by(Interest.updated_at.desc(), Interest.id.desc())
        )
    )


def interests_by_opening(session: Session, openings: list[Opening]) -> dict[int, list[Interest]]:
    """The conversations about several openings at once (one query), by opening id."""
    found: dict[int, list[Interest]] = {o.id: [] for o in openings}
    if found:
        for interest in session.scalars(
            select(Interest).where(Interest.opening_id.in_(found)).options(*_LOADED)
        ):
            found[interest.opening_id].append(interest)
    return found


def opening_interests(
    session: Session, viewer: User, opening_id: int, now: datetime
) -> list[Interest]:
    """Who is in touch about a team's opening, for those who may see the team's openings.
    Raises NotFound for anyone else."""
    from teams.matching.openings import find_opening, find_team_opening

    opening = find_opening(session, opening_id)
    find_team_opening(session, standing(session, viewer, opening.team, now), opening.id)
    return interests_of_opening(session, opening)


def notes_for_co_op(session: Session, actor: User, *, limit: int = 200) -> list[MatchNote]:
    """The private notes left when someone said no or stopped, newest first, for facilitators
    only. Raises NotFound for anyone else."""
    require(policy.can_read_match_notes(actor), hidden=True)
    return list(
        session.scalars(
            select(MatchNote)
            .options(selectinload(MatchNote.author))
            .order_by(MatchNote.created_at.desc())
            .limit(limit)
        )
    )
