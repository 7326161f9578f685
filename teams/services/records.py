"""Private records: the support plan with every version, private notes, and reads of them from
outside the team (granted, in an emergency, or by the registered manager), each logged for the
leader's "Who has seen my information" page unless the safeguarding lead holds it back."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import AccessEvent, User
from coop.services import audit
from teams import policy
from teams.models import (
    PLAN_SECTION_LABELS,
    PLAN_SECTIONS,
    Membership,
    Note,
    NoteReader,
    RecordsAccess,
    SupportPlan,
    SupportPlanRevision,
)
from teams.policy import Standing
from teams.services.members import _acting_for
from teams.services.standing import require, scope

EMERGENCY_ACCESS = timedelta(hours=24)
MAX_SECTION = 20_000


class PlanConflict(Conflict):
    """The plan was saved by someone else since this edit began. Carries both versions so that
    the page can show them side by side and keep what the person typed."""

    def __init__(self, current: SupportPlan, attempted: dict[str, str]) -> None:
        super().__init__(
            f"{current.updated_by.display_name} saved a newer version of the support plan "
            f"(version {current.version}) while you were editing. Nothing you typed has been "
            "lost: compare the two below, then save again."
        )
        self.current = current
        self.attempted = attempted


# Reads from outside the team -----------------------------------------------------------------


def _log_outside_read(session: Session, s: Standing, what: str, now: datetime) -> None:
    if not policy.reads_from_outside(s):
        return
    if s.user is None:
        raise Forbidden("Please sign in first.")
    basis = s.outside_access or "regulatory"
    reason = None
    if basis == "emergency":
        reason = session.scalar(
            select(RecordsAccess.reason)
            .where(
                RecordsAccess.team_id == s.team.id,
                RecordsAccess.user_id == s.user.id,
                RecordsAccess.basis == "emergency",
                RecordsAccess.ends_at > now,
                RecordsAccess.revoked_at.is_(None),
            )
            .order_by(RecordsAccess.starts_at.desc())
            .limit(1)
        )
    elif basis == "regulatory":
        reason = "Regulatory duties (registered manager)"
    audit.record_access(
        session,
        s.user,
        s.team.leader,
        what=what,
        record_type="team",
        record_id=s.team.id,
        basis=basis,
        reason=reason,
        now=now,
    )


def grant_access(
    session: Session, s: Standing, *, facilitator_id: int, until: date | None, now: datetime
) -> RecordsAccess:
    """The leader lets a facilitator see their records until a date. Every read is still logged.
    Audits `access.granted`."""
    require(policy.can_grant_access(s))
    if s.user is None:
        raise Forbidden("Please sign in first.")
    person = session.get(User, facilitator_id)
    errors: dict[str, list[str]] = {}
    if person is None or not person.active or not person.has_role("facilitator"):
        errors["facilitator_id"] = ["Please choose a facilitator."]
    if until is None or until <= now.date() or until > now.date() + timedelta(days=92):
        errors["until"] = ["Please choose a date after today and within three months."]
    if errors or until is None:
        raise Invalid("Access was not granted.", errors=errors)
    ends = datetime.combine(until + timedelta(days=1), time(0), tzinfo=UTC)
    grant = RecordsAccess(
        team_id=s.team.id,
        user_id=facilitator_id,
        basis="granted",
        starts_at=now,
        ends_at=ends,
        created_by_id=s.user.id,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        s.user,
        "access.granted",
        "records_access",
        grant.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={"user_id": facilitator_id},
    )
    return grant


def grants(session: Session, s: Standing, now: datetime) -> list[RecordsAccess]:
    return list(
        session.scalars(
            select(RecordsAccess)
            .where(
                RecordsAccess.team_id == s.team.id,
                RecordsAccess.revoked_at.is_(None),
                RecordsAccess.ends_at > now,
            )
            .order_by(RecordsAccess.starts_at)
        )
    )


def revoke_access(session: Session, s: Standing, access_id: int, *, now: datetime) -> None:
    """The leader ends a facilitator's access (or an emergency opening) now. Audits `access.revoked`."""
    require(policy.can_grant_access(s))
    if s.user is None:
        raise Forbidden("Please sign in first.")
    grant = session.get(RecordsAccess, access_id)
    if grant is None or grant.team_id != s.team.id or grant.revoked_at is not None:
        raise NotFound("We could not find that access.")
    grant.revoked_at = now
    session.flush()
    audit.record(
        session,
        s.user,
        "access.revoked",
        "records_access",
        grant.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
    )


