"""Openings: a team's place for a worker, which its leader writes, and which vetted workers see
without the person's name or address until both sides say yes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit
from teams.matching import policy
from teams.matching.models import Interest, Neighbourhood, Opening
from teams.matching.profiles import check_windows, skills, words
from teams.matching.vocabulary import TASKS
from teams.policy import Standing
from teams.services.standing import require, scope, standing

FIELDS = (
    "title",
    "support",
    "what_matters",
    "tasks",
    "windows",
    "neighbourhood_id",
    "required_skills",
    "preferred_skills",
    "required_languages",
    "preferred_languages",
    "interests",
    "max_rate_pence",
)


def _clean(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = " ".join(str(values.get("title") or "").split())
    if not title or len(title) > 120:
        errors["title"] = ["Please give the opening a short title (up to 120 letters)."]
    support = str(values.get("support") or "").strip()
    if not support:
        errors["support"] = ["Please say what support you are looking for."]
    elif len(support) > 4000:
        errors["support"] = ["Please keep this under 4000 characters."]
    what_matters = str(values.get("what_matters") or "").strip()
    if len(what_matters) > 4000:
        errors["what_matters"] = ["Please keep this under 4000 characters."]
    tasks = sorted({str(t) for t in values.get("tasks") or []})
    if not tasks:
        errors["tasks"] = ["Please choose at least one thing you would like help with."]
    elif set(tasks) - set(TASKS):
        errors["tasks"] = ["Please choose from the list."]
    windows = check_windows(values.get("windows") or [], errors)
    if not windows and "windows" not in errors:
        errors["windows"] = ["Please give at least one time in the week."]
    place_id = values.get("neighbourhood_id")
    if place_id is None or session.get(Neighbourhood, place_id) is None:
        errors["neighbourhood_id"] = ["Please choose the neighbourhood."]
    known = {s.id for s in skills(session)}
    cleaned_skills: dict[str, list[int]] = {}
    for field in ("required_skills", "preferred_skills"):
        chosen = sorted({int(s) for s in values.get(field) or []})
        if set(chosen) - known:
            errors[field] = ["Please choose skills from the list."]
        cleaned_skills[field] = chosen
    rate = values.get("max_rate_pence")
    if rate == "":
        rate = None
    if rate is not None and (not isinstance(rate, int) or not 0 <= rate <= 100_000):
        errors["max_rate_pence"] = [
            "Please give an hourly amount between £0 and £1,000, or leave it empty."
        ]
    found_words = {
        f: words(values.get(f)) for f in ("required_languages", "preferred_languages", "interests")
    }
    for field, found in found_words.items():
        if len(found) > 12 or any(len(w) > 40 for w in found):
            errors[field] = ["Please give at most 12, each under 40 letters."]
    if errors:
        raise Invalid("Please check the opening.", errors=errors)
    return {
        "title": title,
        "support": support,
        "what_matters": what_matters,
        "tasks": tasks,
        "windows": windows,
        "neighbourhood_id": place_id,
        "max_rate_pence": rate,
        **cleaned_skills,
        **found_words,
    }


def create_opening(
    session: Session, s: Standing, values: Mapping[str, Any], *, now: datetime
) -> Opening:
    """Open a place on the team. Raises Forbidden unless the person leads the team, Invalid
    with a message per field. Audits `opening.created`."""
    require(policy.can_manage_openings(s))
    if s.user is None:
        raise Forbidden("Please sign in first.")
    opening = Opening(
        team_id=s.team.id,
        status="open",
        created_at=now,
        created_by_id=s.user.id,
        **_clean(session, values),
    )
    session.add(opening)
    session.flush()
    audit.record(
        session, s.user, "opening.created", "opening", opening.id, now=now, scope=scope(s.team)
    )
    return opening


def update_opening(
    session: Session, s: Standing, opening_id: int, values: Mapping[str, Any], *, now: datetime
) -> Opening:
    """Change an open opening. Raises NotFound, Forbidden or Invalid. Audits `opening.changed`
    with the names of the fields that changed."""
    opening = find_team_opening(session, s, opening_id)
    require(policy.can_manage_openings(s))
    if opening.status != "open":
        raise Invalid("This opening is closed, so it cannot be changed.")
    new = _clean(session, values)
    changed = sorted(k for k, v in new.items() if getattr(opening, k) != v)
    for key, value in new.items():
        setattr(opening, key, value)
    session.flush()
    audit.record(
        session,
        s.user,
        "opening.changed",
        "opening",
        opening.id,
        now=now,
        scope=scope(s.team),
        changes={"fields": changed},
    )
    return opening


def close_opening(
    session: Session, s: Standing, opening_id: int, *, filled: bool, now: datetime
) -> Opening:
    """Close an opening (filled, or no longer wanted). Conversations already under way go on;
    nobody new is suggested. Raises NotFound or Forbidden. Audits `opening.closed`."""
    opening = find_team_opening(session, s, opening_id)
    require(policy.can_manage_openings(s))
    if opening.status == "open":
        opening.status = "filled" if filled else "closed"
        opening.closed_at = now
        session.flush()
        audit.record(
            session,
            s.user,
            "opening.closed",
            "opening",
            opening.id,
            now=now,
            scope=scope(s.team),
            changes={"status": opening.status},
        )
    return opening


def team_openings(session: Session, s: Standing) -> list[Opening]:
    """The team's openings, newest first. Raises NotFound for anyone who may not see them."""
    require(policy.can_view_team_openings(s), hidden=True)
    return list(
        session.scalars(
            select(Opening)
            .where(Opening.team_id == s.team.id)
            .order_by(Opening.status, Opening.created_at.desc())
        )
    )


