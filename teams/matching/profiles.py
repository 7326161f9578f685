"""Workers' profiles, the co-op's lists they draw on (neighbourhoods, skills), and the voluntary
equality answers, which are kept apart and only ever counted in aggregate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import Invalid
from coop.models import User
from coop.services import audit
from teams.matching import policy
from teams.matching.models import EqualityAnswer, Neighbourhood, Skill, WorkerProfile
from teams.matching.vocabulary import EQUALITY_QUESTIONS
from teams.models import EMPLOYMENTS

MAX_WORDS = 12
MAX_RATE_PENCE = 100_00 * 10  # £1,000 an hour: anything above is a typing slip


def neighbourhoods(session: Session) -> list[Neighbourhood]:
    return list(session.scalars(select(Neighbourhood).order_by(Neighbourhood.name)))


def skills(session: Session, *, include_retired: bool = False) -> list[Skill]:
    query = select(Skill).order_by(Skill.name)
    if not include_retired:
        query = query.where(Skill.active.is_(True))
    return list(session.scalars(query))


def skill_names(session: Session) -> dict[int, str]:
    return {s.id: s.name for s in session.scalars(select(Skill))}


def add_neighbourhood(
    session: Session, actor: User, *, name: str, easting: int, northing: int, now: datetime
) -> Neighbourhood:
    """Add a neighbourhood with its map point (British National Grid, metres). Raises Forbidden
    for anyone but a facilitator, Invalid for a repeated name or a point off the map. Audits
    `neighbourhood.added`."""
    from teams.services.standing import require

    require(policy.can_keep_lists(actor), detail="Only a facilitator can change the co-op's lists.")
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = ["Please give the neighbourhood a name."]
    elif session.scalar(select(Neighbourhood.id).where(Neighbourhood.name == name)):
        errors["name"] = ["There is already a neighbourhood with that name."]
    if not 0 <= easting <= 700_000:
        errors["easting"] = ["An easting is between 0 and 700000 metres."]
    if not 0 <= northing <= 1_300_000:
        errors["northing"] = ["A northing is between 0 and 1300000 metres."]
    if errors:
        raise Invalid("Please check the neighbourhood.", errors=errors)
    place = Neighbourhood(name=name, easting=easting, northing=northing)
    session.add(place)
    session.flush()
    audit.record(session, actor, "neighbourhood.added", "neighbourhood", place.id, now=now)
    return place


def add_skill(session: Session, actor: User, *, name: str, now: datetime) -> Skill:
    """Add a skill to the co-op's list. Raises Forbidden or Invalid. Audits `skill.added`."""
    from teams.services.standing import require

    require(policy.can_keep_lists(actor), detail="Only a facilitator can change the co-op's lists.")
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise Invalid(
            "Please check the skill.",
            errors={"name": ["Please name the skill (up to 80 letters)."]},
        )
    if session.scalar(select(Skill.id).where(Skill.name == name)):
        raise Invalid(
            "Please check the skill.", errors={"name": ["That skill is already on the list."]}
        )
    skill = Skill(name=name, active=True)
    session.add(skill)
    session.flush()
    audit.record(session, actor, "skill.added", "skill", skill.id, now=now)
    return skill


def profile_of(session: Session, user_id: int) -> WorkerProfile | None:
    return session.get(WorkerProfile, user_id)


