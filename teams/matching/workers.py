"""A worker as others see them: who may read a worker's profile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import NotFound
from coop.models import User
from teams.matching import policy, profiles, suggestions
from teams.matching.models import Interest, Opening, WorkerProfile
from teams.models import Team
from teams.services.standing import require, standing


def related_to_worker(
    session: Session, viewer: User, worker_id: int, now: datetime, *, opening_id: int | None = None
) -> bool:
    """Whether `viewer` speaks for a team the worker is in touch with (an Interest on one of its
    openings), or for the team of the open opening `opening_id` that the worker is suggested for
    just now: the `related` of `policy.can_view_worker_profile`."""
    in_touch = (
        select(Opening.team_id)
        .join(Interest, Interest.opening_id == Opening.id)
        .where(Interest.worker_id == worker_id)
    )
    for team in session.scalars(select(Team).where(Team.id.in_(in_touch))):
        if policy.can_view_team_openings(standing(session, viewer, team, now)):
            return True
    opening = session.get(Opening, opening_id) if opening_id is not None else None
    if opening is None or opening.status != "open":
        return False
    s = standing(session, viewer, opening.team, now)
    return policy.can_view_team_openings(s) and suggestions.passes_filters(
        session, opening, worker_id, now
    )


def worker_profile_for(
    session: Session, viewer: User, worker_id: int, now: datetime, *, opening_id: int | None = None
) -> WorkerProfile:
    """A worker's profile as `viewer` may see it (`opening_id`: the opening of the viewer's team
    they are looking at suggestions for). Raises NotFound for anyone else, and for a worker
    without a profile."""
    related = not policy.can_view_worker_profile(viewer, worker_id, related=False) and (
        related_to_worker(session, viewer, worker_id, now, opening_id=opening_id)
    )
    require(policy.can_view_worker_profile(viewer, worker_id, related=related), hidden=True)
    profile = profiles.profile_of(session, worker_id)
    if profile is None:
        raise NotFound("We could not find that worker.")
    return profile
