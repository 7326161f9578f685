"""Meetings of the members: annual and general meetings with their notice, agenda, attendance,
quorum and minutes (DOMAIN.md, "Meetings").

The rules the co-op sets (co-op settings): `meeting_notice_days` clear days of notice (the day
notice is sent and the day of the meeting do not count), `quorum` members present in person or
by proxy, and `financial_year_end` (MM-DD): the annual meeting is held within 6 months of it.
Breaking the notice or annual-meeting rule does not stop the secretary (a meeting may be called
at short notice with the members' consent); it is a warning on the page and in the answer.

A special resolution for an amalgamation (s.111) or a conversion (s.113) that passed is
confirmed at a second meeting held 14 days to a month later, by more than half of the votes
there: the meeting names the resolution (`confirms_proposal_id`), the secretary records the
votes for and against, and a meeting held outside that window carries a warning.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.errors import Conflict, Invalid, NotFound, require
from coop.models import User
from coop.registries import SettingSpec
from coop.services import audit, settings
from governance import policy
from governance.models import (
    ATTENDANCE,
    MEETING_KINDS,
    AgendaItem,
    Attendance,
    Meeting,
    Member,
    Proposal,
)
from governance.services.register import standing

SETTINGS = (
    SettingSpec(
        "meeting_notice_days",
        "Notice of a meeting (clear days)",
        "int",
        14,
        "How many clear days' notice members get of a meeting. The day notice is sent and the "
        "day of the meeting do not count.",
        group="The co-op",
        minimum=0,
        maximum=90,
    ),
    SettingSpec(
        "quorum",
        "Quorum of a meeting (members)",
        "int",
        10,
        "How many members must be present, in person or by proxy, for a meeting to decide.",
        group="The co-op",
        minimum=1,
        maximum=10_000,
    ),
    SettingSpec(
        "financial_year_end",
        "End of the financial year (MM-DD)",
        "str",
        "03-31",
        "The annual meeting must be held within 6 months of this day, e.g. 03-31.",
        group="The co-op",
    ),
)


NEEDS_CONFIRMATION = ("special-amalgamation", "special-conversion")


@dataclass(frozen=True)
class Planned:
    """A meeting and what the secretary should know about it."""

    meeting: Meeting
    warnings: list[str]


@dataclass(frozen=True)
class Quorum:
    present: int
    needed: int

    @property
    def quorate(self) -> bool:
        return self.present >= self.needed


def clear_days(notice_sent_on: date, meeting_on: date) -> int:
    """Whole days between the day notice was sent and the day of the meeting, neither counted."""
    return max((meeting_on - notice_sent_on).days - 1, 0)


def year_end(text: str) -> tuple[int, int]:
    """(month, day) from "MM-DD"; ValueError when it is not a real day of the year."""
    month, _, day = text.strip().partition("-")
    found = (int(month), int(day))
    date(2001, *found)  # refuses 02-30 and the like (29 February is not every year's end)
    return found


def months_later(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    month = day.month + months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def annual_deadline(meeting_on: date, financial_year_end: str) -> date:
    """The last day for the annual meeting of the financial year that ended last before
    `meeting_on`: six months after that year's end (the end of the month if shorter)."""
    month, day = year_end(financial_year_end)
    ended = date(meeting_on.year, month, day)
    if ended >= meeting_on:
        ended = date(meeting_on.year - 1, month, day)
    month_after = ended.month + 6
    year = ended.year + (month_after - 1) // 12
    month_after = (month_after - 1) % 12 + 1
    last = calendar.monthrange(year, month_after)[1]
    # A year that ends on a month's last day has until the last day of the sixth month after.
    at_month_end = ended.day == calendar.monthrange(ended.year, ended.month)[1]
    return date(year, month_after, last if at_month_end else min(ended.day, last))


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def warnings_for(session: Session, meeting: Meeting, *, zone: str = "Europe/London") -> list[str]:
    """Plain-words warnings: notice shorter than the setting, an annual meeting held later than
    6 months after the financial year's end."""
    found: list[str] = []
    meeting_on = local_day(meeting.starts_at, zone)
    needed = int(settings.get(session, "meeting_notice_days"))
    given = clear_days(meeting.notice_sent_on, meeting_on)
    if given < needed:
        found.append(
            f"Short notice: {given} clear days, where the rules ask for {needed}. The meeting can "
            "go ahead only if the members agree to short notice."
        )
    proposal = meeting.confirms
    if proposal is not None and proposal.closed_at is not None:
        passed_on = local_day(proposal.closed_at, zone)
        earliest, latest = passed_on + timedelta(days=14), months_later(passed_on, 1)
        if not earliest <= meeting_on <= latest:
            found.append(
                f"The confirming meeting must be held from {earliest:%d %B %Y} to "
                f"{latest:%d %B %Y}: 14 days to a month after the resolution passed."
            )
    if meeting.kind == "annual":
        try:
            deadline = annual_deadline(meeting_on, str(settings.get(session, "financial_year_end")))
        except ValueError:
            found.append("The end of the financial year in the settings is not a day (MM-DD).")
        else:
            if meeting_on > deadline:
                found.append(
                    f"Late annual meeting: it should be held by {deadline:%d %B %Y}, within 6 "
                    "months of the end of the financial year."
                )
    return found


