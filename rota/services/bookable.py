"""May this person be booked for this visit now, and if not, why: one answer for everything in
the rota that puts someone into a visit (planning, changing, answering and joining visits,
swaps, repeating visits, cover suggestions), pages and API alike.

A person may be booked in a team when they are a current member the leader made bookable, and,
for a visit that includes medicines, only when a facilitator has recorded a current, passed
medicines-competence check for them (DOMAIN.md, "Safe care": only workers recorded as
medicines-competent are offered such visits). Refusals are `Invalid` (422), in plain words that
say what would make the booking possible.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from coop.errors import Invalid
from coop.models import User
from teams.matching import vetting
from teams.models import Team
from teams.services.standing import current_membership

MEDICINES_CHECK = "medicines_competence"


def is_medicines_competent(session: Session, person: User, now: datetime) -> bool:
    valid = vetting.valid_by_worker(session, [person.id], vetting.today(now))[person.id]
    return valid.get(MEDICINES_CHECK, 0) > 0


def why_not(
    session: Session, person: User, *, includes_medicines: bool, now: datetime, you: bool = False
) -> str | None:
    """Why `person`, already a bookable member, may not be booked for such a visit now; None if
    they may. `you` words it for the person themselves."""
    if includes_medicines and not is_medicines_competent(session, person, now):
        if you:
            return (
                "This visit includes medicines, and you are not recorded as trained to help "
                "with medicines. A facilitator can record your medicines training with your checks."
            )
        return (
            f"This visit includes medicines, and {person.display_name} is not recorded as trained "
            "to help with medicines. A facilitator can record that training with their checks."
        )
    return None


def refuse_unless_bookable(
    session: Session,
    person: User,
    *,
    includes_medicines: bool,
    now: datetime,
    you: bool = False,
    field: str = "worker_id",
) -> None:
    """Raise Invalid (422) with `why_not`'s words, on `field`, when the person may not be booked."""
    reason = why_not(session, person, includes_medicines=includes_medicines, now=now, you=you)
    if reason is not None:
        raise Invalid(reason, errors={field: [reason]})


def bookable_member(
    session: Session,
    team: Team,
    user_id: int,
    now: datetime,
    *,
    includes_medicines: bool,
    field: str = "worker_id",
    you: bool = False,
) -> User:
    """The team's bookable member `user_id`, if they may be booked for such a visit now; else
    Invalid (422) saying why."""
    person = session.get(User, user_id)
    membership = current_membership(session, person, team.id, now) if person else None
    if person is None or membership is None or not membership.bookable:
        raise Invalid(
            "That person cannot be booked in this team.",
            errors={field: ["Please choose someone the team can book."]},
        )
    refuse_unless_bookable(
        session, person, includes_medicines=includes_medicines, now=now, you=you, field=field
    )
    return person
