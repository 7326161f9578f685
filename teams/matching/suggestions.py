"""Suggestions both ways: the facts matching needs, read in a few queries (never one per
worker), handed to the pure rules in `scoring`, less the pairs already in touch and those a side
said no to lately (unless they ask to see them again)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coop.errors import Conflict, NotFound
from coop.models import User
from coop.services import settings
from teams.matching import policy
from teams.matching.models import Interest, MatchDecision, Opening, WorkerProfile
from teams.matching.profiles import skill_names
from teams.matching.scoring import (
    OpeningFacts,
    Suggestion,
    Window,
    WorkerFacts,
    exclusions,
    suggest_openings,
    suggest_workers,
)
from teams.matching.vetting import companionship_needs_dbs, is_vetted, today, valid_by_worker
from teams.matching.vocabulary import DECLINES
from teams.models import Membership
from teams.policy import Standing
from teams.services.standing import require


def windows(raw: list[list[int]]) -> tuple[Window, ...]:
    return tuple(Window(int(w[0]), int(w[1]), int(w[2])) for w in raw)


def worker_facts(session: Session, profiles: list[WorkerProfile], on: date) -> list[WorkerFacts]:
    """Facts for each profile, with three queries in all whatever the number of workers."""
    ids = [p.user_id for p in profiles]
    valid = valid_by_worker(session, ids, on)
    teams: dict[int, int] = (
        dict(
            session.execute(  # type: ignore[arg-type]
                select(Membership.user_id, func.count(func.distinct(Membership.team_id)))
                .where(Membership.user_id.in_(ids), Membership.status == "active")
                .group_by(Membership.user_id)
            ).all()
        )
        if ids
        else {}
    )
    names = skill_names(session)
    return [
        WorkerFacts(
            user_id=p.user_id,
            name=p.user.display_name,
            employment=p.employment,
            rate_pence=p.rate_pence,
            point=p.neighbourhood.point if p.neighbourhood else None,
            travel_miles=p.travel_miles,
            skills=frozenset(p.skills),
            skill_names=names,
            languages=frozenset(p.languages),
            interests=frozenset(p.interests),
            windows=windows(p.windows),
            open_to_new_teams=p.open_to_new_teams,
            paused=p.paused_at is not None,
            valid=valid[p.user_id],
            current_teams=teams.get(p.user_id, 0),
        )
        for p in profiles
    ]


def opening_facts(opening: Opening) -> OpeningFacts:
    return OpeningFacts(
        opening_id=opening.id,
        team_id=opening.team_id,
        tasks=frozenset(opening.tasks),
        windows=windows(opening.windows),
        point=opening.neighbourhood.point,
        required_skills=frozenset(opening.required_skills),
        preferred_skills=frozenset(opening.preferred_skills),
        required_languages=frozenset(opening.required_languages),
        preferred_languages=frozenset(opening.preferred_languages),
        interests=frozenset(opening.interests),
        max_rate_pence=opening.max_rate_pence,
    )


def _quiet_since(session: Session, now: datetime) -> datetime:
    return now - timedelta(days=int(settings.get(session, "matching_quiet_days")))


def _profiles(session: Session) -> list[WorkerProfile]:
    return list(
        session.scalars(
            select(WorkerProfile)
            .join(User, User.id == WorkerProfile.user_id)
            .where(
                User.active.is_(True),
                WorkerProfile.open_to_new_teams.is_(True),
                WorkerProfile.paused_at.is_(None),
            )
            .options(selectinload(WorkerProfile.user), selectinload(WorkerProfile.neighbourhood))
        )
    )


def for_opening(
    session: Session,
    s: Standing,
    opening_id: int,
    *,
    now: datetime,
    include_declined: bool = False,
    limit: int | None = 50,
) -> list[Suggestion]:
    """Workers to suggest for the team's opening, best first, each with its reasons: those who
    pass every hard filter, not already in the team or in touch about this opening, and not
    ones the team said no to within the quiet period unless it asks (`include_declined`).
    Raises NotFound for anyone who may not see the team's openings, Conflict for a closed one."""
    require(policy.can_view_team_openings(s), hidden=True)
    opening = session.get(Opening, opening_id)
    if opening is None or opening.team_id != s.team.id:
        raise NotFound("We could not find that opening.")
    if opening.status != "open":
        raise Conflict("This opening has closed, so nobody new is suggested for it.")
    leave_out = set(
        session.scalars(select(Interest.worker_id).where(Interest.opening_id == opening.id))
    )
    leave_out |= set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.team_id == s.team.id, Membership.status.in_(("active", "invited"))
            )
        )
    )
    leave_out.add(s.team.leader_id)
    if not include_declined:
        leave_out |= set(
            session.scalars(
                select(Interest.worker_id)
                .join(Opening, Opening.id == Interest.opening_id)
                .join(MatchDecision, MatchDecision.interest_id == Interest.id)
                .where(
                    Opening.team_id == s.team.id,
                    MatchDecision.side == "team",
                    MatchDecision.decision.in_(DECLINES),
                    MatchDecision.at >= _quiet_since(session, now),
                )
            )
        )
    profiles = [p for p in _profiles(session) if p.user_id not in leave_out]
    facts = worker_facts(session, profiles, today(now))
    return suggest_workers(
        opening_facts(opening),
        facts,
        companionship_needs_dbs=companionship_needs_dbs(session),
        limit=limit,
    )