def quorum_of(session: Session, meeting: Meeting) -> Quorum:
    """Members present (in person or by proxy) against the co-op's quorum."""
    present = session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.meeting_id == meeting.id)
    )
    return Quorum(present or 0, int(settings.get(session, "quorum")))


def _check(kind: str, title: str, place: str, starts_at: Any, notice_sent_on: Any) -> str:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if kind not in MEETING_KINDS:
        errors["kind"] = ["Please choose an annual or a general meeting."]
    if not title or len(title) > 200:
        errors["title"] = ["Please give a title of up to 200 characters."]
    if not (place or "").strip() or len(place) > 300:
        errors["place"] = ["Please say where the meeting is, in up to 300 characters."]
    if not isinstance(starts_at, datetime) or starts_at.utcoffset() is None:
        errors["starts_at"] = ["Please give the meeting's date and time."]
    if not isinstance(notice_sent_on, date) or isinstance(notice_sent_on, datetime):
        errors["notice_sent_on"] = ["Please give the day notice was sent."]
    elif not errors.get("starts_at") and notice_sent_on > starts_at.date():
        errors["notice_sent_on"] = ["Notice must be sent before the meeting."]
    if errors:
        raise Invalid("Please check the meeting.", errors=errors)
    return title


def create_meeting(
    session: Session,
    actor: User,
    *,
    kind: str,
    title: str,
    starts_at: datetime | None,
    place: str,
    notice_sent_on: date | None,
    now: datetime,
    zone: str = "Europe/London",
    confirms_proposal_id: int | None = None,
) -> Planned:
    """The secretary calls a meeting (a missing time or day is refused as Invalid), which may be the confirming meeting of a special
    resolution that passed. Returns it with its warnings (short notice, a late annual meeting,
    a confirming meeting outside 14 days to a month). Raises NotFound (not the secretary),
    Invalid (bad details; a resolution that needs no confirmation or has not passed).
    Audits `meeting.created`."""
    require(policy.can_manage_meetings(standing(session, actor, now)), hidden=True)
    title = _check(kind, title, place, starts_at, notice_sent_on)
    if starts_at is None or notice_sent_on is None:  # _check has refused these already
        raise Invalid("The meeting needs its day and time, and the day notice was sent.")
    if confirms_proposal_id is not None:
        proposal = session.get(Proposal, confirms_proposal_id)
        if (
            proposal is None
            or proposal.kind not in NEEDS_CONFIRMATION
            or proposal.status != "awaiting-registration"
        ):
            raise Invalid(
                "Only a special resolution for an amalgamation or a conversion that passed is "
                "confirmed at a second meeting.",
                errors={"confirms_proposal_id": ["Please choose a resolution that passed."]},
            )
    meeting = Meeting(
        kind=kind,
        title=title,
        starts_at=starts_at,
        place=place.strip(),
        notice_sent_on=notice_sent_on,
        created_at=now,
        created_by_id=actor.id,
        confirms_proposal_id=confirms_proposal_id,
    )
    session.add(meeting)
    session.flush()
    audit.record(
        session, actor, "meeting.created", "meeting", meeting.id, now=now, changes={"kind": kind}
    )
    return Planned(meeting, warnings_for(session, meeting, zone=zone))


def visible_meetings(session: Session, actor: Any, *, now: datetime) -> list[Meeting]:
    """Every meeting, latest first, for members and the secretary."""
    require(policy.can_see_meetings(standing(session, actor, now)), hidden=True)
    return list(session.scalars(select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id)))


def get_meeting(session: Session, actor: Any, meeting_id: int, *, now: datetime) -> Meeting:
    """One meeting; NotFound when there is none or the actor may not see meetings."""
    require(policy.can_see_meetings(standing(session, actor, now)), hidden=True)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no such meeting.")
    return meeting


def published_minutes(meeting: Meeting) -> str | None:
    """The minutes as members may read them: only once published."""
    return meeting.minutes if meeting.minutes_published_at is not None else None


def _managed(session: Session, actor: User, meeting_id: int, now: datetime) -> Meeting:
    require(policy.can_manage_meetings(standing(session, actor, now)), hidden=True)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no such meeting.")
    return meeting


def add_agenda_item(
    session: Session,
    actor: User,
    meeting_id: int,
    *,
    text: str,
    proposal_id: int | None = None,
    now: datetime,
) -> AgendaItem:
    """The secretary adds an item at the end of the agenda, optionally naming the resolution it
    puts. Raises NotFound, Invalid. Audits `meeting.agenda_added`."""
    meeting = _managed(session, actor, meeting_id, now)
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not text or len(text) > 2000:
        errors["text"] = ["Please describe the item in up to 2000 characters."]
    if proposal_id is not None and session.get(Proposal, proposal_id) is None:
        errors["proposal_id"] = ["There is no such proposal."]
    if errors:
        raise Invalid("Please check the agenda item.", errors=errors)
    last = session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(
        meeting_id=meeting.id, position=(last or 0) + 1, text=text, proposal_id=proposal_id
    )
    session.add(item)
    session.flush()
    session.refresh(meeting, ["agenda"])
    audit.record(session, actor, "meeting.agenda_added", "meeting", meeting.id, now=now)
    return item