def words(raw: str | Iterable[str] | None) -> list[str]:
    """Free words as the lists keep them: lower case, trimmed, each once, in the order given.
    Accepts a comma-separated string (a form) or a list (the API)."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    found: list[str] = []
    for item in items:
        word = " ".join(str(item).split()).lower()
        if word and word not in found:
            found.append(word)
    return found


def check_windows(
    raw: Iterable[Any], errors: dict[str, list[str]], field: str = "windows"
) -> list[list[int]]:
    """Weekly windows as [weekday, start minute, end minute]; collects problems in `errors`."""
    cleaned: list[list[int]] = []
    for item in raw:
        try:
            weekday, start, end = (int(v) for v in item)
        except (TypeError, ValueError):
            errors.setdefault(field, []).append("Each time needs a day, a start and an end.")
            continue
        if not 0 <= weekday <= 6 or not 0 <= start < end <= 1440:
            errors.setdefault(field, []).append("Each time must end after it starts, on one day.")
            continue
        cleaned.append([weekday, start, end])
    if len(cleaned) > 28:
        errors.setdefault(field, []).append("Please give at most 28 times in a week.")
    return sorted(cleaned)


def save_profile(
    session: Session, user: User, values: Mapping[str, Any], *, now: datetime
) -> WorkerProfile:
    """Create or update the person's own worker profile from `values` (the fields of
    WorkerProfile that a worker keeps). Raises Invalid with a message per field and changes
    nothing then. Audits `worker_profile.saved` with the names of the fields that changed."""
    errors: dict[str, list[str]] = {}
    about = str(values.get("about") or "").strip()
    if len(about) > 2000:
        errors["about"] = ["Please keep “about me” under 2000 characters."]
    employment = values.get("employment")
    if employment not in EMPLOYMENTS:
        errors["employment"] = ["Please say whether you are employed by the co-op or independent."]
    rate = values.get("rate_pence")
    if employment == "independent":
        if rate is None or rate == "":
            errors["rate_pence"] = [
                "Independent workers set their own hourly rate: please give it."
            ]
        elif not isinstance(rate, int) or not 0 <= rate <= MAX_RATE_PENCE:
            errors["rate_pence"] = ["Please give an hourly rate between £0 and £1,000."]
    else:
        rate = None
    place_id = values.get("neighbourhood_id")
    if place_id is None or session.get(Neighbourhood, place_id) is None:
        errors["neighbourhood_id"] = ["Please choose the neighbourhood you live in or near."]
    travel = values.get("travel_miles")
    if not isinstance(travel, int) or not 0 <= travel <= 100:
        errors["travel_miles"] = ["Please say how far you will travel, from 0 to 100 miles."]
    known = {s.id for s in skills(session)}
    chosen = sorted({int(s) for s in values.get("skills") or []})
    if set(chosen) - known:
        errors["skills"] = ["Please choose skills from the list."]
    other_skills = " ".join(str(values.get("other_skills") or "").split())
    if len(other_skills) > 300:
        errors["other_skills"] = ["Please keep other skills under 300 characters."]
    languages = words(values.get("languages"))
    interests = words(values.get("interests"))
    for field, found in (("languages", languages), ("interests", interests)):
        if len(found) > MAX_WORDS or any(len(w) > 40 for w in found):
            errors[field] = [f"Please give at most {MAX_WORDS}, each under 40 letters."]
    windows = check_windows(values.get("windows") or [], errors)
    if errors:
        raise Invalid("Please check your profile.", errors=errors)
    profile = session.get(WorkerProfile, user.id)
    created = profile is None
    if profile is None:
        profile = WorkerProfile(user_id=user.id, updated_at=now)
        session.add(profile)
    new = {
        "about": about,
        "employment": employment,
        "rate_pence": rate,
        "neighbourhood_id": place_id,
        "travel_miles": travel,
        "skills": chosen,
        "other_skills": other_skills,
        "languages": languages,
        "interests": interests,
        "windows": windows,
        "open_to_new_teams": bool(values.get("open_to_new_teams")),
    }
    changed = sorted(k for k, v in new.items() if created or getattr(profile, k) != v)
    for key, value in new.items():
        setattr(profile, key, value)
    profile.updated_at = now
    session.flush()
    audit.record(
        session,
        user,
        "worker_profile.saved",
        "worker_profile",
        user.id,
        now=now,
        changes={"fields": changed},
    )
    return profile


def my_equality_answers(session: Session, user: User) -> dict[str, str]:
    """The person's own answers, for their own form only."""
    return {
        a.characteristic: a.answer
        for a in session.scalars(select(EqualityAnswer).where(EqualityAnswer.user_id == user.id))
    }


def save_equality_answers(
    session: Session, user: User, answers: Mapping[str, str | None], *, now: datetime
) -> None:
    """Keep the person's voluntary answers: an empty answer removes one. Raises Invalid for an
    answer not on the list. Audits `equality_answers.saved` with no answers in it at all, not
    even which questions were answered."""
    errors: dict[str, list[str]] = {}
    for characteristic, answer in answers.items():
        if characteristic not in EQUALITY_QUESTIONS:
            errors[characteristic] = ["That is not one of the questions."]
        elif answer and answer not in {code for code, _ in EQUALITY_QUESTIONS[characteristic][1]}:
            errors[characteristic] = ["Please choose one of the answers."]
    if errors:
        raise Invalid("Please check your answers.", errors=errors)
    existing = {
        a.characteristic: a
        for a in session.scalars(select(EqualityAnswer).where(EqualityAnswer.user_id == user.id))
    }
    for characteristic, answer in answers.items():
        row = existing.get(characteristic)
        if not answer:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                EqualityAnswer(
                    user_id=user.id, characteristic=characteristic, answer=answer, answered_at=now
                )
            )
        else:
            row.answer, row.answered_at = answer, now
    session.flush()
    audit.record(session, user, "equality_answers.saved", "user", user.id, now=now)