def for_worker(
    session: Session,
    worker: User,
    *,
    now: datetime,
    include_declined: bool = False,
    limit: int | None = 50,
) -> list[Suggestion]:
    """Openings to suggest to a vetted worker, best first, with reasons: open, not of a team
    they are in, not already in touch, and not of a team they said no to within the quiet
    period unless they ask. Raises NotFound for someone not vetted, Conflict without a profile."""
    require(policy.can_browse_openings(worker, vetted=is_vetted(session, worker, now)), hidden=True)
    profile = session.get(WorkerProfile, worker.id)
    if profile is None:
        raise Conflict("Please fill in your worker profile first, so that we can suggest teams.")
    mine = select(Membership.team_id).where(
        Membership.user_id == worker.id, Membership.status == "active"
    )
    in_touch = select(Interest.opening_id).where(
        Interest.worker_id == worker.id, Interest.state != "suggested"
    )
    query = select(Opening).where(
        Opening.status == "open", Opening.team_id.not_in(mine), Opening.id.not_in(in_touch)
    )
    if not include_declined:
        declined_teams = (
            select(Opening.team_id)
            .join(Interest, Interest.opening_id == Opening.id)
            .join(MatchDecision, MatchDecision.interest_id == Interest.id)
            .where(
                Interest.worker_id == worker.id,
                MatchDecision.side == "worker",
                MatchDecision.decision.in_(DECLINES),
                MatchDecision.at >= _quiet_since(session, now),
            )
        )
        query = query.where(Opening.team_id.not_in(declined_teams))
    openings = list(session.scalars(query.options(selectinload(Opening.neighbourhood))))
    facts = worker_facts(session, [profile], today(now))[0]
    # A worker looking at suggestions is looking, whatever their "open to new teams" says.
    facts = WorkerFacts(**{**facts.__dict__, "open_to_new_teams": True, "paused": False})
    return suggest_openings(
        facts,
        [opening_facts(o) for o in openings],
        companionship_needs_dbs=companionship_needs_dbs(session),
        limit=limit,
    )


def passes_filters(session: Session, opening: Opening, worker_id: int, now: datetime) -> bool:
    """Whether one worker passes every hard filter for the opening (as `for_opening` would
    suggest them, leaving aside who is already in touch), without ranking everyone else."""
    profile = session.get(WorkerProfile, worker_id)
    if profile is None or not profile.user.active:
        return False
    facts = worker_facts(session, [profile], today(now))[0]
    return not exclusions(
        facts, opening_facts(opening), companionship_needs_dbs=companionship_needs_dbs(session)
    )