def record_attendance(
    session: Session, actor: User, meeting_id: int, *, member_id: int, how: str, now: datetime
) -> Attendance:
    """The secretary records a current member as present, in person or by proxy (recording them
    again changes how). Raises NotFound, Invalid. Audits `meeting.attendance`."""
    meeting = _managed(session, actor, meeting_id, now)
    member = session.get(Member, member_id)
    if how not in ATTENDANCE:
        raise Invalid("Please say how they attended.", errors={"how": ["Please choose one."]})
    if member is None or member.status != "member":
        raise Invalid(
            "Only current members count as present.",
            errors={"member_id": ["Please choose a current member."]},
        )
    found = session.get(Attendance, (meeting.id, member.id))
    if found is None:
        found = Attendance(
            meeting_id=meeting.id,
            member_id=member.id,
            how=how,
            recorded_by_id=actor.id,
            recorded_at=now,
        )
        session.add(found)
    else:
        found.how, found.recorded_by_id, found.recorded_at = how, actor.id, now
    session.flush()
    audit.record(
        session,
        actor,
        "meeting.attendance",
        "meeting",
        meeting.id,
        now=now,
        changes={"member_id": member.id, "how": how},
    )
    return found


def remove_attendance(
    session: Session, actor: User, meeting_id: int, *, member_id: int, now: datetime
) -> None:
    """The secretary takes back a member recorded as present by mistake. Raises NotFound."""
    meeting = _managed(session, actor, meeting_id, now)
    found = session.get(Attendance, (meeting.id, member_id))
    if found is None:
        raise NotFound("They are not recorded as present.")
    session.delete(found)
    session.flush()
    audit.record(
        session,
        actor,
        "meeting.attendance_removed",
        "meeting",
        meeting.id,
        now=now,
        changes={"member_id": member_id},
    )


def attendance(
    session: Session, actor: User, meeting_id: int, *, now: datetime
) -> list[Attendance]:
    """Who was present: the secretary only (members see the number)."""
    meeting = _managed(session, actor, meeting_id, now)
    return list(
        session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .order_by(Attendance.recorded_at, Attendance.member_id)
        )
    )


def save_minutes(
    session: Session,
    actor: User,
    meeting_id: int,
    *,
    minutes: str,
    publish: bool,
    now: datetime,
) -> Meeting:
    """The secretary writes the minutes and, when `publish`, publishes them to the members
    (a later change keeps them published, with the new text). Raises NotFound, Invalid.
    Audits `meeting.minutes_saved` or `meeting.minutes_published`."""
    meeting = _managed(session, actor, meeting_id, now)
    minutes = (minutes or "").strip()
    if not minutes:
        raise Invalid(
            "Please write the minutes.", errors={"minutes": ["Please write the minutes."]}
        )
    meeting.minutes = minutes
    published = publish and meeting.minutes_published_at is None
    if published:
        meeting.minutes_published_at = now
    session.flush()
    action = "meeting.minutes_published" if published else "meeting.minutes_saved"
    audit.record(session, actor, action, "meeting", meeting.id, now=now)
    return meeting


def record_confirmation(
    session: Session,
    actor: User,
    meeting_id: int,
    *,
    votes_for: int,
    votes_against: int,
    now: datetime,
) -> Meeting:
    """The secretary records the votes at a confirming meeting on confirming the resolution;
    more than half for confirms it. Raises NotFound, Conflict (not a confirming meeting), Invalid
    (bad counts, more votes than members present, or the meeting is not quorate). Audits
    `meeting.confirmation` with the counts."""
    meeting = _managed(session, actor, meeting_id, now)
    if meeting.confirms_proposal_id is None:
        raise Conflict("This meeting confirms no resolution.")
    errors: dict[str, list[str]] = {}
    for name, value in (("votes_for", votes_for), ("votes_against", votes_against)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = ["Please give a whole number of 0 or more."]
    quorum = quorum_of(session, meeting)
    if not errors and votes_for + votes_against > quorum.present:
        errors["votes_for"] = [f"Only {quorum.present} members are recorded as present."]
    if errors:
        raise Invalid("Please check the votes.", errors=errors)
    if not quorum.quorate:
        raise Invalid("The meeting is not quorate, so it cannot confirm the resolution.")
    meeting.confirmation_for, meeting.confirmation_against = votes_for, votes_against
    session.flush()
    audit.record(
        session,
        actor,
        "meeting.confirmation",
        "meeting",
        meeting.id,
        now=now,
        changes={"for": votes_for, "against": votes_against, "confirmed": meeting.confirmed},
    )
    return meeting