def open_emergency_access(
    session: Session, s: Standing, *, reason: str, now: datetime
) -> RecordsAccess:
    """A facilitator opens a team's records in an emergency, for 24 hours, with a written reason
    the leader will see beside every read. Audits `access.emergency_opened` (without the reason)."""
    require(
        policy.can_open_emergency_access(s),
        detail="Only a facilitator outside the team can do that.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if len(reason.strip()) < 10:
        raise Invalid(
            "Please write why this is an emergency.",
            errors={"reason": ["Please write why this is an emergency (the person will see it)."]},
        )
    grant = RecordsAccess(
        team_id=s.team.id,
        user_id=s.user.id,
        basis="emergency",
        reason=reason.strip()[:2000],
        starts_at=now,
        ends_at=now + EMERGENCY_ACCESS,
        created_by_id=s.user.id,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        s.user,
        "access.emergency_opened",
        "records_access",
        grant.id,
        now=now,
        scope=scope(s.team),
    )
    return grant


def access_log(session: Session, s: Standing, now: datetime) -> list[AccessEvent]:
    """'Who has seen my information': reads from outside the team, newest first, except those
    the safeguarding lead is holding back; a held entry appears once its hold ends."""
    require(policy.can_view_access_log(s), hidden=True)
    return list(
        session.scalars(
            select(AccessEvent)
            .where(
                AccessEvent.record_type == "team",
                AccessEvent.record_id == s.team.id,
                or_(AccessEvent.held_until.is_(None), AccessEvent.held_until <= now),
            )
            .order_by(AccessEvent.at.desc(), AccessEvent.id.desc())
        )
    )


def recent_outside_reads(session: Session, actor: User, now: datetime) -> list[AccessEvent]:
    """For the safeguarding lead: reads from outside teams in the last 90 days, to hold back."""
    require(policy.can_hold_access_events(actor), hidden=True)
    return list(
        session.scalars(
            select(AccessEvent)
            .where(AccessEvent.record_type == "team", AccessEvent.at > now - timedelta(days=90))
            .order_by(AccessEvent.at.desc())
            .limit(500)
        )
    )


def hold_access_event(
    session: Session, actor: User, event_id: int, *, reason: str, until: date | None, now: datetime
) -> AccessEvent:
    """The safeguarding lead holds an entry back from the leader's page, with a reason and a
    review date, when showing it could put the person at risk. Audits `access.held` (no reason)."""
    require(policy.can_hold_access_events(actor), hidden=True)
    event = session.get(AccessEvent, event_id)
    if event is None or event.record_type != "team":
        raise NotFound("We could not find that entry.")
    errors: dict[str, list[str]] = {}
    if len(reason.strip()) < 10:
        errors["reason"] = ["Please record why this entry is held back."]
    if until is None or until <= now.date():
        errors["until"] = ["Please choose a review date after today."]
    if errors or until is None:
        raise Invalid("The entry was not held back.", errors=errors)
    event.held_until = datetime.combine(until, time(0), tzinfo=UTC)
    event.hold_reason, event.held_by_id = reason.strip()[:2000], actor.id
    session.flush()
    # Kept out of the team's history: the hold protects the person from someone who may see it.
    audit.record(
        session, actor, "access.held", "access_event", event.id, now=now, scope="safeguarding"
    )
    return event


# The support plan ------------------------------------------------------------------------------


def read_plan(session: Session, s: Standing, now: datetime) -> SupportPlan | None:
    """The current support plan (None before its first save). A read from outside the team is
    logged. Raises NotFound for someone who may not see it."""
    require(policy.can_view_records(s), hidden=True)
    _log_outside_read(session, s, "support plan", now)
    return session.scalar(select(SupportPlan).where(SupportPlan.team_id == s.team.id))


def clean_sections(raw: Mapping[str, str | None]) -> dict[str, str]:
    sections = {name: (raw.get(name) or "").replace("\r\n", "\n").strip() for name in PLAN_SECTIONS}
    too_long = [PLAN_SECTION_LABELS[n] for n, text in sections.items() if len(text) > MAX_SECTION]
    if too_long:
        raise Invalid(
            "Part of the plan is too long.",
            errors={
                n: [f"Please keep this under {MAX_SECTION} characters."]
                for n in PLAN_SECTIONS
                if len(sections[n]) > MAX_SECTION
            },
        )
    return sections


def save_plan(
    session: Session,
    s: Standing,
    raw: Mapping[str, str | None],
    *,
    base_version: int,
    now: datetime,
) -> SupportPlan:
    """Save a new version of the support plan, made from `base_version`. If someone saved since,
    raises PlanConflict (409) with both versions and nothing saved. The version is bumped with a
    conditional update, so two saves from one version cannot both win. Audits `plan.saved` with
    the version and the names of the sections that changed."""
    require(
        policy.can_edit_plan(s),
        hidden=not policy.can_view_records(s),
        detail="Only the person who leads the team, their representative or the plan holder can edit the plan.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    sections = clean_sections(raw)
    plan = session.scalar(select(SupportPlan).where(SupportPlan.team_id == s.team.id))
    if plan is None:
        if base_version != 0:
            raise NotFound("We could not find that version of the plan.")
        plan = SupportPlan(
            team_id=s.team.id, version=1, sections=sections, updated_at=now, updated_by_id=s.user.id
        )
        session.add(plan)
        session.flush()
        changed = [n for n in PLAN_SECTIONS if sections[n]]
    else:
        changed = [n for n in PLAN_SECTIONS if sections[n] != plan.sections.get(n, "")]
        done = session.execute(
            update(SupportPlan)
            .where(SupportPlan.id == plan.id, SupportPlan.version == base_version)
            .values(
                version=base_version + 1, sections=sections, updated_at=now, updated_by_id=s.user.id
            )
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            session.refresh(plan)
            raise PlanConflict(plan, sections)
        session.refresh(plan)
    session.add(
        SupportPlanRevision(
            plan_id=plan.id,
            version=plan.version,
            sections=sections,
            created_at=now,
            author_id=s.user.id,
        )
    )
    session.flush()
    audit.record(
        session,
        s.user,
        "plan.saved",
        "support_plan",
        plan.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={"version": plan.version, "sections": changed},
    )
    return plan


def plan_versions(session: Session, s: Standing, now: datetime) -> list[SupportPlanRevision]:
    require(policy.can_view_records(s), hidden=True)
    _log_outside_read(session, s, "support plan history", now)
    return list(
        session.scalars(
            select(SupportPlanRevision)
            .join(SupportPlan)
            .where(SupportPlan.team_id == s.team.id)
            .order_by(SupportPlanRevision.version.desc())
        )
    )


def plan_version(
    session: Session, s: Standing, version: int, *, now: datetime
) -> SupportPlanRevision:
    """One version of the plan; a read from outside the team is logged. Raises NotFound."""
    require(policy.can_view_records(s), hidden=True)
    _log_outside_read(session, s, f"support plan version {version}", now)
    revision = session.scalar(
        select(SupportPlanRevision)
        .join(SupportPlan)
        .where(SupportPlan.team_id == s.team.id, SupportPlanRevision.version == version)
    )
    if revision is None:
        raise NotFound("We could not find that version of the plan.")
    return revision


@dataclass(frozen=True)
class SectionDiff:
    name: str
    label: str
    changed: bool
    lines: list[tuple[str, str]]  # (" " | "-" | "+", text)


def compare(old: dict[str, str], new: dict[str, str]) -> list[SectionDiff]:
    """Line by line, section by section: what was taken out (-) and what was put in (+)."""
    result = []
    for name in PLAN_SECTIONS:
        a, b = (old.get(name) or "").splitlines(), (new.get(name) or "").splitlines()
        lines = [(line[0], line[2:]) for line in difflib.ndiff(a, b) if not line.startswith("?")]
        result.append(SectionDiff(name, PLAN_SECTION_LABELS[name], a != b, lines))
    return result


# Private notes ----------------------------------------------------------------------------------


def visible_notes(session: Session, s: Standing) -> list[Note]:
    """The notes this person may read: all of them for the leader and representative; their own
    and those they were named on for anyone else. Others do not learn that a note exists."""
    require(s.is_member, hidden=True)
    if s.user is None or s.membership is None:
        raise Forbidden("Only a member of the team can do that.")
    query = select(Note).where(Note.team_id == s.team.id)
    if not s.leads:
        query = query.where(
            or_(
                Note.author_id == s.user.id,
                exists().where(
                    NoteReader.note_id == Note.id, NoteReader.membership_id == s.membership.id
                ),
            )
        )
    return list(session.scalars(query.order_by(Note.created_at.desc(), Note.id.desc())))


def add_note(
    session: Session, s: Standing, *, body: str, reader_ids: list[int], now: datetime
) -> Note:
    """Write a private note, naming the members who may read it (the leader and representative
    always can). Raises Forbidden or Invalid. Audits `note.added` with the readers' membership
    ids, never the text."""
    require(policy.can_write_note(s), hidden=not s.is_member)
    if s.user is None:
        raise Forbidden("Please sign in first.")
    body = body.replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = ["Please write the note."]
    elif len(body) > MAX_SECTION:
        errors["body"] = [f"Please keep the note under {MAX_SECTION} characters."]
    allowed = set(
        session.scalars(
            select(Membership.id).where(
                Membership.team_id == s.team.id, Membership.status == "active"
            )
        )
    )
    if not set(reader_ids) <= allowed:
        errors["readers"] = ["Please choose people in the team."]
    if errors:
        raise Invalid("The note was not saved.", errors=errors)
    note = Note(
        team_id=s.team.id,
        author_id=s.user.id,
        body=body,
        created_at=now,
        readers=[NoteReader(membership_id=m) for m in sorted(set(reader_ids))],
    )
    session.add(note)
    session.flush()
    audit.record(
        session,
        s.user,
        "note.added",
        "note",
        note.id,
        now=now,
        scope=scope(s.team),
        changes={"readers": sorted(set(reader_ids))},
    )
    return note


def find_note(session: Session, s: Standing, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if note is None or note.team_id != s.team.id or not policy.can_view_note(s, note):
        raise NotFound("We could not find that note.")
    return note