def find_team_opening(session: Session, s: Standing, opening_id: int) -> Opening:
    require(policy.can_view_team_openings(s), hidden=True)
    opening = session.get(Opening, opening_id)
    if opening is None or opening.team_id != s.team.id:
        raise NotFound("We could not find that opening.")
    return opening


def find_opening(session: Session, opening_id: int) -> Opening:
    opening = session.get(Opening, opening_id)
    if opening is None:
        raise NotFound("We could not find that opening.")
    return opening


#: From these states on, both sides have said yes, so the worker may know whose team it is.
NAMED_STATES = frozenset({"mutual", "trial", "matched", "member"})


@dataclass(frozen=True)
class OpeningView:
    """An opening as someone outside its team sees it, with their own interest in it; `named`
    says whether they may know whose team it is."""

    opening: Opening
    interest: Interest | None
    named: bool
    for_team: bool  # the viewer speaks for the opening's team (or is a facilitator)


def opening_for_viewer(
    session: Session, viewer: User, opening_id: int, now: datetime
) -> OpeningView:
    """An opening as a worker sees it (the team's own speakers and facilitators see it too):
    open ones for vetted workers, and any one the worker is in touch about. Whose team it is
    shows only once both sides have said yes. Raises NotFound for anyone else."""
    from teams.matching.vetting import is_vetted

    opening = find_opening(session, opening_id)
    team_side = policy.can_view_team_openings(standing(session, viewer, opening.team, now))
    interest = session.scalar(
        select(Interest).where(
            Interest.opening_id == opening.id,
            Interest.worker_id == viewer.id,
            Interest.state != "suggested",  # the leader's to answer; the worker is not told
        )
    )
    if not team_side and interest is None:
        require(opening.status == "open", hidden=True)
        require(
            policy.can_browse_openings(viewer, vetted=is_vetted(session, viewer, now)), hidden=True
        )
    named = team_side or (interest is not None and interest.state in NAMED_STATES)
    return OpeningView(opening, interest, named, team_side)


def open_openings(session: Session, worker: User, now: datetime) -> list[Opening]:
    """Every open opening, for a vetted worker to browse, except those of teams they are in.
    Raises NotFound for anyone not vetted."""
    from teams.matching.vetting import is_vetted
    from teams.models import Membership

    require(policy.can_browse_openings(worker, vetted=is_vetted(session, worker, now)), hidden=True)
    mine = select(Membership.team_id).where(
        Membership.user_id == worker.id, Membership.status == "active"
    )
    return list(
        session.scalars(
            select(Opening)
            .where(Opening.status == "open", Opening.team_id.not_in(mine))
            .order_by(Opening.created_at.desc(), Opening.id.desc())
        )
    )
